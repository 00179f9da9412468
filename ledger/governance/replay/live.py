"""The replay as ``copro verify``'s outcome check on a live ledger: the same shape as ``OutcomeChecker.start``.

``ledger.log.verify.OutcomeChecker(topic=CLOSED, start=start)`` plugs it in. The log is
read leaf by leaf (duck-typed: anything with the log reader's ``scan``), each record's
signature checked again with the event keys given, and every event replayed; the
check it returns recomputes each outcome over that replay. Nothing here needs
eventsourcing or a database driver: the caller hands in the open log.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Protocol, runtime_checkable

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from ledger.governance.replay.events import Event, ReplayError
from ledger.governance.replay.outcomes import OutcomeCheck, replay
from ledger.log.checks import LoggedEvent
from ledger.log.errors import SignatureError
from ledger.log.record import RecordFormatError, record_bytes, verify_record


@runtime_checkable
class Leaves(Protocol):
    """A log that can be read leaf by leaf, in order, in batches."""

    def scan(self, start: int = 0, batch: int = 5000) -> Iterator[Sequence[LoggedEvent]]: ...


def events_of(log: Leaves, keys: Mapping[bytes, Ed25519PublicKey]) -> Iterator[Event]:
    """Every event of the log, its signature checked, as the replay reads it."""
    for rows in log.scan():
        for row in rows:
            try:
                record = record_bytes(row.originator_id, row.originator_version, row.topic, row.state)
                parsed = verify_record(record, keys)
            except (RecordFormatError, SignatureError) as e:
                raise ReplayError(row.leaf_index, row.originator_id, row.originator_version, str(e)) from None
            yield Event(row.leaf_index, parsed.originator_id, parsed.version, parsed.topic, parsed.payload)


def start(log: object, keys: Mapping[bytes, Ed25519PublicKey]) -> OutcomeCheck:
    """``OutcomeChecker.start``: replay the whole log once, then recompute each outcome over it."""
    if not isinstance(log, Leaves):
        raise TypeError(f"the replay reads a log that can be scanned leaf by leaf, not a {type(log).__name__}")
    return replay(events_of(log, keys)).check
