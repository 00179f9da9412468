"""The Merkle log's tables for any SQL engine: the events are the leaves, tiles hold the tree.

Leaf ``i`` is the stored event whose notification id is ``i + 1``. SQLite gives rows
ids ``MAX + 1`` under its write lock; on PostgreSQL a trigger does the same (its
sequence would leave gaps after a rollback). Either way the ids are dense and in
commit order, so the event row *is* the leaf, written in the event's own
transaction, at no cost beyond the row itself. The leaf hash is
``SHA-256(0x00 || record)``, the record rebuilt from the row (docs/FORMAT.md).

The tree above the leaves is kept as tiles, the layout of C2SP tlog-tiles:

- ``copro_tiles(level, idx, hashes)``: the tile at level ``L``, index ``t`` holds the
  hashes of tree level ``8L``, nodes ``256t`` to ``256t + 255``, as 32-byte values
  one after another. A level-0 tile (256 leaf hashes) is written in the transaction
  of the 256th leaf it covers, and never changes. A tile above grows by one hash
  whenever a tile below it fills, so every complete node of level ``8L`` (L >= 1)
  is stored. The newest (at most 255) leaves are hashed from their events.
- ``copro_checkpoints(tree_size, note)``: signed checkpoints, C2SP signed-note text;
- ``copro_meta(name, value)``: the ledger's identity (format, origin).

So an append writes only its event row, except one in 256, which reads back the
256 events of the tile it completes and writes that tile and one hash above it.
Any node of the tree is at most 255 hashes away from one stored tile: roots and
proofs cost O(log n) reads, never a rehash of the log.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Protocol, cast
from uuid import UUID

from eventsourcing.persistence import StoredEvent

from ledger.log import merkle
from ledger.log.record import RecordFormatError, record_bytes
from ledger.log.tile_math import HASH_SIZE, TILE_HEIGHT, TILE_WIDTH, split_hashes


class Cursor(Protocol):
    def execute(self, query: Any, params: Any = ...) -> Any: ...
    def executemany(self, query: Any, params_seq: Any) -> Any: ...
    def fetchall(self) -> Any: ...
    def fetchone(self) -> Any: ...


@dataclass(frozen=True)
class Dialect:
    """What differs between engines: placeholders, column types, the notification id column."""

    placeholder: str
    id_type: str
    blob_type: str
    encode_id: Callable[[UUID], Any]
    leaf_id: str  # the column holding the dense notification id: SQLite's rowid, PostgreSQL's notification_id
    compact: str  # SQLite: WITHOUT ROWID keeps a table with a composite key in one b-tree

    def sql(self, text: str) -> str:
        return text.replace("?", self.placeholder)


SQLITE = Dialect("?", "TEXT", "BLOB", lambda u: u.hex, "rowid", " WITHOUT ROWID")
POSTGRES = Dialect("%s", "uuid", "bytea", lambda u: u, "notification_id", "")


def create_statements(d: Dialect) -> list[str]:
    return [
        "CREATE TABLE IF NOT EXISTS copro_tiles ("
        "level INTEGER NOT NULL, idx BIGINT NOT NULL, "
        f"hashes {d.blob_type} NOT NULL, PRIMARY KEY (level, idx)){d.compact}",
        "CREATE TABLE IF NOT EXISTS copro_checkpoints (tree_size BIGINT PRIMARY KEY, note TEXT NOT NULL)",
        "CREATE TABLE IF NOT EXISTS copro_meta (name TEXT PRIMARY KEY, value TEXT NOT NULL)",
    ]


def _value(row: Any, index: int) -> Any:
    # sqlite3.Row and psycopg dict rows both answer to position through values().
    if isinstance(row, dict):
        return list(row.values())[index]
    return row[index]


def as_uuid(raw: Any) -> UUID:
    return raw if isinstance(raw, UUID) else UUID(str(raw))


def tree_size(c: Cursor, d: Dialect, table: str) -> int:
    c.execute(f"SELECT MAX({d.leaf_id}) FROM {table}")
    row = c.fetchone()
    top = None if row is None else _value(row, 0)
    return 0 if top is None else int(top)


def event_rows(c: Cursor, d: Dialect, table: str, start: int, end: int) -> list[Any]:
    """The events of leaves ``[start, end)`` that are present, as (leaf, id, version, topic, state)."""
    c.execute(
        d.sql(
            f"SELECT {d.leaf_id} - 1, originator_id, originator_version, topic, state FROM {table} "
            f"WHERE {d.leaf_id} > ? AND {d.leaf_id} <= ? ORDER BY {d.leaf_id}"
        ),
        (start, end),
    )
    return list(c.fetchall())


def row_leaf_hash(oid: Any, version: int, topic: str, state: bytes) -> bytes:
    return merkle.leaf_hash(record_bytes(as_uuid(oid), int(version), str(topic), bytes(state)))


def leaf_hashes(c: Cursor, d: Dialect, table: str, start: int, end: int) -> list[bytes]:
    """Hash leaves ``[start, end)`` from their events; LookupError if any is gone or unreadable."""
    rows = event_rows(c, d, table, start, end)
    if len(rows) != end - start:
        raise LookupError(f"events of leaves {start} to {end - 1} are missing; run 'copro verify'")
    try:
        return [row_leaf_hash(*(_value(r, i) for i in range(1, 5))) for r in rows]
    except RecordFormatError as e:
        raise LookupError(f"an event of leaves {start} to {end - 1} is not a copro record ({e})") from None


def read_tile(c: Cursor, d: Dialect, level: int, index: int) -> bytes:
    """A stored tile's hashes, or b"" where none is stored."""
    c.execute(d.sql("SELECT hashes FROM copro_tiles WHERE level = ? AND idx = ?"), (level, index))
    row = c.fetchone()
    return b"" if row is None else bytes(_value(row, 0))


