"""PostgreSQL persistence module (``PERSISTENCE_MODULE=ledger.storage.postgres``), for production.

Appending must cost one round trip, as plain eventsourcing's does, or every vote
would pay for the Merkle log in network latency. So the client computes each leaf
hash (it has the signed record in hand) and a server-side function, in the same
pipelined transaction as the INSERT of the events, numbers the leaves and writes
the tree nodes they complete. ``copro verify`` recomputes all of it independently.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractContextManager
from typing import Any
from uuid import UUID

import eventsourcing.postgres as es_postgres
from eventsourcing.persistence import InterfaceError, OperationalError, StoredEvent
from eventsourcing.postgres import PostgresApplicationRecorder
from eventsourcing.utils import retry
from psycopg.sql import SQL

from ledger import merkle
from ledger.record import record_bytes
from ledger.storage import merkle_tables
from ledger.storage.log_reader import MerkleLogMixin
from ledger.storage.merkle_tables import Cursor

# Leaf numbering and node completion, server side: RFC 6962 node = SHA-256(0x01 || left || right).
APPEND_FUNCTION = r"""
CREATE OR REPLACE FUNCTION copro_append_leaves(oids uuid[], versions bigint[], leaf_hashes bytea[])
RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    first bigint;
    pos bigint;
    lvl int;
    h bytea;
    sibling bytea;
BEGIN
    SELECT COALESCE(MAX(leaf_index), -1) + 1 INTO first FROM copro_leaves;
    FOR i IN 1 .. COALESCE(array_length(leaf_hashes, 1), 0) LOOP
        pos := first + i - 1;
        h := leaf_hashes[i];
        INSERT INTO copro_leaves (leaf_index, originator_id, originator_version, leaf_hash)
            VALUES (pos, oids[i], versions[i], h);
        lvl := 0;
        WHILE pos % 2 = 1 LOOP
            IF lvl = 0 THEN
                SELECT leaf_hash INTO STRICT sibling FROM copro_leaves WHERE leaf_index = pos - 1;
            ELSE
                SELECT hash INTO STRICT sibling FROM copro_nodes WHERE level = lvl AND idx = pos - 1;
            END IF;
            h := sha256('\x01'::bytea || sibling || h);
            pos := pos / 2;
            lvl := lvl + 1;
            INSERT INTO copro_nodes (level, idx, hash) VALUES (lvl, pos, h);
        END LOOP;
    END LOOP;
    RETURN first;
END;
$$
"""


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
        self.sql_create_statements.append(SQL(APPEND_FUNCTION))  # type: ignore[arg-type]

    @retry((InterfaceError, OperationalError), max_attempts=10, wait=0.2)
    def insert_events(self, stored_events: Sequence[StoredEvent], **kwargs: Any) -> Sequence[int] | None:
        if not stored_events:
            return []
        oids: list[UUID] = []
        versions: list[int] = []
        hashes: list[bytes] = []
        for s in stored_events:
            oid = s.originator_id if isinstance(s.originator_id, UUID) else UUID(str(s.originator_id))
            oids.append(oid)
            versions.append(s.originator_version)
            hashes.append(merkle.leaf_hash(record_bytes(oid, s.originator_version, s.topic, s.state)))
        exc: Exception | None = None
        ids: Sequence[int] | None = None
        with self.datastore.get_connection() as conn:
            with conn.pipeline() as pipeline, conn.transaction(), conn.cursor() as curs:
                try:
                    self._insert_stored_events(curs, stored_events, **kwargs)  # lock, notify, insert
                    with conn.cursor() as log_curs:
                        log_curs.execute(
                            "SELECT copro_append_leaves(%s::uuid[], %s::bigint[], %s::bytea[])",
                            (oids, versions, hashes),
                            prepare=True,
                        )
                    pipeline.sync()
                    ids = self._fetch_ids_after_insert_events(curs, stored_events, **kwargs)
                except Exception as e:  # re-raised below, outside the pipeline
                    exc = e
            if exc:
                raise exc
        return ids

    def _log_txn(self, *, commit: bool) -> AbstractContextManager[Cursor]:
        return self.datastore.transaction(commit=commit)


class Factory(es_postgres.PostgresFactory):
    application_recorder_class = LedgerPostgresRecorder
