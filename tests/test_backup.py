"""A backup taken while members vote restores into a fresh server, and ``copro verify`` passes on it.

docs/OPERATIONS.md "Backups" says: ``pg_dump --format=custom`` while copro runs, then
``pg_restore`` into an empty database; SQLite's online backup for the embedded ledger.
Here votes go on in a thread through the application the whole time. The restored log
must be a prefix of the live one (the same entries, the same root at its size), hold at
least what was written before the dump began, and verify with exit 0.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from copro.cli import main
from ledger.governance.service import Governance
from ledger.log.application import Ledger
from ledger.log.config import LedgerConfig
from ledger.log.keystore import KeysFolder
from tests.conftest import PASSPHRASE
from tests.services import _pg_bin, create_database, missing, postgres_server
from tests.web_support import Site, make_site, open_proposal

VOTERS = ("amara", "ben", "chloe", "erin")


@contextmanager
def votes_going_on(site: Site) -> Iterator[list[int]]:
    """Members change their positions in a thread until the block ends; yields the count so far."""
    w = site.world
    proposal = open_proposal(site)
    done, stop = [0], threading.Event()

    def vote() -> None:
        positions = ("agree", "abstain", "disagree")
        while not stop.is_set():
            name = VOTERS[done[0] % len(VOTERS)]
            w.gov.cast_ballot(
                proposal, member_id=w.member(name), position=positions[done[0] % 3], reason=f"reason {done[0]}"
            )
            done[0] += 1

    thread = threading.Thread(target=vote)
    thread.start()
    try:
        while done[0] < 20 and thread.is_alive():  # the backup starts in the middle of the stream
            stop.wait(0.01)
        yield done
    finally:
        stop.set()
        thread.join()
    assert done[0] >= 20, "the voting thread stopped early"


def assert_prefix(restored: LedgerConfig, live: Ledger, at_least: int) -> None:
    copy = Ledger.recorder_only(restored)
    size = copy.log_size()
    assert at_least <= size <= live.merkle_log.log_size()
    assert copy.entries(0, size) == live.merkle_log.entries(0, size)
    assert copy.root(size) == live.merkle_log.root(size)


def verify(config: LedgerConfig, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> str:
    if config.database_url:
        monkeypatch.setenv("COPRO_DATABASE_URL", config.database_url)
    capsys.readouterr()
    code = main(["--data", str(config.data_dir), "verify", "--workers", "1"])
    out, err = capsys.readouterr()
    assert code == 0, err
    return out


@pytest.mark.postgres
def test_pg_dump_during_votes_restores_into_a_fresh_server_that_verifies(
    postgres: str,
    tmp_path: Path,
    key_template: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    pg_dump, pg_restore = _pg_bin("pg_dump"), _pg_bin("pg_restore")
    if not pg_dump or not pg_restore:
        missing("pg_dump and pg_restore are not installed")
    assert pg_dump and pg_restore
    data = tmp_path / "data"
    data.mkdir(mode=0o700)
    shutil.copytree(key_template, data / "keys")
    config = LedgerConfig(data, create_database(postgres, "copro_backup_source"))
    gov = Governance.open(config, KeysFolder(config.keys_dir).load(PASSPHRASE), create=True)
    site = make_site(gov, config)
    gov.checkpoint()
    dump = tmp_path / "copro.dump"
    with votes_going_on(site) as done:
        before = gov.merkle_log.log_size()
        subprocess.run([pg_dump, "--format=custom", f"--file={dump}", config.database_url], check=True)  # type: ignore[list-item]
        votes_at_dump = done[0]
        while done[0] < votes_at_dump + 10:  # and votes go on after it
            threading.Event().wait(0.01)
    assert gov.merkle_log.log_size() > before

    with postgres_server() as fresh:
        restored = LedgerConfig(data, create_database(fresh, "copro_restored"))
        subprocess.run([pg_restore, "--no-owner", f"--dbname={restored.database_url}", str(dump)], check=True)
        assert_prefix(restored, gov, at_least=before)
        out = verify(restored, monkeypatch, capsys)
        assert out.startswith("OK: ")
    gov.close()


def test_sqlite_online_backup_during_votes_verifies(
    tmp_path: Path, key_template: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "data"
    data.mkdir(mode=0o700)
    shutil.copytree(key_template, data / "keys")
    config = LedgerConfig(data)
    gov = Governance.open(config, KeysFolder(config.keys_dir).load(PASSPHRASE), create=True)
    site = make_site(gov, config)
    copy = tmp_path / "backup"
    copy.mkdir(mode=0o700)
    shutil.copytree(key_template, copy / "keys")  # the keys are backed up on their own
    with votes_going_on(site):
        before = gov.merkle_log.log_size()
        source = sqlite3.connect(config.sqlite_path)
        target = sqlite3.connect(copy / "ledger.sqlite")
        try:
            source.backup(target)  # what `sqlite3 ledger.sqlite ".backup FILE"` does
        finally:
            target.close()
            source.close()
    (copy / "ledger.sqlite").chmod(0o600)
    restored = LedgerConfig(copy)
    assert_prefix(restored, gov, at_least=before)
    assert verify(restored, monkeypatch, capsys).startswith("OK: ")
    gov.close()


def test_copro_backup_of_a_running_sqlite_ledger_verifies(
    tmp_path: Path, key_template: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "data"
    data.mkdir(mode=0o700)
    shutil.copytree(key_template, data / "keys")
    (data / "witnesses.policy").write_text("quorum none\n")
    config = LedgerConfig(data)
    gov = Governance.open(config, KeysFolder(config.keys_dir).load(PASSPHRASE), create=True)
    site = make_site(gov, config)
    out = tmp_path / "backup"
    with votes_going_on(site):
        before = gov.merkle_log.log_size()
        assert main(["--data", str(data), "backup", str(out)]) == 0
    assert "Backed up the SQLite databases ledger.sqlite" in capsys.readouterr().out
    assert sorted(p.name for p in out.iterdir()) == [
        "accounts.sqlite",
        "keys",
        "ledger.sqlite",
        "personal-keys.sqlite",
        "witnesses.policy",
    ]
    assert all(p.stat().st_mode & 0o077 == 0 for p in out.iterdir()), "a backup is as private as the data"
    assert_prefix(LedgerConfig(out), gov, at_least=before)
    assert verify(LedgerConfig(out), monkeypatch, capsys).startswith("OK: ")
    gov.close()


@pytest.mark.postgres
def test_copro_backup_on_postgresql_restores_and_verifies(
    postgres: str,
    tmp_path: Path,
    key_template: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    pg_restore = _pg_bin("pg_restore")
    if not pg_restore:
        missing("pg_restore is not installed")
    assert pg_restore
    monkeypatch.setenv("PATH", f"{Path(pg_restore).parent}{os.pathsep}{os.environ['PATH']}")
    data = tmp_path / "data"
    data.mkdir(mode=0o700)
    shutil.copytree(key_template, data / "keys")
    config = LedgerConfig(data, create_database(postgres, "copro_backup_cmd"))
    gov = Governance.open(config, KeysFolder(config.keys_dir).load(PASSPHRASE), create=True)
    site = make_site(gov, config)
    out = tmp_path / "backup"
    monkeypatch.setenv("COPRO_DATABASE_URL", str(config.database_url))
    with votes_going_on(site):
        before = gov.merkle_log.log_size()
        assert main(["--data", str(data), "backup", str(out)]) == 0
    assert sorted(p.name for p in out.iterdir()) == ["keys", "ledger.dump"]
    with postgres_server() as fresh:
        restored = LedgerConfig(out, create_database(fresh, "copro_restored"))
        subprocess.run(
            [pg_restore, "--no-owner", f"--dbname={restored.database_url}", str(out / "ledger.dump")], check=True
        )
        assert_prefix(restored, gov, at_least=before)
        assert verify(restored, monkeypatch, capsys).startswith("OK: ")
    gov.close()


def test_copro_backup_refuses_a_folder_that_holds_something(
    tmp_path: Path, key_template: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "full"
    out.mkdir()
    (out / "old").write_text("keep me")
    assert main(["--data", str(tmp_path / "data"), "backup", str(out)]) == 2
    err = capsys.readouterr().err
    assert "is not an empty folder; back up into a new folder" in err and err.count("\n") == 1
    assert [p.name for p in out.iterdir()] == ["old"]
    assert main(["--data", str(tmp_path / "nothing"), "backup", str(tmp_path / "new")]) == 2
    assert "no copro ledger" in capsys.readouterr().err and not (tmp_path / "new").exists()
