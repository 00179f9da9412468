"""The one verification engine: every check of a log's history, over any source that holds one.

``copro verify`` runs it over the live database (``ledger.log.verify``) and
``copro verify --bundle`` over an exported bundle (``ledger.log.bundle.verify``):
the same code re-checks every record's signature against the key in force at its
leaf, recomputes every leaf and the tree, compares them with the stored tiles and
every signed checkpoint, and names the *first* bad record. Signature checks, the
bulk of the work, run on every core.

Pure (the standard library, ``cryptography`` and the verifier core): an auditor's
machine needs nothing else to run it, which the import contract ``verifier-core``
keeps true. Each finding carries the id of the numbered check that made it
(docs/VERIFYING.md lists them), so both front ends can say which rule broke.
"""

from __future__ import annotations

import base64
import os
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from itertools import pairwise
from multiprocessing import get_context
from typing import Protocol
from uuid import UUID

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

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
    record_bytes,
    verify_record,
)
from ledger.log.signed_note import Checkpoint, NoteError, NoteVerifier, open_note
from ledger.log.tile_math import HASH_SIZE, TILE_HEIGHT, TILE_WIDTH, split_hashes

PARALLEL_THRESHOLD = 4000
BATCH = 2000
RowTuple = tuple[int, bytes, int, str, bytes]
Result = tuple[int, bytes | None, bytes | None, str | None]
MISSING_LEAF = bytes(32)  # holds a deleted leaf's place, so the leaves after it keep their positions

# The check ids findings carry (docs/VERIFYING.md says what each proves).
ORIGIN = "V1.D"
KEYRING = "V2.A"
ENTRIES = "V3.A"
LEAF_TILES = "V3.B"
UPPER_TILES = "V3.C"
ROOTS = "V3.D"
SIGNATURES = "V4.A"
KEY_IN_FORCE = "V4.B"
CHECKPOINT_SIGNATURES = "V5.A"
CONSISTENCY = "V5.B"
VERSIONS = "V6.A"
EVENTS_APPLY = "V6.B"
SEALED = "V6.C"
OUTCOMES = "V7.B"


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the stored history, located as precisely as the evidence allows."""

    leaf_index: int | None
    aggregate_id: UUID | None
    version: int | None
    reason: str
    check: str = ""

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


class LoggedEvent(Protocol):
    """The event at one leaf (``state`` as FORMAT.md stores it): what any reader of the log scans."""

    @property
    def leaf_index(self) -> int: ...
    @property
    def originator_id(self) -> UUID: ...
    @property
    def originator_version(self) -> int: ...
    @property
    def topic(self) -> str: ...
    @property
    def state(self) -> bytes: ...


class Row(LoggedEvent, Protocol):
    """One leaf as a source holds it: the event, and the leaf hash the source stores for it."""

    @property
    def leaf_hash(self) -> bytes: ...


class Source(Protocol):
    """What the engine reads: the live database and a bundle each provide it."""

    def size(self) -> int:
        """The number of leaves the source says the log holds."""

    def scan(self, batch: int) -> Iterator[Sequence[Row]]:
        """Every leaf in log order, in batches (a deleted leaf is simply absent)."""

    def leaf_tile(self, index: int) -> bytes | None:
        """The stored level-0 tile ``index`` (the hashes of its leaves), or None where none is kept."""

    def tiles_beyond(self, size: int) -> list[tuple[int, int]]:
        """Level-0 tiles (level, index) stored past ``size`` leaves: a sign of truncation."""

    def stored_tiles(self) -> Iterator[tuple[int, int, bytes]]:
        """Every stored tile above level 0, as (level, index, hashes)."""

    def checkpoints(self) -> list[tuple[str, str]]:
        """Every checkpoint the source keeps, as (label, signed note)."""


# -- the per-leaf check, run in worker processes ----------------------------------

_KEYS: dict[bytes, Ed25519PublicKey] = {}


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


def _check_of(reason: str) -> str:
    if reason.startswith("the stored event is not"):
        return ENTRIES
    if reason.startswith(("it is signed by key", "its signature does not")):
        return SIGNATURES
    return SEALED


def _as_tuples(rows: Sequence[Row]) -> list[RowTuple]:
    return [(r.leaf_index, r.originator_id.bytes, r.originator_version, r.topic, r.state) for r in rows]


# -- the keyring ------------------------------------------------------------------


@dataclass
class Keys:
    origin: str
    event: KeySchedule
    checkpoint: KeySchedule


def keyring_start(payload: bytes) -> Keys | None:
    """The keys the keyring's first event names, or None if it names none."""
    try:
        body = strict_loads(payload)
        return Keys(
            str(body["origin"]),
            _schedule(decode_key(body["event_key"])),
            _schedule(decode_key(body["checkpoint_key"])),
        )
    except (KeyError, ValueError, TypeError):
        return None


