"""The keyring: which public keys the ledger uses, recorded in the log itself.

Leaf 0 of every ledger is the keyring's ``Started`` event: the origin and the
public event, checkpoint and report keys, signed by that event key. A rotation is a
``KeyRotated`` event signed by the key in force before it; the new key is in force
from the next leaf on. So a verifier learns every key from the log, in order, and
trusts nothing outside it but (optionally) a pinned first key.

The aggregate is eventsourcing's; what a verifier needs of the keyring without it (its
id, how a key is written, which key was in force at which leaf) is in the pure
``ledger.log.key_schedule``.
"""

from __future__ import annotations

from uuid import UUID

from eventsourcing.domain import Aggregate, event

from ledger.log.key_schedule import KEYRING_ID
from ledger.log.vocabulary import named

__all__ = ["KEYRING_ID", "Keyring"]


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
