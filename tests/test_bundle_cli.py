"""``copro export OUT [--archive]``: says what it wrote, and refuses, writing nothing, where it should not write."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest

from copro.demo import seed_demo
from ledger.log.application import Ledger
from ledger.log.bundle.reader import open_bundle
from ledger.log.config import LedgerConfig
from ledger.log.keys import Purpose
from ledger.log.keystore import KeysFolder
from tests.conftest import PASSPHRASE
from tests.helpers import run_cli


def one_line(err: str) -> bool:
    text = err.strip()
    return bool(text) and "\n" not in text and "Traceback" not in text


def listing(folder: Path) -> dict[str, bytes | None]:
    return {str(p.relative_to(folder)): None if p.is_dir() else p.read_bytes() for p in sorted(folder.rglob("*"))}


@pytest.fixture
def demo(config: LedgerConfig) -> LedgerConfig:
    list(seed_demo(config))
    return config


def test_export_writes_a_folder_and_says_how_many_events_where_and_how_big(
    demo: LedgerConfig, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "exports").mkdir()
    out = tmp_path / "exports" / "for-the-auditor"
    code, stdout, err = run_cli(demo, monkeypatch, capsys, "export", str(out))
    assert (code, err) == (0, "")
    size = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
    assert stdout == (
        f"Exported 167 events to the folder {out} (9 files, {size:,} bytes); its checkpoint covers 167 events.\n"
    )
    with open_bundle(out) as bundle:
        assert bundle.manifest.tree_size == 167
    assert [p.name for p in out.parent.iterdir()] == ["for-the-auditor"], "nothing half-written is left beside it"


def test_export_archive_writes_one_file_and_events_after_the_checkpoint_are_pointed_out(
    demo: LedgerConfig, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    ledger = Ledger.open(demo, KeysFolder(demo.keys_dir).load(PASSPHRASE))
    try:
        ledger.rotate_key(Purpose.REPORT, "yearly", PASSPHRASE)
    finally:
        ledger.close()
    out = tmp_path / "bundle.tar.gz"
    code, stdout, err = run_cli(demo, monkeypatch, capsys, "export", str(out), "--archive")
    assert (code, err) == (0, "")
    lines = stdout.splitlines()
    assert lines[0] == (
        f"Exported 168 events to the archive {out} (11 files, {out.stat().st_size:,} bytes); "
        "its checkpoint covers 167 events."
    )
    assert lines[1].startswith("Note: the last 1 events came after the latest checkpoint")
    with open_bundle(out) as bundle:
        assert bundle.has("tile/0/000.p/167") and bundle.has("tile/0/000.p/168"), "the checkpoint's tiles too"
        assert [k.purpose for k in bundle.key_history()][-1] == "report"
        assert bundle.manifest.checkpoint_size == 167


@pytest.mark.parametrize("archive", [[], ["--archive"]], ids=["folder", "archive"])
def test_export_into_a_path_that_holds_something_exits_2_and_writes_nothing(
    demo: LedgerConfig,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    archive: list[str],
) -> None:
    out = tmp_path / "taken"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    before = listing(tmp_path)
    code, stdout, err = run_cli(demo, monkeypatch, capsys, "export", str(out), *archive)
    assert code == 2 and stdout == "" and one_line(err)
    assert err.startswith(f"copro: {out} is ")
    assert listing(tmp_path) == before


def test_export_archive_onto_an_existing_file_exits_2_and_leaves_it(
    demo: LedgerConfig, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "report.tar.gz"
    out.write_bytes(b"last year's")
    code, _, err = run_cli(demo, monkeypatch, capsys, "export", str(out), "--archive")
    assert (code, err) == (2, f"copro: {out} already exists; choose a path that does not, so nothing is overwritten.\n")
    assert out.read_bytes() == b"last year's"


def test_export_into_a_folder_that_does_not_exist_exits_2(
    demo: LedgerConfig, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run_cli(demo, monkeypatch, capsys, "export", str(tmp_path / "no" / "such" / "place"))
    assert code == 2
    assert err == f"copro: The folder {tmp_path / 'no' / 'such'} does not exist; create it or export elsewhere.\n"


def test_export_of_a_ledger_with_no_checkpoint_exits_2_and_says_to_make_one(
    config: LedgerConfig, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    Ledger.open(config, KeysFolder(config.keys_dir).load(PASSPHRASE), create=True).close()
    code, _, err = run_cli(config, monkeypatch, capsys, "export", str(tmp_path / "out"))
    assert code == 2 and one_line(err)
    assert "no signed checkpoint yet" in err and "run 'copro checkpoint'" in err
    assert not (tmp_path / "out").exists()
    assert not [p for p in tmp_path.iterdir() if ".partial-" in p.name]


def test_export_where_there_is_no_ledger_exits_2(
    make_config: Callable[[str], LedgerConfig],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    config = make_config("sqlite")
    code, _, err = run_cli(config, monkeypatch, capsys, "export", str(tmp_path / "out"))
    assert code == 2 and "There is no copro ledger" in err and one_line(err)


def test_export_of_a_log_with_a_deleted_event_exits_1_naming_the_leaf(
    make_config: Callable[[str], LedgerConfig],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    config = make_config("sqlite")
    list(seed_demo(config))
    with sqlite3.connect(config.data_dir / "ledger.sqlite") as db:
        db.execute("DELETE FROM stored_events WHERE rowid = 41")
    code, _, err = run_cli(config, monkeypatch, capsys, "export", str(tmp_path / "out"))
    assert code == 1 and one_line(err)
    assert err.startswith("copro: Leaf 40 is missing from the log (the next stored event is leaf 41)")
    assert not (tmp_path / "out").exists()
