"""What the replay tests share: a ledger's events as the replay reads them, and both recomputations side by side."""

from __future__ import annotations

from typing import cast
from uuid import UUID

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from eventsourcing.persistence import ApplicationRecorder

from ledger.governance.recompute import reader
from ledger.governance.recompute import recompute as recompute_with_eventsourcing
from ledger.governance.replay.events import Event
from ledger.governance.replay.outcomes import CLOSED, Replayed, replay
from ledger.log.application import Ledger
from ledger.log.config import LedgerConfig
from ledger.log.keys import event_key_id
from ledger.log.record import HEADER_SIZE
from ledger.log.verify import VerifyReport, read_keyring


def events_of(config: LedgerConfig) -> list[Event]:
    """Every event of the ledger, from its stored rows: (leaf, aggregate, version, topic, payload)."""
    log = Ledger.recorder_only(config)
    return [
        Event(r.leaf_index, r.originator_id, r.originator_version, r.topic, r.state[HEADER_SIZE:])
        for batch in log.scan()
        for r in batch
    ]


def closed_events(events: list[Event]) -> list[tuple[UUID, int]]:
    return [(e.originator_id, e.version) for e in events if e.topic == CLOSED]


def both_verdicts(config: LedgerConfig) -> tuple[Replayed, dict[tuple[UUID, int], tuple[str | None, str | None]]]:
    """For every Closed event: (the eventsourcing recompute's reason, the pure replay's reason)."""
    events = events_of(config)
    replayed = replay(events)
    log = Ledger.recorder_only(config)
    keys = read_keyring(log, VerifyReport(origin="?"))
    assert keys is not None
    repo = reader(
        cast(ApplicationRecorder, log),
        {event_key_id(k): Ed25519PublicKey.from_public_bytes(k) for k in keys.event.all()},
    )
    verdicts = {}
    for pid, version in closed_events(events):
        mismatch = recompute_with_eventsourcing(repo, pid, version)
        verdicts[(pid, version)] = (None if mismatch is None else mismatch.reason, replayed.check(pid, version))
    return replayed, verdicts