class RecentLeaves:
    """Leaf hashes of the events this recorder appended since the last full tile.

    With them a completed tile is hashed from memory instead of reading its 256
    events back. Hashes of the transaction in progress are kept per thread and
    join the shared set only once it has committed, so a rolled-back append (whose
    ids the next one reuses) never reaches a tile. Ids another process appended are
    simply absent, and the tile reads its events as before.
    """

    def __init__(self) -> None:
        self._committed: dict[int, bytes] = {}
        self._lock = threading.Lock()
        self._local = threading.local()

    def _pending(self) -> dict[int, bytes]:
        pending: dict[int, bytes] | None = getattr(self._local, "pending", None)
        if pending is None:
            pending = self._local.pending = {}
        return pending

    def begin(self) -> None:
        """A new attempt at a transaction: forget what an earlier, failed attempt noted."""
        self._pending().clear()

    def note(self, notification_ids: Sequence[int], stored_events: Sequence[StoredEvent]) -> None:
        pending = self._pending()
        for nid, s in zip(notification_ids, stored_events, strict=True):
            pending[nid] = getattr(s, "leaf_hash", b"") or row_leaf_hash(
                s.originator_id, s.originator_version, s.topic, s.state
            )

    def hashes(self, first_id: int, end_id: int) -> list[bytes] | None:
        pending = self._pending()
        with self._lock:
            out = [pending.get(i) or self._committed.get(i) for i in range(first_id, end_id)]
        return None if None in out else cast(list[bytes], out)

    def committed(self) -> None:
        pending = self._pending()
        with self._lock:
            self._committed.update(pending)
            if len(self._committed) > 4 * TILE_WIDTH:  # only the unfinished tile is ever needed
                keep = max(self._committed) // TILE_WIDTH * TILE_WIDTH
                self._committed = {k: v for k, v in self._committed.items() if k > keep}
        pending.clear()

    def aborted(self) -> None:
        self._pending().clear()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Around a recorder's whole ``insert_events``: keep the noted hashes only if it returns.

        Each attempt begins afresh, so nothing a failed attempt on this thread noted
        can reach a tile.
        """
        self.begin()
        try:
            yield
        except BaseException:
            self.aborted()
            raise
        self.committed()


def complete_tiles(
    c: Cursor, d: Dialect, table: str, notification_ids: Sequence[int], recent: RecentLeaves | None = None
) -> None:
    """Write the level-0 tiles the new events complete, and carry their roots upward.

    Runs in the transaction that inserted the events, after the engine has serialised
    writers, so the events a tile covers are exactly the ones committed before it.

    It never refuses an append. Tiles are an index that ``copro verify`` recomputes
    and checks, so a tile damaged outside copro is rebuilt from the events, and a
    tile whose events were deleted is left unwritten for verify to report. (Raising
    here would also be unsafe: eventsourcing's PostgreSQL recorder commits the
    events before it re-raises an exception from this stage.)
    """
    for nid in notification_ids:
        if nid % TILE_WIDTH:
            continue
        t = nid // TILE_WIDTH - 1
        known = recent.hashes(t * TILE_WIDTH + 1, nid + 1) if recent is not None else None
        try:
            hashes = known or leaf_hashes(c, d, table, t * TILE_WIDTH, (t + 1) * TILE_WIDTH)
        except LookupError:
            continue  # an event under this tile is gone: verify names it, and the tile stays missing
        _put_tile(c, d, 0, t, b"".join(hashes))
        _carry(c, d, table, 1, t, merkle.root_hash(hashes))


def _put_tile(c: Cursor, d: Dialect, level: int, index: int, hashes: bytes) -> None:
    c.execute(
        d.sql(
            "INSERT INTO copro_tiles (level, idx, hashes) VALUES (?, ?, ?) "
            "ON CONFLICT (level, idx) DO UPDATE SET hashes = excluded.hashes"
        ),
        (level, index, hashes),
    )


def _carry(c: Cursor, d: Dialect, table: str, level: int, below: int, node: bytes) -> None:
    """Append ``node`` (tree level 8*level, index ``below``) to its tile; a full tile carries on up."""
    index, position = divmod(below, TILE_WIDTH)
    held = read_tile(c, d, level, index)
    if len(held) != position * HASH_SIZE:  # changed outside copro: rebuild what it must hold
        try:
            held = b"".join(TileTree(c, d, table).rebuilt(level, index * TILE_WIDTH, below))
        except LookupError:
            return  # events under it are gone: verify names them
    grown = held + node
    _put_tile(c, d, level, index, grown)
    if position == TILE_WIDTH - 1:
        _carry(c, d, table, level + 1, index, merkle.root_hash(split_hashes(grown)))


class TileTree:
    """Any perfect node of the tree, from the tiles and, for the newest leaves, the events.

    One instance serves one query inside one transaction; it caches what it reads.
    """

    def __init__(self, c: Cursor, d: Dialect, table: str) -> None:
        self._c, self._d, self._table = c, d, table
        self._tiles: dict[tuple[int, int], bytes] = {}
        self._leaves: dict[int, bytes] = {}

    def _tile(self, level: int, index: int) -> bytes:
        key = (level, index)
        if key not in self._tiles:
            self._tiles[key] = read_tile(self._c, self._d, level, index)
        return self._tiles[key]

    def _leaf_hashes(self, start: int, end: int) -> list[bytes]:
        if any(i not in self._leaves for i in range(start, end)):
            for offset, h in enumerate(leaf_hashes(self._c, self._d, self._table, start, end)):
                self._leaves[start + offset] = h
        return [self._leaves[i] for i in range(start, end)]

    def hashes(self, level: int, start: int, end: int) -> list[bytes]:
        """The hashes of tree level ``8 * level``, nodes ``[start, end)``, all complete."""
        out: list[bytes] = []
        for t in range(start // TILE_WIDTH, (end - 1) // TILE_WIDTH + 1):
            lo, hi = max(start, t * TILE_WIDTH), min(end, (t + 1) * TILE_WIDTH)
            tile = self._tile(level, t)
            if len(tile) >= (hi - t * TILE_WIDTH) * HASH_SIZE:
                out += split_hashes(tile[(lo - t * TILE_WIDTH) * HASH_SIZE : (hi - t * TILE_WIDTH) * HASH_SIZE])
            elif level == 0:
                out += self._leaf_hashes(lo, hi)
            else:  # not stored (yet, or no longer): rebuild from the level below
                for j in range(lo, hi):
                    out.append(merkle.root_hash(self.hashes(level - 1, j * TILE_WIDTH, (j + 1) * TILE_WIDTH)))
        return out

    def rebuilt(self, level: int, start: int, end: int) -> list[bytes]:
        """Like :meth:`hashes` for ``level`` >= 1, but recomputed from the level below, not read from its tile."""
        return [
            merkle.root_hash(self.hashes(level - 1, j * TILE_WIDTH, (j + 1) * TILE_WIDTH)) for j in range(start, end)
        ]

    def read(self, level: int, index: int) -> bytes:
        """A :data:`merkle.NodeReader`: the perfect node over leaves ``[index << level, (index + 1) << level)``."""
        tile_level, rest = divmod(level, TILE_HEIGHT)
        below = self.hashes(tile_level, index << rest, (index + 1) << rest)
        return below[0] if rest == 0 else merkle.root_hash(below)
