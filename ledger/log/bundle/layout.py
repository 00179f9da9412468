"""Where each thing lives in a bundle: the C2SP tlog-tiles layout, and copro's files beside it.

A bundle is the static form of a log (https://c2sp.org/tlog-tiles): put the folder
on any web server and a standard tlog client reads its ``checkpoint``, its tiles
``tile/<L>/<N>[.p/<W>]`` and its entry bundles ``tile/entries/<N>[.p/<W>]``. What
copro adds (manifest, keys, every checkpoint, rule files) sits under ``copro/``,
a name the spec never uses, so the two never collide.

Pure: the standard library only, so the exporter, the reader and an auditor's
verifier all compute the same paths from the same few lines. docs/FORMAT.md
("Bundles") is the normative description.
"""

from __future__ import annotations

import re
import struct
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from ledger.log.tile_math import TILE_HEIGHT, TILE_WIDTH

MAX_ENTRY = 0xFFFF  # an entry's length is a big-endian uint16
MAX_WIDE_ENTRY = 0xFFFFFFFF  # in copro/entries/: a big-endian uint32
MAX_LEVEL = 63  # tlog-tiles: <L> is 0 to 63

BUNDLE_FORMAT = "copro-bundle/1"
CHECKPOINT = "checkpoint"
COPRO_DIR = "copro"
MANIFEST = "copro/manifest.json"
KEYS = "copro/keys.json"
CHECKPOINTS_DIR = "copro/checkpoints"
POLICIES_DIR = "copro/policies"
WIDE_ENTRIES_DIR = "copro/entries"  # entry bundles holding an entry too long for a uint16 length

_SAFE_PART = re.compile(r"[A-Za-z0-9._-]+")


class LayoutError(ValueError):
    """A path or a size that the bundle layout cannot hold."""


def encode_index(index: int) -> str:
    """A tile index as tlog-tiles path elements: 3-digit groups, all but the last prefixed with ``x``.

    1234067 -> ``x001/x234/067``; 0 -> ``000``. Groups keep a folder to at most
    1000 entries and no name is both a file and a folder.
    """
    if index < 0:
        raise LayoutError(f"a tile index is never negative, got {index}")
    groups = [f"{index % 1000:03d}"]
    index //= 1000
    while index:
        groups.append(f"x{index % 1000:03d}")
        index //= 1000
    return "/".join(reversed(groups))


def _suffix(width: int) -> str:
    if not 1 <= width <= TILE_WIDTH:
        raise LayoutError(f"a tile holds 1 to {TILE_WIDTH} hashes, not {width}")
    return "" if width == TILE_WIDTH else f".p/{width}"


def tile_path(level: int, index: int, width: int = TILE_WIDTH) -> str:
    """``tile/<L>/<N>`` for a full tile, ``tile/<L>/<N>.p/<W>`` for a partial one of ``width`` hashes."""
    if not 0 <= level <= MAX_LEVEL:
        raise LayoutError(f"a tile level is 0 to {MAX_LEVEL}, not {level}")
    return f"tile/{level}/{encode_index(index)}{_suffix(width)}"


def entries_path(index: int, width: int = TILE_WIDTH) -> str:
    """``tile/entries/<N>[.p/<W>]``: the entries whose leaf hashes are level-0 tile ``index``."""
    return f"tile/entries/{encode_index(index)}{_suffix(width)}"


def wide_entries_path(index: int, width: int = TILE_WIDTH) -> str:
    """``copro/entries/<N>[.p/<W>]``: an entry bundle with uint32 lengths, for entries tlog-tiles cannot hold.

    tlog-tiles prefixes each entry with a uint16 length, so an entry is at most
    65,535 bytes; a copro record can be longer (a 20,000-character proposal in a
    non-Latin script, a sealed reflection). Such a bundle is written here instead of
    at ``tile/entries/``, as tlog-tiles allows entries in another format at another
    place. Its tiles are where the spec puts them, so proofs and checkpoints still
    work with any tlog client.
    """
    return f"{WIDE_ENTRIES_DIR}/{encode_index(index)}{_suffix(width)}"


def checkpoint_path(size: int) -> str:
    """``copro/checkpoints/<size>``: the stored checkpoint of that tree size, in decimal."""
    if size < 0:
        raise LayoutError(f"a tree size is never negative, got {size}")
    return f"{CHECKPOINTS_DIR}/{size}"


