"""Materialised views of the governance log (tallies, participation), per engine.

Each view update and its tracking record commit in one transaction, so every
event is applied exactly once, and a crash can never leave a view ahead of or
behind its tracking position. The views hold no personal data (only ids, groups
and positions) and can be dropped and rebuilt from the log at any time.
"""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from typing import Any

import eventsourcing.postgres as es_postgres
import eventsourcing.sqlite as es_sqlite
from eventsourcing.persistence import Tracking
from psycopg.sql import SQL

from ledger.log.storage.merkle_tables import POSTGRES, SQLITE, Cursor, Dialect, _value

Statement = tuple[str, tuple[Any, ...]]

TABLES = [
    "CREATE TABLE IF NOT EXISTS view_members (collective_id TEXT NOT NULL, member_id TEXT NOT NULL, "
    "groups TEXT NOT NULL, PRIMARY KEY (collective_id, member_id))",
    "CREATE TABLE IF NOT EXISTS view_proposals (proposal_id TEXT PRIMARY KEY, collective_id TEXT NOT NULL, "
    "title TEXT NOT NULL, category TEXT NOT NULL, state TEXT NOT NULL, version_hash TEXT NOT NULL, "
    "outcome TEXT, opened_at TEXT, closed_at TEXT)",
    "CREATE TABLE IF NOT EXISTS view_ballots (proposal_id TEXT NOT NULL, member_id TEXT NOT NULL, "
    "position TEXT NOT NULL, version_hash TEXT NOT NULL, PRIMARY KEY (proposal_id, member_id))",
    "CREATE TABLE IF NOT EXISTS view_index (aggregate_id TEXT PRIMARY KEY, collective_id TEXT NOT NULL, "
    "kind TEXT NOT NULL)",
]
VIEW_TABLES = ("view_members", "view_proposals", "view_ballots", "view_index")


class GovernanceViewMixin:
    dialect: Dialect
    _insert_tracking: Callable[[Any, Tracking], None]
    max_tracking_id: Callable[[str], int | None]

    @abstractmethod
    def _view_txn(self, *, commit: bool) -> AbstractContextManager[Cursor]:
        """A transaction on the view's own datastore (each engine's recorder says how)."""

    def apply(self, statements: Sequence[Statement], tracking: Tracking) -> None:
        """Apply one event's changes and record that it was applied, atomically."""
        with self._view_txn(commit=True) as c:
            for sql, params in statements:
                c.execute(self.dialect.sql(sql), params)
            self._insert_tracking(c, tracking)

    def query(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        with self._view_txn(commit=False) as c:
            c.execute(self.dialect.sql(sql), params)
            rows = c.fetchall()
        width = len(rows[0]) if rows else 0
        return [tuple(_value(r, i) for i in range(width)) for r in rows]

    def clear(self, application_name: str) -> None:
        """Forget everything, so the next catch-up rebuilds the views from the log."""
        with self._view_txn(commit=True) as c:
            for table in VIEW_TABLES:
                c.execute(f"DELETE FROM {table}")
            c.execute(
                self.dialect.sql(f"DELETE FROM {self._tracking_table} WHERE application_name = ?"), (application_name,)
            )

    @property
    def _tracking_table(self) -> str:
        return str(getattr(self, "tracking_table_name", "tracking"))


class SQLiteGovernanceView(GovernanceViewMixin, es_sqlite.SQLiteTrackingRecorder):
    dialect = SQLITE

    def construct_create_table_statements(self) -> list[str]:
        return super().construct_create_table_statements() + TABLES

    def _view_txn(self, *, commit: bool) -> AbstractContextManager[Cursor]:
        return self.datastore.transaction(commit=commit)


class PostgresGovernanceView(GovernanceViewMixin, es_postgres.PostgresTrackingRecorder):
    dialect = POSTGRES

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for statement in TABLES:
            self.sql_create_statements.append(SQL(statement))  # type: ignore[arg-type]

    def _view_txn(self, *, commit: bool) -> AbstractContextManager[Cursor]:
        return self.datastore.transaction(commit=commit)
