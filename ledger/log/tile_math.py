"""The geometry of the tree tiles (C2SP tlog-tiles): how many hashes a tile holds and how to cut one.

The tile at level ``L``, index ``t`` holds the hashes of tree level ``8L``, nodes
``256t`` to ``256t + 255``, as 32-byte values one after another. Pure (the standard
library only): the storage writes tiles with it, ``copro verify`` and the offline
verifier read them with it.
"""

from __future__ import annotations

__all__ = ["HASH_SIZE", "TILE_HEIGHT", "TILE_WIDTH", "split_hashes"]

#: Tree levels one tile spans.
TILE_HEIGHT = 8
#: Hashes in a full tile.
TILE_WIDTH = 1 << TILE_HEIGHT
#: Bytes of one SHA-256 hash.
HASH_SIZE = 32


def split_hashes(blob: bytes) -> list[bytes]:
    """A tile's bytes as its hashes, in order (a trailing partial hash is returned short, for the caller to refuse)."""
    return [blob[i : i + HASH_SIZE] for i in range(0, len(blob), HASH_SIZE)]
