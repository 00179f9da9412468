"""``copro verify``: check a ledger's whole history without trusting the server that kept it.

It re-checks every event's signature against the key in force at its leaf,
recomputes every leaf and the whole Merkle tree, compares the tree with the nodes
stored for proofs and with every signed checkpoint, and names the *first* bad
record. Signature checks, the bulk of the work, run on every core.

The log knows nothing of governance: what a recorded outcome is, and how to recompute
it, plugs in from the governance side as an ``OutcomeChecker``
(``ledger.governance.recompute.OUTCOMES``), which the command line passes in.
"""

from __future__ import annotations

import base64
import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from multiprocessing import get_context
from typing import cast
from uuid import UUID

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from eventsourcing.persistence import ApplicationRecorder

from ledger.log import merkle, sealed, signed_note
from ledger.log.canonical import strict_loads
from ledger.log.errors import ConfigurationError
from ledger.log.key_schedule import KEYRING_ID, KeySchedule, decode_key
from ledger.log.keys import event_key_id
from ledger.log.record import (
    HEADER_SIZE,
    BadSignatureError,
    RecordFormatError,
    UnknownKeyError,
    parse_record,
    record_bytes,
    verify_record,
)
from ledger.log.signed_note import Checkpoint, NoteError, NoteVerifier, open_note
from ledger.log.storage.log_reader import LogRow, MerkleLogMixin, rows_of
from ledger.log.tile_math import HASH_SIZE, TILE_HEIGHT, TILE_WIDTH, split_hashes

