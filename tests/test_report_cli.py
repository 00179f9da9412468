"""``copro report`` and ``copro report verify``: a steward writes a signed report; anyone checks it.

The stories: the demo collective's steward writes a report for the year so far, and a
funder's auditor checks it against the live ledger and against an exported bundle.
Then the ways a report goes wrong: a file changed after signing, a figure changed and
signed again with the real report key (caught only by recomputing the figures), a
previous report from another history, and every mistake a steward can make on the
command line (each one sentence, exit 2, nothing written).
"""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from copro.demo import seed_demo
from ledger.governance.report.build import principal
from ledger.governance.service import Governance
from ledger.log.config import LedgerConfig
from ledger.log.file_signatures import sign_folder
from ledger.log.keystore import KeysFolder
from policies.canonical import canonical_json
from tests.conftest import PASSPHRASE
from tests.helpers import run_cli

Run = Any


@pytest.fixture
def demo(config: LedgerConfig) -> LedgerConfig:
    list(seed_demo(config))
    return config


@pytest.fixture
def cli(demo: LedgerConfig, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Run:
    def run(*args: str) -> tuple[int, str, str]:
        return run_cli(demo, monkeypatch, capsys, *args)

    return run


def listing(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def test_a_steward_writes_a_report_and_an_auditor_finds_it_sound(cli: Run, tmp_path: Path) -> None:
    out = tmp_path / "report-2026"
    code, said, err = cli("report", "--out", str(out))
    assert (code, err) == (0, ""), err
    assert "Wrote the report on" in said and "VERIFY.txt" in said
    names = listing(out)
    for name in ("report.json", "report.html", "report.pdf"):
        assert {name, f"{name}.sig", f"{name}.sshsig", f"{name}.minisig"} <= set(names)
    assert {"VERIFY.txt", "report-key.pem", "report-key.pub", "report-key.minisign.pub", "allowed_signers"} <= set(
        names
    )
    doc = json.loads((out / "report.json").read_bytes())
    assert doc["format"] == "copro-report/1"
    assert doc["log"]["checkpoint"].startswith(doc["log"]["origin"] + "\n")
    assert doc["log"]["previous"] is None

    code, said, err = cli("report", "verify", str(out))
    assert (code, err) == (0, ""), said
    for check in ("R1", "R2", "R3", "R4", "R5"):
        assert f"{check} pass" in said
    assert "is sound: 5 of 5 checks passed." in said


def test_the_report_checks_out_against_an_exported_bundle_too(cli: Run, tmp_path: Path) -> None:
    out = tmp_path / "report"
    assert cli("report", "--out", str(out))[0] == 0
    assert cli("export", str(tmp_path / "bundle"))[0] == 0
    code, said, _ = cli("report", "verify", str(out), "--bundle", str(tmp_path / "bundle"), "--json")
    assert code == 0, said
    result = json.loads(said)
    assert result["ok"] and [c["id"] for c in result["checks"]] == ["R1", "R2", "R3", "R4", "R5"]


def test_a_byte_changed_after_signing_fails_the_signatures(cli: Run, tmp_path: Path) -> None:
    out = tmp_path / "report"
    assert cli("report", "--out", str(out))[0] == 0
    html = out / "report.html"
    html.write_bytes(html.read_bytes().replace(b"</body>", b" </body>"))
    code, said, _ = cli("report", "verify", str(out))
    assert code == 1
    assert "R3 FAIL" in said and "report.html" in said
    assert "R5 pass" in said  # the figures in report.json still recompute; only the HTML was touched


def test_a_forged_figure_signed_with_the_real_report_key_is_caught_by_recomputation(
    cli: Run, demo: LedgerConfig, tmp_path: Path
) -> None:
    out = tmp_path / "report"
    assert cli("report", "--out", str(out))[0] == 0
    doc = json.loads((out / "report.json").read_bytes())
    doc["decisions"]["by_outcome"]["adopted"] += 1  # a better story than the log tells
    (out / "report.json").write_bytes(canonical_json(doc))
    key = KeysFolder(demo.keys_dir).load(PASSPHRASE).report.signing_key
    sign_again(out, key, doc["log"]["origin"])  # every signature now valid, with the ledger's own report key
    code, said, _ = cli("report", "verify", str(out))
    assert code == 1
    assert "R3 pass" in said
    assert "R5 FAIL" in said and "decisions.by_outcome.adopted" in said


def test_a_later_report_proves_it_extends_the_previous_one(cli: Run, demo: LedgerConfig, tmp_path: Path) -> None:
    first, second = tmp_path / "first", tmp_path / "second"
    assert cli("report", "--out", str(first))[0] == 0
    cid = UUID(hex=json.loads((first / "report.json").read_bytes())["collective"]["id"])
    gov = Governance.open(demo, KeysFolder(demo.keys_dir).load(PASSPHRASE))
    try:
        someone = next(iter(gov.collective_to_read(cid).active_members()))
        gov.record_reflection(
            cid, by=someone, subject="period", subject_ref="", worked="We met.", did_not="", power="", actions=[]
        )
    finally:
        gov.close()
    code, _, err = cli("report", "--out", str(second), "--previous", str(first))
    assert code == 0, err
    doc = json.loads((second / "report.json").read_bytes())
    before = json.loads((first / "report.json").read_bytes())
    assert doc["log"]["previous"]["size"] == before["log"]["size"] < doc["log"]["size"]
    code, said, _ = cli("report", "verify", str(second), "--previous", str(first))
    assert code == 0, said
    assert "R4 pass" in said


def test_a_previous_report_from_another_history_is_refused_and_nothing_is_written(cli: Run, tmp_path: Path) -> None:
    first = tmp_path / "first"
    assert cli("report", "--out", str(first))[0] == 0
    doc = json.loads((first / "report.json").read_bytes())
    doc["log"]["root"] = "A" * 43 + "="  # a root this log never had
    (first / "report.json").write_bytes(canonical_json(doc))
    out = tmp_path / "second"
    code, _, err = cli("report", "--out", str(out), "--previous", str(first))
    assert code == 1
    assert "not part of this log" in err
    assert not out.exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".second")]


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--from", "2026-05-01", "--to", "2026-04-01"], "give a start before the end"),
        (["--from", "1 May"], "is not a date"),
        (["--from", "2999-01-01"], "in the future"),
        (["--collective", "0" * 32], "collective"),
    ],
)
def test_a_mistake_on_the_command_line_is_one_sentence_and_writes_nothing(
    cli: Run, tmp_path: Path, args: list[str], says: str
) -> None:
    out = tmp_path / "report"
    code, _, err = cli("report", "--out", str(out), *args)
    assert code == 2
    assert says in err and "Traceback" not in err
    assert err.count("\n") == 1
    assert not out.exists()


