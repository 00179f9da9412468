"""``copro verify``: check a ledger's whole history without trusting the server that kept it.

The checks themselves are the one engine's, ``ledger.log.checks``, which a bundle
verifier runs too; this module is its *live* source, the database the ledger runs
on, and the live-only part: recomputing recorded outcomes with the governance side's
``OutcomeChecker`` (``ledger.governance.recompute.OUTCOMES``), which the command
line passes in.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import cast
from uuid import UUID

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from eventsourcing.persistence import ApplicationRecorder

from ledger.log.canonical import strict_loads
from ledger.log.checks import (
    OUTCOMES,
    Keys,
    Problem,
    VerifyReport,
    check_log,
    out_of_order,
)
from ledger.log.key_schedule import KEYRING_ID, KeySchedule, decode_key
from ledger.log.keys import event_key_id
from ledger.log.record import RecordFormatError, parse_record, record_bytes
from ledger.log.signed_note import NoteVerifier
from ledger.log.storage.log_reader import LogRow, MerkleLogMixin, rows_of
from ledger.log.tile_math import HASH_SIZE, TILE_WIDTH

__all__ = ["OutcomeCheck", "OutcomeChecker", "Problem", "VerifyReport", "out_of_order", "verify_log"]

OutcomeCheck = Callable[[UUID, int], str | None]
"""Recompute the outcome an event (aggregate id, version) records: None if it matches, else why not."""


@dataclass(frozen=True)
class OutcomeChecker:
    """How to recompute recorded outcomes, plugged in from the side that knows what an outcome is.

    ``topic`` is the vocabulary name (FORMAT.md) of the events that record an outcome,
    never a module path. Once every signature, the tree and every checkpoint verify,
    ``start`` is called once with the log and the event keys in force, and the check it
    returns is run for each such event; an exception from it is itself a finding.
    """

    topic: str
    start: Callable[[ApplicationRecorder, Mapping[bytes, Ed25519PublicKey]], OutcomeCheck]


class LiveSource:
    """The engine's source over the ledger's own database."""

    def __init__(self, log: MerkleLogMixin) -> None:
        self._log = log
        self._size = log.log_size()

    def size(self) -> int:
        return self._size

    def scan(self, batch: int) -> Iterator[Sequence[LogRow]]:
        return self._log.scan(batch=batch)

    def leaf_tile(self, index: int) -> bytes | None:
        """Only full tiles are stored; a partial one is recomputed by the tree itself."""
        if (index + 1) * TILE_WIDTH > self._size:
            return None
        blob = self._log.tile(0, index)
        return blob if len(blob) == TILE_WIDTH * HASH_SIZE else b""

    def tiles_beyond(self, size: int) -> list[tuple[int, int]]:
        return self._log.tiles_beyond(size)

    def stored_tiles(self) -> Iterator[tuple[int, int, bytes]]:
        return self._log.stored_tiles()

    def checkpoints(self) -> list[tuple[str, str]]:
        return [(f"stored checkpoint for size {s}", n) for s, n in self._log.checkpoints()]


def read_keyring(log: MerkleLogMixin, report: VerifyReport) -> Keys | None:
    rows = rows_of(log, KEYRING_ID)
    if not rows or rows[0].leaf_index != 0:
        report.problems.append(
            Problem(
                0, KEYRING_ID, 1, "the log does not start with the ledger's keyring, so no key can be trusted", "V2.A"
            )
        )
        return None
    keys: Keys | None = None
    for row in rows:
        try:
            parsed = parse_record(record_bytes(row.originator_id, row.originator_version, row.topic, row.state))
            body = strict_loads(parsed.payload)
        except (RecordFormatError, ValueError):
            report.problems.append(
                Problem(
                    row.leaf_index,
                    row.originator_id,
                    row.originator_version,
                    "the keyring event cannot be read",
                    "V2.A",
                )
            )
            return keys
        if keys is None:
            try:
                origin = str(body["origin"])
                event_key = decode_key(body["event_key"])
                checkpoint_key = decode_key(body["checkpoint_key"])
            except (KeyError, ValueError, TypeError):
                report.problems.append(
                    Problem(
                        0, row.originator_id, 1, "the keyring's first event does not name the ledger's keys", "V2.A"
                    )
                )
                return None
            keys = Keys(origin, KeySchedule(), KeySchedule())
            keys.event.add(0, event_key)
            keys.checkpoint.add(0, checkpoint_key)
        else:
            purpose = body.get("purpose")
            try:
                new = decode_key(body.get("public_key", ""))
            except ValueError:
                continue
            if purpose == "event":
                keys.event.add(row.leaf_index + 1, new)
            elif purpose == "checkpoint":
                keys.checkpoint.add(row.leaf_index + 1, new)
    return keys


def verify_log(
    log: MerkleLogMixin,
    *,
    outcomes: OutcomeChecker,
    external_checkpoints: Sequence[tuple[str, str]] = (),
    external_verifier: NoteVerifier | None = None,
    workers: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> VerifyReport:
    """Verify everything; ``external_checkpoints`` are (label, note text) an auditor kept.

    ``outcomes`` recomputes the recorded outcomes (``ledger.governance.recompute.OUTCOMES``).
    """
    origin = log.meta().get("origin", "?")
    report = VerifyReport(origin=origin)
    keys = read_keyring(log, report)
    if keys is None:
        return report
    checked = check_log(
        LiveSource(log),
        origin=origin,
        candidate_keys=keys.event.all(),
        outcome_topic=outcomes.topic,
        external_checkpoints=external_checkpoints,
        external_verifier=external_verifier,
        workers=workers,
        progress=progress,
    )
    report = checked.report
    if report.ok and checked.outcome_events:
        _recompute_outcomes(log, keys, checked.outcome_events, outcomes, report)
    return report


def _recompute_outcomes(
    log: MerkleLogMixin,
    keys: Keys,
    closed: list[tuple[int, UUID, int]],
    outcomes: OutcomeChecker,
    report: VerifyReport,
) -> None:
    """Every recorded outcome, recomputed by the plugged-in checker from what the log holds."""
    check = outcomes.start(
        cast(ApplicationRecorder, log),
        {event_key_id(k): Ed25519PublicKey.from_public_bytes(k) for k in keys.event.all()},
    )
    for leaf, proposal_id, version in closed:
        try:
            mismatch = check(proposal_id, version)
        except Exception as e:  # any failure to rebuild the inputs is itself a finding
            report.problems.append(
                Problem(leaf, proposal_id, version, f"its outcome cannot be recomputed: {e}", OUTCOMES)
            )
            continue
        if mismatch is not None:
            report.problems.append(
                Problem(leaf, proposal_id, version, f"the outcome does not recompute: {mismatch}", OUTCOMES)
            )
        report.outcomes += 1
