"""A report's ties to the log: the events it counts, each signature checked, and the tree they make.

A funder's report pins a signed checkpoint, and its figures are recomputed from exactly
the leaves that checkpoint covers. Reading those leaves once does three jobs: each
record's signature is checked with the event key in force at its leaf (the keyring's
own events say which, from leaf 0 on), each leaf is hashed into the tree whose root the
checkpoint signs, and each event is handed to the report's fold. The same reader runs
over the live database's rows and over a bundle's entry tiles, so building a report and
checking it later read the log the same way.

Pure (the standard library and ``cryptography``): ``copro report verify`` needs no
database driver or eventsourcing to check a report against a bundle.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from ledger.governance.replay.events import Event
from ledger.log import merkle, signed_note
from ledger.log.canonical import strict_loads
from ledger.log.errors import IntegrityError, SignatureError
from ledger.log.key_schedule import KEYRING_ID, KeySchedule, decode_key
from ledger.log.keys import event_key_id
from ledger.log.record import RecordFormatError, parse_record, verify_record
from ledger.log.signed_note import Checkpoint, NoteError, NoteVerifier, open_note

STARTED = "copro/1/Keyring.Started"
ROTATED = "copro/1/Keyring.KeyRotated"


class ProvenanceError(IntegrityError):
    """The log a report is read from does not hold together: one sentence saying where (exit 1)."""


@dataclass
class LogKeys:
    """Each signing key of the log and the leaves it was in force for, as the keyring's events say."""

    origin: str
    event: KeySchedule = field(default_factory=KeySchedule)
    checkpoint: KeySchedule = field(default_factory=KeySchedule)
    report: KeySchedule = field(default_factory=KeySchedule)


def log_keys(origin: str, periods: Iterable[tuple[str, bytes, int]]) -> LogKeys:
    """The schedules from (purpose, public key, first leaf in force) triples, in order of leaf."""
    keys = LogKeys(origin)
    schedules = {"event": keys.event, "checkpoint": keys.checkpoint, "report": keys.report}
    for purpose, key, first_leaf in periods:
        schedules[purpose].add(first_leaf, key)
    return keys


class CheckedLog:
    """Reads a log's records in order: checks each one, hashes it into the tree, and yields its event."""

    def __init__(self) -> None:
        self.tree = merkle.MemoryTree()
        self._keys: LogKeys | None = None
        self._verifiers: dict[bytes, dict[bytes, Ed25519PublicKey]] = {}

    @property
    def keys(self) -> LogKeys:
        if self._keys is None:
            raise ProvenanceError("the log holds no events, so it names no keys")
        return self._keys

    def events(self, records: Iterable[tuple[int, bytes]]) -> Iterator[Event]:
        """Every event of ``records`` ((leaf index, record bytes), from leaf 0, in order), each one checked."""
        for leaf, record in records:
            if leaf != self.tree.size:
                raise ProvenanceError(f"the log skips from leaf {self.tree.size - 1} to leaf {leaf}")
            try:
                parsed = parse_record(record)
            except RecordFormatError as e:
                raise ProvenanceError(f"leaf {leaf} is not a signed copro record ({e})") from None
            if leaf == 0:
                self._keys = _started(parsed.originator_id, parsed.topic, parsed.payload)
            key = self.keys.event.at(leaf)
            assert key is not None  # the schedule starts at leaf 0
            try:
                verify_record(record, self._verifier(key))
            except SignatureError as e:
                raise ProvenanceError(
                    f"leaf {leaf} (aggregate {parsed.originator_id}, version {parsed.version}) "
                    f"is not signed by the event key in force there ({e})"
                ) from None
            if leaf > 0 and parsed.originator_id == KEYRING_ID and parsed.topic == ROTATED:
                _rotate(self.keys, leaf, parsed.payload)
            self.tree.append(merkle.leaf_hash(record))
            yield Event(leaf, parsed.originator_id, parsed.version, parsed.topic, parsed.payload)

    def _verifier(self, key: bytes) -> dict[bytes, Ed25519PublicKey]:
        found = self._verifiers.get(key)
        if found is None:
            found = self._verifiers[key] = {event_key_id(key): Ed25519PublicKey.from_public_bytes(key)}
        return found

    def report_key(self, size: int) -> bytes:
        """The report key in force once the first ``size`` leaves are in the log."""
        return report_key(self.keys, size)

    def open_checkpoint(self, note: str) -> Checkpoint:
        """The checkpoint ``note`` signs, checked: this log's origin, its checkpoint key, this tree's root."""
        return open_checkpoint(note, self.keys, self.tree.size, self.tree.root)