def test_an_output_folder_that_holds_files_is_refused(cli: Run, tmp_path: Path) -> None:
    out = tmp_path / "report"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    code, _, err = cli("report", "--out", str(out))
    assert code == 2 and "is not empty" in err
    assert listing(out) == ["notes.txt"]


def test_a_missing_or_wrong_report_key_is_refused(cli: Run, demo: LedgerConfig, tmp_path: Path) -> None:
    key_file = demo.keys_dir / "report.key"
    saved = key_file.read_bytes()
    key_file.unlink()
    code, _, err = cli("report", "--out", str(tmp_path / "a"))
    assert code == 2 and "report" in err
    assert not (tmp_path / "a").exists()

    other = tmp_path / "other-keys"
    shutil.copytree(demo.keys_dir, other)
    code, _, _ = run_keys_init(other)
    key_file.write_bytes((other / "report.key").read_bytes())
    code, _, err = cli("report", "--out", str(tmp_path / "b"))
    assert code == 2 and "is not the report key the ledger's keyring names" in err
    assert not (tmp_path / "b").exists()
    key_file.write_bytes(saved)


def sign_again(folder: Path, key: Ed25519PrivateKey, origin: str) -> None:
    """What a forger holding the real report key would do: sign the edited files afresh."""
    for path in folder.iterdir():
        if path.name not in ("report.json", "report.html", "report.pdf"):
            path.unlink()
    sign_folder(
        folder,
        ["report.json", "report.html", "report.pdf"],
        key,
        principal=principal(origin),
        valid_after=date.today(),
        valid_before=None,
        origin=origin,
    )


def run_keys_init(folder: Path) -> tuple[int, str, str]:
    """A second ledger's keys, made in ``folder``: its report key is another key."""
    for path in folder.iterdir():
        if path.is_file():
            path.unlink()
    KeysFolder(folder).init("other.example/ledger", PASSPHRASE)
    return 0, "", ""


def test_verify_on_a_folder_that_is_not_a_report_says_so(cli: Run, tmp_path: Path) -> None:
    code, _, err = cli("report", "verify", str(tmp_path))
    assert code == 2 and "holds no report.json" in err


def test_a_period_ending_now_includes_the_events_of_this_very_second() -> None:
    from datetime import UTC, datetime

    from ledger.governance.report.build import check_period

    now = datetime(2026, 12, 2, 10, 0, 0, 500_000, tzinfo=UTC)
    start, end = check_period(None, None, now)
    assert start is None and end == datetime(2026, 12, 2, 10, 0, 1, tzinfo=UTC)
    _, end = check_period(None, datetime(2027, 1, 1, tzinfo=UTC), now)  # an end in the future becomes now
    assert end == datetime(2026, 12, 2, 10, 0, 1, tzinfo=UTC)
