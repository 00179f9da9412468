"""Materialised views of the governance log, per engine: the tables and the transaction that fills them.

Each view update and its tracking record commit in one transaction, so every
event is applied exactly once, and a crash can never leave a view ahead of or
behind its tracking position. The views hold no personal data (only ids, groups,
positions and objection states) and can be dropped and rebuilt from the log at any time.

The view classes are eventsourcing ``TrackingRecorder`` subclasses: the tracking row
is written with the recorder's own public ``insert_tracking_statement``, inside the
transaction that writes the view rows, on both engines.
"""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Sequence
from contextlib import AbstractContextManager
from typing import Any

import eventsourcing.postgres as es_postgres
import eventsourcing.sqlite as es_sqlite
from eventsourcing.persistence import IntegrityError, Tracking, TrackingRecorder
from psycopg.sql import SQL

from ledger.log.schema_lock import TAKE_SCHEMA_LOCK
from ledger.log.storage.merkle_tables import POSTGRES, SQLITE, Cursor, Dialect, _value

Statement = tuple[str, tuple[Any, ...]]

TABLES = [
    "CREATE TABLE IF NOT EXISTS view_members (collective_id TEXT NOT NULL, member_id TEXT NOT NULL, "
    "groups TEXT NOT NULL, PRIMARY KEY (collective_id, member_id))",
    "CREATE TABLE IF NOT EXISTS view_proposals (proposal_id TEXT PRIMARY KEY, collective_id TEXT NOT NULL, "
    "title TEXT NOT NULL, category TEXT NOT NULL, state TEXT NOT NULL, version_hash TEXT NOT NULL, "
    "outcome TEXT, opened_at TEXT, closes_at TEXT, closed_at TEXT, agreement_id TEXT, policy_name TEXT, "
    "stamp BIGINT NOT NULL DEFAULT 0)",
    "CREATE TABLE IF NOT EXISTS view_collectives (collective_id TEXT PRIMARY KEY, stamp BIGINT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS view_ballots (proposal_id TEXT NOT NULL, member_id TEXT NOT NULL, "
    "position TEXT NOT NULL, version_hash TEXT NOT NULL, stamp BIGINT NOT NULL DEFAULT 0, "
    "PRIMARY KEY (proposal_id, member_id))",
    "CREATE TABLE IF NOT EXISTS view_objections (objection_id TEXT PRIMARY KEY, proposal_id TEXT NOT NULL, "
    "member_id TEXT NOT NULL, paramount INTEGER NOT NULL, status TEXT NOT NULL, raised BIGINT NOT NULL)",
    "CREATE INDEX IF NOT EXISTS view_objections_by_proposal ON view_objections (proposal_id, raised)",
    # Reminders sent: the groups asked to respond to an open proposal (ids and group names only).
    "CREATE TABLE IF NOT EXISTS view_reminders (reminder_id TEXT PRIMARY KEY, proposal_id TEXT NOT NULL, "
    "groups TEXT NOT NULL, at TEXT NOT NULL)",
    "CREATE INDEX IF NOT EXISTS view_reminders_by_proposal ON view_reminders (proposal_id, at)",
    "CREATE TABLE IF NOT EXISTS view_index (aggregate_id TEXT PRIMARY KEY, collective_id TEXT NOT NULL, "
    "kind TEXT NOT NULL)",
    "CREATE INDEX IF NOT EXISTS view_index_by_collective ON view_index (collective_id, kind)",
    # A proposal's discussion thread, in the order posted (the words stay sealed in the log).
    "CREATE TABLE IF NOT EXISTS view_comments (comment_id TEXT PRIMARY KEY, proposal_id TEXT NOT NULL, "
    "member_id TEXT NOT NULL, posted BIGINT NOT NULL)",
    "CREATE INDEX IF NOT EXISTS view_comments_by_proposal ON view_comments (proposal_id, posted)",
    # The history index: one row per event of a collective's aggregates (time travel, the audit trail).
    "CREATE TABLE IF NOT EXISTS view_events (leaf BIGINT PRIMARY KEY, aggregate_id TEXT NOT NULL, "
    "version BIGINT NOT NULL, kind TEXT NOT NULL, at TEXT NOT NULL, actor TEXT, subject TEXT, "
    "collective_id TEXT NOT NULL)",
    "CREATE UNIQUE INDEX IF NOT EXISTS view_events_by_aggregate ON view_events (aggregate_id, version)",
    "CREATE INDEX IF NOT EXISTS view_events_by_actor ON view_events (actor, leaf)",
    "CREATE INDEX IF NOT EXISTS view_events_by_subject ON view_events (subject, leaf)",
    "CREATE INDEX IF NOT EXISTS view_events_by_collective ON view_events (collective_id, leaf)",
]
VIEW_TABLES = (
    "view_members",
    "view_proposals",
    "view_collectives",
    "view_ballots",
    "view_objections",
    "view_reminders",
    "view_index",
    "view_comments",
    "view_events",
)
# Raise when TABLES change: a view made by an older copro is dropped and rebuilt from the log on open.
SCHEMA_VERSION = 6


