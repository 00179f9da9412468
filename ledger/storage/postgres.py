"""PostgreSQL persistence module (``PERSISTENCE_MODULE=ledger.storage.postgres``), for production."""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractContextManager
from typing import Any

from eventsourcing.persistence import InterfaceError, OperationalError, StoredEvent
import eventsourcing.postgres as es_postgres
from eventsourcing.postgres import PostgresApplicationRecorder
from eventsourcing.utils import retry
from psycopg.sql import SQL

from ledger.storage import merkle_tables
from ledger.storage.log_reader import MerkleLogMixin
from ledger.storage.merkle_tables import Cursor


class LedgerPostgresRecorder(MerkleLogMixin, PostgresApplicationRecorder):
    """eventsourcing's PostgreSQL application recorder, plus the Merkle log in the same transaction.

    The EXCLUSIVE lock eventsourcing already takes on the events table (so that
    notification ids follow commit order) is what makes leaf indexes dense and in
    commit order: the tree size is read only after the lock is held.
    """

    dialect = merkle_tables.POSTGRES

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for statement in merkle_tables.create_statements(self.dialect):
            self.sql_create_statements.append(SQL(statement))  # type: ignore[arg-type]

    @retry((InterfaceError, OperationalError), max_attempts=10, wait=0.2)
    def insert_events(
        self, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        if not stored_events:
            return []
        with self.datastore.get_connection() as conn, conn.transaction(), conn.cursor() as curs:
            self._insert_stored_events(curs, stored_events, **kwargs)  # locks, notifies, inserts
            ids = self._fetch_ids_after_insert_events(curs, stored_events, **kwargs)
            merkle_tables.append(curs, self.dialect, stored_events)
        return ids

    def _log_txn(self, *, commit: bool) -> AbstractContextManager[Cursor]:
        return self.datastore.transaction(commit=commit)


class Factory(es_postgres.PostgresFactory):
    application_recorder_class = LedgerPostgresRecorder
