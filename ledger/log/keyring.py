"""The keyring: which public keys the ledger uses, recorded in the log itself.

Leaf 0 of every ledger is the keyring's ``Started`` event: the origin and the
public event, checkpoint and report keys, signed by that event key. A rotation is a
``KeyRotated`` event signed by the key in force before it; the new key is in force
from the next leaf on. So a verifier learns every key from the log, in order, and
trusts nothing outside it but (optionally) a pinned first key.
"""

from __future__ import annotations

import base64
from bisect import bisect_right
from dataclasses import dataclass, field
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from ledger.log.vocabulary import named

KEYRING_ID = uuid5(NAMESPACE_URL, "https://copro.invalid/keyring")


@named("Keyring")
class Keyring(Aggregate):
    """The ledger's public keys over time. One per ledger, at a fixed id."""

    @staticmethod
    def create_id(origin: str) -> UUID:
        return KEYRING_ID

    @event("Started")
    def __init__(self, origin: str, event_key: str, checkpoint_key: str, report_key: str) -> None:
        self.origin = origin
        self.keys = {"event": event_key, "checkpoint": checkpoint_key, "report": report_key}
        self.retired: list[tuple[str, str]] = []

    @event("KeyRotated")
    def rotate(self, purpose: str, public_key: str, reason: str) -> None:
        self.retired.append((purpose, self.keys[purpose]))
        self.keys[purpose] = public_key


def decode_key(text: str) -> bytes:
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
