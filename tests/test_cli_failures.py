"""Exit 1 means the ledger failed verification and nothing else; a command that fails writes nothing.

A port in use, an unknown host, a bad database URL, an unreachable server or a
damaged side database is something an operator fixes: exit 2 and one sentence.
"""

from __future__ import annotations

import socket
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from ledger.log.application import Ledger
from ledger.log.config import LedgerConfig
from tests.diary import Diary
from tests.helpers import run_cli

GARBAGE = b"these bytes were never an SQLite database " * 200


def one_line(err: str) -> bool:
    text = err.strip()
    return bool(text) and "\n" not in text and "Traceback" not in text


def damage(path: Path) -> None:
    """Overwrite a database file with bytes that are not SQLite (keeping it private, as copro made it)."""
    path.write_bytes(GARBAGE)
    path.chmod(0o600)


def listing(folder: Path) -> dict[str, bytes | None]:
    """Every file under ``folder`` with its bytes (None for folders), to prove nothing was written."""
    return {str(p.relative_to(folder)): None if p.is_dir() else p.read_bytes() for p in sorted(folder.rglob("*"))}


@pytest.fixture
def busy_port() -> Iterator[int]:
    """A loopback port another program is listening on."""
    with socket.socket() as other:
        other.bind(("127.0.0.1", 0))
        other.listen(1)
        yield int(other.getsockname()[1])


@pytest.fixture
def demo_config(make_config: Callable[[str], LedgerConfig], tmp_path: Path) -> LedgerConfig:
    """A seeded demo data folder (its own unencrypted keys), as 'make demo' leaves it."""
    from copro.cli import main

    config = LedgerConfig(tmp_path / "demo", None)
    assert main(["--data", str(config.data_dir), "demo"]) == 0
    return config


# -- serve --------------------------------------------------------------------------------


