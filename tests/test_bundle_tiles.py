"""Export then read gives back every record byte for byte, and tiles a standard tlog client can use.

These drive the bundle writer with made-up records (any bytes are a log to the
layout), so sizes crossing tile boundaries cost nothing; tests/test_bundle_ledger.py
exports real ledgers.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from ledger.log import merkle
from ledger.log.bundle.export import BundleWriter
from ledger.log.bundle.layout import Tile, tiles_for_size
from ledger.log.bundle.reader import Bundle, open_bundle
from ledger.log.tile_math import TILE_WIDTH


def write(root: Path, records: list[bytes], checkpoint_sizes: list[int]) -> Bundle:
    writer = BundleWriter(root)
    for record in records:
        writer.add(record)
    writer.finish(
        origin="example.org/log",
        ledger_format="copro-ledger/3",
        checkpoints=[(s, f"example.org/log\n{s}\nroot\n\n— example.org/log sig\n") for s in checkpoint_sizes],
        keys=[],
        extra={},
    )
    return open_bundle(root)


def mth(leaf_hashes: list[bytes], start: int, end: int) -> bytes:
    return merkle.root_hash(leaf_hashes[start:end])


def served(bundle: Bundle, tile: Tile) -> bytes:
    """A tile as a tlog client gets it: the partial tile of a checkpoint, or the full tile that replaced it."""
    if bundle.has(tile.path):
        return bundle.tile(tile.level, tile.index, tile.width)
    return bundle.tile(tile.level, tile.index)[: tile.width * 32]


def check_tiles(bundle: Bundle, records: list[bytes], size: int) -> None:
    """Every tile a tree of ``size`` leaves needs is there and holds MTH of the leaves it spans (tlog-tiles)."""
    leaves = [merkle.leaf_hash(r) for r in records]
    for tile in tiles_for_size(size):
        hashes = served(bundle, tile)
        span = TILE_WIDTH**tile.level
        for j in range(tile.width):
            first = (tile.index * TILE_WIDTH + j) * span
            assert hashes[32 * j : 32 * j + 32] == mth(leaves, first, first + span), (tile, j)


record_lists = st.lists(st.binary(max_size=40), max_size=300) | st.sampled_from([0, 1, 255, 256, 257, 511, 513]).map(
    lambda n: [n.to_bytes(4, "big") + b"r" * (n % 7) for n in range(n)]
)


@settings(max_examples=40, deadline=None)
@given(records=record_lists, cuts=st.lists(st.floats(0, 1), max_size=4))
def test_export_then_read_gives_back_every_record_byte_for_byte(records: list[bytes], cuts: list[float]) -> None:
    size = len(records)
    checkpoints = sorted({max(1, int(c * size)) for c in cuts if size} | ({size} if size else set()))
    with tempfile.TemporaryDirectory() as tmp:
        if not checkpoints:  # a bundle needs a signed checkpoint: an empty log has none
            checkpoints = [0]
        bundle = write(Path(tmp) / "b", records, checkpoints)
        assert bundle.manifest.tree_size == size
        assert list(bundle.entries()) == records
        for s in checkpoints:
            check_tiles(bundle, records, s)
        if size > 2:
            assert list(bundle.entries(1, size - 1)) == records[1 : size - 1]


def test_a_600_leaf_log_has_the_tiles_of_every_checkpoint_it_signed(tmp_path: Path) -> None:
    records = [f"record {i}".encode() * (1 + i % 5) for i in range(600)]
    sizes = [1, 200, 255, 256, 300, 512, 550, 599, 600]
    bundle = write(tmp_path / "b", records, sizes)
    for s in sizes:
        check_tiles(bundle, records, s)
    # the last tile of each level holds one partial tile per checkpoint ending in it, and no more
    assert sorted(p for p in bundle.paths if p.startswith("tile/0/002.p/")) == [
        "tile/0/002.p/38",
        "tile/0/002.p/87",
        "tile/0/002.p/88",
    ]
    assert not any(p.startswith("tile/0/000.p/") for p in bundle.paths), "a full tile replaces its partial tiles"
    assert sorted(p for p in bundle.paths if p.startswith("tile/1/")) == ["tile/1/000.p/1", "tile/1/000.p/2"]
    assert bundle.entry_bundle(2, 38) == records[512:550]
    assert list(bundle.entries(250, 260)) == records[250:260]
    assert bundle.checkpoint.startswith("example.org/log\n600\n")
    assert [s for s, _ in bundle.checkpoints()] == sizes


def test_an_entry_too_long_for_a_uint16_goes_to_copro_entries_and_still_reads_back(tmp_path: Path) -> None:
    records = [b"short", b"L" * 70_000, b"also short"]
    bundle = write(tmp_path / "b", records, [3])
    assert bundle.has("copro/entries/000.p/3")
    assert not bundle.has("tile/entries/000.p/3")
    assert list(bundle.entries()) == records
    check_tiles(bundle, records, 3)
