"""The command line as an operator and an auditor use it: exit codes and one clear sentence."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest

from ledger.governance.service import Governance
from ledger.log.application import Ledger
from ledger.log.config import LedgerConfig
from ledger.log.signed_note import Checkpoint, NoteSigner, sign_note
from tests.diary import Diary
from tests.helpers import raw, run_cli


def test_verify_accepts_a_checkpoint_the_auditor_kept(
    ledger: Ledger,
    config: LedgerConfig,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    ledger.save(Diary(title="minutes"))
    code, note, _ = run_cli(config, monkeypatch, capsys, "checkpoint")
    assert code == 0 and note.startswith(ledger.keys.origin + "\n2\n")
    kept = tmp_path / "kept.txt"
    kept.write_text(note)
    ledger.save(Diary(title="more minutes"))
    _, vkey, _ = run_cli(config, monkeypatch, capsys, "keys", "export", "--format", "c2sp")
    code, out, err = run_cli(
        config, monkeypatch, capsys, "verify", "--checkpoint", str(kept), "--checkpoint-key", vkey.strip()
    )
    assert code == 0, err
    assert "2 checkpoints verify" in out
    assert "\r" not in err and "Verifying" not in err, "no progress bar when output is not a terminal"


def test_a_checkpoint_from_another_ledger_is_a_usage_error(
    ledger: Ledger,
    config: LedgerConfig,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    other = Checkpoint("example.org/another-ledger", 1, b"\x00" * 32)
    path = tmp_path / "other.txt"
    path.write_text(
        sign_note(other.to_text(), [NoteSigner("example.org/another-ledger", Ed25519PrivateKey.generate())])
    )
    code, _, err = run_cli(config, monkeypatch, capsys, "verify", "--checkpoint", str(path))
    assert code == 2
    assert "is for origin 'example.org/another-ledger', not this ledger's" in err
    code, _, err = run_cli(config, monkeypatch, capsys, "verify", "--checkpoint", str(tmp_path / "missing.txt"))
    assert code == 2 and "Cannot read the checkpoint file" in err
    path.write_text("not a checkpoint")
    code, _, err = run_cli(config, monkeypatch, capsys, "verify", "--checkpoint", str(path))
    assert code == 2 and "is not a checkpoint" in err


def test_a_checkpoint_signed_by_the_wrong_key_fails_verification(
    ledger: Ledger,
    config: LedgerConfig,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    cp = Checkpoint(ledger.keys.origin, 1, ledger.merkle_log.root(1))
    path = tmp_path / "forged.txt"
    path.write_text(sign_note(cp.to_text(), [NoteSigner(ledger.keys.origin, Ed25519PrivateKey.generate())]))
    code, _, err = run_cli(config, monkeypatch, capsys, "verify", "--checkpoint", str(path))
    assert code == 1 and "no valid signature" in err


def test_a_database_that_is_not_a_ledger_is_refused_and_left_untouched(
    make_config: Callable[[str], LedgerConfig],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    config: LedgerConfig = make_config("sqlite")
    con = sqlite3.connect(config.sqlite_path)
    con.execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY, amount INTEGER)")
    con.commit()
    con.close()
    before = config.sqlite_path.read_bytes()
    for command in ("verify", "init", "checkpoint"):
        code, _, err = run_cli(config, monkeypatch, capsys, command)
        assert code == 2, command
        assert "is not a copro ledger" in err
    assert config.sqlite_path.read_bytes() == before
    config.sqlite_path.write_bytes(b"this is not sqlite at all" * 100)
    code, _, err = run_cli(config, monkeypatch, capsys, "verify")
    assert code == 2 and "not an SQLite database" in err


def test_a_ledger_written_by_another_version_of_copro_is_refused_and_left_untouched(
    ledger: Ledger, config: LedgerConfig, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    raw(config, "UPDATE copro_meta SET value = ? WHERE name = 'format'", ("copro-ledger/1",))
    before = raw(config, "SELECT COUNT(*) FROM copro_tiles")
    for command in ("verify", "checkpoint"):
        code, _, err = run_cli(config, monkeypatch, capsys, command)
        assert code == 2, command
        assert "was written by another version of copro (format copro-ledger/1" in err
        assert "Traceback" not in err
    assert raw(config, "SELECT COUNT(*) FROM copro_tiles") == before


def test_verify_on_a_missing_ledger_says_so(
    make_config: Callable[[str], LedgerConfig], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    config: LedgerConfig = make_config("sqlite")
    code, _, err = run_cli(config, monkeypatch, capsys, "verify")
    assert code == 2 and "There is no copro ledger" in err
    assert not config.sqlite_path.exists()


def test_an_unreachable_postgresql_server_is_a_configuration_error(
    make_config: Callable[[str], LedgerConfig],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    config: LedgerConfig = make_config("sqlite")
    broken = LedgerConfig(config.data_dir, "postgresql://copro:x@127.0.0.1:1/nowhere")
    code, _, err = run_cli(broken, monkeypatch, capsys, "verify")
    assert code == 2 and err.startswith("copro: Cannot connect to the PostgreSQL database nowhere")
    bad_url = LedgerConfig(config.data_dir, "mysql://nope")
    code, _, err = run_cli(bad_url, monkeypatch, capsys, "verify")
    assert code == 2 and "must look like postgresql://" in err


def test_proof_prints_an_inclusion_proof_that_verifies(
    ledger: Ledger, config: LedgerConfig, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import base64
    import json

    from ledger.log import merkle

    d = Diary(title="minutes")
    ledger.save(d)
    code, out, _ = run_cli(config, monkeypatch, capsys, "proof", "--aggregate", str(d.id), "--version", "1")
    assert code == 0
    proof = json.loads(out)
    leaf = ledger.merkle_log.leaf_index_of(d.id, 1)
    assert leaf is not None
    rows = [r for batch in ledger.merkle_log.scan() for r in batch]
    merkle.verify_inclusion(
        rows[leaf].leaf_hash,
        leaf,
        proof["tree_size"],
        [base64.b64decode(h) for h in proof["inclusion_path"]],
        base64.b64decode(proof["root_hash"]),
    )
    code, _, err = run_cli(config, monkeypatch, capsys, "proof", "--aggregate", str(d.id), "--version", "9")
    assert code == 2 and "No such event" in err


def test_malformed_arguments_get_one_sentence_and_exit_2(
    ledger: Ledger, config: LedgerConfig, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run_cli(config, monkeypatch, capsys, "proof", "--aggregate", "not-an-id", "--version", "1")
    assert code == 2 and "is not an id" in err and "usage:" not in err
    code, _, err = run_cli(config, monkeypatch, capsys, "checkpoint", "--output", "/nonexistent/dir/cp.txt")
    assert code == 2 and "Cannot write /nonexistent/dir/cp.txt (No such file or directory)" in err


def test_the_projection_worker_catches_up_and_rebuilds(
    gov: Governance,
    config: LedgerConfig,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from tests.governance_world import build_world

    build_world(gov)
    size = gov.merkle_log.log_size()
    code, out, _ = run_cli(config, monkeypatch, capsys, "project")
    assert code == 0 and f"Applied {size} events." in out
    code, out, _ = run_cli(config, monkeypatch, capsys, "project")
    assert code == 0 and "Applied 0 events." in out
    code, out, _ = run_cli(config, monkeypatch, capsys, "project", "--rebuild")
    assert code == 0 and f"Rebuilt the views from {size} events." in out
