"""The signed record: the exact bytes every stored event is signed and logged as.

An event's *signing input* binds everything about it that a reader acts on (which
aggregate, which version, which kind of event, what it says), so none of those can
be changed or swapped without the signature failing::

    signing_input = "copro/event/v1\\n" || originator_id (16 bytes) || version (u64 BE)
                    || len(topic) (u16 BE) || topic (UTF-8) || payload (RFC 8785 JSON)

The stored ``state`` column holds ``0x01 || key_id (4) || signature (64) || payload``;
the Merkle leaf is the whole *record*, ``0x01 || key_id || signature || signing_input``.
docs/FORMAT.md is the normative description.
"""

from __future__ import annotations

import struct
from collections.abc import Mapping
from dataclasses import dataclass
from hashlib import sha256
from typing import Any
from uuid import UUID

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat
from eventsourcing.persistence import Mapper, StoredEvent, Transcoder
from nacl.bindings import crypto_sign, crypto_sign_seed_keypair

from ledger.log import vocabulary
from ledger.log.errors import SignatureError
from ledger.log.keys import event_key_id, raw_public

RECORD_VERSION = 1
DOMAIN = b"copro/event/v1\n"
HEADER_SIZE = 1 + 4 + 64


class RecordFormatError(ValueError):
    """Bytes that do not parse as a copro signed record."""


def signing_input(originator_id: UUID, version: int, topic: str, payload: bytes) -> bytes:
    topic_bytes = topic.encode("utf-8")
    if len(topic_bytes) > 0xFFFF:
        raise RecordFormatError("topic longer than 65535 bytes")
    return b"".join((DOMAIN, originator_id.bytes, struct.pack(">QH", version, len(topic_bytes)), topic_bytes, payload))


def record_bytes(originator_id: UUID, version: int, topic: str, state: bytes) -> bytes:
    """The Merkle leaf data of a stored event (its header, then its signing input)."""
    if len(state) < HEADER_SIZE or state[0] != RECORD_VERSION:
        raise RecordFormatError("stored state does not start with a copro v1 signature header")
    return state[:HEADER_SIZE] + signing_input(originator_id, version, topic, state[HEADER_SIZE:])


@dataclass(frozen=True)
class ParsedRecord:
    key_id: bytes
    signature: bytes
    originator_id: UUID
    version: int
    topic: str
    payload: bytes

    @property
    def message(self) -> bytes:
        return signing_input(self.originator_id, self.version, self.topic, self.payload)


def parse_record(record: bytes) -> ParsedRecord:
    """Split a record into its parts; RecordFormatError if it is not one."""
    start = HEADER_SIZE + len(DOMAIN)
    if len(record) < start + 16 + 10 or record[0] != RECORD_VERSION:
        raise RecordFormatError("record too short or of an unknown version")
    if record[HEADER_SIZE:start] != DOMAIN:
        raise RecordFormatError("record does not carry the copro/event/v1 domain separator")
    oid = UUID(bytes=record[start : start + 16])
    version, topic_len = struct.unpack(">QH", record[start + 16 : start + 26])
    topic_end = start + 26 + topic_len
    if len(record) < topic_end:
        raise RecordFormatError("record ends inside its topic")
    try:
        topic = record[start + 26 : topic_end].decode("utf-8")
    except UnicodeDecodeError:
        raise RecordFormatError("record topic is not UTF-8") from None
    return ParsedRecord(record[1:5], record[5:HEADER_SIZE], oid, version, topic, record[topic_end:])


def verify_record(record: bytes, keys: Mapping[bytes, Ed25519PublicKey]) -> ParsedRecord:
    """Parse and check a record's signature against the known event keys."""
    parsed = parse_record(record)
    key = keys.get(parsed.key_id)
    if key is None:
        raise SignatureError(f"signed by an unknown event key {parsed.key_id.hex()}, not one in the ledger's keyring")
    try:
        key.verify(parsed.signature, parsed.message)
    except InvalidSignature:
        raise SignatureError("its signature does not verify: its bytes were changed after signing") from None
    return parsed


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
        leaf = sha256(b"\x00" + signed + message).digest()  # docs/FORMAT.md: SHA-256(0x00 || record)
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
