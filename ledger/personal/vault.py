"""Personal data, sealed so that it can be erased without breaking the log.

Names, contact details and identifying free text never enter the log in clear.
Each person has their own AES-256-GCM key; a sealed value records whose key sealed
it and its place: the event it belongs to (aggregate id and version) and the field
within that event's payload (a JSON Pointer). The place is bound as associated data,
so a ciphertext copied into another event or field does not open, and ``copro
verify`` checks, without any key, that every sealed value sits at the place it names. The per-person keys live
outside the log, wrapped by the ledger's seal key. Erasing a person deletes their
key: everything they said becomes unreadable everywhere, while every signature and
every Merkle hash over the ciphertext still verifies.
"""

from __future__ import annotations

import os
from typing import Any
from uuid import UUID

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from ledger.log.config import LedgerConfig
from ledger.log.sealed import Sealed
from ledger.personal.side_store import SideStore

ERASED = "[erased]"
PERSON_KEYS = "personal-keys"  # the side store that holds the wrapped person keys


class PersonErased(Exception):
    """Someone erased tried to write again: their words can no longer be kept."""

    def __init__(self, person_id: UUID) -> None:
        super().__init__(f"person {person_id} has been erased")
        self.person_id = person_id


def _aad(person_id: UUID, place: str) -> bytes:
    return f"copro-seal/1|{person_id.hex}|{place}".encode()


class PersonalDataVault:
    """Per-person keys, wrapped by the ledger's seal key, in a side store (never in the log)."""

    def __init__(self, store: SideStore, seal_key: bytes) -> None:
        self.store = store
        self._wrap = AESGCM(seal_key)
        with store.schema():  # one process at a time on PostgreSQL (ledger.log.schema_lock)
            store.execute(
                "CREATE TABLE IF NOT EXISTS copro_person_keys "
                f"(person_id TEXT PRIMARY KEY, nonce {store.blob} NOT NULL, wrapped {store.blob} NOT NULL)"
            )
            store.execute("CREATE TABLE IF NOT EXISTS copro_erased_people (person_id TEXT PRIMARY KEY)")

    @classmethod
    def of(cls, config: LedgerConfig, seal_key: bytes) -> PersonalDataVault:
        """The vault of the ledger ``config`` names: its person keys, wrapped by its seal key."""
        return cls(SideStore(config, PERSON_KEYS), seal_key)

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
        """Seal ``text`` for ``place``; refuses a person who has been erased.

        An erased person's key is gone for good: creating a fresh one would quietly
        start a second identity, so anything they would write now is refused instead.
        """
        if self.is_forgotten(person_id):
            raise PersonErased(person_id)
        key = self._key(person_id, create=True)
        if key is None:  # pragma: no cover - _key(create=True) always returns a key
            raise PersonErased(person_id)
        nonce = os.urandom(12)
        ct = AESGCM(key).encrypt(nonce, text.encode("utf-8"), _aad(person_id, place))
        return Sealed(person_id, place, nonce, ct)

    def open(self, sealed: Any) -> str:
        """The clear text, or ``ERASED`` once the person's key is gone (or the value was moved)."""
        if not isinstance(sealed, Sealed):
            return ERASED
        key = self._key(sealed.person_id, create=False)
        if key is None:
            return ERASED
        try:
            aad = _aad(sealed.person_id, sealed.place)
            return AESGCM(key).decrypt(sealed.nonce, sealed.ciphertext, aad).decode("utf-8")
        except InvalidTag:
            return ERASED

    def is_erased(self, person_id: UUID) -> bool:
        return self._key(person_id, create=False) is None

    def is_forgotten(self, person_id: UUID) -> bool:
        """True once the person has been erased: no key may ever be made for them again."""
        row = self.store.execute("SELECT 1 FROM copro_erased_people WHERE person_id = ?", (person_id.hex,)).fetchone()
        return row is not None

    def erase(self, person_id: UUID) -> bool:
        """Delete the person's key for good and remember that they were erased; True if there was a key.

        The tombstone holds only the person's random id, which the log already holds.
        """
        with self.store.transaction():
            deleted = self.store.execute("DELETE FROM copro_person_keys WHERE person_id = ?", (person_id.hex,)).rowcount
            self.store.execute(
                "INSERT INTO copro_erased_people (person_id) VALUES (?) ON CONFLICT (person_id) DO NOTHING",
                (person_id.hex,),
            )
        self.store.after_delete("copro_person_keys")
        return bool(deleted)
