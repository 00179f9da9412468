"""PostgreSQL persistence module (``PERSISTENCE_MODULE=ledger.log.storage.postgres``), for production.

A notification id from a PostgreSQL sequence is lost when its transaction rolls
back, so ids could have gaps; leaf indexes must not. A ``BEFORE INSERT`` trigger
therefore numbers every row ``MAX(notification_id) + 1``. eventsourcing takes an
EXCLUSIVE lock on the events table before it inserts, so that number is in commit
order and no other writer can take it; and because it is a trigger, even a row
inserted by hand behind copro's back becomes the next leaf, where ``copro verify``
finds it. Row ``i + 1`` is leaf ``i``; the tree tiles are written by the recorder
in the transaction of every 256th event.

Concurrent appends from one process are batched into one transaction
(``ledger.log.storage.group_commit``; ``COPRO_GROUP_COMMIT=off`` turns it off).

Nothing waits without bound: a connection is awaited at most
``POSTGRES_CONNECT_TIMEOUT`` seconds (set by ``LedgerConfig``), every statement
at most ``STATEMENT_TIMEOUT``, and the library's own retry loops (ten attempts,
each up to a connection timeout) are stepped past, so a request meeting a
database that is down fails in seconds, which the web app answers with a 503.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractContextManager
from typing import Any, cast

import eventsourcing.postgres as es_postgres
from eventsourcing.persistence import StoredEvent
from eventsourcing.postgres import PostgresApplicationRecorder
from eventsourcing.utils import Environment, EnvType
from psycopg import Cursor as PgCursor
from psycopg.rows import DictRow
from psycopg.sql import SQL, Identifier

from ledger.log.schema_lock import TAKE_SCHEMA_LOCK
from ledger.log.storage import merkle_tables
from ledger.log.storage.group_commit import GroupCommitter, Key, from_env, taken_versions
from ledger.log.storage.log_reader import MerkleLogMixin
from ledger.log.storage.merkle_tables import Cursor

NUMBER_LEAF = """
CREATE OR REPLACE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    SELECT COALESCE(MAX(notification_id), 0) + 1 INTO NEW.notification_id FROM {schema}.{table};
    RETURN NEW;
