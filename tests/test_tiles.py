"""The tree tiles: the log's Merkle tree kept as C2SP tlog-tiles, and everything served from them.

Leaf ``i`` is the event row numbered ``i + 1``. A level-0 tile holds 256 leaf hashes
and is written in the transaction of its 256th leaf; a tile one level up grows by
one hash (the root of the tile below) each time a tile below fills. Roots and proofs
read those tiles, and hash only the newest (at most 255) leaves from their events.

The stories here check the tiles against what the events themselves say: on each
engine through a real ledger, on a bare SQLite table big enough to fill a level-1
tile and start level 2, and through the recorder's cache of recent leaf hashes,
which must never put a hash into a tile that is not the stored event's.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from uuid import UUID, uuid4

import pytest
from eventsourcing.persistence import StoredEvent
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger.log import merkle
from ledger.log.application import Ledger
from ledger.log.config import LedgerConfig
from ledger.log.record import HEADER_SIZE, record_bytes
from ledger.log.signing_mapper import SignedStoredEvent
from ledger.log.storage import merkle_tables
from ledger.log.storage.merkle_tables import SQLITE, RecentLeaves, TileTree, read_tile
from ledger.log.tile_math import split_hashes
from tests.diary import Diary
from tests.helpers import events_table, leaf_column, raw

WIDTH = 256
TILE_BYTES = WIDTH * 32


def fill(ledger: Ledger, diaries: int) -> None:
    """Save new diaries with one entry each: two leaves per diary."""
    for i in range(diaries):
        d = Diary(title=f"diary {i}")
        d.write(text="an entry")
        ledger.save(d)


def leaves(ledger: Ledger) -> list[bytes]:
    """Every leaf hash, recomputed from the stored events (not from the tiles)."""
    return [row.leaf_hash for batch in ledger.merkle_log.scan() for row in batch]


def stored_tiles(config: LedgerConfig) -> dict[tuple[int, int], bytes]:
    rows = raw(config, "SELECT level, idx, hashes FROM copro_tiles")
    return {(int(level), int(idx)): bytes(hashes) for level, idx, hashes in rows}


def joined(hashes: list[bytes]) -> bytes:
    return b"".join(hashes)


# ---------------------------------------------------------------------------
# On each engine, through a real ledger
# ---------------------------------------------------------------------------


def test_a_leaf_tile_is_written_with_its_256th_leaf_and_its_root_is_carried_one_level_up(
    ledger: Ledger, config: LedgerConfig
) -> None:
    fill(ledger, 127)  # the keyring and 127 diaries: leaves 0 to 254
    assert ledger.merkle_log.log_size() == 255
    assert stored_tiles(config) == {}, "255 leaves do not fill a tile; they are hashed from their events"

    fill(ledger, 1)  # leaves 255 and 256: the first completes tile 0
    hashes = leaves(ledger)
    assert len(hashes) == 257
    assert stored_tiles(config) == {
        (0, 0): joined(hashes[:256]),
        (1, 0): merkle.root_hash(hashes[:256]),
    }

    fill(ledger, 172)  # up to leaf 600: just past two full tiles
    hashes = leaves(ledger)
    assert len(hashes) == 601
    tiles = stored_tiles(config)
    assert sorted(tiles) == [(0, 0), (0, 1), (1, 0)], "the 89 leaves past tile 1 are in no tile yet"
    assert len(tiles[0, 0]) == len(tiles[0, 1]) == TILE_BYTES
    assert tiles[0, 0] == joined(hashes[0:256]), "a full tile never changes"
    assert tiles[0, 1] == joined(hashes[256:512])
    assert split_hashes(tiles[1, 0]) == [
        merkle.root_hash(hashes[0:256]),
        merkle.root_hash(hashes[256:512]),
    ]
    assert ledger.merkle_log.tile(0, 1) == tiles[0, 1]
    assert ledger.merkle_log.tile(0, 2) == b""


def test_roots_at_every_size_across_the_tile_boundaries_are_the_roots_of_the_events(ledger: Ledger) -> None:
    fill(ledger, 300)
    hashes = leaves(ledger)
    assert len(hashes) == 601
    assert ledger.merkle_log.root(0) == merkle.EMPTY_ROOT
    for size in [*range(1, 11), *range(250, 602)]:
        assert ledger.merkle_log.root(size) == merkle.root_hash(hashes[:size]), f"root at size {size}"


def test_inclusion_proofs_on_both_sides_of_each_tile_boundary_verify(ledger: Ledger) -> None:
    fill(ledger, 300)
    hashes = leaves(ledger)
    for size in (601, 300):
        root = merkle.root_hash(hashes[:size])
        for index in (0, 255, 256, 511, 512, 600):
            if index < size:
                proof = ledger.merkle_log.inclusion_proof(index, size)
                merkle.verify_inclusion(hashes[index], index, size, proof, root)


def test_consistency_proofs_across_the_tile_boundaries_verify(ledger: Ledger) -> None:
    fill(ledger, 300)
    hashes = leaves(ledger)
    for old, new in [(255, 256), (256, 257), (100, 601), (512, 600), (256, 512), (511, 513)]:
        proof = ledger.merkle_log.consistency_proof(old, new)
        merkle.verify_consistency(old, new, merkle.root_hash(hashes[:old]), merkle.root_hash(hashes[:new]), proof)


def test_proofs_are_read_from_the_tiles_so_a_corrupted_tile_poisons_exactly_the_proofs_that_use_it(
    ledger: Ledger, config: LedgerConfig
) -> None:
    fill(ledger, 300)
    hashes = leaves(ledger)
    true_root = merkle.root_hash(hashes)

    # An attacker with database access rewrites leaf 1's hash inside tile 0.
    forged = bytes(b ^ 0xFF for b in hashes[1])
    raw(
        config,
        "UPDATE copro_tiles SET hashes = ? WHERE level = 0 AND idx = 0",
        (hashes[0] + forged + joined(hashes[2:256]),),
    )

    # Leaf 0's proof starts with its sibling, leaf 1, taken from the tile: it no longer verifies.
    proof = ledger.merkle_log.inclusion_proof(0, 601)
    assert proof[0] == forged
    with pytest.raises(merkle.ProofError, match="leads to root"):
        merkle.verify_inclusion(hashes[0], 0, 601, proof, true_root)

    # Tile 0's root is read from the level-1 tile, which was not touched: the root and
    # the proofs that only need that root (leaf 300's) are still those of the events.
    assert ledger.merkle_log.root(601) == true_root
    merkle.verify_inclusion(hashes[300], 300, 601, ledger.merkle_log.inclusion_proof(300, 601), true_root)


def test_an_append_from_a_second_writer_leaves_a_gap_in_the_first_ones_cache_yet_tiles_stay_true(
    ledger: Ledger, config: LedgerConfig
) -> None:
    fill(ledger, 127)  # leaves 0 to 254, all appended (and cached) by the first app
    second = Ledger.open(config, ledger.keys)
    try:
        fill(second, 1)  # leaves 255 and 256: the second app completes tile 0 knowing only leaf 255
    finally:
        second.close()
    hashes = leaves(ledger)
    assert stored_tiles(config)[0, 0] == joined(hashes[:256])

    # The first app now fills tile 1, whose first leaf (256) it never saw.
    fill(ledger, 128)
    hashes = leaves(ledger)
    assert len(hashes) == 513
    tiles = stored_tiles(config)
    assert tiles[0, 1] == joined(hashes[256:512])
    assert split_hashes(tiles[1, 0]) == [
        merkle.root_hash(hashes[0:256]),
        merkle.root_hash(hashes[256:512]),
    ]
    assert ledger.merkle_log.root(513) == merkle.root_hash(hashes)


def test_an_upper_tile_deleted_behind_copros_back_is_rebuilt_by_the_next_append_that_needs_it(
    ledger: Ledger, config: LedgerConfig
) -> None:
    """Tiles are an index: damage to them never stops a collective from governing."""
    fill(ledger, 255)  # 511 leaves: tiles 0/0 and 1/0 (one hash)
    raw(config, "DELETE FROM copro_tiles WHERE level = 1")
    fill(ledger, 1)  # leaf 511 completes tile 0/1, which must carry into the missing 1/0
    hashes = leaves(ledger)
    assert len(hashes) == 513
    tiles = stored_tiles(config)
    assert tiles[0, 1] == joined(hashes[256:512])
    assert split_hashes(tiles[1, 0]) == [
        merkle.root_hash(hashes[0:256]),
        merkle.root_hash(hashes[256:512]),
    ]


def test_an_append_completing_a_tile_over_a_deleted_event_is_kept_and_the_tile_left_for_verify(
    ledger: Ledger, config: LedgerConfig
) -> None:
    fill(ledger, 100)  # 201 leaves
    raw(config, f"DELETE FROM {events_table(config)} WHERE {leaf_column(config)} = 101")  # leaf 100 disappears
    before = ledger.merkle_log.log_size()
    # A writer that did not append leaf 100 itself (so has no cached hash of it) completes tile 0.
    second = Ledger.open(config, ledger.keys)
    try:
        fill(second, 30)  # it cannot hash the tile, yet its appends are kept
    finally:
        second.close()
    assert ledger.merkle_log.log_size() == before + 60
    assert (0, 0) not in stored_tiles(config)


# ---------------------------------------------------------------------------
# The recorder's cache of recent leaf hashes
# ---------------------------------------------------------------------------


def event(text: str) -> StoredEvent:
    return StoredEvent(uuid4(), 1, "t", b"\x01" + bytes(HEADER_SIZE - 1) + text.encode())


def hash_of(s: StoredEvent) -> bytes:
    assert isinstance(s.originator_id, UUID)
    return merkle.leaf_hash(record_bytes(s.originator_id, s.originator_version, s.topic, s.state))


def test_the_cache_returns_committed_hashes_and_nothing_for_ids_it_never_saw() -> None:
    recent = RecentLeaves()
    a, b, c = event("a"), event("b"), event("c")
    recent.begin()
    recent.note([1, 2, 3], [a, b, c])
    recent.committed()

    assert recent.hashes(1, 4) == [hash_of(a), hash_of(b), hash_of(c)]
    assert recent.hashes(2, 3) == [hash_of(b)]
    assert recent.hashes(1, 5) is None, "id 4 was never appended here: the tile must read its events"
    assert recent.hashes(10, 11) is None


def test_a_hash_noted_by_a_failed_attempt_is_never_used() -> None:
    recent = RecentLeaves()
    lost, kept = event("rolled back"), event("committed in its place")

    recent.begin()
    recent.note([1], [lost])
    recent.aborted()
    recent.committed()  # even a commit that noted nothing must not revive it
    assert recent.hashes(1, 2) is None

    # The next transaction reuses id 1 (ids are dense) for another event.
    recent.begin()
    recent.note([1], [kept])
    recent.committed()
    assert recent.hashes(1, 2) == [hash_of(kept)]


def test_a_retried_attempt_forgets_what_the_first_attempt_noted() -> None:
    recent = RecentLeaves()
    first, retried = event("first attempt"), event("retried attempt")
    recent.begin()
    recent.note([7, 8], [first, first])
    recent.begin()  # the engine retries the transaction: ids 7 and 8 go to other events
    recent.note([7], [retried])
    recent.committed()
    assert recent.hashes(7, 8) == [hash_of(retried)]
    assert recent.hashes(8, 9) is None


def test_an_id_noted_again_takes_the_new_events_hash_over_the_cached_one() -> None:
    # Ids come back only if the log was cut back behind copro's back; the event that
    # now holds the id is the one in this transaction, not the one cached before.
    recent = RecentLeaves()
    old, new = event("cut away"), event("now at id 3")
    recent.begin()
    recent.note([3], [old])
    recent.committed()
    recent.begin()
    recent.note([3], [new])
    assert recent.hashes(3, 4) == [hash_of(new)]


def test_an_uncommitted_hash_is_seen_only_by_its_own_thread() -> None:
    recent = RecentLeaves()
    e = event("in flight")
    noted, release = threading.Event(), threading.Event()

    def writer() -> None:
        recent.begin()
        recent.note([1], [e])
        assert recent.hashes(1, 2) == [hash_of(e)], "its own transaction sees it"
        noted.set()
        release.wait(5)
        recent.committed()

    t = threading.Thread(target=writer)
    t.start()
    assert noted.wait(5)
    assert recent.hashes(1, 2) is None, "another thread must not see an uncommitted hash"
    release.set()
    t.join(5)
    assert recent.hashes(1, 2) == [hash_of(e)]


def test_a_signed_event_brings_its_own_leaf_hash_and_a_plain_one_is_hashed_from_its_row() -> None:
    recent = RecentLeaves()
    plain = event("plain")
    signed = SignedStoredEvent(uuid4(), 1, "t", plain.state, leaf_hash=b"\x07" * 32)
    recent.begin()
    recent.note([1, 2], [plain, signed])
    recent.committed()
    assert recent.hashes(1, 3) == [hash_of(plain), b"\x07" * 32]


def test_the_cache_forgets_finished_tiles_but_keeps_the_unfinished_one() -> None:
    recent = RecentLeaves()
    events = [event(str(i)) for i in range(1100)]
    recent.begin()
    recent.note(range(1, 1101), events)
    recent.committed()
    assert recent.hashes(1, 2) is None, "leaves of finished tiles are not kept"
    assert recent.hashes(1025, 1101) == [hash_of(e) for e in events[1024:]]


# ---------------------------------------------------------------------------
# A bare SQLite table of 65836 leaves: the tiles reach level 2
# ---------------------------------------------------------------------------

BIG = 65536 + 300
BATCH = 1000  # not a multiple of 256: tile boundaries fall inside batches
EDGE_SIZES = [1, 2, 255, 256, 257, 511, 512, 513, 32767, 32768, 32769, 65535, 65536, 65537, 65791, 65792, 65793, BIG]


@dataclass
class BigTree:
    db: sqlite3.Connection
    hashes: list[bytes]
    memory: merkle.MemoryTree

    def tiles(self) -> TileTree:
        """A fresh reader (it caches what it reads) over the stored tiles and events."""
        return TileTree(self.db.cursor(), SQLITE, "ev")


@pytest.fixture(scope="module")
def big() -> Iterator[BigTree]:
    db = sqlite3.connect(":memory:")
    db.execute(
        "CREATE TABLE ev (originator_id TEXT, originator_version INTEGER, topic TEXT, state BLOB, "
        "PRIMARY KEY (originator_id, originator_version))"
    )
    for statement in merkle_tables.create_statements(SQLITE):
        db.execute(statement)
    rows = [(uuid4().hex, 1, "t", b"\x01" + bytes(HEADER_SIZE - 1) + f"event {n}".encode()) for n in range(BIG)]
    hashes = [merkle.leaf_hash(record_bytes(UUID(oid), v, topic, state)) for oid, v, topic, state in rows]
    cursor = db.cursor()
    with db:  # one transaction
        for start in range(0, BIG, BATCH):
            batch = rows[start : start + BATCH]
            cursor.executemany("INSERT INTO ev VALUES (?, ?, ?, ?)", batch)
            ids = list(range(start + 1, start + len(batch) + 1))
            merkle_tables.complete_tiles(cursor, SQLITE, "ev", ids)
    assert db.execute("SELECT COUNT(*), MIN(rowid), MAX(rowid) FROM ev").fetchone() == (BIG, 1, BIG)
    yield BigTree(db, hashes, merkle.MemoryTree(hashes))
    db.close()


def test_a_tree_of_65536_leaves_carries_its_root_up_to_a_level_2_tile(big: BigTree) -> None:
    c = big.db.cursor()
    stored = sorted(big.db.execute("SELECT level, idx FROM copro_tiles").fetchall())
    assert stored == [(0, t) for t in range(257)] + [(1, 0), (1, 1), (2, 0)]
    for t in range(257):
        assert read_tile(c, SQLITE, 0, t) == joined(big.hashes[t * WIDTH : (t + 1) * WIDTH]), f"leaf tile {t}"

    level_1 = split_hashes(read_tile(c, SQLITE, 1, 0))
    assert len(level_1) == 256, "the first level-1 tile is full"
    assert level_1 == [merkle.root_hash(big.hashes[j * WIDTH : (j + 1) * WIDTH]) for j in range(256)]
    assert split_hashes(read_tile(c, SQLITE, 1, 1)) == [big.memory.read(8, 256)]

    assert split_hashes(read_tile(c, SQLITE, 2, 0)) == [merkle.root_hash(big.hashes[:65536])]


def test_every_node_read_through_the_tiles_is_the_memory_trees_node(big: BigTree) -> None:
    tiles = big.tiles()
    sample_leaves = [*range(0, BIG, 97), 255, 256, 65535, 65536, 65791, 65792, BIG - 1]
    for index in sample_leaves:
        assert tiles.read(0, index) == big.memory.read(0, index), f"leaf {index}"
    for level in (7, 8, 9, 15, 16):
        for index in range(BIG >> level):  # every node complete at this size
            assert tiles.read(level, index) == big.memory.read(level, index), f"node ({level}, {index})"


def test_roots_where_the_second_tile_level_fills_match_the_memory_tree(big: BigTree) -> None:
    for size in (65535, 65536, 65537, 65791, 65792, 65793, BIG):
        assert merkle.subtree_hash(0, size, big.tiles().read) == big.memory.root(size), f"root at size {size}"


sizes = st.one_of(st.integers(1, BIG), st.sampled_from(EDGE_SIZES))


@st.composite
def index_and_size(draw: st.DrawFn) -> tuple[int, int]:
    size = draw(sizes)
    return draw(st.integers(0, size - 1)), size


@st.composite
def old_and_new(draw: st.DrawFn) -> tuple[int, int]:
    new = draw(sizes)
    return draw(st.one_of(st.integers(0, new), st.sampled_from([s for s in EDGE_SIZES if s <= new]))), new


@settings(max_examples=50)
@given(index_and_size())
def test_inclusion_proofs_from_the_tiles_are_the_memory_trees(big: BigTree, case: tuple[int, int]) -> None:
    index, size = case
    assert merkle.inclusion_proof(index, size, big.tiles().read) == merkle.inclusion_proof(index, size, big.memory.read)


@settings(max_examples=50)
@given(old_and_new())
def test_consistency_proofs_from_the_tiles_are_the_memory_trees(big: BigTree, case: tuple[int, int]) -> None:
    old, new = case
    assert merkle.consistency_proof(old, new, big.tiles().read) == merkle.consistency_proof(old, new, big.memory.read)
