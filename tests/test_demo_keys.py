"""`copro demo` writes unencrypted keys only into a data folder it owns, and names every key it wrote."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from ledger.log.application import Ledger
from ledger.log.config import LedgerConfig
from ledger.log.keys import INSECURE, Purpose
from tests.helpers import run_cli


def unencrypted_key_files(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.is_file() and INSECURE.encode() in p.read_bytes()]


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_a_fresh_folder_gets_unencrypted_keys_and_is_told_each_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    config = LedgerConfig(tmp_path / "demo", None)
    code, out, err = run_cli(config, monkeypatch, capsys, "demo")
    assert code == 0 and "Seeded the demo collective" in out
    assert err.count(f"the demo's keys in {config.keys_dir} are not protected by a passphrase") == 1
    assert sorted(unencrypted_key_files(config.keys_dir)) == sorted(config.keys_dir / f"{p.value}.key" for p in Purpose)
    code, out, err = run_cli(config, monkeypatch, capsys, "demo")
    assert code == 0 and "already seeded" in out
    assert "not protected by a passphrase" not in err, "one process says it once, however often it loads them"


def test_a_real_encrypted_keys_folder_gets_no_unencrypted_key(
    ledger: Ledger, config: LedgerConfig, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    before = snapshot(config.data_dir / "keys")
    code, out, err = run_cli(config, monkeypatch, capsys, "demo")
    assert code == 2 and out == ""
    assert err.strip().count("\n") == 0 and "not a demo" in err
    assert unencrypted_key_files(config.data_dir) == []
    assert snapshot(config.data_dir / "keys") == before


def test_key_files_without_their_ledger_json_are_never_overwritten(
    make_config: Callable[[str], LedgerConfig], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    config = make_config("sqlite")  # a real collective's encrypted keys...
    (config.keys_dir / "ledger.json").unlink()  # ...whose ledger.json was lost
    before = snapshot(config.keys_dir)
    code, _, err = run_cli(config, monkeypatch, capsys, "demo")
    assert code == 2 and "holds files but no ledger.json" in err
    assert snapshot(config.keys_dir) == before
    assert unencrypted_key_files(config.data_dir) == []
    assert not config.sqlite_path.exists()


def test_a_ledger_whose_keys_are_kept_elsewhere_gets_no_demo_keys(
    ledger: Ledger, config: LedgerConfig, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import shutil

    kept_elsewhere = config.data_dir.parent / f"{config.data_dir.name}-keys"
    shutil.move(config.keys_dir, kept_elsewhere)
    code, _, err = run_cli(config, monkeypatch, capsys, "demo")
    assert code == 2 and "holds a ledger whose keys are not in" in err
    assert not config.keys_dir.exists(), "no key is written beside a ledger the demo did not make"


def test_keys_init_never_overwrites_key_files_either(
    make_config: Callable[[str], LedgerConfig], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    config = make_config("sqlite")
    (config.keys_dir / "ledger.json").unlink()
    before = snapshot(config.keys_dir)
    code, _, err = run_cli(config, monkeypatch, capsys, "keys", "init")
    assert code == 2 and "refusing to overwrite them" in err
    assert snapshot(config.keys_dir) == before
