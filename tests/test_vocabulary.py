"""Signed records name their events by the documented vocabulary, never by where a class lives."""

from __future__ import annotations

import json
import re
from collections.abc import Callable

import pytest

from copro.demo import seed_demo
from ledger.governance.service import Governance
from ledger.log import vocabulary
from ledger.log.config import LedgerConfig
from ledger.log.keystore import KeysFolder
from tests.conftest import PASSPHRASE
from tests.test_personal_fields import ENVELOPE, FORMAT, _aggregates

DOCUMENTED = re.compile(r"^\| ([A-Z]\w+\.\w+) \| \w+ \|", re.M)


def documented_events() -> set[str]:
    text = FORMAT.read_text(encoding="utf-8")
    with_fields = set(DOCUMENTED.findall(text))
    section = text[text.index("### The event vocabulary") : text.index("## 3.")]
    without_fields = set(re.findall(r"`([A-Z]\w+\.\w+)`", section)) - {"Ballot.Cast"}  # an example, not a list item
    return {f"copro/1/{e}" for e in with_fields | without_fields}


def test_every_event_of_every_aggregate_has_a_documented_name() -> None:
    _aggregates()  # imports every aggregate module, so every name is registered
    copro_names = {n for n in vocabulary.names() if n.startswith("copro/1/") and "." in n}
    assert "copro/1/Proposal.Closed" in copro_names
    assert copro_names == documented_events()


def test_a_class_without_a_name_cannot_be_written() -> None:
    from eventsourcing.domain import Aggregate, event

    class Unnamed(Aggregate):
        @event("Happened")
        def __init__(self) -> None:
            pass

    with pytest.raises(vocabulary.UnnamedEventError, match="no name in the event vocabulary"):
        # eventsourcing makes Unnamed.Happened from @event("Happened") when the class is created: mypy cannot see it.
        vocabulary.topic_of(Unnamed.Happened)  # type: ignore[attr-defined]


def test_the_demo_ledger_holds_only_documented_topics_and_no_module_paths(
    make_config: Callable[[str], LedgerConfig],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Every event the demo writes, and every creation event's aggregate name, is a vocabulary name."""
    config: LedgerConfig = make_config("sqlite")
    list(seed_demo(config))
    gov = Governance.open(config, KeysFolder(config.keys_dir).load(PASSPHRASE))
    try:
        documented = documented_events()
        topics: set[str] = set()
        for batch in gov.merkle_log.scan():
            for row in batch:
                assert row.topic in documented, row.topic
                topics.add(row.topic)
                payload = json.loads(bytes(row.state)[69:])
                if "originator_topic" in payload:
                    assert re.fullmatch(r"copro/1/[A-Z]\w+", payload["originator_topic"]), payload["originator_topic"]
                assert not {k for k in payload if k in ENVELOPE} - {"timestamp", "originator_topic"}
        assert len(topics) >= 25, sorted(documented - topics)
        assert all("ledger." not in t and ":" not in t for t in topics)
    finally:
        gov.close()


def test_names_come_from_the_declarations_and_resolve_back_to_the_classes() -> None:
    """The name comes from @named and @event, not from the module path, and eventsourcing reads it back."""
    from ledger.governance.ballot import Ballot

    assert vocabulary.topic_of(Ballot) == "copro/1/Ballot"
    # eventsourcing makes Ballot.Cast from @event("Cast") when the class is created: mypy cannot see it.
    assert vocabulary.topic_of(Ballot.Cast) == "copro/1/Ballot.Cast"  # type: ignore[attr-defined]
    from eventsourcing.utils import resolve_topic

    assert resolve_topic("copro/1/Ballot.Cast") is Ballot.Cast, "eventsourcing reads the name back"  # type: ignore[attr-defined]
