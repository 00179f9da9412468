"""PostgreSQL persistence module (``PERSISTENCE_MODULE=ledger.storage.postgres``), for production.

Every stored event becomes a Merkle leaf through a row trigger on the events table,
in the same transaction as the event itself and at no extra round trip: the server
rebuilds the signed record from the row (docs/FORMAT.md section 2), hashes it,
numbers the leaf and writes the tree nodes it completes. eventsourcing's EXCLUSIVE
table lock, taken before the insert so that notification ids follow commit order, is
what keeps leaf numbers dense and in commit order. ``copro verify`` recomputes all
of it independently, from the rows, in Python.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import Any

import eventsourcing.postgres as es_postgres
from eventsourcing.postgres import PostgresApplicationRecorder
from psycopg.sql import SQL, Identifier

from ledger.storage import merkle_tables
from ledger.storage.log_reader import MerkleLogMixin
from ledger.storage.merkle_tables import Cursor

# leaf = SHA-256(0x00 || record), record = state[0:69] || "copro/event/v1\\n" || id || u64 version
#        || u16 len(topic) || topic || state[69:];  node = SHA-256(0x01 || left || right)
LOG_FUNCTION = r"""
CREATE OR REPLACE FUNCTION copro_log_event() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    pos bigint;
    lvl int := 0;
    h bytea;
    sibling bytea;
    topic_bytes bytea := convert_to(NEW.topic, 'UTF8');
BEGIN
    SELECT COALESCE(MAX(leaf_index), -1) + 1 INTO pos FROM copro_leaves;
    h := sha256(
        '\x00'::bytea
        || substring(NEW.state FROM 1 FOR 69)
        || convert_to(E'copro/event/v1\n', 'UTF8')
        || uuid_send(NEW.originator_id)
        || int8send(NEW.originator_version)
        || substring(int4send(length(topic_bytes)) FROM 3 FOR 2)
        || topic_bytes
        || substring(NEW.state FROM 70)
    );
    INSERT INTO copro_leaves (leaf_index, originator_id, originator_version, leaf_hash)
        VALUES (pos, NEW.originator_id, NEW.originator_version, h);
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
    RETURN NULL;
END;
$$
"""


class LedgerPostgresRecorder(MerkleLogMixin, PostgresApplicationRecorder):
    """eventsourcing's PostgreSQL application recorder, whose events table logs every row it gets."""

    dialect = merkle_tables.POSTGRES

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for statement in merkle_tables.create_statements(self.dialect):
            self.sql_create_statements.append(SQL(statement))  # type: ignore[arg-type]
        self.sql_create_statements.append(SQL(LOG_FUNCTION))  # type: ignore[arg-type]
        self.sql_create_statements.append(
            SQL(
                "CREATE OR REPLACE TRIGGER copro_log_event AFTER INSERT ON {schema}.{table} "
                "FOR EACH ROW EXECUTE FUNCTION copro_log_event()"
            ).format(schema=Identifier(self.datastore.schema), table=Identifier(self.events_table_name))
        )

    def _log_txn(self, *, commit: bool) -> AbstractContextManager[Cursor]:
        return self.datastore.transaction(commit=commit)


class Factory(es_postgres.PostgresFactory):
    application_recorder_class = LedgerPostgresRecorder
