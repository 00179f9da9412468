"""No field is plain by accident: every field of every event is named in FORMAT.md §6, sealed or plain.

A person's own words are sealed with their key; the collective's documents are not.
The table in docs/FORMAT.md is the decision, field by field; these tests hold the
code to it, and prove that a sealed value must sit at the place it names.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
import typing
from pathlib import Path
from uuid import uuid4

import pytest
from eventsourcing.domain import Aggregate

import ledger.governance
import ledger.log.keyring
from ledger.governance.recompute import OUTCOMES
from ledger.log.application import Ledger
from ledger.log.config import LedgerConfig
from ledger.log.sealed import Sealed, misplaced, place_of
from ledger.log.verify import verify_log
from ledger.personal.vault import PersonalDataVault
from tests.diary import Diary

FORMAT = Path(__file__).resolve().parents[1] / "docs" / "FORMAT.md"
ENVELOPE = {"originator_id", "originator_version", "timestamp", "originator_topic", "originator_id_type"}


def documented_fields() -> dict[tuple[str, str], str]:
    """(event, field) -> 'sealed' or 'plain', from the table in FORMAT.md §6."""
    text = FORMAT.read_text(encoding="utf-8")
    section = text[text.index("### Which fields are sealed") :]
    rows: dict[tuple[str, str], str] = {}
    for line in section.splitlines():
        m = re.match(r"^\| ([A-Z]\w+\.\w+) \| (\w+) \| ([^|]+) \| (sealed|plain)[^|]*\| ([^|]+) \|$", line)
        if m:
            assert (m[1], m[2]) not in rows, f"{m[1]}.{m[2]} is listed twice"
            assert m[5].strip(), f"{m[1]}.{m[2]} has no reason"
            rows[(m[1], m[2])] = m[4]
    return rows


def _aggregates() -> list[type[Aggregate]]:
    for module in pkgutil.iter_modules(ledger.governance.__path__):
        importlib.import_module(f"ledger.governance.{module.name}")
    found: list[type[Aggregate]] = []
    stack: list[type[Aggregate]] = [Aggregate]
    while stack:
        for sub in stack.pop().__subclasses__():
            stack.append(sub)
            if sub.__module__.startswith("ledger."):
                found.append(sub)
    return found


def event_fields() -> dict[tuple[str, str], object]:
    """(event, field) -> type, for every event class of every copro aggregate."""
    fields: dict[tuple[str, str], object] = {}
    for agg in _aggregates():
        for value in vars(agg).values():
            if isinstance(value, type) and issubclass(value, Aggregate.Event) and value.__qualname__.count(".") == 1:
                for name, hint in typing.get_type_hints(value).items():
                    if name not in ENVELOPE:
                        fields[(value.__qualname__, name)] = hint
    return fields


def _holds_sealed(hint: object) -> bool:
    return hint is Sealed or any(_holds_sealed(a) for a in typing.get_args(hint))


def test_every_field_of_every_event_is_in_the_table() -> None:
    documented, actual = documented_fields(), event_fields()
    assert ("Ballot.Cast", "reason") in actual and len(actual) > 100, "the walk finds the events"
    missing = sorted(f"{e}.{f}" for e, f in set(actual) - set(documented))
    assert not missing, f"fields with no decision in FORMAT.md §6: {missing}"
    stale = sorted(f"{e}.{f}" for e, f in set(documented) - set(actual))
    assert not stale, f"FORMAT.md §6 lists fields no event has: {stale}"


def test_a_field_is_sealed_exactly_when_the_table_says_so() -> None:
    documented = documented_fields()
    for key, hint in event_fields().items():
        kept = "sealed" if _holds_sealed(hint) else "plain"
        assert documented[key] == kept, f"{key[0]}.{key[1]} is {kept} in the code but {documented[key]} in FORMAT.md"


def test_a_persons_own_words_are_never_plain() -> None:
    """The fields the outside review found in clear text are sealed now."""
    documented = documented_fields()
    for key in [
        ("Objection.Resolved", "why"),
        ("Objection.Tested", "why"),
        ("Reflection.Recorded", "subject_ref"),
        ("Reflection.Recorded", "actions"),
        ("Contribution.Logged", "activity"),
        ("Contribution.Paid", "reference"),
        ("Proposal.Withdrawn", "reason"),
    ]:
        assert documented[key] == "sealed", key


def test_a_sealed_value_names_the_event_and_field_it_sits_in() -> None:
    oid = uuid4()
    good = b'{"reason":{"_data_":{"place":"%s"},"_type_":"sealed"}}' % place_of(oid, 2, "/reason").encode()
    assert misplaced(good, oid, 2) is None
    assert "copied or moved" in (misplaced(good, oid, 3) or "")
    assert "copied or moved" in (misplaced(good, uuid4(), 2) or "")
    listed = b'{"actions":[{"_data_":{"place":"%s"},"_type_":"sealed"}]}' % place_of(oid, 1, "/actions/0").encode()
    assert misplaced(listed, oid, 1) is None
    assert misplaced(b'{"title":"no sealed values"}', oid, 1) is None


def test_verify_names_the_leaf_of_a_sealed_value_copied_into_another_event(
    ledger: Ledger, config: LedgerConfig
) -> None:
    """Even signed with the real event key, a sealed value moved from its place is an integrity failure."""
    vault = PersonalDataVault.of(ledger.config, ledger.keys.seal.secret)
    person = uuid4()
    honest, copier = Diary(title="honest"), Diary(title="copier")
    honest.sign(author=vault.seal(person, "Ada", place=place_of(honest.id, 2, "/author")))
    ledger.save(honest)
    assert verify_log(Ledger.recorder_only(config), outcomes=OUTCOMES).ok
    copier.sign(author=honest.author)  # type: ignore[arg-type]
    ledger.save(copier)
    report = verify_log(Ledger.recorder_only(config), outcomes=OUTCOMES)
    assert report.first is not None
    assert report.first.aggregate_id == copier.id and report.first.version == 2
    assert "copied or moved" in report.first.reason


@pytest.mark.parametrize("field", ["why", "answer", "actions/0"])
def test_an_auditor_opens_a_sealed_value_from_format_md_alone(ledger: Ledger, field: str) -> None:
    """With a person's key, the place string and the aad as FORMAT.md §6 writes them open the value."""
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    vault = PersonalDataVault.of(ledger.config, ledger.keys.seal.secret)
    person, oid = uuid4(), uuid4()
    sealed = vault.seal(person, "my own words", place=place_of(oid, 4, f"/{field}"))
    assert sealed.place == f"{oid.hex}/4/{field}"
    nonce, wrapped = vault.store.execute(
        "SELECT nonce, wrapped FROM copro_person_keys WHERE person_id = ?", (person.hex,)
    ).fetchone()
    person_key = AESGCM(ledger.keys.seal.secret).decrypt(bytes(nonce), bytes(wrapped), person.bytes)
    aad = f"copro-seal/1|{person.hex}|{oid.hex}/4/{field}".encode()
    assert AESGCM(person_key).decrypt(sealed.nonce, sealed.ciphertext, aad) == b"my own words"
