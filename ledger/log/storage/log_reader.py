"""Read access to the Merkle log shared by both engines: roots, proofs, checkpoints, scans."""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from ledger.log import merkle
from ledger.log.record import RecordFormatError, record_bytes
from ledger.log.storage.merkle_tables import (
    Cursor,
    Dialect,
    TileTree,
    _value,
    as_uuid,
    event_rows,
    read_tile,
    tree_size,
)
from ledger.log.tile_math import TILE_WIDTH


@dataclass(frozen=True)
class LogRow:
    """One leaf: the event stored at that position of the log."""

    leaf_index: int
    originator_id: UUID
    originator_version: int
    topic: str
    state: bytes

    @property
    def leaf_hash(self) -> bytes:
        """SHA-256(0x00 || record); empty for a row that is not a copro record at all."""
        try:
            return merkle.leaf_hash(record_bytes(self.originator_id, self.originator_version, self.topic, self.state))
        except RecordFormatError:
            return b""


class MerkleLogMixin:
    """Methods a recorder gains for the Merkle log; the recorder supplies the transaction."""

    dialect: Dialect
    events_table_name: str

    @abstractmethod
    def _log_txn(self, *, commit: bool) -> AbstractContextManager[Cursor]:
        """A transaction on the recorder's own datastore (each engine's recorder says how)."""

    def log_size(self) -> int:
        with self._log_txn(commit=False) as c:
            return tree_size(c, self.dialect, self.events_table_name)

    def _tree(self, c: Cursor) -> TileTree:
        return TileTree(c, self.dialect, self.events_table_name)

    def root(self, size: int) -> bytes:
        with self._log_txn(commit=False) as c:
            return merkle.subtree_hash(0, size, self._tree(c).read) if size else merkle.EMPTY_ROOT

    def inclusion_proof(self, index: int, size: int) -> list[bytes]:
        with self._log_txn(commit=False) as c:
            return merkle.inclusion_proof(index, size, self._tree(c).read)

    def consistency_proof(self, old_size: int, new_size: int) -> list[bytes]:
        with self._log_txn(commit=False) as c:
            return merkle.consistency_proof(old_size, new_size, self._tree(c).read)

    def tile_hashes(self, level: int, start: int, end: int) -> bytes:
        """The hashes of tile level ``level`` (tree level ``8 * level``), nodes ``[start, end)``, all complete."""
        with self._log_txn(commit=False) as c:
            return b"".join(self._tree(c).hashes(level, start, end))

    def entries(self, start: int, end: int) -> list[bytes]:
        """The records of leaves ``[start, end)``, exactly as hashed into the tree (C2SP entries)."""
        with self._log_txn(commit=False) as c:
            rows = event_rows(c, self.dialect, self.events_table_name, start, end)
        if len(rows) != end - start:
            raise LookupError(f"events of leaves {start} to {end - 1} are missing; run 'copro verify'")
        return [
            record_bytes(as_uuid(_value(r, 1)), int(_value(r, 2)), str(_value(r, 3)), bytes(_value(r, 4))) for r in rows
        ]

    def leaf_index_of(self, originator_id: UUID, version: int) -> int | None:
        d = self.dialect
        with self._log_txn(commit=False) as c:
            c.execute(
                d.sql(
                    f"SELECT {d.leaf_id} - 1 FROM {self.events_table_name} "
                    "WHERE originator_id = ? AND originator_version = ?"
                ),
                (d.encode_id(originator_id), version),
            )
            row = c.fetchone()
            return None if row is None else int(_value(row, 0))

    def tile(self, level: int, index: int) -> bytes:
        """The hashes stored in one tree tile (b"" if none is stored)."""
        with self._log_txn(commit=False) as c:
            return read_tile(c, self.dialect, level, index)

    def stored_tiles(self) -> Iterator[tuple[int, int, bytes]]:
        """Every stored tile above level 0 (level-0 tiles are checked leaf by leaf during the scan)."""
        with self._log_txn(commit=False) as c:
            c.execute("SELECT level, idx, hashes FROM copro_tiles WHERE level > 0 ORDER BY level, idx")
            rows = c.fetchall()
        for r in rows:
            yield int(_value(r, 0)), int(_value(r, 1)), bytes(_value(r, 2))

    def tiles_beyond(self, size: int) -> list[tuple[int, int]]:
        """Level-0 tiles that cover leaves the log does not hold (left behind by a truncation)."""
        with self._log_txn(commit=False) as c:
            c.execute(
                self.dialect.sql(
                    f"SELECT level, idx FROM copro_tiles WHERE level = 0 AND (idx + 1) * {TILE_WIDTH} > ?"
                ),
                (size,),
            )
            return [(int(_value(r, 0)), int(_value(r, 1))) for r in c.fetchall()]

    def checkpoints(self) -> list[tuple[int, str]]:
        with self._log_txn(commit=False) as c:
            c.execute("SELECT tree_size, note FROM copro_checkpoints ORDER BY tree_size")
            return [(int(_value(r, 0)), str(_value(r, 1))) for r in c.fetchall()]

    def add_checkpoint(self, size: int, note: str) -> bool:
        """Store a checkpoint; False if one for that size is already stored."""
        d = self.dialect
        with self._log_txn(commit=True) as c:
            c.execute(d.sql("SELECT 1 FROM copro_checkpoints WHERE tree_size = ?"), (size,))
            if c.fetchone() is not None:
                return False
            c.execute(d.sql("INSERT INTO copro_checkpoints (tree_size, note) VALUES (?, ?)"), (size, note))
            return True

    def add_cosignatures(self, size: int, note: str) -> bool:
        """Replace a stored checkpoint by the same note with witness cosignature lines appended.

        Only appending is allowed: the stored note must be a prefix of ``note``, so the
        checkpoint body and the log's own signature can never change.  False if the
        checkpoint is not stored or ``note`` does not extend it.
        """
        d = self.dialect
        with self._log_txn(commit=True) as c:
            c.execute(d.sql("SELECT note FROM copro_checkpoints WHERE tree_size = ?"), (size,))
            row = c.fetchone()
            if row is None or not note.startswith(str(_value(row, 0))):
                return False
            c.execute(d.sql("UPDATE copro_checkpoints SET note = ? WHERE tree_size = ?"), (note, size))
            return True

    def meta(self) -> dict[str, str]:
        with self._log_txn(commit=False) as c:
            c.execute("SELECT name, value FROM copro_meta")
            return {str(_value(r, 0)): str(_value(r, 1)) for r in c.fetchall()}

    def set_meta_once(self, name: str, value: str) -> str:
        """Record a ledger identity value the first time; return what is stored.

        Processes opening a new ledger together each try: the first insert wins, the others
        keep it (``ON CONFLICT DO NOTHING``, on both engines) and read back the winner's value."""
        d = self.dialect
        with self._log_txn(commit=True) as c:
            c.execute(
                d.sql("INSERT INTO copro_meta (name, value) VALUES (?, ?) ON CONFLICT (name) DO NOTHING"), (name, value)
            )
            c.execute(d.sql("SELECT value FROM copro_meta WHERE name = ?"), (name,))
            row = c.fetchone()
            return str(_value(row, 0))

    def _select(self) -> str:
        d = self.dialect
        return f"SELECT {d.leaf_id} - 1, originator_id, originator_version, topic, state FROM {self.events_table_name} "

    def scan(self, start: int = 0, batch: int = 5000) -> Iterator[list[LogRow]]:
        """Leaves from ``start`` in order with their events, in batches (for verification and export).

        A leaf whose event was deleted is simply absent: the caller sees the gap in
        the leaf indexes.
        """
        d = self.dialect
        query = d.sql(self._select() + f"WHERE {d.leaf_id} > ? ORDER BY {d.leaf_id} LIMIT ?")
        while True:
            with self._log_txn(commit=False) as c:
                c.execute(query, (start, batch))
                rows = c.fetchall()
            if not rows:
                return
            out = [_row(r) for r in rows]
            yield out
            start = out[-1].leaf_index + 1

    def scan_back(self, before: int, batch: int = 500) -> Iterator[list[LogRow]]:
        """Leaves below ``before``, newest first, in batches: a page of recent history costs a page."""
        d = self.dialect
        query = d.sql(self._select() + f"WHERE {d.leaf_id} <= ? ORDER BY {d.leaf_id} DESC LIMIT ?")
        while before > 0:
            with self._log_txn(commit=False) as c:
                c.execute(query, (before, batch))
                rows = c.fetchall()
            if not rows:
                return
            out = [_row(r) for r in rows]
            yield out
            before = out[-1].leaf_index


def _row(r: Any) -> LogRow:
    return LogRow(
        int(_value(r, 0)),
        as_uuid(_value(r, 1)),
        int(_value(r, 2)),
        str(_value(r, 3)),
        bytes(_value(r, 4)),
    )


def rows_of(mixin: MerkleLogMixin, aggregate_id: UUID) -> list[LogRow]:
    """One aggregate's events with their leaves, in version order (the keyring, say)."""
    d = mixin.dialect
    with mixin._log_txn(commit=False) as c:
        c.execute(
            d.sql(mixin._select() + "WHERE originator_id = ? ORDER BY originator_version"),
            (d.encode_id(aggregate_id),),
        )
        return [_row(r) for r in c.fetchall()]
