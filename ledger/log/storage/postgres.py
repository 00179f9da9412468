"""PostgreSQL persistence module (``PERSISTENCE_MODULE=ledger.log.storage.postgres``), for production.

A notification id from a PostgreSQL sequence is lost when its transaction rolls
back, so ids could have gaps; leaf indexes must not. A ``BEFORE INSERT`` trigger
therefore numbers every row ``MAX(notification_id) + 1``. eventsourcing takes an
EXCLUSIVE lock on the events table before it inserts, so that number is in commit
order and no other writer can take it; and because it is a trigger, even a row
inserted by hand behind copro's back becomes the next leaf, where ``copro verify``
finds it. Row ``i + 1`` is leaf ``i``; the tree tiles are written by the recorder
in the transaction of every 256th event.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractContextManager
from typing import Any

import eventsourcing.postgres as es_postgres
from eventsourcing.persistence import StoredEvent
from eventsourcing.postgres import PostgresApplicationRecorder
from psycopg import Cursor as PgCursor
from psycopg.rows import DictRow
from psycopg.sql import SQL, Identifier

from ledger.log.storage import merkle_tables
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
    """

    dialect = merkle_tables.POSTGRES

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

    def insert_events(self, stored_events: Sequence[StoredEvent], **kwargs: Any) -> Sequence[int] | None:
        with self.recent_leaves.transaction():
            ids: Sequence[int] | None = super().insert_events(stored_events, **kwargs)
        return ids

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
    application_recorder_class = LedgerPostgresRecorder