def open_checkpoint(note: str, keys: LogKeys, log_size: int, root_at: Callable[[int], bytes]) -> Checkpoint:
    """The checkpoint ``note`` signs, checked: the log's origin, its checkpoint key, the log's root at its size.

    ``root_at`` is the root of the log's first ``n`` leaves: a tree rebuilt from every
    leaf (verify), or the log's stored tiles (building a report, O(log n)).
    """
    try:
        cp = Checkpoint.parse(note.split("\n\n", 1)[0] + "\n")
    except (NoteError, ValueError) as e:
        raise ProvenanceError(f"the report's checkpoint is not a checkpoint ({e})") from None
    if cp.origin != keys.origin:
        raise ProvenanceError(f"the report's checkpoint is for the log {cp.origin!r}, not {keys.origin!r}")
    key = keys.checkpoint.at(cp.size)
    assert key is not None
    verifier = NoteVerifier(keys.origin, signed_note.key_id(keys.origin, key), Ed25519PublicKey.from_public_bytes(key))
    try:
        open_note(note, [verifier])
    except NoteError as e:
        raise ProvenanceError(
            f"the report's checkpoint has no valid signature by the log's checkpoint key ({e})"
        ) from None
    if cp.size > log_size:
        raise ProvenanceError(f"the report's checkpoint covers {cp.size:,} events but the log holds only {log_size:,}")
    if root_at(cp.size) != cp.root_hash:
        raise ProvenanceError(
            f"the log's first {cp.size:,} events do not hash to the root the report's checkpoint signs "
            f"({b64(cp.root_hash)}): that history was rewritten"
        )
    return cp


def report_key(keys: LogKeys, size: int) -> bytes:
    """The report key in force once the first ``size`` leaves are in the log."""
    key = keys.report.at(max(size - 1, 0))
    assert key is not None
    return key


def checked_events(records: Iterable[tuple[int, bytes]], keys: LogKeys, start: int) -> Iterator[Event]:
    """The events of ``records`` (leaf ``start`` on, in order), each signature checked with the event key in force.

    The keys come from the keyring's events (``LogKeys``, read apart from the rest of
    the log), so reading the tail of a log costs the tail, not the log.
    """
    expected = start
    verifiers: dict[bytes, dict[bytes, Ed25519PublicKey]] = {}
    for leaf, record in records:
        if leaf != expected:
            raise ProvenanceError(f"the log skips from leaf {expected - 1} to leaf {leaf}")
        expected += 1
        try:
            parsed = parse_record(record)
        except RecordFormatError as e:
            raise ProvenanceError(f"leaf {leaf} is not a signed copro record ({e})") from None
        key = keys.event.at(leaf)
        assert key is not None  # the schedule starts at leaf 0
        verifier = verifiers.get(key)
        if verifier is None:
            verifier = verifiers[key] = {event_key_id(key): Ed25519PublicKey.from_public_bytes(key)}
        try:
            verify_record(record, verifier)
        except SignatureError as e:
            raise ProvenanceError(
                f"leaf {leaf} (aggregate {parsed.originator_id}, version {parsed.version}) "
                f"is not signed by the event key in force there ({e})"
            ) from None
        yield Event(leaf, parsed.originator_id, parsed.version, parsed.topic, parsed.payload)


def _started(originator_id: object, topic: str, payload: bytes) -> LogKeys:
    if originator_id != KEYRING_ID or topic != STARTED:
        raise ProvenanceError("leaf 0 is not the ledger's keyring, so no key of the log can be trusted")
    try:
        body = strict_loads(payload)
        keys = LogKeys(str(body["origin"]))
        keys.event.add(0, decode_key(body["event_key"]))
        keys.checkpoint.add(0, decode_key(body["checkpoint_key"]))
        keys.report.add(0, decode_key(body["report_key"]))
    except (KeyError, ValueError, TypeError) as e:
        raise ProvenanceError(f"the keyring's first event does not name the log's keys ({e})") from None
    return keys


def _rotate(keys: LogKeys, leaf: int, payload: bytes) -> None:
    """A rotated key is in force from the next leaf on (docs/FORMAT.md §5)."""
    try:
        body = strict_loads(payload)
        new = decode_key(body["public_key"])
        schedule = {"event": keys.event, "checkpoint": keys.checkpoint, "report": keys.report}[body["purpose"]]
    except (KeyError, ValueError, TypeError) as e:
        raise ProvenanceError(f"leaf {leaf} rotates a key the log cannot read ({e})") from None
    schedule.add(leaf + 1, new)


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")
