"""Read access to the Merkle log shared by both engines: roots, proofs, checkpoints, scans."""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from ledger import merkle
from ledger.storage.merkle_tables import Cursor, Dialect, _value, read_node, tree_size


@dataclass(frozen=True)
class LogRow:
    """One leaf as stored, with the event it points at (None where that event is gone)."""

    leaf_index: int
    leaf_hash: bytes
    originator_id: UUID
    originator_version: int
    topic: str | None
    state: bytes | None


class MerkleLogMixin:
    """Methods a recorder gains for the Merkle log; the recorder supplies the transaction."""

    dialect: Dialect
    events_table_name: str

    @abstractmethod
    def _log_txn(self, *, commit: bool) -> AbstractContextManager[Cursor]:
        """A transaction on the recorder's own datastore (each engine's recorder says how)."""

    def log_size(self) -> int:
        with self._log_txn(commit=False) as c:
            return tree_size(c)

    def _reader(self, c: Cursor) -> merkle.NodeReader:
        return lambda level, index: read_node(c, self.dialect, level, index)

    def root(self, size: int) -> bytes:
        with self._log_txn(commit=False) as c:
            return merkle.subtree_hash(0, size, self._reader(c)) if size else merkle.EMPTY_ROOT

    def inclusion_proof(self, index: int, size: int) -> list[bytes]:
        with self._log_txn(commit=False) as c:
            return merkle.inclusion_proof(index, size, self._reader(c))

    def consistency_proof(self, old_size: int, new_size: int) -> list[bytes]:
        with self._log_txn(commit=False) as c:
            return merkle.consistency_proof(old_size, new_size, self._reader(c))

    def leaf_index_of(self, originator_id: UUID, version: int) -> int | None:
        d = self.dialect
        with self._log_txn(commit=False) as c:
            c.execute(
                d.sql("SELECT leaf_index FROM copro_leaves WHERE originator_id = ? AND originator_version = ?"),
                (d.encode_id(originator_id), version),
            )
            row = c.fetchone()
            return None if row is None else int(_value(row, 0))

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

    def meta(self) -> dict[str, str]:
        with self._log_txn(commit=False) as c:
            c.execute("SELECT name, value FROM copro_meta")
            return {str(_value(r, 0)): str(_value(r, 1)) for r in c.fetchall()}

    def set_meta_once(self, name: str, value: str) -> str:
        """Record a ledger identity value the first time; return what is stored."""
        d = self.dialect
        with self._log_txn(commit=True) as c:
            c.execute(d.sql("SELECT value FROM copro_meta WHERE name = ?"), (name,))
            row = c.fetchone()
            if row is not None:
                return str(_value(row, 0))
            c.execute(d.sql("INSERT INTO copro_meta (name, value) VALUES (?, ?)"), (name, value))
            return value

    def _id(self, raw: Any) -> UUID:
        return raw if isinstance(raw, UUID) else UUID(str(raw))

    def scan(self, start: int = 0, batch: int = 5000) -> Iterator[list[LogRow]]:
        """Leaves in order with their events, in batches (for verification and export)."""
        d = self.dialect
        query = d.sql(
            "SELECT l.leaf_index, l.leaf_hash, l.originator_id, l.originator_version, e.topic, e.state "
            f"FROM copro_leaves l LEFT JOIN {self.events_table_name} e "
            "ON e.originator_id = l.originator_id AND e.originator_version = l.originator_version "
            "WHERE l.leaf_index >= ? ORDER BY l.leaf_index LIMIT ?"
        )
        while True:
            with self._log_txn(commit=False) as c:
                c.execute(query, (start, batch))
                rows = c.fetchall()
            if not rows:
                return
            out = [self._row(r) for r in rows]
            yield out
            start = out[-1].leaf_index + 1

    def scan_back(self, before: int, batch: int = 500) -> Iterator[list[LogRow]]:
        """Leaves below ``before``, newest first, in batches: a page of recent history costs a page."""
        d = self.dialect
        query = d.sql(
            "SELECT l.leaf_index, l.leaf_hash, l.originator_id, l.originator_version, e.topic, e.state "
            f"FROM copro_leaves l LEFT JOIN {self.events_table_name} e "
            "ON e.originator_id = l.originator_id AND e.originator_version = l.originator_version "
            "WHERE l.leaf_index < ? ORDER BY l.leaf_index DESC LIMIT ?"
        )
        while before > 0:
            with self._log_txn(commit=False) as c:
                c.execute(query, (before, batch))
                rows = c.fetchall()
            if not rows:
                return
            out = [self._row(r) for r in rows]
            yield out
            before = out[-1].leaf_index

    def _row(self, r: Any) -> LogRow:
        return LogRow(
            int(_value(r, 0)),
            bytes(_value(r, 1)),
            self._id(_value(r, 2)),
            int(_value(r, 3)),
            None if _value(r, 4) is None else str(_value(r, 4)),
            None if _value(r, 5) is None else bytes(_value(r, 5)),
        )

    def unlogged_events(self, limit: int = 10) -> list[tuple[UUID, int]]:
        """Stored events that have no leaf: inserted behind the log's back."""
        with self._log_txn(commit=False) as c:
            c.execute(
                self.dialect.sql(
                    f"SELECT e.originator_id, e.originator_version FROM {self.events_table_name} e "
                    "LEFT JOIN copro_leaves l ON e.originator_id = l.originator_id "
                    "AND e.originator_version = l.originator_version "
                    "WHERE l.leaf_index IS NULL ORDER BY e.originator_id, e.originator_version LIMIT ?"
                ),
                (limit,),
            )
            return [(self._id(_value(r, 0)), int(_value(r, 1))) for r in c.fetchall()]

    def stored_nodes(self) -> Iterator[tuple[int, int, bytes]]:
        with self._log_txn(commit=False) as c:
            c.execute("SELECT level, idx, hash FROM copro_nodes ORDER BY level, idx")
            rows = c.fetchall()
        for r in rows:
            yield int(_value(r, 0)), int(_value(r, 1)), bytes(_value(r, 2))


def rows_of(mixin: MerkleLogMixin, aggregate_id: UUID) -> list[LogRow]:
    """One aggregate's events with their leaves, in version order (the keyring, say)."""
    d = mixin.dialect
    with mixin._log_txn(commit=False) as c:
        c.execute(
            d.sql(
                "SELECT l.leaf_index, l.leaf_hash, e.originator_id, e.originator_version, e.topic, e.state "
                f"FROM {mixin.events_table_name} e LEFT JOIN copro_leaves l "
                "ON e.originator_id = l.originator_id AND e.originator_version = l.originator_version "
                "WHERE e.originator_id = ? ORDER BY e.originator_version"
            ),
            (d.encode_id(aggregate_id),),
        )
        rows = c.fetchall()
    return [
        LogRow(
            -1 if _value(r, 0) is None else int(_value(r, 0)),
            b"" if _value(r, 1) is None else bytes(_value(r, 1)),
            mixin._id(_value(r, 2)),
            int(_value(r, 3)),
            str(_value(r, 4)),
            bytes(_value(r, 5)),
        )
        for r in rows
    ]
