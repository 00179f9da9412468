"""The data folder is its owner's alone: the folder 0700, every database and key file 0600, whatever the umask."""

from __future__ import annotations

import os
import signal
import socket
import stat
import subprocess
import sys
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from copro.cli import main
from ledger.log.application import Ledger
from ledger.log.config import LedgerConfig
from ledger.log.keystore import KeysFolder
from tests.conftest import PASSPHRASE
from tests.diary import Diary
from tests.helpers import run_cli

EVERY_FILE = [
    "ledger.sqlite",
    "views.sqlite",
    "personal-keys.sqlite",
    "accounts.sqlite",
    "web-secret",
    "keys",
    "keys/ledger.json",
    "keys/event.key",
    "keys/checkpoint.key",
    "keys/report.key",
    "keys/seal.key",
]


@pytest.fixture
def usual_umask() -> Iterator[None]:
    """The umask most systems start with (0o022), under which files are readable by everyone by default."""
    old = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(old)


def loose_modes(folder: Path) -> dict[str, str]:
    """Everything under ``folder`` (itself included) that is not 0700 (folders) or 0600 (files)."""
    found: dict[str, str] = {}
    for path in [folder, *sorted(folder.rglob("*"))]:
        mode = stat.S_IMODE(path.stat().st_mode)
        if mode != (0o700 if path.is_dir() else 0o600):
            found[str(path.relative_to(folder))] = oct(mode)
    return found


def copro(*args: str, data: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COPRO_DATA": str(data)}
    env.pop("COPRO_KEY_PASSPHRASE", None)
    return subprocess.run([sys.executable, "-m", "copro", *args], capture_output=True, text=True, env=env, check=False)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_keys_init_and_init_make_every_file_private_under_the_usual_umask(
    tmp_path: Path, usual_umask: None, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "new" / "data"
    for command in (["keys", "init"], ["init"]):
        code = main(["--data", str(data), *command])
        assert code == 0, capsys.readouterr().err
    assert (data / "ledger.sqlite").exists() and (data / "keys" / "event.key").exists()
    assert loose_modes(data) == {}
    assert "private to their owner" not in capsys.readouterr().err, "nothing was ever loose, so nothing is said"


def test_the_demo_and_a_served_page_leave_every_file_private(tmp_path: Path, usual_umask: None) -> None:
    data = tmp_path / "demo"
    demo = copro("demo", data=data)
    assert demo.returncode == 0, demo.stderr
    assert loose_modes(data) == {}
    port = free_port()
    env = {**os.environ, "COPRO_DATA": str(data)}
    server = subprocess.Popen(
        [sys.executable, "-m", "copro", "serve", "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert server.stdout is not None
        lines = []
        for line in server.stdout:
            lines.append(line)
            if line.startswith("  2. Open ") or len(lines) > 80:  # the last line of the welcome screen
                break
        links = [w for line in lines for w in line.split() if "/invite/" in w]
        assert links, lines
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/") as page:
            assert page.status == 200
        with urllib.request.urlopen(links[0]) as page:
            assert page.status == 200
        present = {str(p.relative_to(data)) for p in data.rglob("*")}
        assert set(EVERY_FILE) <= present, present
        assert {"ledger.sqlite-wal", "ledger.sqlite-shm"} <= present, "the server holds the log open in WAL mode"
        assert loose_modes(data) == {}, "while serving: the write-ahead logs too"
    finally:
        server.send_signal(signal.SIGINT)
        server.wait(timeout=60)
    assert server.returncode == 0, "Ctrl+C is how a server is stopped: not an error"
    assert loose_modes(data) == {}


def test_sqlite_gives_the_write_ahead_log_the_databases_own_mode(
    make_config: Callable[[str], LedgerConfig],
    usual_umask: None,
) -> None:
    config: LedgerConfig = make_config("sqlite")
    app = Ledger.open(config, KeysFolder(config.keys_dir).load(PASSPHRASE), create=True)
    try:
        app.save(Diary(title="minutes"))
        for name in ("ledger.sqlite", "ledger.sqlite-wal", "ledger.sqlite-shm"):
            assert stat.S_IMODE((config.data_dir / name).stat().st_mode) == 0o600, name
    finally:
        app.close()


def test_an_older_looser_folder_is_tightened_and_said_once(
    ledger: Ledger,
    config: LedgerConfig,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    if config.database_url:
        pytest.skip("the SQLite files are what is loosened here")
    (config.data_dir / "web-secret").write_text("an old secret")
    for path in [config.data_dir, *config.data_dir.rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)
    code, _, err = run_cli(config, monkeypatch, capsys, "verify")
    assert code == 0
    assert err.count("private to their owner") == 1, err
    assert str(config.keys_dir / "event.key") in err and str(config.data_dir / "web-secret") in err
    assert loose_modes(config.data_dir) == {}
    code, _, err = run_cli(config, monkeypatch, capsys, "verify")
    assert code == 0 and "private" not in err, "said once: the second run finds nothing loose"


def test_tightening_leaves_what_is_not_copros_alone(
    ledger: Ledger, config: LedgerConfig, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    notes = config.data_dir / "notes.txt"
    notes.write_text("the operator's own file")
    notes.chmod(0o644)
    code, _, _ = run_cli(config, monkeypatch, capsys, "verify")
    assert code == 0
    assert stat.S_IMODE(notes.stat().st_mode) == 0o644


def test_the_web_app_tightens_the_folder_under_gunicorn_too(
    ledger: Ledger, config: LedgerConfig, capsys: pytest.CaptureFixture[str]
) -> None:
    from web import create_app

    if config.database_url:
        pytest.skip("the SQLite files are what is loosened here")
    for path in [config.data_dir, *config.data_dir.rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)
    create_app({"LEDGER_CONFIG": config, "TESTING": True})  # what 'gunicorn web:create_app()' runs
    assert loose_modes(config.data_dir) == {}
    assert "private to their owner" in capsys.readouterr().err