class GovernanceViewMixin(TrackingRecorder):
    """What both engines' view recorders share: apply with tracking, query, clear."""

    dialect: Dialect
    insert_tracking_statement: Any

    @abstractmethod
    def _view_txn(self, *, commit: bool) -> AbstractContextManager[Cursor]:
        """A transaction on the view's own datastore (each engine's recorder says how)."""

    @abstractmethod
    def _single_row_tracking(self) -> bool:
        """Whether the datastore keeps one tracking row per application (eventsourcing's option)."""

    def apply(self, statements: Sequence[Statement], tracking: Tracking) -> None:
        """Apply one event's changes and record that it was applied, atomically.

        Raises eventsourcing's ``IntegrityError`` (and writes nothing) when the event was
        applied already: by an earlier catch-up, or by another worker first.
        """
        with self._view_txn(commit=True) as c:
            for sql, params in statements:
                c.execute(self.dialect.sql(sql), params)
            c.execute(
                self.insert_tracking_statement,
                {"application_name": tracking.application_name, "notification_id": tracking.notification_id},
            )
            if self._single_row_tracking() and c.fetchone() is None:
                raise IntegrityError(f"{tracking.application_name} {tracking.notification_id} is applied already")

    def query(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        with self._view_txn(commit=False) as c:
            c.execute(self.dialect.sql(sql), params)
            rows = c.fetchall()
        # sqlite3 rows are sequences, psycopg's dict rows answer through values(): one conversion per row.
        return [tuple(r.values()) if isinstance(r, dict) else tuple(r) for r in rows]

    def ensure_schema(self, application_name: str) -> bool:
        """Make the view tables this code writes; drop views of an older shape. True if they were (re)made.

        The views are only ever a function of the log, so an outdated one is never migrated
        in place: it is dropped with its tracking, and the next catch-up rebuilds it.
        """
        with self._view_txn(commit=True) as c:
            if self.dialect is POSTGRES:
                c.execute(TAKE_SCHEMA_LOCK)  # processes starting together: one makes the tables (schema_lock)
            c.execute("CREATE TABLE IF NOT EXISTS view_schema (version INTEGER NOT NULL)")
            c.execute("SELECT version FROM view_schema")
            row = c.fetchone()
            if row is not None and _value(row, 0) == SCHEMA_VERSION:
                return False
            for table in VIEW_TABLES:
                c.execute(f"DROP TABLE IF EXISTS {table}")
            for statement in TABLES:
                c.execute(statement)
            c.execute(
                self.dialect.sql(f"DELETE FROM {self._tracking_table} WHERE application_name = ?"), (application_name,)
            )
            c.execute("DELETE FROM view_schema")
            c.execute(self.dialect.sql("INSERT INTO view_schema (version) VALUES (?)"), (SCHEMA_VERSION,))
        return True

    def clear(self, application_name: str) -> None:
        """Forget everything, so the next catch-up rebuilds the views from the log."""
        with self._view_txn(commit=True) as c:
            for table in VIEW_TABLES:
                c.execute(f"DELETE FROM {table}")
            c.execute(
                self.dialect.sql(f"DELETE FROM {self._tracking_table} WHERE application_name = ?"),
                (application_name,),
            )

    @property
    def _tracking_table(self) -> str:
        """PostgreSQL's recorder names its tracking table; SQLite's is always ``tracking``."""
        return str(getattr(self, "tracking_table_name", "tracking"))


class SQLiteGovernanceView(GovernanceViewMixin, es_sqlite.SQLiteTrackingRecorder):
    dialect = SQLITE

    def construct_create_table_statements(self) -> list[str]:
        return super().construct_create_table_statements() + TABLES

    def _view_txn(self, *, commit: bool) -> AbstractContextManager[Cursor]:
        return self.datastore.transaction(commit=commit)

    def _single_row_tracking(self) -> bool:
        return bool(self.datastore.single_row_tracking)


_max_tracking_id = es_postgres.PostgresTrackingRecorder.max_tracking_id.__wrapped__
_has_tracking_id = es_postgres.PostgresTrackingRecorder.has_tracking_id.__wrapped__
_insert_tracking = es_postgres.PostgresTrackingRecorder.insert_tracking.__wrapped__


class PostgresGovernanceView(GovernanceViewMixin, es_postgres.PostgresTrackingRecorder):
    """The views on PostgreSQL. Tracking reads go past the library's retry decorator, as the ledger's do
    (``ledger.log.storage.postgres``): during an outage a page fails in seconds with a 503, not in minutes."""

    dialect = POSTGRES

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for statement in TABLES:
            self.sql_create_statements.append(SQL(statement))  # type: ignore[arg-type]

    def _create_table(self, curs: Any) -> None:
        """The tracking and view tables, one process at a time (``ledger.log.schema_lock``)."""
        curs.execute(TAKE_SCHEMA_LOCK)
        super()._create_table(curs)

    def _view_txn(self, *, commit: bool) -> AbstractContextManager[Cursor]:
        return self.datastore.transaction(commit=commit)

    def max_tracking_id(self, application_name: str) -> int | None:
        top: int | None = _max_tracking_id(self, application_name)
        return top

    def has_tracking_id(self, application_name: str, notification_id: int | None) -> bool:
        return bool(_has_tracking_id(self, application_name, notification_id))

    def insert_tracking(self, tracking: Tracking) -> None:
        _insert_tracking(self, tracking)

    def _single_row_tracking(self) -> bool:
        return bool(self.datastore.single_row_tracking)
