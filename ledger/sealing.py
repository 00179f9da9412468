"""Personal data, sealed so that it can be erased without breaking the log.

Names, contact details and identifying free text never enter the log in clear.
Each person has their own AES-256-GCM key; a sealed value records whose key sealed
it, and the place it belongs (aggregate id and field) is bound as associated data,
so a ciphertext copied into another event does not open. The per-person keys live
outside the log, wrapped by the ledger's seal key. Erasing a person deletes their
key: everything they said becomes unreadable everywhere, while every signature and
every Merkle hash over the ciphertext still verifies.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from eventsourcing.persistence import Transcoding

from ledger.keys import b64, unb64
from ledger.storage.side_store import SideStore

ERASED = "[erased]"


@dataclass(frozen=True)
class Sealed:
    """Ciphertext of one personal value, sealed with ``person_id``'s key."""

    person_id: UUID
    nonce: bytes
    ciphertext: bytes


class SealedAsDict(Transcoding):
    type = Sealed
    name = "sealed"

    def encode(self, obj: Sealed) -> dict[str, str]:
        return {"person": obj.person_id.hex, "nonce": b64(obj.nonce), "ct": b64(obj.ciphertext)}

    def decode(self, data: dict[str, str]) -> Sealed:
        return Sealed(UUID(data["person"]), unb64(data["nonce"]), unb64(data["ct"]))


def _aad(person_id: UUID, place: str) -> bytes:
    return f"copro-seal/1|{person_id.hex}|{place}".encode()


class PersonalDataVault:
    """Per-person keys, wrapped by the ledger's seal key, in a side store (never in the log)."""

    def __init__(self, store: SideStore, seal_key: bytes) -> None:
        self.store = store
        self._wrap = AESGCM(seal_key)
        store.execute(
            "CREATE TABLE IF NOT EXISTS copro_person_keys "
            f"(person_id TEXT PRIMARY KEY, nonce {store.blob} NOT NULL, wrapped {store.blob} NOT NULL)"
        )

    def close(self) -> None:
        self.store.close()

    def _key(self, person_id: UUID, *, create: bool) -> bytes | None:
        row = self.store.execute(
            "SELECT nonce, wrapped FROM copro_person_keys WHERE person_id = ?", (person_id.hex,)
        ).fetchone()
        if row is not None:
            return self._wrap.decrypt(bytes(row[0]), bytes(row[1]), person_id.bytes)
        if not create:
            return None
        key, nonce = AESGCM.generate_key(bit_length=256), os.urandom(12)
        self.store.execute(
            "INSERT INTO copro_person_keys (person_id, nonce, wrapped) VALUES (?, ?, ?)",
            (person_id.hex, nonce, self._wrap.encrypt(nonce, key, person_id.bytes)),
        )
        return key

    def seal(self, person_id: UUID, text: str, *, place: str) -> Sealed:
        key = self._key(person_id, create=True)
        assert key is not None
        nonce = os.urandom(12)
        return Sealed(person_id, nonce, AESGCM(key).encrypt(nonce, text.encode("utf-8"), _aad(person_id, place)))

    def open(self, sealed: Any, *, place: str) -> str:
        """The clear text, or ``ERASED`` once the person's key is gone."""
        if not isinstance(sealed, Sealed):
            return ERASED
        key = self._key(sealed.person_id, create=False)
        if key is None:
            return ERASED
        try:
            return AESGCM(key).decrypt(sealed.nonce, sealed.ciphertext, _aad(sealed.person_id, place)).decode("utf-8")
        except InvalidTag:
            return ERASED

    def is_erased(self, person_id: UUID) -> bool:
        return self._key(person_id, create=False) is None

    def erase(self, person_id: UUID) -> bool:
        """Delete the person's key for good; True if there was one."""
        deleted = self.store.execute("DELETE FROM copro_person_keys WHERE person_id = ?", (person_id.hex,)).rowcount
        self.store.after_delete()
        return bool(deleted)
