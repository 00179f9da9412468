"""``copro backup OUT``: a consistent copy of a ledger while it runs, into a new folder.

On SQLite each database is copied with SQLite's online backup (a snapshot, never a
half-written page, while copro keeps writing); on PostgreSQL the database is written by
``pg_dump --format=custom`` (one snapshot; restore with ``pg_restore``). Either way the
keys folder (encrypted: keep the passphrase elsewhere) and the data folder's own files
(``witnesses.policy``, ``mail.toml``, ``web-secret``) are copied too. The views are
left out: ``copro project --rebuild`` makes them from the log. Everything is written
beside OUT first and renamed into place, so a failed backup leaves nothing.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sqlite3
import subprocess
import tempfile
from pathlib import Path

from copro.cli_args import Parser, path_arg
from copro.opening import config_of
from ledger.log.config import LedgerConfig
from ledger.log.errors import ConfigurationError

SQLITE_FILES = ("ledger", "personal-keys", "accounts")  # views.sqlite is rebuilt from the log
DATA_FILES = ("witnesses.policy", "mail.toml", "web-secret")


def cmd_backup(args: argparse.Namespace) -> int:
    out = Path(args.out)
    if out.exists() and not (out.is_dir() and not any(out.iterdir())):
        raise ConfigurationError(f"{out} already exists and is not an empty folder; back up into a new folder.")
    if not out.parent.is_dir():
        raise ConfigurationError(f"The folder {out.parent} does not exist; create it or back up elsewhere.")
    config = config_of(args)
    if config.ledger_state() != "ledger":
        raise ConfigurationError(f"There is no copro ledger in the {config.describe()}; nothing to back up.")
    work = Path(tempfile.mkdtemp(prefix=f".{out.name}.partial-", dir=out.parent))  # 0700
    try:
        what = _postgres(config, work) if config.is_postgres else _sqlite(config, work)
        if config.keys_dir.is_dir():
            shutil.copytree(config.keys_dir, work / "keys")
        for name in DATA_FILES:
            if (config.data_dir / name).is_file():
                shutil.copy2(config.data_dir / name, work / name)
                (work / name).chmod(0o600)  # a backup is as private as the data folder, whatever the original
        if out.is_dir():
            out.rmdir()
        os.replace(work, out)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    print(f"Backed up {what}, the keys and the data folder's files into {out}.")
    return 0


def _sqlite(config: LedgerConfig, work: Path) -> str:
    copied = []
    for name in SQLITE_FILES:
        source = config.data_dir / f"{name}.sqlite"
        if not source.exists():
            continue
        target = work / source.name
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)  # private before a byte is in it
        os.close(fd)
        src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
        dst = sqlite3.connect(target)
        try:
            src.backup(dst)
        finally:
            dst.close()
            src.close()
        copied.append(source.name)
    return "the SQLite databases " + ", ".join(copied)


def _postgres(config: LedgerConfig, work: Path) -> str:
    pg_dump = shutil.which("pg_dump")
    if pg_dump is None:
        raise ConfigurationError(
            "pg_dump is not installed here; install PostgreSQL's client programs, or run pg_dump where the "
            "database runs (docs/OPERATIONS.md, Backups)."
        )
    env = config.eventsourcing_env(create_tables=False)
    child = {
        **os.environ,
        "PGHOST": env["POSTGRES_HOST"],
        "PGPORT": env["POSTGRES_PORT"],
        "PGUSER": env["POSTGRES_USER"],
        "PGPASSWORD": env["POSTGRES_PASSWORD"],  # in the child's environment, never on its command line
        "PGDATABASE": env["POSTGRES_DBNAME"],
        "PGCONNECT_TIMEOUT": "10",
    }
    done = subprocess.run(
        [pg_dump, "--format=custom", f"--file={work / 'ledger.dump'}"], env=child, capture_output=True, text=True
    )
    if done.returncode != 0:
        first = (done.stderr.strip().splitlines() or ["no message"])[-1]
        raise ConfigurationError(f"pg_dump could not back up the {config.describe()}: {first}")
    (work / "ledger.dump").chmod(0o600)
    return f"the {config.describe()} (ledger.dump, for pg_restore)"


def add_backup_parser(sub: argparse._SubParsersAction[Parser]) -> None:
    b = sub.add_parser("backup", help="copy the ledger, its keys and settings into a new folder, while it runs")
    b.add_argument("out", metavar="OUT", type=path_arg, help="a new or empty folder")
    b.set_defaults(handler=cmd_backup)
