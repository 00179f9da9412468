"""Small operational stores kept beside the log: person keys, sign-in accounts.

They are not governance history, so they stay out of the event log (DESIGN.md), but
they must live where the ledger lives: an SQLite file in the data folder for the
embedded ledger, tables in the same PostgreSQL database in production, so that any
number of stateless web processes share them.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from ledger.log.config import LedgerConfig
from ledger.log.errors import ConfigurationError
from ledger.log.files import check_sqlite_file, private_database
from ledger.log.schema_lock import TAKE_SCHEMA_LOCK


class SideStore:
    """One connection, SQL written with ``?`` placeholders, the same on both engines."""

    def __init__(self, config: LedgerConfig, name: str) -> None:
        self.postgres = config.database_url is not None
        self._lock = threading.RLock()
        if config.database_url is not None:
            import psycopg

            self._url = config.database_url
            try:
                self._pg = self._connect()
            except psycopg.OperationalError as e:
                first = str(e).strip().splitlines()[0] if str(e).strip() else "connection failed"
                raise ConfigurationError(f"Cannot connect to the {config.describe()}: {first}.") from None
        else:
            path = config.data_dir / f"{name}.sqlite"
            private_database(path)
            check_sqlite_file(path)
            self._sqlite = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
            # An erased key must be overwritten on disk, not just unlinked from the b-tree.
            self._sqlite.execute("PRAGMA secure_delete = ON")

    def _connect(self) -> Any:
        """A connection with bounded waits: 3 s to connect, 15 s per statement (as the ledger's own)."""
        import psycopg

        return psycopg.connect(self._url, autocommit=True, connect_timeout=3, options="-c statement_timeout=15s")

    def _live(self) -> Any:
        """The connection, made again if the server dropped it (a restart): the store resumes by itself.

        A statement that failed is not re-run (it may not be safe to repeat); the caller's request fails
        with the database error, which the web app answers with a 503.
        """
        if self._pg.closed or self._pg.broken:
            self._pg = self._connect()
        return self._pg

    @property
    def blob(self) -> str:
        return "bytea" if self.postgres else "BLOB"

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Any:
        """Run one statement; returns a cursor (fetchone, fetchall, rowcount)."""
        with self._lock:
            if self.postgres:
                return self._live().execute(sql.replace("?", "%s"), tuple(params))
            return self._sqlite.execute(sql, tuple(params))

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """All-or-nothing; on SQLite it takes the write lock at once."""
        with self._lock:
            if self.postgres:
                with self._live().transaction():
                    yield
                return
            self._sqlite.execute("BEGIN IMMEDIATE")
            try:
                yield
            except BaseException:
                self._sqlite.execute("ROLLBACK")
                raise
            self._sqlite.execute("COMMIT")

    @contextmanager
    def schema(self) -> Iterator[None]:
        """A transaction for creating or changing tables, one process at a time on PostgreSQL.

        Processes starting together on an empty database would otherwise race on
        ``CREATE TABLE IF NOT EXISTS`` (``ledger.log.schema_lock``)."""
        with self.transaction():
            if self.postgres:
                self.execute(TAKE_SCHEMA_LOCK)
            yield

    def columns(self, table: str) -> set[str]:
        """The column names of one table (empty when it does not exist): for adding columns to older tables."""
        if self.postgres:
            rows = self.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() "
                "AND table_name = ?",
                (table,),
            ).fetchall()
            return {str(r[0]) for r in rows}
        if not table.replace("_", "").isalnum():
            raise ValueError(f"not a table name: {table!r}")
        return {str(r[1]) for r in self.execute(f"PRAGMA table_info({table})").fetchall()}

    def after_delete(self, *tables: str) -> None:
        """Leave no copy of deleted rows in the store's files.

        SQLite (``secure_delete`` on) overwrites the rows; this also pushes them out of the
        write-ahead log. PostgreSQL keeps deleted rows in a table's files until the space is
        reused, so the named tables are rewritten (``VACUUM FULL``; they are small).
        """
        with self._lock:
            if not self.postgres:
                self._sqlite.execute("PRAGMA wal_checkpoint(TRUNCATE)")
                return
            for table in tables:
                if not table.isidentifier():
                    raise ValueError(f"not a table name: {table!r}")
                self._live().execute(f"VACUUM FULL {table}")

    def close(self) -> None:
        with self._lock:
            if self.postgres:
                self._pg.close()
            else:
                self._sqlite.close()
