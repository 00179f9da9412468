"""Test helpers: run the CLI as a user would, and reach into the raw database as an attacker would."""

from __future__ import annotations

import sqlite3
from typing import Any

import pytest

from copro.cli import main
from ledger.log.config import LedgerConfig


def run_cli(
    config: LedgerConfig, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], *args: str
) -> tuple[int, str, str]:
    if config.database_url:
        monkeypatch.setenv("COPRO_DATABASE_URL", config.database_url)
    else:
        monkeypatch.delenv("COPRO_DATABASE_URL", raising=False)
    capsys.readouterr()
    code = main(["--data", str(config.data_dir), *args])
    out, err = capsys.readouterr()
    return code, out, err


def events_table(config: LedgerConfig) -> str:
    return "ledger_events" if config.database_url else "stored_events"


def leaf_column(config: LedgerConfig) -> str:
    """The column that numbers events, and so leaves: leaf i is the row numbered i + 1."""
    return "notification_id" if config.database_url else "rowid"


def raw(
    config: LedgerConfig, statement: str, params: tuple[Any, ...] = (), *, bypass_triggers: bool = False
) -> list[tuple[Any, ...]]:
    """Run SQL straight against the ledger's database, bypassing copro entirely.

    ``bypass_triggers`` is the PostgreSQL superuser's way round the logging trigger,
    as an attacker with full database access would take it.
    """
    if config.database_url:
        import psycopg

        with psycopg.connect(config.database_url, autocommit=True) as con:
            if bypass_triggers:
                con.execute("SET session_replication_role = replica")
            cur = con.execute(statement.replace("?", "%s"), params)
            return list(cur.fetchall()) if cur.description else []
    lite = sqlite3.connect(config.sqlite_path, isolation_level=None)
    try:
        return list(lite.execute(statement, params).fetchall())
    finally:
        lite.close()


def db_id(config: LedgerConfig, oid: Any) -> Any:
    return oid if config.database_url else oid.hex
