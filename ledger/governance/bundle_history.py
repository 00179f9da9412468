"""Time travel on an auditor's bundle: its entries loaded into an in-memory eventsourcing application.

No database and no keys folder: the bundle's signed records are put, unchanged, into
eventsourcing's plain-Python (POPO) recorder, and read back through the same signing
mapper as the live ledger, with the event keys the bundle lists, so every event shown
has had its signature checked. The version index time travel needs is made while the
entries are loaded (each event's time per aggregate version), since a bundle has no
projection. Sealed values stay sealed: a bundle carries no person keys.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any
from uuid import UUID

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from eventsourcing.application import Application
from eventsourcing.persistence import Mapper, StoredEvent

from ledger.governance.history import AsOf, load_as_of
from ledger.governance.projection import moment_text
from ledger.log.application import build_transcoder
from ledger.log.bundle.reader import BundleError, open_bundle
from ledger.log.keys import event_key_id
from ledger.log.record import HEADER_SIZE, RecordFormatError, parse_record
from ledger.log.signing_mapper import SigningMapper

BATCH = 1000


class BundleApplication(Application[UUID]):
    """A read-only application over a bundle's records, in memory; it signs nothing."""

    name = "Bundle"

    def __init__(self, verifiers: dict[bytes, Ed25519PublicKey]) -> None:
        self._verifiers = verifiers
        super().__init__(env={"PERSISTENCE_MODULE": "eventsourcing.popo", "IS_SNAPSHOTTING_ENABLED": "n"})

    def construct_mapper(self) -> Mapper[UUID]:
        return SigningMapper(build_transcoder(), signer=None, verifiers=self._verifiers)


class BundleHistory:
    """A bundle, loaded: its application and the time of every aggregate version (a ``VersionIndex``)."""

    def __init__(self, app: BundleApplication) -> None:
        self.app = app
        self._times: dict[UUID, list[str]] = {}

    def note(self, aggregate_id: UUID, version: int, at: str) -> None:
        times = self._times.setdefault(aggregate_id, [])
        if version != len(times) + 1:
            raise BundleError(f"The bundle holds aggregate {aggregate_id} version {version} after {len(times)}.")
        times.append(at)

    def version_at(self, aggregate_id: UUID, moment: datetime) -> tuple[int, str] | None:
        wanted = moment_text(moment)
        found = None
        for version, at in enumerate(self._times.get(aggregate_id, []), start=1):
            if at <= wanted:
                found = (version, at)
        return found

    def versions(self, aggregate_id: UUID) -> int:
        return len(self._times.get(aggregate_id, []))

    def as_of(self, kind: str, aggregate_id: UUID, moment: datetime) -> AsOf:
        return load_as_of(self.app.repository, self, kind, aggregate_id, moment)


def load_bundle(path: str | Path) -> BundleHistory:
    """Read every entry of the bundle at ``path`` into memory, checking each record's signature.

    Raises the bundle reader's errors (not a bundle: exit 2; damaged: exit 1) and
    ``SignatureError`` for a record no listed event key signed.
    """
    with open_bundle(path) as bundle:
        verifiers = {
            event_key_id(k.public_key): Ed25519PublicKey.from_public_bytes(k.public_key)
            for k in bundle.key_history()
            if k.purpose == "event"
        }
        history = BundleHistory(BundleApplication(verifiers))
        batch: list[StoredEvent] = []
        for leaf, record in enumerate(bundle.entries(0, bundle.manifest.tree_size)):
            batch.append(_stored(leaf, record))
            if len(batch) >= BATCH:
                _load(history, batch)
                batch = []
        _load(history, batch)
    return history


def _stored(leaf: int, record: bytes) -> StoredEvent:
    try:
        parsed = parse_record(record)
    except RecordFormatError as e:
        raise BundleError(f"The bundle's entry at leaf {leaf} is not a signed copro record: {e}.") from None
    return StoredEvent(parsed.originator_id, parsed.version, parsed.topic, record[:HEADER_SIZE] + parsed.payload)


def _load(history: BundleHistory, batch: list[StoredEvent]) -> None:
    if not batch:
        return
    mapper = history.app.mapper
    for stored in batch:
        event: Any = mapper.to_domain_event(stored)  # checks the signature, as every reader does
        history.note(event.originator_id, event.originator_version, moment_text(event.timestamp))
    history.app.recorder.insert_events(batch)
