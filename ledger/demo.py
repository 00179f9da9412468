"""``copro demo``: a demo ledger that every screen and report can show something true from."""

from __future__ import annotations

from collections.abc import Iterator

from ledger.application import Ledger
from ledger.config import LedgerConfig
from ledger.keystore import KeysFolder
from ledger.sealing import PersonalDataVault
from ledger.verify import verify_log


def open_vault(ledger: Ledger) -> PersonalDataVault:
    return PersonalDataVault(ledger.config.data_dir / "personal-keys.sqlite", ledger.keys.seal.secret)


def seed_demo(config: LedgerConfig) -> Iterator[str]:
    keys = KeysFolder(config.keys_dir).load(None)
    ledger = Ledger.open(config, keys, create=True)
    yield f"Demo ledger {keys.origin} in the {config.describe()}: {ledger.log.log_size()} events."
    note = ledger.checkpoint()
    yield "Checkpoint:\n" + note.rstrip()
    report = verify_log(Ledger.recorder_only(config))
    yield f"Verified: {report.leaves} events, {report.checkpoints} checkpoints, ok={report.ok}."
