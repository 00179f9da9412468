"""The fast path of ``copro verify --bundle``: raw entry bundles to the workers, packed answers back.

Signature checks are nearly all of a full verification's work, so the rest must cost
next to nothing. The reference engine (``ledger.log.checks.check_log``) turns each
record into a row of Python objects, sends rows to the workers and rebuilds every
record from them; here the main process reads each entry bundle and its level-0 tile
as they are stored and sends those bytes, unparsed. Each worker parses every record
once, checks its signature with the ledger's candidate keys, its sealed values'
places and its leaf hash against the tile, hashes the tile's nodes, and answers per
chunk with a few byte strings (originator id and version, key id, the nodes) instead
of an object per record. The main process checks, per chunk, that the key in force
signed every leaf and that each aggregate's versions run 1, 2, 3, ... in log order,
then ends with the reference engine's own checks of the tree and the checkpoints
(``checks.check_tree``).

The fast path can only say *sound*. At anything it does not expect (a record that
does not parse or verify, a tile that differs, an unreadable file, a finding of any
check) it gives up and the caller runs the reference engine, which names every
finding with its check id exactly as before. So no finding's wording depends on this
module, and a tampered bundle costs one fast attempt plus the reference run.

Pure (the standard library, ``cryptography`` and the verifier core): import contract
``verifier-core``.
"""

from __future__ import annotations

import os
import struct
from collections.abc import Callable, Generator, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from multiprocessing import get_context
from typing import Generic, TypeVar
from uuid import UUID

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from ledger.log import checks, merkle, sealed
from ledger.log.bundle.layout import LayoutError, unpack_entries
from ledger.log.bundle.reader import Bundle, BundleError
from ledger.log.key_schedule import KEYRING_ID
from ledger.log.keys import event_key_id
from ledger.log.record import DOMAIN, HEADER_SIZE, RECORD_VERSION
from ledger.log.tile_math import HASH_SIZE, TILE_HEIGHT, TILE_WIDTH

TILES_PER_TASK = 2  # 512 leaves: a few tens of milliseconds of signature checks per task, so the last one ends soon
IN_FLIGHT = 3  # tasks queued per worker, so none waits while the main process reads the next entry bundles

# A record: 0x01 || key id (4) || signature (64) || "copro/event/v1\n" || originator id (16) || version (u64) || ...
_ID_AT = HEADER_SIZE + len(DOMAIN)
_VERSION_AT = _ID_AT + 16
_TOPIC_AT = _VERSION_AT + 10
_META = struct.Struct(">16sQ")  # originator id and version, as they lie in the record
_LENGTHS = struct.Struct(">QH")
_KEYRING = KEYRING_ID.bytes
R = TypeVar("R")

Tile = tuple[bytes, bool, bytes]
"""An entry bundle's bytes, whether it is a wide one, and the level-0 tile beside it."""

Task = tuple[int, list[Tile]]
"""A chunk of consecutive entry bundles from a tile boundary: its first leaf, and its tiles."""


@dataclass(frozen=True)
class Answer:
    """A worker's answer for one task; ``ok`` False means "ask the reference engine", and the rest is empty."""

    ok: bool
    meta: bytes = b""  # per leaf: originator id (16 bytes) and version (u64 big-endian)
    key_ids: bytes = b""  # per leaf: the 4-byte id of the key that signed it
    nodes: tuple[bytes, ...] = ()  # levels 1 to 8 of the tree over these leaves, each level's hashes joined
    keyring: tuple[tuple[int, bytes], ...] = ()  # (leaf, payload) of each keyring event among these leaves


_KEYS: dict[bytes, Ed25519PublicKey] = {}


def _init_worker(raw_keys: dict[bytes, bytes]) -> None:
    global _KEYS
    _KEYS = {kid: Ed25519PublicKey.from_public_bytes(raw) for kid, raw in raw_keys.items()}


def check_task(task: Task) -> Answer:
    """Check every record of a chunk, as ``checks.check_rows`` would, and answer with packed bytes.

    A record passes only if ``record.parse_record`` would parse it, ``record.verify_record``
    would accept its signature with one of the candidate keys, its sealed values sit at
    their places, and its leaf hash is the one its tile holds. Then the record is exactly
    what ``record.record_bytes`` rebuilds from its parts, so its leaf hash is the reference
    engine's too.
    """
    first, tiles = task
    meta, key_ids, keyring = bytearray(), bytearray(), []
    levels: list[bytearray] = [bytearray() for _ in range(TILE_HEIGHT)]
    leaf = first
    for data, wide, tile in tiles:
        try:
            records = unpack_entries(data, wide=wide)
        except LayoutError:
            return Answer(False)
        if len(records) * HASH_SIZE != len(tile):
            return Answer(False)
        hashes: list[bytes] = []
        for record in records:
            if not _sound(record):
                return Answer(False)
            meta += record[_ID_AT : _TOPIC_AT - 2]
            key_ids += record[1:5]
            if record[_ID_AT:_VERSION_AT] == _KEYRING:
                keyring.append((leaf, _payload(record)))
            hashes.append(merkle.leaf_hash(record))
            leaf += 1
        if b"".join(hashes) != tile:
            return Answer(False)
        for level in levels:  # the perfect nodes inside this tile, level by level: tiles never share one
            hashes = [merkle.node_hash(hashes[i], hashes[i + 1]) for i in range(0, len(hashes) - 1, 2)]
            level += b"".join(hashes)
    return Answer(True, bytes(meta), bytes(key_ids), tuple(bytes(level) for level in levels), tuple(keyring))


