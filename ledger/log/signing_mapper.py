"""The signing mapper: the eventsourcing seam where every event is signed on its way to storage.

Glue between eventsourcing and the pure record format of ``ledger.log.record``: it
writes records (signing with libsodium for speed) and, on every read, checks them with
the one record verifier, :func:`ledger.log.record.verify_record`. Kept out of the
verifier core, which imports neither eventsourcing nor nacl.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat
from eventsourcing.persistence import Mapper, StoredEvent, Transcoder
from nacl.bindings import crypto_sign, crypto_sign_seed_keypair

from ledger.log import merkle, vocabulary
from ledger.log.errors import SignatureError
from ledger.log.keys import event_key_id, raw_public
from ledger.log.record import HEADER_SIZE, RECORD_VERSION, RecordFormatError, record_bytes, signing_input, verify_record


@dataclass(frozen=True)
class SignedStoredEvent(StoredEvent):
    """A stored event as the signing mapper makes it, carrying its Merkle leaf hash.

    The mapper holds the record's bytes at the moment it signs them, so hashing the
    leaf there costs one SHA-256; the recorder would otherwise rebuild the record.
    """

    leaf_hash: bytes = b""


class EventSigner:
    """Signs with an Ed25519 key through libsodium, which signs in about 60% of OpenSSL's time.

    Ed25519 signatures are deterministic, so the bytes are exactly those
    ``cryptography`` would produce (tests/test_record.py checks it); keys are still
    made, stored and used for verification through ``cryptography``. Signing is
    the largest cost of an append, which is why it gets the faster library.
    """

    def __init__(self, key: Ed25519PrivateKey) -> None:
        seed = key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
        _, self._secret = crypto_sign_seed_keypair(seed)

    def sign(self, message: bytes) -> bytes:
        return bytes(crypto_sign(message, self._secret)[:64])


class SigningMapper(Mapper[UUID]):
    """The signing seam: every event is signed on its way to storage and checked on its way back.

    Because every reader (repository, projections, exports) goes through the
    mapper, nothing reads an event whose signature has not been verified.
    """

    def __init__(
        self,
        transcoder: Transcoder,
        *,
        signer: Ed25519PrivateKey | None,
        verifiers: Mapping[bytes, Ed25519PublicKey],
    ) -> None:
        super().__init__(transcoder)
        self.verifiers: dict[bytes, Ed25519PublicKey] = dict(verifiers)
        self._signer: EventSigner | None = None
        if signer is not None:
            self.use_signer(signer)

    def use_signer(self, signer: Ed25519PrivateKey) -> None:
        """Switch the key new events are signed with (after a logged rotation)."""
        public = signer.public_key()
        self._signer = EventSigner(signer)
        self._key_id = event_key_id(raw_public(public))
        self._header = bytes((RECORD_VERSION,)) + self._key_id
        self.verifiers[self._key_id] = public

    def to_stored_event(self, domain_event: Any) -> StoredEvent:
        if self._signer is None:
            raise RecordFormatError("this mapper only reads: it holds no event key")
        topic = vocabulary.topic_of(type(domain_event))
        event_state = dict(vars(domain_event))
        oid = event_state.pop("originator_id")
        version = event_state.pop("originator_version")
        if not isinstance(oid, UUID):
            raise RecordFormatError("copro aggregates have UUID ids")
        if "originator_topic" in event_state:
            event_state["originator_topic"] = vocabulary.stored_topic(event_state["originator_topic"])
        class_version = getattr(type(domain_event), "class_version", 1)
        if class_version > 1:
            event_state["class_version"] = class_version
        state = self.transcoder.encode(event_state)
        message = signing_input(oid, version, topic, state)
        signed = self._header + self._signer.sign(message)
        leaf = merkle.leaf_hash(signed + message)  # the record is header || signing input
        return SignedStoredEvent(oid, version, topic, signed + state, leaf)

    def to_domain_event(self, stored_event: StoredEvent) -> Any:
        oid = stored_event.originator_id
        oid = oid if isinstance(oid, UUID) else UUID(str(oid))
        where = f"aggregate {oid} version {stored_event.originator_version}"
        try:
            record = record_bytes(oid, stored_event.originator_version, stored_event.topic, stored_event.state)
            verify_record(record, self.verifiers)
        except RecordFormatError as e:
            raise SignatureError(f"The stored event {where} is not a signed copro record: {e}.") from None
        except SignatureError as e:
            raise SignatureError(f"The stored event {where} was refused: {e}.") from None
        payload = StoredEvent(
            originator_id=stored_event.originator_id,
            originator_version=stored_event.originator_version,
            topic=stored_event.topic,
            state=stored_event.state[HEADER_SIZE:],
        )
        return super().to_domain_event(payload)
