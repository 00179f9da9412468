"""Keys: encrypted at rest, exported in the formats funders' tools read, rotated by logged events."""

from __future__ import annotations

import json
import os
import stat
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import load_pem_public_key

from ledger.governance.recompute import OUTCOMES
from ledger.log.application import Ledger
from ledger.log.config import LedgerConfig
from ledger.log.errors import KeyError_
from ledger.log.keys import Purpose
from ledger.log.keystore import KeysFolder
from ledger.log.signed_note import NoteVerifier
from ledger.log.verify import verify_log
from tests.conftest import PASSPHRASE
from tests.diary import Diary
from tests.helpers import run_cli


def test_key_files_are_private_and_hold_no_secret_in_clear(key_template: Path) -> None:
    for purpose in Purpose:
        path = key_template / f"{purpose.value}.key"
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        doc = json.loads(path.read_text())
        assert doc["protection"] == "scrypt-aes-256-gcm"
        assert "secret" not in doc


def test_wrong_passphrase_is_refused_with_a_clear_sentence(key_template: Path) -> None:
    with pytest.raises(KeyError_, match="does not open"):
        KeysFolder(key_template).load("not the right passphrase")


def test_a_corrupt_key_file_is_named(tmp_path: Path, key_template: Path) -> None:
    folder = tmp_path / "keys"
    import shutil

    shutil.copytree(key_template, folder)
    (folder / "event.key").write_text("{not json")
    with pytest.raises(KeyError_, match=r"event\.key is corrupt"):
        KeysFolder(folder).load(PASSPHRASE)


def test_a_relabelled_key_file_does_not_open(tmp_path: Path, key_template: Path) -> None:
    import shutil

    folder = tmp_path / "keys"
    shutil.copytree(key_template, folder)
    doc = json.loads((folder / "report.key").read_text())
    doc["purpose"] = "event"
    (folder / "event.key").write_text(json.dumps(doc))
    with pytest.raises(KeyError_):
        KeysFolder(folder).load(PASSPHRASE)


def test_cli_bad_key_input_exits_2_and_writes_nothing(
    make_config: Callable[[str], LedgerConfig], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    config: LedgerConfig = make_config("sqlite")
    monkeypatch.setenv("COPRO_KEY_PASSPHRASE", "a wrong passphrase!")
    code, _, err = run_cli(config, monkeypatch, capsys, "init")
    assert code == 2
    assert err.startswith("copro: The passphrase in COPRO_KEY_PASSPHRASE does not open")
    assert "Traceback" not in err
    assert not config.sqlite_path.exists()
    (config.keys_dir / "checkpoint.key").unlink()
    monkeypatch.setenv("COPRO_KEY_PASSPHRASE", PASSPHRASE)
    code, _, err = run_cli(config, monkeypatch, capsys, "init")
    assert code == 2 and "checkpoint key file" in err and "is missing" in err
    assert not config.sqlite_path.exists()


def test_keys_init_refuses_to_overwrite_and_needs_a_passphrase(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    config = LedgerConfig(tmp_path / "fresh")
    monkeypatch.delenv("COPRO_KEY_PASSPHRASE")
    code, _, err = run_cli(config, monkeypatch, capsys, "keys", "init")
    assert code == 2 and "Set COPRO_KEY_PASSPHRASE" in err
    monkeypatch.setenv("COPRO_KEY_PASSPHRASE", PASSPHRASE)
    code, _, _ = run_cli(config, monkeypatch, capsys, "keys", "init", "--origin", "example.org/copro/x")
    assert code == 0
    code, _, err = run_cli(config, monkeypatch, capsys, "keys", "init")
    assert code == 2 and "refusing to overwrite" in err


def test_an_unwritable_data_folder_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    config = LedgerConfig(locked / "inner")
    try:
        if os.geteuid() == 0:
            # root ignores permissions; a path under a regular file cannot be created by anyone
            (tmp_path / "afile").write_text("x")
            config = LedgerConfig(tmp_path / "afile" / "inner")
        code, _, err = run_cli(config, monkeypatch, capsys, "keys", "init")
        assert code == 2
        assert err.startswith("copro: ") and "Traceback" not in err
    finally:
        locked.chmod(0o700)


def test_exported_keys_are_read_by_openssl_and_ssh_keygen(
    make_config: Callable[[str], LedgerConfig],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    config: LedgerConfig = make_config("sqlite")
    code, pem, _ = run_cli(config, monkeypatch, capsys, "keys", "export", "--purpose", "report", "--format", "pem")
    assert code == 0
    (tmp_path / "report.pem").write_text(pem)
    out = subprocess.run(
        ["openssl", "pkey", "-pubin", "-in", str(tmp_path / "report.pem"), "-noout", "-text"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "ED25519 Public-Key" in out
    code, ssh, _ = run_cli(config, monkeypatch, capsys, "keys", "export", "--purpose", "report", "--format", "ssh")
    (tmp_path / "report.pub").write_text(ssh)
    fp = subprocess.run(
        ["ssh-keygen", "-l", "-f", str(tmp_path / "report.pub")], capture_output=True, text=True, check=True
    ).stdout
    assert "(ED25519)" in fp
    code, vkey, _ = run_cli(
        config, monkeypatch, capsys, "keys", "export", "--purpose", "checkpoint", "--format", "c2sp"
    )
    verifier = NoteVerifier.parse(vkey.strip())
    assert verifier.name == "test.copro.localhost/ledger"
    pub = load_pem_public_key(pem.encode())
    assert isinstance(pub, Ed25519PublicKey)


def test_rotating_the_event_key_is_logged_and_old_events_still_verify(ledger: Ledger, config: LedgerConfig) -> None:
    before = Diary(title="before rotation")
    ledger.save(before)
    ledger.checkpoint()
    ledger.rotate_key(Purpose.EVENT, "annual rotation", PASSPHRASE)
    after = Diary(title="after rotation")
    ledger.save(after)
    ledger.rotate_key(Purpose.CHECKPOINT, "annual rotation", PASSPHRASE)
    ledger.checkpoint()
    keyring = ledger.keyring()
    assert keyring.version == 3 and len(keyring.retired) == 2
    # A fresh process, loading keys from disk, reads events signed by both keys.
    reopened = Ledger.open(config, KeysFolder(config.keys_dir).load(PASSPHRASE))
    assert reopened.repository.get(before.id).title == "before rotation"
    assert reopened.repository.get(after.id).title == "after rotation"
    report = verify_log(Ledger.recorder_only(config), outcomes=OUTCOMES)
    assert report.ok, [p.sentence() for p in report.problems]
    assert report.event_keys == 2 and report.checkpoints == 2


def test_an_event_signed_with_a_retired_key_after_rotation_is_refused(ledger: Ledger, config: LedgerConfig) -> None:
    old_key = ledger.keys.event.signing_key
    ledger.rotate_key(Purpose.EVENT, "compromise suspected", PASSPHRASE)
    from ledger.log.signing_mapper import SigningMapper

    mapper = ledger.mapper
    assert isinstance(mapper, SigningMapper)
    mapper.use_signer(old_key)  # a stale process still holding the retired key
    ledger.save(Diary(title="late write"))
    report = verify_log(Ledger.recorder_only(config), outcomes=OUTCOMES)
    assert not report.ok
    first = report.first
    assert first is not None and first.leaf_index == 2
    assert "another key was in force" in first.reason
