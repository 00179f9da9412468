"""What a verifier knows of the keyring without eventsourcing: its id, its keys, and when each was in force.

Leaf 0 of every ledger is the keyring's ``Started`` event, at the fixed id
``KEYRING_ID``; each ``KeyRotated`` puts a new key in force from the next leaf on
(docs/FORMAT.md). Pure (the standard library only): both ``copro verify`` and the
offline verifier read the keyring with these.
"""

from __future__ import annotations

import base64
from bisect import bisect_right
from dataclasses import dataclass, field
from uuid import NAMESPACE_URL, uuid5

__all__ = ["KEYRING_ID", "KeySchedule", "decode_key"]

KEYRING_ID = uuid5(NAMESPACE_URL, "https://copro.invalid/keyring")


def decode_key(text: str) -> bytes:
    """The 32 raw bytes of an Ed25519 public key written in the keyring as base64; ValueError if it is not one."""
    raw = base64.b64decode(text.encode("ascii"), validate=True)
    if len(raw) != 32:
        raise ValueError("an Ed25519 public key is 32 bytes")
    return raw


@dataclass
class KeySchedule:
    """Which key of one purpose was in force at each leaf index."""

    starts: list[int] = field(default_factory=list)
    keys: list[bytes] = field(default_factory=list)

    def add(self, from_leaf: int, key: bytes) -> None:
        self.starts.append(from_leaf)
        self.keys.append(key)

    def at(self, leaf_index: int) -> bytes | None:
        i = bisect_right(self.starts, leaf_index) - 1
        return self.keys[i] if i >= 0 else None

    def all(self) -> list[bytes]:
        return list(self.keys)