def _schedule(key: bytes) -> KeySchedule:
    out = KeySchedule()
    out.add(0, key)
    return out


def keyring_rotation(keys: Keys, leaf_index: int, payload: bytes) -> None:
    """Apply a later keyring event: a rotated key is in force from the next leaf on."""
    try:
        body = strict_loads(payload)
        new = decode_key(body.get("public_key", ""))
    except (ValueError, TypeError, AttributeError):
        return
    if body.get("purpose") == "event":
        keys.event.add(leaf_index + 1, new)
    elif body.get("purpose") == "checkpoint":
        keys.checkpoint.add(leaf_index + 1, new)


# -- the whole check --------------------------------------------------------------


def _results(
    batches: Iterator[Sequence[Row]], total: int, workers: int, raw_keys: dict[bytes, bytes]
) -> Iterator[tuple[Sequence[Row], list[Result]]]:
    if total < PARALLEL_THRESHOLD or workers <= 1:
        _init_worker(raw_keys)
        for batch in batches:
            yield batch, check_rows(_as_tuples(batch))
        return
    ctx = get_context("fork") if hasattr(os, "fork") else get_context()
    with ProcessPoolExecutor(workers, mp_context=ctx, initializer=_init_worker, initargs=(raw_keys,)) as pool:
        pending: list[tuple[Sequence[Row], Future[list[Result]]]] = []
        for batch in batches:
            pending.append((batch, pool.submit(check_rows, _as_tuples(batch))))
            if len(pending) > workers * 2:
                b, f = pending.pop(0)
                yield b, f.result()
        for b, f in pending:
            yield b, f.result()


@dataclass
class Checked:
    """What a run of the engine leaves: the findings, the recomputed tree, the keys as the keyring events set them."""

    report: VerifyReport
    tree: merkle.MemoryTree
    keys: Keys | None
    outcome_events: list[tuple[int, UUID, int]]


def check_log(
    source: Source,
    *,
    origin: str,
    candidate_keys: Sequence[bytes],
    outcome_topic: str,
    external_checkpoints: Sequence[tuple[str, str]] = (),
    external_verifier: NoteVerifier | None = None,
    workers: int | None = None,
    progress: Callable[[int, int], None] | None = None,
    keep: Callable[[Row], None] | None = None,
) -> Checked:
    """Run every check of the log over ``source``.

    ``candidate_keys`` are the event keys a record may name (the keyring's, or the
    bundle's key list); which one is *in force* at each leaf is rebuilt from the
    keyring events as the scan meets them, so a key used outside its range is caught
    whatever the candidate list says. ``keep`` sees every row whose record verified,
    in log order (the bundle verifier feeds its replay from it).
    """
    report = VerifyReport(origin=origin)
    raw_keys = {event_key_id(k): k for k in candidate_keys}
    report.event_keys = len(raw_keys)
    total = source.size()
    tree = merkle.MemoryTree()
    tiles = _LeafTiles(source, total, report)
    batch_size = BATCH if total >= PARALLEL_THRESHOLD else max(total, 1)
    outcome_events: list[tuple[int, UUID, int]] = []
    versions: dict[UUID, int] = {}  # the last version seen of each aggregate: one entry per aggregate
    keys: Keys | None = None
    for batch, results in _results(source.scan(batch_size), total, workers or os.cpu_count() or 1, raw_keys):
        for row, (index, recomputed, key_id, problem) in zip(batch, results, strict=True):
            if index != tree.size:
                gone = f"leaf {index - 1} is" if index - 1 == tree.size else f"leaves {tree.size} to {index - 1} are"
                report.problems.append(
                    Problem(tree.size, None, None, f"{gone} missing from the log: their events were deleted", ENTRIES)
                )
                while tree.size < index:  # keep later leaves at their positions
                    tree.append(tiles.stored(tree.size) or MISSING_LEAF)
            where = (index, row.originator_id, row.originator_version)
            stored = tiles.stored(index)
            previous = versions.get(row.originator_id, 0)
            versions[row.originator_id] = row.originator_version
            in_force = keys.event.at(index) if keys is not None else None
            if index == 0:
                keys = _first_keys(row, problem, report)
                in_force = keys.event.at(0) if keys is not None else None
            if problem is not None:
                report.problems.append(Problem(*where, problem, _check_of(problem)))
            elif key_id is not None and key_id != event_key_id(in_force or b""):
                report.problems.append(
                    Problem(
                        *where,
                        f"it is signed with event key {key_id.hex()}, but another key was in force at this leaf",
                        KEY_IN_FORCE,
                    )
                )
            elif row.originator_version != previous + 1:
                report.problems.append(Problem(*where, out_of_order(row.originator_version, previous), VERSIONS))
            elif stored is not None and recomputed != stored:
                first = index - index % TILE_WIDTH
                report.problems.append(
                    Problem(
                        *where,
                        f"the tree tile over leaves {first} to {first + TILE_WIDTH - 1} holds another hash at this "
                        "position: events were swapped, replaced or moved here, or the tile was rewritten",
                        LEAF_TILES,
                    )
                )
            if problem is None and recomputed is not None:
                if keys is not None and index > 0 and row.originator_id == KEYRING_ID:
                    keyring_rotation(keys, index, row.state[HEADER_SIZE:])
                if keep is not None:
                    keep(row)
                if row.topic == outcome_topic:
                    outcome_events.append(where)
            tree.append(recomputed or stored or row.leaf_hash or MISSING_LEAF)
        if progress is not None:
            progress(tree.size, total)
    if total == 0 or tree.size == 0:
        _first_keys(None, None, report)
    if tree.size < total:
        report.problems.append(
            Problem(tree.size, None, None, f"leaves {tree.size} to {total - 1} are missing", ENTRIES)
        )
    report.leaves = tree.size
    if keys is not None and keys.origin != origin:
        report.problems.append(
            Problem(0, KEYRING_ID, 1, f"the keyring names origin {keys.origin!r} but the log says {origin!r}", ORIGIN)
        )
    check_tree(source, tree, keys, report, external_checkpoints, external_verifier)
    return Checked(report, tree, keys, outcome_events)