def test_serve_on_a_port_in_use_exits_2_and_creates_no_invitation(
    demo_config: LedgerConfig, busy_port: int, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    before = listing(demo_config.data_dir)
    code, out, err = run_cli(demo_config, monkeypatch, capsys, "serve", "--port", str(busy_port))
    assert code == 2
    assert err == (
        f"copro: Port {busy_port} on 127.0.0.1 is already in use by another program; "
        "stop it or choose another --port.\n"
    )
    assert out == "", "no sign-in link is printed"
    assert listing(demo_config.data_dir) == before, "no session secret, no accounts database, no invitation"


def test_serve_on_an_unknown_host_exits_2(
    demo_config: LedgerConfig, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    before = listing(demo_config.data_dir)
    code, _, err = run_cli(demo_config, monkeypatch, capsys, "serve", "--host", "no-such-host.invalid")
    assert code == 2 and one_line(err)
    assert "Cannot serve on 'no-such-host.invalid': there is no such host name or address" in err
    code, _, err = run_cli(demo_config, monkeypatch, capsys, "serve", "--host", "192.0.2.1", "--port", "8080")
    assert code == 2 and one_line(err) and "192.0.2.1 is not an address of this machine" in err
    assert listing(demo_config.data_dir) == before


# -- databases ----------------------------------------------------------------------------

BAD_URLS = [
    ("postgresql://copro@127.0.0.1:99999/ledger", "must look like postgresql://"),
    ("postgresql://copro@[::1/ledger", "must look like postgresql://"),
    ("mysql://copro@127.0.0.1/ledger", "must look like postgresql://"),
    ("postgresql://copro:secret@127.0.0.1:1/nowhere", "Cannot connect to the PostgreSQL database nowhere"),
    ("postgresql://copro:secret@no-such-host.invalid/ledger", "Cannot connect to the PostgreSQL database ledger"),
]


@pytest.mark.parametrize(("url", "sentence"), BAD_URLS)
@pytest.mark.parametrize("command", [["init"], ["verify"], ["checkpoint"], ["project"], ["demo"], ["serve"]])
def test_a_bad_or_unreachable_database_url_exits_2_with_one_sentence(
    url: str,
    sentence: str,
    command: list[str],
    make_config: Callable[[str], LedgerConfig],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    config = LedgerConfig(make_config("sqlite").data_dir, url)
    args = [*command, "--port", str(_free_port())] if command == ["serve"] else command
    code, out, err = run_cli(config, monkeypatch, capsys, *args)
    assert code == 2, err
    assert one_line(err) and sentence in err, err
    assert "secret" not in err, "the password is never shown"
    assert "invite" not in out


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_a_damaged_views_database_exits_2_naming_the_file_and_the_fix(
    ledger: Ledger, config: LedgerConfig, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    if config.database_url:
        pytest.skip("views.sqlite is the SQLite ledger's")
    views = config.data_dir / "views.sqlite"
    damage(views)
    code, _, err = run_cli(config, monkeypatch, capsys, "project")
    assert code == 2 and one_line(err), err
    assert f"The database file {views} is damaged or is not an SQLite database" in err
    assert "delete it and run 'copro project'" in err
    assert views.read_bytes() == GARBAGE, "left as it was found"
    views.unlink()
    code, out, _ = run_cli(config, monkeypatch, capsys, "project")
    assert code == 0 and "Applied" in out, "and the fix it names works"


def test_a_damaged_personal_keys_database_exits_2(
    ledger: Ledger, config: LedgerConfig, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    if config.database_url:
        pytest.skip("personal-keys.sqlite is the SQLite ledger's")
    keys = config.data_dir / "personal-keys.sqlite"
    damage(keys)
    code, _, err = run_cli(config, monkeypatch, capsys, "erase", "1b4e28ba-2fa1-11d2-883f-0016d3cca427")
    assert code == 2 and one_line(err), err
    assert f"{keys} is damaged" in err and "restore it from your backup" in err
    assert keys.read_bytes() == GARBAGE


def test_a_damaged_accounts_database_stops_serve_with_exit_2(
    demo_config: LedgerConfig, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    accounts = demo_config.data_dir / "accounts.sqlite"
    damage(accounts)
    code, out, err = run_cli(demo_config, monkeypatch, capsys, "serve", "--port", str(_free_port()))
    assert code == 2 and "Traceback" not in err, err
    err = err.strip().splitlines()[-1]  # after the warning that the demo's keys are unencrypted
    assert f"{accounts} is damaged" in err and "invite the members again" in err
    assert out == ""
    assert accounts.read_bytes() == GARBAGE


def test_an_unexpected_error_is_one_sentence_pointing_to_a_private_log_never_exit_1(
    ledger: Ledger, config: LedgerConfig, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import copro.cli

    def broken(_: object) -> int:
        nothing: dict[str, int] = {}
        return nothing["a bug"]

    monkeypatch.setattr(copro.cli, "cmd_checkpoint", broken)
    code, _, err = run_cli(config, monkeypatch, capsys, "checkpoint")
    assert code == 70, "a bug is neither a broken ledger (1) nor the user's mistake (2)"
    assert one_line(err) and "an unexpected error stopped the command (KeyError)" in err
    log = Path(err.split("the details are in ")[1].split(":")[0])
    assert "Traceback" in log.read_text() and "a bug" in log.read_text()
    assert log.stat().st_mode & 0o077 == 0, "the details are for the operator only"
    log.unlink()


# -- a command that fails writes nothing --------------------------------------------------


def test_a_checkpoint_whose_file_cannot_be_written_is_not_stored(
    ledger: Ledger,
    config: LedgerConfig,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    ledger.save(Diary(title="minutes"))
    stored = len(ledger.merkle_log.checkpoints())
    missing = tmp_path / "missing" / "folder" / "cp.txt"
    code, out, err = run_cli(config, monkeypatch, capsys, "checkpoint", "--output", str(missing))
    assert code == 2 and one_line(err)
    assert f"Cannot write {missing} (No such file or directory)" in err and "nothing was signed or stored." in err
    assert out == ""
    assert len(ledger.merkle_log.checkpoints()) == stored, "the record is made only if its copy can be"
    code, _, err = run_cli(config, monkeypatch, capsys, "checkpoint", "--output", str(tmp_path))
    assert code == 2 and "is a folder" in err
    assert len(ledger.merkle_log.checkpoints()) == stored
    folder = tmp_path / "kept"
    folder.mkdir()
    code, out, _ = run_cli(config, monkeypatch, capsys, "checkpoint", "--output", str(folder / "cp.txt"))
    assert code == 0 and (folder / "cp.txt").read_text() == out
    assert [p.name for p in folder.iterdir()] == ["cp.txt"], "no temporary file is left beside it"
    assert len(ledger.merkle_log.checkpoints()) == stored + 1


def test_a_demo_that_fails_part_way_leaves_nothing_half_seeded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from ledger.governance.service import Governance

    config = LedgerConfig(tmp_path / "demo", None)
    original = Governance.close_proposal
    calls = []

    def interrupted(self: Governance, *args: object, **kwargs: object) -> object:
        calls.append(1)
        if len(calls) == 3:
            raise KeyboardInterrupt  # the person pressed Ctrl+C in the middle of seeding
        return original(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Governance, "close_proposal", interrupted)
    code, _, err = run_cli(config, monkeypatch, capsys, "demo")
    assert code == 130
    assert "the demo did not finish; removed what it had created" in err
    assert listing(config.data_dir) == {}, "no ledger, no keys, no side database is left"
    monkeypatch.setattr(Governance, "close_proposal", original)
    code, out, _ = run_cli(config, monkeypatch, capsys, "demo")
    assert code == 0 and "Seeded the demo collective" in out, "and the demo can simply be run again"


def test_a_demo_stopped_by_a_damaged_file_removes_only_what_it_created(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    config = LedgerConfig(tmp_path / "demo", None)
    config.check_writable()
    damage(config.data_dir / "personal-keys.sqlite")
    code, _, err = run_cli(config, monkeypatch, capsys, "demo")
    assert code == 2 and "personal-keys.sqlite is damaged" in err
    assert listing(config.data_dir) == {"personal-keys.sqlite": GARBAGE}


@pytest.mark.postgres
def test_a_half_seeded_postgresql_demo_is_refused_not_seeded_twice(
    make_config: Callable[[str], LedgerConfig], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from ledger.governance.service import Governance

    url = make_config("postgres").database_url
    config = LedgerConfig(make_config("sqlite").data_dir.parent / "pg-demo", url)

    def interrupted(self: Governance, *args: object, **kwargs: object) -> object:
        raise KeyboardInterrupt

    original = Governance.close_proposal
    monkeypatch.setattr(Governance, "close_proposal", interrupted)
    code, _, _ = run_cli(config, monkeypatch, capsys, "demo")
    assert code == 130
    monkeypatch.setattr(Governance, "close_proposal", original)
    code, _, err = run_cli(config, monkeypatch, capsys, "demo")
    assert code == 2 and "no finished demo" in err, err
    assert "Seeded" not in capsys.readouterr().out


def test_sqlite_files_the_side_stores_open_are_checked_before_use(tmp_path: Path) -> None:
    from ledger.log.errors import ConfigurationError
    from ledger.personal.side_store import SideStore

    config = LedgerConfig(tmp_path, None)
    damage(tmp_path / "accounts.sqlite")
    with pytest.raises(ConfigurationError, match=r"accounts\.sqlite is damaged"):
        SideStore(config, "accounts")
    store = SideStore(config, "fine")
    store.execute("CREATE TABLE t (x)")
    store.close()
    assert sqlite3.connect(tmp_path / "fine.sqlite").execute("SELECT COUNT(*) FROM t").fetchone() == (0,)


def test_output_closed_early_is_not_called_an_integrity_failure(
    ledger: Ledger, config: LedgerConfig, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import os
    import sys

    from copro.cli import main

    read_end, write_end = os.pipe()
    os.close(read_end)  # as when the output is piped into `head`, which has already exited
    with os.fdopen(write_end, "w", buffering=1) as closed_pipe:
        monkeypatch.setattr(sys, "stdout", closed_pipe)
        code = main(["--data", str(config.data_dir), "keys", "export"])
    assert code == 141
    assert "Traceback" not in capsys.readouterr().err
