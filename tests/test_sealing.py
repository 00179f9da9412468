"""Personal data: sealed per person, erasable, and the log still verifies after erasure."""

from __future__ import annotations

import pytest

from ledger.governance.recompute import OUTCOMES
from ledger.log.application import Ledger
from ledger.log.config import LedgerConfig
from ledger.log.sealed import place_of
from ledger.log.verify import verify_log
from ledger.personal.vault import ERASED, PersonalDataVault
from tests.diary import Diary
from tests.helpers import events_table, raw, run_cli


def test_erasing_a_person_makes_their_data_unreadable_and_the_log_still_verifies(
    ledger: Ledger, config: LedgerConfig, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    vault = PersonalDataVault.of(ledger.config, ledger.keys.seal.secret)
    d = Diary(title="meeting notes")
    from uuid import uuid4

    person = uuid4()
    d.sign(author=vault.seal(person, "Ada Lovelace, ada@example.org", place=place_of(d.id, 2, "/author")))
    ledger.save(d)
    ledger.checkpoint()
    stored = raw(config, f"SELECT state FROM {events_table(config)}")
    assert not any(b"Ada Lovelace" in bytes(s[0]) for s in stored), "personal data never enters the log in clear"
    assert vault.open(ledger.repository.get(d.id).author) == "Ada Lovelace, ada@example.org"

    code, out, _ = run_cli(config, monkeypatch, capsys, "erase", str(person))
    assert code == 0 and "Erased" in out
    vault2 = PersonalDataVault.of(ledger.config, ledger.keys.seal.secret)
    assert vault2.open(ledger.repository.get(d.id).author) == ERASED
    assert vault2.is_erased(person)
    left = vault2.store.execute("SELECT count(*) FROM copro_person_keys").fetchone()
    assert tuple(left) == (0,), "the person's key is gone from the key store itself"
    report = verify_log(Ledger.recorder_only(config), outcomes=OUTCOMES)
    assert report.ok and report.checkpoints == 1


def test_a_sealed_value_moved_to_another_place_does_not_open(ledger: Ledger) -> None:
    from dataclasses import replace
    from uuid import uuid4

    vault = PersonalDataVault.of(ledger.config, ledger.keys.seal.secret)
    person = uuid4()
    here, there = place_of(uuid4(), 1, "/contact"), place_of(uuid4(), 1, "/contact")
    sealed = vault.seal(person, "contact: 0700 000000", place=here)
    assert vault.open(sealed) == "contact: 0700 000000"
    assert vault.open(replace(sealed, place=there)) == ERASED, "the place is bound as associated data"


def test_an_erased_person_gets_no_new_key(ledger: Ledger) -> None:
    from uuid import uuid4

    from ledger.personal.vault import PersonErased

    vault = PersonalDataVault.of(ledger.config, ledger.keys.seal.secret)
    person = uuid4()
    vault.seal(person, "first words", place=place_of(person, 1, "/name"))
    assert vault.erase(person)
    with pytest.raises(PersonErased):
        vault.seal(person, "words after erasure", place=place_of(person, 2, "/name"))
    assert vault.store.execute("SELECT count(*) FROM copro_person_keys").fetchone()[0] == 0


def test_places_are_the_event_id_and_a_json_pointer() -> None:
    from uuid import UUID

    oid = UUID("7c1e0000-0000-4000-8000-000000000009")
    assert place_of(oid, 3, "/why") == "7c1e0000000040008000000000000009/3/why"
    assert place_of(oid, 1, "/actions/0") == "7c1e0000000040008000000000000009/1/actions/0"
    with pytest.raises(ValueError):
        place_of(oid, 1, "why")