def check_tree(
    source: Source,
    tree: merkle.MemoryTree,
    keys: Keys | None,
    report: VerifyReport,
    external_checkpoints: Sequence[tuple[str, str]] = (),
    external_verifier: NoteVerifier | None = None,
) -> None:
    """The checks after the scan, over the recomputed tree: the upper tiles, every checkpoint, their consistency.

    Apart from the scan so that the bundle verifier's fast path (``ledger.log.bundle.fast``),
    which recomputes the tree its own way, ends with exactly these checks.
    """
    _check_upper_tiles(source, tree, report)
    if keys is not None:
        roots: list[tuple[str, Checkpoint]] = []
        for label, note in source.checkpoints():
            cp = _check_checkpoint(label, note, tree, keys, report, from_auditor=False)
            report.checkpoints += 1
            if cp is not None:
                roots.append((label, cp))
        _check_consistency(roots, tree, report)
        for label, note in external_checkpoints:
            _check_checkpoint(label, note, tree, keys, report, from_auditor=True, external=external_verifier)
            report.checkpoints += 1


def _first_keys(row: Row | None, problem: str | None, report: VerifyReport) -> Keys | None:
    """The keys leaf 0 names: the log must start with the ledger's keyring, or no key can be trusted."""
    if row is None or row.originator_id != KEYRING_ID or row.originator_version != 1:
        report.problems.append(
            Problem(
                0, KEYRING_ID, 1, "the log does not start with the ledger's keyring, so no key can be trusted", KEYRING
            )
        )
        return None
    keys = keyring_start(row.state[HEADER_SIZE:]) if len(row.state) > HEADER_SIZE else None
    if keys is None:
        report.problems.append(
            Problem(0, KEYRING_ID, 1, "the keyring's first event does not name the ledger's keys", KEYRING)
        )
    return keys


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

    def __init__(self, source: Source, size: int, report: VerifyReport) -> None:
        self._source, self._size, self._report = source, size, report
        self._index = -1
        self._hashes: list[bytes] = []
        for _, idx in source.tiles_beyond(size):
            first = idx * TILE_WIDTH
            report.problems.append(
                Problem(
                    size,
                    None,
                    None,
                    f"a tree tile over leaves {first} to {first + TILE_WIDTH - 1} is stored, but the log holds "
                    f"only {size}: the log was truncated, leaf {size} onward is missing",
                    ENTRIES,
                )
            )

    def stored(self, leaf: int) -> bytes | None:
        """The hash the tiles hold for ``leaf``, or None where no stored tile covers it (yet)."""
        index = leaf // TILE_WIDTH
        if index != self._index:
            self._index = index
            width = min(TILE_WIDTH, self._size - index * TILE_WIDTH)
            blob = self._source.leaf_tile(index) if width > 0 else None
            self._hashes = split_hashes(blob) if blob is not None and len(blob) == width * HASH_SIZE else []
            if blob is not None and not self._hashes:
                first = index * TILE_WIDTH
                self._report.problems.append(
                    Problem(
                        first,
                        None,
                        None,
                        f"the tree tile over leaves {first} to {first + width - 1} is missing or damaged "
                        f"(it must hold {width} hashes): proofs for these leaves cannot be served",
                        LEAF_TILES,
                    )
                )
        at = leaf % TILE_WIDTH
        return self._hashes[at] if at < len(self._hashes) else None