def policy_path(policy_hash: str) -> str:
    """``copro/policies/<hex>.toml`` for a policy hash ``sha256:<hex>`` (no colon: it is not portable in names)."""
    algorithm, _, digest = policy_hash.partition(":")
    if algorithm != "sha256" or not re.fullmatch(r"[0-9a-f]{64}", digest):
        raise LayoutError(f"a policy hash is 'sha256:' then 64 lower-case hex digits, not {policy_hash!r}")
    return f"{POLICIES_DIR}/{digest}.toml"


def check_relative(path: str) -> str:
    """``path`` if it is a plain relative path inside a bundle, else LayoutError.

    Each part is letters, digits, ``.``, ``_`` or ``-``, and none is ``.`` or ``..``:
    no absolute path, no backslash, nothing that could name a place outside the bundle.
    """
    parts = path.split("/")
    if not path or any(p in ("", ".", "..") or not _SAFE_PART.fullmatch(p) for p in parts):
        raise LayoutError(f"{path!r} is not a plain relative path inside a bundle")
    return path


@dataclass(frozen=True, order=True)
class Tile:
    """One tile: ``width`` hashes of tree level ``8 * level``, from node ``index * 256``."""

    level: int
    index: int
    width: int

    @property
    def path(self) -> str:
        return tile_path(self.level, self.index, self.width)

    @property
    def entries_path(self) -> str:
        """The entry bundle beside a level-0 tile."""
        if self.level != 0:
            raise LayoutError("only a level-0 tile has an entry bundle")
        return entries_path(self.index, self.width)


def tiles_for_size(size: int) -> Iterator[Tile]:
    """Every tile a tree of ``size`` leaves is served as: the full tiles, then the partial one, level by level.

    As golang.org/x/mod/sumdb/tlog ``NewTiles(8, 0, size)``: level ``L`` has
    ``size >> 8L`` complete nodes, in ``(size >> 8L) >> 8`` full tiles and, if
    ``(size >> 8L) mod 256`` is not 0, one partial tile of that width. A tree of 256
    leaves is one full level-0 tile and a partial level-1 tile of width 1.
    """
    if size < 0:
        raise LayoutError(f"a tree size is never negative, got {size}")
    level = 0
    while size >> (TILE_HEIGHT * level):
        nodes = size >> (TILE_HEIGHT * level)
        for index in range(nodes >> TILE_HEIGHT):
            yield Tile(level, index, TILE_WIDTH)
        if nodes % TILE_WIDTH:
            yield Tile(level, nodes >> TILE_HEIGHT, nodes % TILE_WIDTH)
        level += 1


def partial_tiles(size: int) -> list[Tile]:
    """The partial tiles of a tree of ``size`` leaves (at most one per level)."""
    return [t for t in tiles_for_size(size) if t.width < TILE_WIDTH]


def entry_bundles(size: int) -> Iterator[Tile]:
    """The level-0 tiles of a tree of ``size`` leaves, each of which has an entry bundle."""
    for index in range((size + TILE_WIDTH - 1) // TILE_WIDTH):
        yield Tile(0, index, min(TILE_WIDTH, size - index * TILE_WIDTH))


def pack_entries(entries: Iterable[bytes], *, wide: bool = False) -> bytes:
    """An entry bundle: each entry as a big-endian uint16 length (``wide``: uint32), then its bytes."""
    prefix, limit = (">I", MAX_WIDE_ENTRY) if wide else (">H", MAX_ENTRY)
    out = bytearray()
    for entry in entries:
        if len(entry) > limit:
            raise LayoutError(f"an entry of {len(entry):,} bytes is longer than an entry bundle holds ({limit:,})")
        out += struct.pack(prefix, len(entry))
        out += entry
    return bytes(out)


def unpack_entries(data: bytes, *, wide: bool = False) -> list[bytes]:
    """The entries of an entry bundle; LayoutError if the bytes end inside an entry."""
    prefix = ">I" if wide else ">H"
    step = struct.calcsize(prefix)
    out: list[bytes] = []
    at = 0
    while at < len(data):
        if at + step > len(data):
            raise LayoutError(f"the bytes end inside the length of entry {len(out)}")
        (length,) = struct.unpack_from(prefix, data, at)
        at += step
        if at + length > len(data):
            raise LayoutError(f"entry {len(out)} says it is {length:,} bytes but only {len(data) - at:,} remain")
        out.append(data[at : at + length])
        at += length
    return out