def _payload(record: bytes) -> bytes:
    (_, topic_len) = _LENGTHS.unpack_from(record, _VERSION_AT)
    return record[_TOPIC_AT + topic_len :]


def _sound(record: bytes) -> bool:
    """The record parses, its signature verifies with a candidate key, its sealed values sit at their places."""
    if len(record) < _TOPIC_AT or record[0] != RECORD_VERSION or record[HEADER_SIZE:_ID_AT] != DOMAIN:
        return False
    version, topic_len = _LENGTHS.unpack_from(record, _VERSION_AT)
    end = _TOPIC_AT + topic_len
    if len(record) < end:
        return False
    try:
        record[_TOPIC_AT:end].decode("utf-8")
    except UnicodeDecodeError:
        return False
    key = _KEYS.get(record[1:5])
    if key is None:
        return False
    try:
        key.verify(record[5:HEADER_SIZE], record[HEADER_SIZE:])
    except InvalidSignature:
        return False
    payload = record[end:]
    return (
        b'"sealed"' not in payload or sealed.misplaced(payload, UUID(bytes=record[_ID_AT:_VERSION_AT]), version) is None
    )


class _Tree(merkle.MemoryTree):
    """A ``MemoryTree`` from its levels, hashed in bulk rather than one append (and one check) per leaf."""

    def __init__(self, levels: list[list[bytes]]) -> None:
        super().__init__()
        self._levels = levels


class _GiveUp(Exception):
    """Something the fast path does not expect: the reference engine must look (and name it)."""


@dataclass
class Fast(Generic[R]):
    """What a sound fast run leaves: what ``checks.check_log`` would, and what the caller asked for."""

    report: checks.VerifyReport
    keys: checks.Keys
    replayed: R | None  # what ``replay`` returned, if one was given
    seen: dict[UUID, int]  # each aggregate's last version under ``under`` leaves


def fast_check(
    bundle: Bundle,
    source: checks.Source,
    *,
    candidate_keys: Sequence[bytes],
    workers: int | None = None,
    under: int = 0,
    replay: Callable[[Iterator[tuple[int, bytes]]], R] | None = None,
) -> Fast[R] | None:
    """Every check ``checks.check_log`` runs over ``source`` (the bundle's), or None if any might fail.

    None means nothing but "not proven sound here": the caller runs the reference engine,
    which finds and words every problem.

    ``replay``, if given, is fed the (leaf, record) pairs in log order *while* the workers
    check the rest: it reads a chunk only once every record in it has passed, so it sees
    what it would after the reference engine, and runs in the main process's time that
    would otherwise be spent waiting. Its result counts only if the whole run is sound
    (the caller reports it only if every other check passed, too).
    """
    origin, total = bundle.manifest.origin, bundle.manifest.tree_size
    if total == 0:
        return None
    raw_keys = {event_key_id(k): k for k in candidate_keys}
    run = _Run(bundle, total, under)
    answers = _answers(run.tasks(), total, workers or os.cpu_count() or 1, raw_keys)

    def checked() -> Generator[tuple[int, bytes], None, None]:
        for task, answer in answers:
            run.take(task, answer)
            if replay is not None:
                yield from _records(task)

    stream = checked()
    try:
        replayed = replay(stream) if replay is not None else None
        for _ in stream:  # the checks go on to the last leaf, however far the replay read
            pass
    except _GiveUp:
        return None
    except Exception:  # the replay broke on records whose whole run may not be sound: the reference engine decides
        return None  # whether it runs at all (it runs the replay only when every check passed, as before)
    finally:
        stream.close()
        answers.close()  # shuts the workers down now, not when the generator is collected
    keys = run.keys
    if keys is None or keys.origin != origin:
        return None
    report = checks.VerifyReport(origin=origin, leaves=total, event_keys=len(raw_keys))
    checks.check_tree(source, run.tree(), keys, report)
    if report.problems:
        return None
    return Fast(report, keys, replayed, {UUID(bytes=oid): v for oid, v in run.seen.items()})


def _records(task: Task) -> Iterator[tuple[int, bytes]]:
    leaf = task[0]
    for data, wide, _ in task[1]:
        for record in unpack_entries(data, wide=wide):
            yield leaf, record
            leaf += 1