def _check_upper_tiles(source: Source, tree: merkle.MemoryTree, report: VerifyReport) -> None:
    """Each tile above level 0 must hold exactly the complete nodes of its tree level, as recomputed."""
    precise = [p.leaf_index for p in report.problems if p.leaf_index is not None]
    earliest = min(precise) if precise else None
    stored = {(level, idx): hashes for level, idx, hashes in source.stored_tiles()}
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
                    UPPER_TILES,
                )
            )
            return
    for level, idx in stored:
        report.problems.append(
            Problem(
                None,
                None,
                None,
                f"a tree tile at level {level}, index {idx} is stored that the log cannot have",
                UPPER_TILES,
            )
        )


def _check_consistency(roots: list[tuple[str, Checkpoint]], tree: merkle.MemoryTree, report: VerifyReport) -> None:
    """Each signed checkpoint is a prefix of the next: an RFC 6962 consistency proof, from the tree, verifies."""
    ordered = sorted(roots, key=lambda item: item[1].size)
    for (label_a, a), (label_b, b) in pairwise(ordered):
        if b.size > tree.size:
            return
        try:
            proof = merkle.consistency_proof(a.size, b.size, tree.read)
            merkle.verify_consistency(a.size, b.size, a.root_hash, b.root_hash, proof)
        except merkle.ProofError as e:
            report.problems.append(
                Problem(None, None, None, f"the {label_a} is not a prefix of the {label_b}: {e}", CONSISTENCY)
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
) -> Checkpoint | None:
    """Check one checkpoint; return it if its signature verifies and it matches the tree.

    A file the auditor brought that is not for this ledger is a usage error (exit 2);
    a stored checkpoint that is wrong is an integrity failure.
    """
    try:
        cp = Checkpoint.parse(note.split("\n\n", 1)[0] + "\n")
    except (NoteError, ValueError) as e:
        if from_auditor:
            raise ConfigurationError(f"The {label} is not a checkpoint: {e}") from None
        report.problems.append(
            Problem(None, None, None, f"the {label} is not a valid checkpoint: {e}", CHECKPOINT_SIGNATURES)
        )
        return None
    if cp.origin != report.origin:
        if from_auditor:
            raise ConfigurationError(
                f"The {label} is for origin {cp.origin!r}, not this ledger's {report.origin!r}; "
                "check that you have the right ledger and checkpoint file."
            )
        report.problems.append(
            Problem(None, None, None, f"the {label} is for origin {cp.origin!r}, not {report.origin!r}", ORIGIN)
        )
        return None
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
            Problem(
                None,
                None,
                None,
                f"the {label} has no valid signature by the ledger's checkpoint key: {e}",
                CHECKPOINT_SIGNATURES,
            )
        )
        return None
    if cp.size > tree.size:
        report.problems.append(
            Problem(
                tree.size,
                None,
                None,
                f"the {label} covers {cp.size} leaves but the log holds only {tree.size}: "
                f"the log was truncated, leaf {tree.size} onward is missing",
                ROOTS,
            )
        )
        return None
    if tree.root(cp.size) != cp.root_hash:
        report.problems.append(
            Problem(
                None,
                None,
                None,
                f"the log's first {cp.size} leaves no longer hash to the root signed in the {label} "
                f"({base64.b64encode(cp.root_hash).decode()}): history before leaf {cp.size} was rewritten",
                ROOTS,
            )
        )
        return None
    return cp
