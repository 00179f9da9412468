"""The Merkle log's tables and the one algorithm that appends to them, for any SQL engine.

Tables (created beside eventsourcing's events table):

- ``copro_leaves(leaf_index, originator_id, originator_version, leaf_hash)``: one row per
  stored event, numbered densely from 0 in commit order;
- ``copro_nodes(level, idx, hash)``: every *perfect* subtree the log has completed
  (level >= 1); with the leaves these answer any root, inclusion or consistency query
  in O(log n) reads;
- ``copro_checkpoints(tree_size, note)``: signed checkpoints, C2SP signed-note text;
- ``copro_meta(name, value)``: the ledger's identity (format, origin).

Appending n events reads at most one row per level (the frontier) and writes the
leaves plus the nodes they complete: O(log size) per append, never a rehash.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol
from uuid import UUID

from eventsourcing.persistence import StoredEvent

from ledger import merkle
from ledger.record import record_bytes

LEDGER_FORMAT = "copro-ledger/1"


class Cursor(Protocol):
    def execute(self, query: Any, params: Any = ...) -> Any: ...
    def executemany(self, query: Any, params_seq: Any) -> Any: ...
    def fetchall(self) -> Any: ...
    def fetchone(self) -> Any: ...


@dataclass(frozen=True)
class Dialect:
    """What differs between engines: placeholders, id and blob column types."""

    placeholder: str
    id_type: str
    blob_type: str
    encode_id: Callable[[UUID], Any]
    leaf_key: str  # SQLite: INTEGER PRIMARY KEY is the rowid itself, one b-tree fewer per write
    compact: str  # SQLite: WITHOUT ROWID keeps a table with a composite key in one b-tree

    def sql(self, text: str) -> str:
        return text.replace("?", self.placeholder)


SQLITE = Dialect("?", "TEXT", "BLOB", lambda u: u.hex, "INTEGER PRIMARY KEY", " WITHOUT ROWID")
POSTGRES = Dialect("%s", "uuid", "bytea", lambda u: u, "BIGINT PRIMARY KEY", "")


def create_statements(d: Dialect) -> list[str]:
    return [
        "CREATE TABLE IF NOT EXISTS copro_leaves ("
        f"leaf_index {d.leaf_key}, "
        f"originator_id {d.id_type} NOT NULL, "
        "originator_version BIGINT NOT NULL, "
        f"leaf_hash {d.blob_type} NOT NULL, "
        "UNIQUE (originator_id, originator_version))",
        "CREATE TABLE IF NOT EXISTS copro_nodes ("
        "level INTEGER NOT NULL, idx BIGINT NOT NULL, "
        f"hash {d.blob_type} NOT NULL, PRIMARY KEY (level, idx)){d.compact}",
        "CREATE TABLE IF NOT EXISTS copro_checkpoints (tree_size BIGINT PRIMARY KEY, note TEXT NOT NULL)",
        "CREATE TABLE IF NOT EXISTS copro_meta (name TEXT PRIMARY KEY, value TEXT NOT NULL)",
    ]


def _value(row: Any, index: int) -> Any:
    # sqlite3.Row and psycopg dict rows both answer to position through values().
    if isinstance(row, dict):
        return list(row.values())[index]
    return row[index]


def tree_size(c: Cursor) -> int:
    c.execute("SELECT MAX(leaf_index) FROM copro_leaves")
    row = c.fetchone()
    top = None if row is None else _value(row, 0)
    return 0 if top is None else int(top) + 1


def read_node(c: Cursor, d: Dialect, level: int, index: int) -> bytes:
    if level == 0:
        c.execute(d.sql("SELECT leaf_hash FROM copro_leaves WHERE leaf_index = ?"), (index,))
    else:
        c.execute(d.sql("SELECT hash FROM copro_nodes WHERE level = ? AND idx = ?"), (level, index))
    row = c.fetchone()
    if row is None:
        raise LookupError(f"Merkle node at level {level}, index {index} is missing")
    return bytes(_value(row, 0))


def append(c: Cursor, d: Dialect, stored_events: Sequence[StoredEvent]) -> int:
    """Add the events as leaves, in order, with the nodes they complete. Returns the first index.

    Must run inside the transaction that inserts the events, after the engine has
    serialised writers (SQLite's write lock, PostgreSQL's EXCLUSIVE table lock), so
    leaf indexes follow commit order with no gaps. A new leaf at position p completes
    one node per trailing 1-bit of p, each needing its left sibling: amortised one
    read and one write per leaf.
    """
    first = tree_size(c)
    written: dict[tuple[int, int], bytes] = {}
    leaf_rows = []
    for offset, s in enumerate(stored_events):
        oid = s.originator_id if isinstance(s.originator_id, UUID) else UUID(str(s.originator_id))
        h = merkle.leaf_hash(record_bytes(oid, s.originator_version, s.topic, s.state))
        pos, level = first + offset, 0
        leaf_rows.append((pos, d.encode_id(oid), s.originator_version, h))
        written[(0, pos)] = h
        while pos % 2 == 1:
            sibling = written.get((level, pos - 1)) or read_node(c, d, level, pos - 1)
            h = merkle.node_hash(sibling, h)
            pos, level = pos // 2, level + 1
            written[(level, pos)] = h
    c.executemany(
        d.sql(
            "INSERT INTO copro_leaves (leaf_index, originator_id, originator_version, leaf_hash) VALUES (?, ?, ?, ?)"
        ),
        leaf_rows,
    )
    nodes = [(lvl, idx, h) for (lvl, idx), h in written.items() if lvl > 0]
    if nodes:
        c.executemany(d.sql("INSERT INTO copro_nodes (level, idx, hash) VALUES (?, ?, ?)"), nodes)
    return first