def _answers(
    tasks: Iterator[Task], total: int, workers: int, raw_keys: dict[bytes, bytes]
) -> Generator[tuple[Task, Answer], None, None]:
    if total < checks.PARALLEL_THRESHOLD or workers <= 1:
        _init_worker(raw_keys)
        for task in tasks:
            yield task, check_task(task)
        return
    ctx = get_context("fork") if hasattr(os, "fork") else get_context()
    pool = ProcessPoolExecutor(workers, mp_context=ctx, initializer=_init_worker, initargs=(raw_keys,))
    try:
        pending: list[tuple[Task, Future[Answer]]] = []
        for task in tasks:
            pending.append((task, pool.submit(check_task, task)))
            if len(pending) >= workers * IN_FLIGHT:
                t, f = pending.pop(0)
                yield t, f.result()
        for t, f in pending:
            yield t, f.result()
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


class _Run:
    """The main process's side: read the tiles in order, and check what the workers answer, chunk by chunk."""

    def __init__(self, bundle: Bundle, total: int, under: int) -> None:
        self.bundle, self.total, self.under = bundle, total, under
        self.keys: checks.Keys | None = None
        self.versions: dict[bytes, int] = {}  # the last version seen of each aggregate, by originator id
        self.seen: dict[bytes, int] = {}
        self.levels: list[list[bytes]] = [[] for _ in range(TILE_HEIGHT + 1)]  # the tree's levels 0 to 8 so far

    def tasks(self) -> Iterator[Task]:
        count = (self.total + TILE_WIDTH - 1) // TILE_WIDTH
        for start in range(0, count, TILES_PER_TASK):
            tiles: list[Tile] = []
            for index in range(start, min(count, start + TILES_PER_TASK)):
                width = min(TILE_WIDTH, self.total - index * TILE_WIDTH)
                try:
                    data, wide = self.bundle.entry_bundle_bytes(index, width)
                    tile = self.bundle.tile(0, index, width)
                except BundleError:
                    raise _GiveUp from None
                tiles.append((data, wide, tile))
            yield start * TILE_WIDTH, tiles

    def take(self, task: Task, answer: Answer) -> None:
        if not answer.ok:
            raise _GiveUp
        first, tiles = task
        end = first + len(answer.key_ids) // 4
        self._versions(first, end, answer.meta)
        self._keys(first, end, answer)
        for _, _, tile in tiles:  # the worker found the leaf hashes equal to the tile's
            self.levels[0].extend(_split(tile))
        for level, hashes in zip(self.levels[1:], answer.nodes, strict=True):
            level.extend(_split(hashes))

    def _versions(self, first: int, end: int, meta: bytes) -> None:
        """Each aggregate's versions run 1, 2, 3, ... in log order (V6.A); remember them under ``under`` leaves."""
        cut = (min(max(self.under, first), end) - first) * _META.size
        self._in_order(meta[:cut])
        if first < self.under <= end:
            self.seen = dict(self.versions)
        self._in_order(meta[cut:])

    def _in_order(self, meta: bytes) -> None:
        versions = self.versions
        for oid, version in _META.iter_unpack(meta):
            if versions.get(oid, 0) + 1 != version:
                raise _GiveUp
            versions[oid] = version

    def _keys(self, first: int, end: int, answer: Answer) -> None:
        """Every leaf is signed by the event key in force at it (V2.A, V4.B): the keyring's events set which."""
        keyring = list(answer.keyring)
        if first == 0:
            if not keyring or keyring[0][0] != 0:
                raise _GiveUp  # the log does not start with the keyring
            self.keys = checks.keyring_start(keyring[0][1]) if keyring[0][1] else None
            keyring.pop(0)
        keys = self.keys
        if keys is None:
            raise _GiveUp
        at = first
        for leaf, payload in keyring:
            self._same_key(keys, at, leaf + 1, first, answer.key_ids)
            checks.keyring_rotation(keys, leaf, payload)  # in force from the next leaf on
            at = leaf + 1
        self._same_key(keys, at, end, first, answer.key_ids)

    @staticmethod
    def _same_key(keys: checks.Keys, start: int, end: int, first: int, key_ids: bytes) -> None:
        """Leaves ``start`` to ``end - 1`` (no rotation among them) are all signed by the key in force at ``start``."""
        expected = event_key_id(keys.event.at(start) or b"")
        if key_ids[(start - first) * 4 : (end - first) * 4] != expected * (end - start):
            raise _GiveUp

    def tree(self) -> merkle.MemoryTree:
        """The tree over every leaf: levels 0 to 8 from the tiles and the workers, the rest hashed here."""
        levels = list(self.levels)
        while len(levels[-1]) > 1:
            below = levels[-1]
            levels.append([merkle.node_hash(below[i], below[i + 1]) for i in range(0, len(below) - 1, 2)])
        while len(levels) > 1 and not levels[-1]:
            levels.pop()
        return _Tree(levels)


def _split(blob: bytes) -> list[bytes]:
    return [blob[i : i + HASH_SIZE] for i in range(0, len(blob), HASH_SIZE)]
