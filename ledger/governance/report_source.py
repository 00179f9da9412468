"""The live log as a report's source: keys from the keyring's rows, the tree from stored tiles, the tail by scan.

``ledger.governance.report`` reads no database (an auditor runs it over a bundle), so
this adapter, which does, lives beside it. Building a report then costs O(log n) for
the checkpoint and the previous report's consistency proof, a read of the keyring's
own rows for the keys in force, and the events after the fold's snapshot.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from ledger.governance.replay.events import Event
from ledger.governance.report.build import Refreshed, refresh_snapshot
from ledger.governance.report.provenance import LogKeys, checked_events, log_keys
from ledger.governance.report.snapshot import Snapshot
from ledger.log.config import LedgerConfig
from ledger.log.key_history import key_history
from ledger.log.record import record_bytes
from ledger.log.storage.log_reader import MerkleLogMixin

SNAPSHOT = Path("cache") / "report-facts.json"


def snapshot_path(config: LedgerConfig) -> Path:
    """Where the report fold's snapshot is kept: the data folder (a cache; deleting it costs time only)."""
    return config.data_dir / SNAPSHOT


def refresh(log: MerkleLogMixin, config: LedgerConfig, held: Snapshot | None = None) -> Refreshed:
    """Fold the events since the report snapshot into it (``build.refresh_snapshot``): the projection
    worker's part in keeping a report's cost that of the events since the worker last polled."""
    return refresh_snapshot(LiveSource(log), snapshot_path(config), now=datetime.now(UTC), held=held)


class LiveSource:
    """``build.LogSource`` over a live ledger's Merkle log (SQLite or PostgreSQL)."""

    def __init__(self, log: MerkleLogMixin) -> None:
        self.log = log
        self._keys: LogKeys | None = None

    @property
    def keys(self) -> LogKeys:
        if self._keys is None:
            origin, periods = key_history(self.log)
            self._keys = log_keys(origin, ((p.purpose.value, p.public_key, p.first_leaf) for p in periods))
        return self._keys

    def size(self) -> int:
        return self.log.log_size()

    def root(self, size: int) -> bytes:
        return self.log.root(size)

    def consistency_proof(self, old_size: int, new_size: int) -> list[bytes]:
        return self.log.consistency_proof(old_size, new_size)

    def events(self, start: int, size: int) -> Iterator[Event]:
        """Leaves ``start`` up to ``size``, each signature checked with the event key in force there."""
        return checked_events(self._records(start, size), self.keys, start)

    def _records(self, start: int, size: int) -> Iterator[tuple[int, bytes]]:
        for rows in self.log.scan(start=start):
            for row in rows:
                if row.leaf_index >= size:
                    return
                yield row.leaf_index, record_bytes(row.originator_id, row.originator_version, row.topic, row.state)
