"""SQLite persistence module (``PERSISTENCE_MODULE=ledger.storage.sqlite``), the embedded default."""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractContextManager
from typing import Any

import eventsourcing.sqlite as es_sqlite
from eventsourcing.persistence import StoredEvent
from eventsourcing.sqlite import SQLiteApplicationRecorder, SQLiteCursor

from ledger.storage import merkle_tables
from ledger.storage.log_reader import MerkleLogMixin
from ledger.storage.merkle_tables import Cursor


class LedgerSQLiteRecorder(MerkleLogMixin, SQLiteApplicationRecorder):
    """eventsourcing's SQLite application recorder, plus the Merkle log in the same transaction."""

    dialect = merkle_tables.SQLITE

    def construct_create_table_statements(self) -> list[str]:
        return super().construct_create_table_statements() + merkle_tables.create_statements(self.dialect)

    def _insert_events(
        self, c: SQLiteCursor, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        # The INSERT of the events takes SQLite's write lock first, so no other writer
        # can read the same tree size before we commit.
        ids = super()._insert_events(c, stored_events, **kwargs)
        merkle_tables.append(c, self.dialect, stored_events)
        return ids

    def _log_txn(self, *, commit: bool) -> AbstractContextManager[Cursor]:
        return self.datastore.transaction(commit=commit)


class Factory(es_sqlite.SQLiteFactory):
    application_recorder_class = LedgerSQLiteRecorder