END;
$$
"""
STATEMENT_TIMEOUT = "15s"  # far above any statement copro runs; a stuck one fails instead of hanging a request

# The library's methods without their retry decorators: eventsourcing retries an
# OperationalError ten times, each attempt waiting up to a connection timeout, so a
# request during an outage would hang for most of a minute. Ours fail at once.
_insert = PostgresApplicationRecorder.insert_events.__wrapped__
_select_events = PostgresApplicationRecorder.select_events.__wrapped__
_select_notifications = PostgresApplicationRecorder.select_notifications.__wrapped__
_max_notification_id = PostgresApplicationRecorder.max_notification_id.__wrapped__


class LedgerPostgresRecorder(MerkleLogMixin, PostgresApplicationRecorder):
    """eventsourcing's PostgreSQL application recorder, with dense notification ids and the tree tiles.

    eventsourcing has no public hook inside the transaction that inserts events,
    and a tile must be written there (see ``ledger.log.storage.sqlite``). So this
    subclass extends exactly these parts of eventsourcing 9.5
    (``tests/test_library_pin.py`` fails if they change):

    - ``PostgresApplicationRecorder._fetch_ids_after_insert_events(curs, stored_events)``:
      called by ``insert_events`` in the inserting transaction, after the
      EXCLUSIVE table lock and the insert, returning the new notification ids.
      After the library's own fetch, the leaf hashes are noted and the tiles the
      new rows complete are written with the same cursor. It is only called when
      ``POSTGRES_ENABLE_DB_FUNCTIONS`` is off, which ``LedgerConfig`` sets.
    - ``insert_events``: the public entry, wrapped (not copied) so that the noted
      hashes are kept only if its transaction committed.
    - ``sql_create_statements``: the library's list of table statements, which
      the library's own ``__init__`` fills; ours are appended after it.
    - ``_create_table(curs)``: runs them in ``create_table``'s transaction; the
      schema lock is taken first, so processes starting together do not race.
    - ``insert_events``, ``select_events``, ``select_notifications`` and
      ``max_notification_id`` are called through ``__wrapped__``, past the
      library's retry decorator (see the module docstring).
    """

    dialect = merkle_tables.POSTGRES
    group_commit: GroupCommitter | None = None  # set by Factory from the environment

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.recent_leaves = merkle_tables.RecentLeaves()
        names = {
            "schema": Identifier(self.datastore.schema),
            "table": Identifier(self.events_table_name),
            "function": Identifier(f"{self.events_table_name}_number_leaf"),
        }
        for statement in merkle_tables.create_statements(self.dialect):
            self.sql_create_statements.append(SQL(statement).format())
        self.sql_create_statements.append(SQL(NUMBER_LEAF).format(**names))
        self.sql_create_statements.append(
            SQL(
                "CREATE OR REPLACE TRIGGER copro_number_leaf BEFORE INSERT ON {schema}.{table} "
                "FOR EACH ROW EXECUTE FUNCTION {function}()"
            ).format(**names)
        )

    def _create_table(self, curs: PgCursor[DictRow]) -> None:
        """The library's table statements, one process at a time (``ledger.log.schema_lock``)."""
        curs.execute(TAKE_SCHEMA_LOCK)
        super()._create_table(curs)

    def insert_events(self, stored_events: Sequence[StoredEvent], **kwargs: Any) -> Sequence[int] | None:
        # A tracking record (a process application's) must commit with its own events: written alone.
        if self.group_commit is not None and stored_events and all(v is None for v in kwargs.values()):
            return self.group_commit.insert(stored_events)
        return self.insert_now(stored_events, **kwargs)

    def insert_now(self, stored_events: Sequence[StoredEvent], **kwargs: Any) -> Sequence[int] | None:
        """One transaction of the library's own insert, the tiles in it; the hashes kept only if it committed."""
        with self.recent_leaves.transaction():
            ids: Sequence[int] | None = _insert(self, stored_events, **kwargs)
        return ids

    def taken_versions(self, keys: Sequence[Key]) -> set[Key]:
        with self._log_txn(commit=False) as c:
            return taken_versions(c, self.dialect, self.events_table_name, keys)

    def select_events(self, originator_id: Any, **kwargs: Any) -> Sequence[StoredEvent]:
        events: Sequence[StoredEvent] = _select_events(self, originator_id, **kwargs)
        return events

    def select_notifications(self, *args: Any, **kwargs: Any) -> Any:
        return _select_notifications(self, *args, **kwargs)

    def max_notification_id(self) -> int | None:
        top: int | None = _max_notification_id(self)
        return top

    def _fetch_ids_after_insert_events(
        self, curs: PgCursor[DictRow], stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        ids = super()._fetch_ids_after_insert_events(curs, stored_events, **kwargs) or ()
        self.recent_leaves.note(ids, stored_events)
        merkle_tables.complete_tiles(curs, self.dialect, self.events_table_name, ids, self.recent_leaves)
        return ids

    def _log_txn(self, *, commit: bool) -> AbstractContextManager[Cursor]:
        return self.datastore.transaction(commit=commit)


class Factory(es_postgres.PostgresFactory):
    """eventsourcing's PostgreSQL factory, with a statement timeout on every connection and group commit."""

    application_recorder_class = LedgerPostgresRecorder

    def __init__(self, env: Environment | EnvType | None):
        super().__init__(env)
        # psycopg_pool reads its kwargs for every new connection (the library sets the password there too).
        self.datastore.pool.kwargs = {
            **cast(dict[str, Any], self.datastore.pool.kwargs or {}),
            "options": f"-c statement_timeout={STATEMENT_TIMEOUT}",
        }

    def application_recorder(self) -> Any:
        recorder = super().application_recorder()
        if isinstance(recorder, LedgerPostgresRecorder):
            recorder.group_commit = from_env(self.env.get, recorder.insert_now, recorder.taken_versions)
        return recorder
