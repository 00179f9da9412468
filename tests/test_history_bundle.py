"""``copro show --bundle PATH``: time travel on an auditor's bundle, with no database and no keys."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
from pathlib import Path

import pytest

from ledger.log.config import LedgerConfig
from tests.governance_world import World
from tests.helpers import run_cli
from tests.test_history_cli import revised_proposal


def exported(
    config: LedgerConfig,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    *extra: str,
) -> Path:
    assert run_cli(config, monkeypatch, capsys, "checkpoint")[0] == 0
    out = tmp_path / ("bundle.tar.gz" if extra else "bundle")
    code, _, err = run_cli(config, monkeypatch, capsys, "export", str(out), *extra)
    assert code == 0, err
    return out


@pytest.mark.parametrize("archive", [(), ("--archive",)], ids=["folder", "archive"])
def test_a_proposal_in_a_bundle_as_of_a_moment_before_its_revision_shows_the_old_text(
    world: World,
    config: LedgerConfig,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    archive: tuple[str, ...],
) -> None:
    pid, between = revised_proposal(world)
    bundle = exported(config, tmp_path, monkeypatch, capsys, *archive)
    shutil.rmtree(config.keys_dir)  # an auditor has the bundle, not the keys
    args = ("show", "--bundle", str(bundle), "--as-of", between.isoformat(), "proposal", str(pid))
    code, out, err = run_cli(config, monkeypatch, capsys, *args)
    assert (code, err) == (0, "")
    assert "We study peer support groups in three towns." in out
    assert "online" not in out
    assert re.search(r"^Version: +1 of 2,", out, re.M)
    code, out, _ = run_cli(config, monkeypatch, capsys, "show", "--bundle", str(bundle), "proposal", str(pid))
    assert code == 0 and "We study online peer support groups." in out


def test_a_member_in_a_bundle_shows_their_personal_data_as_sealed(
    world: World,
    config: LedgerConfig,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    bundle = exported(config, tmp_path, monkeypatch, capsys)
    code, out, _ = run_cli(
        config, monkeypatch, capsys, "show", "--bundle", str(bundle), "member", str(world.member("amara"))
    )
    assert code == 0
    assert re.search(r"^Member: +\(sealed personal data\)$", out, re.M)
    assert "Amara" not in out and "amara@example.org" not in out


def test_an_unknown_id_in_a_bundle_gets_one_sentence_and_exit_2(
    world: World,
    config: LedgerConfig,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    bundle = exported(config, tmp_path, monkeypatch, capsys)
    missing = "1b4e28ba-2fa1-11d2-883f-0016d3cca427"
    code, out, err = run_cli(config, monkeypatch, capsys, "show", "--bundle", str(bundle), "collective", missing)
    assert (code, out) == (2, "")
    assert err == f"copro: There is no collective with the id {missing} in this ledger.\n"


def test_a_path_that_is_not_a_bundle_gets_one_sentence_and_exit_2(
    world: World,
    config: LedgerConfig,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, err = run_cli(
        config, monkeypatch, capsys, "show", "--bundle", str(tmp_path), "collective", str(world.collective)
    )
    assert (code, out) == (2, "")
    assert err.startswith("copro: ") and err.count("\n") == 1 and "Traceback" not in err


def test_a_bundle_entry_edited_under_a_matching_manifest_is_refused_by_its_signature(
    world: World,
    config: LedgerConfig,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The manifest catches damage, not lies: an edit with a manifest made to match is caught by the signature."""
    bundle = exported(config, tmp_path, monkeypatch, capsys)
    target = next(p for p in sorted((bundle / "tile" / "entries").rglob("*")) if p.is_file())
    data = bytearray(target.read_bytes())
    data[-5] ^= 0x01  # inside the last entry's payload
    target.write_bytes(bytes(data))
    manifest_path = bundle / "copro" / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    for item in manifest["files"]:
        if item["path"] == target.relative_to(bundle).as_posix():
            item["sha256"], item["size"] = hashlib.sha256(data).hexdigest(), len(data)
    manifest_path.write_text(json.dumps(manifest))
    args = ("show", "--bundle", str(bundle), "collective", str(world.collective))
    code, out, err = run_cli(config, monkeypatch, capsys, *args)
    assert (code, out) == (1, "")
    assert "was refused" in err and err.count("\n") == 1
