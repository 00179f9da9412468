"""Personal data: sealed per person, erasable, and the log still verifies after erasure."""

from __future__ import annotations

import pytest

from ledger.application import Ledger
from ledger.config import LedgerConfig
from ledger.demo import open_vault
from ledger.sealing import ERASED
from ledger.verify import verify_log
from tests.diary import Diary
from tests.helpers import events_table, raw, run_cli


def test_erasing_a_person_makes_their_data_unreadable_and_the_log_still_verifies(
    ledger: Ledger, config: LedgerConfig, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    vault = open_vault(ledger)
    d = Diary(title="meeting notes")
    from uuid import uuid4

    person = uuid4()
    d.sign(author=vault.seal(person, "Ada Lovelace, ada@example.org", place=f"{d.id}/author"))
    ledger.save(d)
    ledger.checkpoint()
    stored = raw(config, f"SELECT state FROM {events_table(config)}")
    assert not any(b"Ada Lovelace" in bytes(s[0]) for s in stored), "personal data never enters the log in clear"
    assert vault.open(ledger.repository.get(d.id).author, place=f"{d.id}/author") == "Ada Lovelace, ada@example.org"

    code, out, _ = run_cli(config, monkeypatch, capsys, "erase", str(person))
    assert code == 0 and "Erased" in out
    vault2 = open_vault(ledger)
    assert vault2.open(ledger.repository.get(d.id).author, place=f"{d.id}/author") == ERASED
    assert vault2.is_erased(person)
    left = vault2.store.execute("SELECT count(*) FROM copro_person_keys").fetchone()
    assert tuple(left) == (0,), "the person's key is gone from the key store itself"
    report = verify_log(Ledger.recorder_only(config))
    assert report.ok and report.checkpoints == 1


def test_a_sealed_value_moved_to_another_place_does_not_open(ledger: Ledger) -> None:
    from uuid import uuid4

    vault = open_vault(ledger)
    person = uuid4()
    sealed = vault.seal(person, "contact: 0700 000000", place="a/contact")
    assert vault.open(sealed, place="a/contact") == "contact: 0700 000000"
    assert vault.open(sealed, place="b/contact") == ERASED
