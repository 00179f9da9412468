"""The eventsourcing side of canonical JSON: the transcoder every event is written with.

Kept apart from ``ledger.log.canonical`` (pure) so that the verifier core imports no
eventsourcing: this module is glue, the bytes it writes come from the one encoder,
:func:`policies.canonical.canonical_json`.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from eventsourcing.persistence import JSONTranscoder, Transcoding

from ledger.log.canonical import plain
from ledger.log.keys import b64, unb64
from ledger.log.sealed import Sealed
from policies.canonical import canonical_json


def to_jsonable(obj: Any, types: dict[type, Transcoding]) -> Any:
    """Convert ``obj`` to plain JSON values, applying registered transcodings."""
    return plain(obj, types)


class CanonicalJSONTranscoder(JSONTranscoder):
    """eventsourcing transcoder whose output is RFC 8785 canonical JSON."""

    def encode(self, obj: Any) -> bytes:
        return canonical_json(plain(obj, self.types))


class SealedAsDict(Transcoding):
    """A sealed value in a payload: ``{"person", "place", "nonce", "ct"}`` (docs/FORMAT.md)."""

    type = Sealed
    name = "sealed"

    def encode(self, obj: Sealed) -> dict[str, str]:
        return {"person": obj.person_id.hex, "place": obj.place, "nonce": b64(obj.nonce), "ct": b64(obj.ciphertext)}

    def decode(self, data: dict[str, str]) -> Sealed:
        return Sealed(UUID(data["person"]), data["place"], unb64(data["nonce"]), unb64(data["ct"]))
