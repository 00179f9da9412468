"""A bundle's paths are the C2SP tlog-tiles paths: known answers from the spec and from Go's sumdb/tlog."""

from __future__ import annotations

import pytest

from ledger.log.bundle.layout import (
    LayoutError,
    Tile,
    check_relative,
    encode_index,
    entries_path,
    entry_bundles,
    pack_entries,
    partial_tiles,
    policy_path,
    tile_path,
    tiles_for_size,
    unpack_entries,
)
from ledger.log.tile_math import TILE_HEIGHT, TILE_WIDTH


@pytest.mark.parametrize(
    ("index", "encoded"),
    [
        (0, "000"),
        (1, "001"),  # Go: tile/4/0/001
        (999, "999"),
        (1000, "x001/000"),
        (1234067, "x001/x234/067"),  # the tlog-tiles spec's example
        (3057500, "x003/x057/500"),  # Go: tile/1/0/x003/x057/500
        (123456078, "x123/x456/078"),  # Go: tile/3/5/x123/x456/078
        (1_000_000, "x001/x000/000"),
    ],
)
def test_a_tile_index_is_written_in_three_digit_groups_all_but_the_last_marked_x(index: int, encoded: str) -> None:
    assert encode_index(index) == encoded


def test_tile_and_entry_paths_follow_the_spec_with_a_partial_suffix_only_below_256() -> None:
    assert tile_path(0, 1234067) == "tile/0/x001/x234/067"
    assert tile_path(0, 1234067, 8) == "tile/0/x001/x234/067.p/8"
    assert tile_path(5, 123456078, 2) == "tile/5/x123/x456/078.p/2"  # Go: tile/3/5/x123/x456/078.p/2, minus the height
    assert entries_path(3057500) == "tile/entries/x003/x057/500"  # Go: tile/1/data/x003/x057/500
    assert entries_path(1, 5) == "tile/entries/001.p/5"


@pytest.mark.parametrize("width", [0, 257, -1])
def test_a_tile_of_no_hashes_or_more_than_256_has_no_path(width: int) -> None:
    with pytest.raises(LayoutError, match="1 to 256 hashes"):
        tile_path(0, 0, width)


def test_a_tree_of_70000_leaves_is_the_spec_s_example_set_of_tiles() -> None:
    tiles = list(tiles_for_size(70_000))
    assert [t for t in tiles if t.level == 0 and t.width == 256] == [Tile(0, i, 256) for i in range(273)]
    assert partial_tiles(70_000) == [Tile(0, 273, 112), Tile(1, 1, 17), Tile(2, 0, 1)]
    assert Tile(1, 0, 256) in tiles
    assert len(tiles) == 273 + 1 + 1 + 1 + 1


def test_a_tree_of_256_leaves_is_one_full_tile_and_a_level_1_tile_of_width_1() -> None:
    assert list(tiles_for_size(256)) == [Tile(0, 0, 256), Tile(1, 0, 1)]
    assert list(tiles_for_size(0)) == []
    assert list(entry_bundles(257)) == [Tile(0, 0, 256), Tile(0, 1, 1)]


def test_tiles_are_tlog_tiles_geometry_height_8_width_256() -> None:
    assert (TILE_HEIGHT, TILE_WIDTH) == (8, 256)


def test_an_entry_bundle_is_uint16_big_endian_lengths_then_bytes() -> None:
    packed = pack_entries([b"ab", b"", b"\x00" * 300])
    assert packed[:4] == b"\x00\x02ab"
    assert packed[4:6] == b"\x00\x00"
    assert packed[6:8] == b"\x01\x2c"
    assert unpack_entries(packed) == [b"ab", b"", b"\x00" * 300]
    assert pack_entries([b"xyz"], wide=True) == b"\x00\x00\x00\x03xyz"


def test_an_entry_longer_than_a_uint16_is_refused_in_a_standard_bundle() -> None:
    with pytest.raises(LayoutError, match="longer than an entry bundle holds"):
        pack_entries([b"x" * 65536])
    assert unpack_entries(pack_entries([b"x" * 65536], wide=True), wide=True) == [b"x" * 65536]


@pytest.mark.parametrize(("data", "problem"), [(b"\x00", "inside the length"), (b"\x00\x05ab", "says it is 5 bytes")])
def test_an_entry_bundle_cut_short_is_refused(data: bytes, problem: str) -> None:
    with pytest.raises(LayoutError, match=problem):
        unpack_entries(data)


@pytest.mark.parametrize("path", ["../x", "/etc/passwd", "a//b", "tile/./0", "a\\b", "", "tile/0/000 ", "é"])
def test_a_path_that_could_leave_the_bundle_is_not_a_bundle_path(path: str) -> None:
    with pytest.raises(LayoutError, match="not a plain relative path"):
        check_relative(path)


def test_a_policy_file_is_named_by_the_hex_of_its_policy_hash() -> None:
    digest = "ab" * 32
    assert policy_path(f"sha256:{digest}") == f"copro/policies/{digest}.toml"
    with pytest.raises(LayoutError, match="64 lower-case hex"):
        policy_path("sha256:../../etc")