PARALLEL_THRESHOLD = 4000
BATCH = 2000
RowTuple = tuple[int, bytes, int, str, bytes]
Result = tuple[int, bytes | None, bytes | None, str | None]
MISSING_LEAF = bytes(32)  # holds a deleted leaf's place, so the leaves after it keep their positions


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the stored history, located as precisely as the evidence allows."""

    leaf_index: int | None
    aggregate_id: UUID | None
    version: int | None
    reason: str

    def sort_key(self) -> tuple[int, int]:
        return (self.leaf_index if self.leaf_index is not None else 2**63, 0)

    def sentence(self) -> str:
        where = f"leaf {self.leaf_index}" if self.leaf_index is not None else "outside the log"
        if self.aggregate_id is not None:
            where += f" (aggregate {self.aggregate_id}, version {self.version})"
        return f"{where}: {self.reason}"


@dataclass
class VerifyReport:
    origin: str
    leaves: int = 0
    checkpoints: int = 0
    event_keys: int = 0
    outcomes: int = 0
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def first(self) -> Problem | None:
        return min(self.problems, key=Problem.sort_key) if self.problems else None


# -- the per-leaf check, run in worker processes ----------------------------------

_KEYS: dict[bytes, Ed25519PublicKey] = {}


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


def _init_worker(raw_keys: dict[bytes, bytes]) -> None:
    global _KEYS
    _KEYS = {kid: Ed25519PublicKey.from_public_bytes(raw) for kid, raw in raw_keys.items()}


def check_rows(rows: Sequence[RowTuple]) -> list[Result]:
    """For each leaf: (index, recomputed leaf hash, key id, problem or None).

    The signature check is the one record verifier's, ``record.verify_record``; what
    this adds is the wording of a finding and the leaf hash of the record it checked.
    """
    out: list[Result] = []
    for index, oid, version, topic, state in rows:
        originator_id = UUID(bytes=oid)
        try:
            record = record_bytes(originator_id, version, topic, state)
            verify_record(record, _KEYS)
        except RecordFormatError as e:
            out.append((index, None, None, f"the stored event is not a signed copro record ({e})"))
            continue
        except UnknownKeyError as e:
            out.append(
                (
                    index,
                    None,
                    e.key_id,
                    f"it is signed by key {e.key_id.hex()}, which is not in the ledger's keyring (a forged event)",
                )
            )
            continue
        except BadSignatureError as e:
            out.append(
                (
                    index,
                    None,
                    e.key_id,
                    "its signature does not verify: the event's topic or state was changed after it was signed",
                )
            )
            continue
        misplaced = sealed.misplaced(state[HEADER_SIZE:], originator_id, version)
        out.append((index, merkle.leaf_hash(record), record[1:5], misplaced))
    return out


def _as_tuples(rows: list[LogRow]) -> list[RowTuple]:
    return [(r.leaf_index, r.originator_id.bytes, r.originator_version, r.topic, r.state) for r in rows]


# -- the keyring ------------------------------------------------------------------


@dataclass
class Keys:
    origin: str
    event: KeySchedule
    checkpoint: KeySchedule


def read_keyring(log: MerkleLogMixin, report: VerifyReport) -> Keys | None:
    rows = rows_of(log, KEYRING_ID)
    if not rows or rows[0].leaf_index != 0:
        report.problems.append(
            Problem(0, KEYRING_ID, 1, "the log does not start with the ledger's keyring, so no key can be trusted")
        )
        return None
    keys: Keys | None = None
    for row in rows:
        try:
            parsed = parse_record(record_bytes(row.originator_id, row.originator_version, row.topic, row.state))
            body = strict_loads(parsed.payload)
        except (RecordFormatError, ValueError):
            report.problems.append(
                Problem(row.leaf_index, row.originator_id, row.originator_version, "the keyring event cannot be read")
            )
            return keys
        if keys is None:
            try:
                origin = str(body["origin"])
                event_key = decode_key(body["event_key"])
                checkpoint_key = decode_key(body["checkpoint_key"])
            except (KeyError, ValueError, TypeError):
                report.problems.append(
                    Problem(0, row.originator_id, 1, "the keyring's first event does not name the ledger's keys")
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


# -- the whole check --------------------------------------------------------------


def _results(
    batches: Iterator[list[LogRow]], total: int, workers: int, raw_keys: dict[bytes, bytes]
) -> Iterator[tuple[list[LogRow], list[Result]]]:
    if total < PARALLEL_THRESHOLD or workers <= 1:
        _init_worker(raw_keys)
        for batch in batches:
            yield batch, check_rows(_as_tuples(batch))
        return
    ctx = get_context("fork") if hasattr(os, "fork") else get_context()
    with ProcessPoolExecutor(workers, mp_context=ctx, initializer=_init_worker, initargs=(raw_keys,)) as pool:
        pending: list[tuple[list[LogRow], Future[list[Result]]]] = []
        for batch in batches:
            pending.append((batch, pool.submit(check_rows, _as_tuples(batch))))
            if len(pending) > workers * 2:
                b, f = pending.pop(0)
                yield b, f.result()
        for b, f in pending:
            yield b, f.result()


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
    meta = log.meta()
    report = VerifyReport(origin=meta.get("origin", "?"))
    keys = read_keyring(log, report)
    if keys is None:
        return report
    if keys.origin != report.origin:
        report.problems.append(
            Problem(
                0, KEYRING_ID, 1, f"the keyring names origin {keys.origin!r} but the database says {report.origin!r}"
            )
        )
    raw_keys = {event_key_id(k): k for k in keys.event.all()}
    report.event_keys = len(raw_keys)
    total = log.log_size()
    tree = merkle.MemoryTree()
    tiles = _LeafTiles(log, total, report)
    batch_size = BATCH if total >= PARALLEL_THRESHOLD else max(total, 1)
    closed_rows: list[LogRow] = []
    versions: dict[UUID, int] = {}  # the last version seen of each aggregate: one entry per aggregate
    for batch, results in _results(log.scan(batch=batch_size), total, workers or os.cpu_count() or 1, raw_keys):
        for row, (index, recomputed, key_id, problem) in zip(batch, results, strict=True):
            if index != tree.size:
                gone = f"leaf {index - 1} is" if index - 1 == tree.size else f"leaves {tree.size} to {index - 1} are"
                report.problems.append(
                    Problem(tree.size, None, None, f"{gone} missing from the log: their events were deleted")
                )
                while tree.size < index:  # keep later leaves at their positions
                    tree.append(tiles.stored(tree.size) or MISSING_LEAF)
            where = (index, row.originator_id, row.originator_version)
            stored = tiles.stored(index)
            previous = versions.get(row.originator_id, 0)
            versions[row.originator_id] = row.originator_version
            if problem is not None:
                report.problems.append(Problem(*where, problem))
            elif key_id is not None and key_id != event_key_id(keys.event.at(index) or b""):
                report.problems.append(
                    Problem(
                        *where, f"it is signed with event key {key_id.hex()}, but another key was in force at this leaf"
                    )
                )
            elif row.originator_version != previous + 1:
                report.problems.append(Problem(*where, out_of_order(row.originator_version, previous)))
            elif stored is not None and recomputed != stored:
                first = index - index % TILE_WIDTH
                report.problems.append(
                    Problem(
                        *where,
                        f"the tree tile over leaves {first} to {first + TILE_WIDTH - 1} holds another hash at this "
                        "position: events were swapped, replaced or moved here, or the tile was rewritten",
                    )
                )
            tree.append(recomputed or stored or row.leaf_hash or MISSING_LEAF)
            if row.topic == outcomes.topic and problem is None:
                closed_rows.append(row)
        if progress is not None:
            progress(tree.size, total)
    if tree.size < total:
        report.problems.append(Problem(tree.size, None, None, f"leaves {tree.size} to {total - 1} are missing"))
    report.leaves = tree.size
    closed = [(r.leaf_index, r.originator_id, r.originator_version) for r in closed_rows]
    _check_upper_tiles(log, tree, report)
    for label, note in [(f"stored checkpoint for size {s}", n) for s, n in log.checkpoints()]:
        _check_checkpoint(label, note, tree, keys, report, from_auditor=False)
        report.checkpoints += 1
    for label, note in external_checkpoints:
        _check_checkpoint(label, note, tree, keys, report, from_auditor=True, external=external_verifier)
        report.checkpoints += 1
    if report.ok and closed:
        _recompute_outcomes(log, keys, closed, outcomes, report)
    return report


def out_of_order(version: int, previous: int) -> str:
    """Why a leaf breaks the rule that each aggregate's versions appear as 1, 2, 3, ... in log order.

    Versions are signed, positions are not: an event moved, swapped or deleted by hand
    keeps its valid signature, but lands out of its aggregate's sequence, and this names
    the leaf where it does.
    """
    if previous == 0:
        said = f"version {version} is the first event of this aggregate in the log (expected version 1)"
    else:
        said = f"version {version} follows version {previous} of this aggregate (expected version {previous + 1})"
    return f"{said}: events of this aggregate were swapped, moved or deleted"


class _LeafTiles:
    """The level-0 tiles, read one at a time as the scan reaches them; reports a missing one once."""

    def __init__(self, log: MerkleLogMixin, size: int, report: VerifyReport) -> None:
        self._log, self._size, self._report = log, size, report
        self._index = -1
        self._hashes: list[bytes] = []
        for _, idx in log.tiles_beyond(size):
            first = idx * TILE_WIDTH
            report.problems.append(
                Problem(
                    size,
                    None,
                    None,
                    f"a tree tile over leaves {first} to {first + TILE_WIDTH - 1} is stored, but the log holds "
                    f"only {size}: the log was truncated, leaf {size} onward is missing",
                )
            )

    def stored(self, leaf: int) -> bytes | None:
        """The hash the tiles hold for ``leaf``, or None where no full tile covers it (yet)."""
        index = leaf // TILE_WIDTH
        if (index + 1) * TILE_WIDTH > self._size:
            return None
        if index != self._index:
            self._index = index
            blob = self._log.tile(0, index)
            self._hashes = split_hashes(blob) if len(blob) == TILE_WIDTH * HASH_SIZE else []
            if not self._hashes:
                first = index * TILE_WIDTH
                self._report.problems.append(
                    Problem(
                        first,
                        None,
                        None,
                        f"the tree tile over leaves {first} to {first + TILE_WIDTH - 1} is missing or damaged "
                        "(it must hold 256 hashes): proofs for these leaves cannot be served",
                    )
                )
        return self._hashes[leaf % TILE_WIDTH] if self._hashes else None


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
            report.problems.append(Problem(leaf, proposal_id, version, f"its outcome cannot be recomputed: {e}"))
            continue
        if mismatch is not None:
            report.problems.append(Problem(leaf, proposal_id, version, f"the outcome does not recompute: {mismatch}"))
        report.outcomes += 1


def _check_upper_tiles(log: MerkleLogMixin, tree: merkle.MemoryTree, report: VerifyReport) -> None:
    """Each tile above level 0 must hold exactly the complete nodes of its tree level, as recomputed."""
    precise = [p.leaf_index for p in report.problems if p.leaf_index is not None]
    earliest = min(precise) if precise else None
    stored = {(level, idx): hashes for level, idx, hashes in log.stored_tiles()}
    for level in range(1, 8):
        height = level * TILE_HEIGHT
        complete = tree.size >> height  # complete nodes at tree level 8 * level
        for idx in range((complete + TILE_WIDTH - 1) // TILE_WIDTH):
            want = [tree.read(height, j) for j in range(idx * TILE_WIDTH, min(complete, (idx + 1) * TILE_WIDTH))]
            got = split_hashes(stored.pop((level, idx), b""))
            if got == want:
                continue
            bad = next((j for j, (g, w) in enumerate(zip(got, want, strict=False)) if g != w), min(len(got), len(want)))
            first = (idx * TILE_WIDTH + bad) << height
            if earliest is not None and earliest < first + (1 << height):
                return  # a leaf inside this node's range is already named, more precisely
            report.problems.append(
                Problem(
                    first,
                    None,
                    None,
                    f"the tree tile at level {level} does not match the leaves from {first} to "
                    f"{first + (1 << height) - 1}: the log or its tiles were rewritten at or after leaf {first}",
                )
            )
            return
    for level, idx in stored:
        report.problems.append(
            Problem(None, None, None, f"a tree tile at level {level}, index {idx} is stored that the log cannot have")
        )


def _check_checkpoint(
    label: str,
    note: str,
    tree: merkle.MemoryTree,
    keys: Keys,
    report: VerifyReport,
    *,
    from_auditor: bool,
    external: NoteVerifier | None = None,
) -> None:
    """Check one checkpoint. A file the auditor brought that is not for this ledger is a
    usage error (exit 2); a stored checkpoint that is wrong is an integrity failure."""
    try:
        cp = Checkpoint.parse(note.split("\n\n", 1)[0] + "\n")
    except (NoteError, ValueError) as e:
        if from_auditor:
            raise ConfigurationError(f"The {label} is not a checkpoint: {e}") from None
        report.problems.append(Problem(None, None, None, f"the {label} is not a valid checkpoint: {e}"))
        return
    if cp.origin != report.origin:
        if from_auditor:
            raise ConfigurationError(
                f"The {label} is for origin {cp.origin!r}, not this ledger's {report.origin!r}; "
                "check that you have the right ledger and checkpoint file."
            )
        report.problems.append(
            Problem(None, None, None, f"the {label} is for origin {cp.origin!r}, not {report.origin!r}")
        )
        return
    if external is not None:
        verifiers = [external]
    else:
        in_force = keys.checkpoint.at(cp.size)  # rotations inside the covered leaves have taken effect
        verifiers = [
            NoteVerifier(keys.origin, signed_note.key_id(keys.origin, k), Ed25519PublicKey.from_public_bytes(k))
            for k in {in_force}
            if k
        ]
    try:
        open_note(note, verifiers)
    except NoteError as e:
        report.problems.append(
            Problem(None, None, None, f"the {label} has no valid signature by the ledger's checkpoint key: {e}")
        )
        return
    if cp.size > tree.size:
        report.problems.append(
            Problem(
                tree.size,
                None,
                None,
                f"the {label} covers {cp.size} leaves but the log holds only {tree.size}: "
                f"the log was truncated, leaf {tree.size} onward is missing",
            )
        )
        return
    if tree.root(cp.size) != cp.root_hash:
        report.problems.append(
            Problem(
                None,
                None,
                None,
                f"the log's first {cp.size} leaves no longer hash to the root signed in the {label} "
                f"({base64.b64encode(cp.root_hash).decode()}): history before leaf {cp.size} was rewritten",
            )
        )
