"""SQLite persistence module (``PERSISTENCE_MODULE=ledger.log.storage.sqlite``), the embedded default.

eventsourcing's SQLite events table numbers rows ``MAX(rowid) + 1`` under the
database's write lock, and a rolled-back insert leaves no hole, so rowid ``i + 1``
is leaf ``i``: dense, in commit order, written with the event. The recorder adds
only the tree tiles, in the transaction of every 256th event.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import eventsourcing.sqlite as es_sqlite
from eventsourcing.persistence import StoredEvent
from eventsourcing.sqlite import SQLiteApplicationRecorder, SQLiteCursor
from eventsourcing.utils import Environment, EnvType

from ledger.log.files import check_sqlite_file, private_database
from ledger.log.storage import merkle_tables
from ledger.log.storage.log_reader import MerkleLogMixin
from ledger.log.storage.merkle_tables import Cursor


class LedgerSQLiteRecorder(MerkleLogMixin, SQLiteApplicationRecorder):
    """eventsourcing's SQLite application recorder, plus the Merkle tree tiles in the same transaction.

    eventsourcing has no public hook inside the transaction that inserts events,
    and a tile must be written there: written after the commit, a crash between
    the two would leave a completed tile unwritten, and another writer could
    append in between. So this subclass extends exactly these methods of
    eventsourcing 9.5 (``tests/test_library_pin.py`` fails if they change):

    - ``SQLiteApplicationRecorder._insert_events(c, stored_events)``: called by
      ``insert_events`` inside ``datastore.transaction(commit=True)``, under
      SQLite's write lock, returning each event's rowid. After the library's own
      insert, the leaf hashes are noted and the tiles the new rows complete are
      written with the same cursor. eventsourcing's own process recorder extends
      this same method (to insert tracking records), which is why it is the hook.
    - ``insert_events``: the public entry, wrapped (not copied) so that the noted
      hashes are kept only if its transaction committed.
    - ``construct_create_table_statements``: the library's tables, then ours.
    """

    dialect = merkle_tables.SQLITE

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.recent_leaves = merkle_tables.RecentLeaves()

    def construct_create_table_statements(self) -> list[str]:
        return super().construct_create_table_statements() + merkle_tables.create_statements(self.dialect)

    def insert_events(self, stored_events: Sequence[StoredEvent], **kwargs: Any) -> Sequence[int] | None:
        with self.recent_leaves.transaction():
            ids: Sequence[int] | None = super().insert_events(stored_events, **kwargs)
        return ids

    def _insert_events(
        self, c: SQLiteCursor, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        ids = super()._insert_events(c, stored_events, **kwargs) or ()
        self.recent_leaves.note(ids, stored_events)
        merkle_tables.complete_tiles(c, self.dialect, self.events_table_name, ids, self.recent_leaves)
        return ids

    def _log_txn(self, *, commit: bool) -> AbstractContextManager[Cursor]:
        return self.datastore.transaction(commit=commit)


class Factory(es_sqlite.SQLiteFactory):
    """eventsourcing's SQLite factory; the database file is made private before SQLite opens it.

    The ledger and the views (``views.sqlite``) both come through here.
    """

    application_recorder_class = LedgerSQLiteRecorder

    def __init__(self, env: Environment | EnvType | None):
        super().__init__(env)
        name = self.env.get(self.SQLITE_DBNAME) or ""
        if not es_sqlite.SQLiteConnectionPool.detect_memory_mode(name) and not name.startswith("file:"):
            path = Path(name)
            if path.parent.is_dir():
                private_database(path)
                check_sqlite_file(path)
