"""``copro verify --bundle``: the numbered checks over an exported demo bundle, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from copro.demo import seed_demo
from ledger.log.bundle.verify import CATALOGUE, verify_bundle
from ledger.log.config import LedgerConfig
from tests.helpers import run_cli


@pytest.fixture
def exported(
    config: LedgerConfig, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Path:
    list(seed_demo(config))
    out = tmp_path / "bundle"
    code, _, err = run_cli(config, monkeypatch, capsys, "export", str(out))
    assert code == 0, err
    return out


def test_an_exported_demo_bundle_passes_every_implemented_check_and_exits_0(
    exported: Path, config: LedgerConfig, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, stdout, err = run_cli(config, monkeypatch, capsys, "verify", "--bundle", str(exported))
    assert code == 0, stdout + err
    lines = stdout.splitlines()
    for cid, title in CATALOGUE:
        assert any(line.startswith(f"{cid} ") and title in line for line in lines), cid
    assert "FAIL" not in stdout
    assert lines[-1].startswith("OK: ")


def test_the_json_output_lists_every_check_with_its_status(
    exported: Path, config: LedgerConfig, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, stdout, _ = run_cli(config, monkeypatch, capsys, "verify", "--bundle", str(exported), "--json")
    doc = json.loads(stdout)
    assert code == 0 and doc["ok"] is True and doc["first_problem"] is None
    assert [c["id"] for c in doc["checks"]] == [cid for cid, _ in CATALOGUE]
    assert {c["status"] for c in doc["checks"]} <= {"pass", "not implemented"}


def test_the_engine_counts_every_leaf_and_checkpoint_of_the_bundle(exported: Path) -> None:
    report = verify_bundle(exported)
    assert report.ok
    manifest = json.loads((exported / "copro" / "manifest.json").read_text())
    assert report.leaves == manifest["tree_size"]
    assert report.checkpoints == len(list((exported / "copro" / "checkpoints").iterdir())) + 1


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
@pytest.mark.parametrize("what", ["missing", "empty-folder", "not-an-archive"])
def test_a_path_that_is_not_a_bundle_exits_2_in_one_sentence(
    what: str, config: LedgerConfig, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / what
    if what == "empty-folder":
        path.mkdir()
    elif what == "not-an-archive":
        path.write_text("hello\n")
    code, stdout, err = run_cli(config, monkeypatch, capsys, "verify", "--bundle", str(path))
    assert code == 2 and stdout == ""
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
@pytest.mark.parametrize("flag", [["--json"], ["--since", "x"], ["--state", "x"]])
def test_bundle_only_options_without_a_bundle_exit_2_and_say_to_add_it(
    flag: list[str], config: LedgerConfig, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    list(seed_demo(config))
    code, stdout, err = run_cli(config, monkeypatch, capsys, "verify", *flag)
    assert code == 2 and stdout == "" and "--bundle" in err
