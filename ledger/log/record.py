"""The signed record: the exact bytes every stored event is signed and logged as.

An event's *signing input* binds everything about it that a reader acts on (which
aggregate, which version, which kind of event, what it says), so none of those can
be changed or swapped without the signature failing::

    signing_input = "copro/event/v1\\n" || originator_id (16 bytes) || version (u64 BE)
                    || len(topic) (u16 BE) || topic (UTF-8) || payload (RFC 8785 JSON)

The stored ``state`` column holds ``0x01 || key_id (4) || signature (64) || payload``;
the Merkle leaf is the whole *record*, ``0x01 || key_id || signature || signing_input``.
docs/FORMAT.md is the normative description.

Pure (the standard library and ``cryptography``): this is the one place a record is
parsed and its signature checked, by the signing mapper on every read, by ``copro
verify`` on every leaf, and next by the offline verifier. The eventsourcing mapper that
signs is in ``ledger.log.signing_mapper``.
"""

from __future__ import annotations

import struct
from collections.abc import Mapping
from dataclasses import dataclass
from uuid import UUID

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from ledger.log.errors import SignatureError

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


class UnknownKeyError(SignatureError):
    """A record signed by a key id that is not among the keys given."""

    def __init__(self, key_id: bytes) -> None:
        super().__init__(f"signed by an unknown event key {key_id.hex()}, not one in the ledger's keyring")
        self.key_id = key_id


class BadSignatureError(SignatureError):
    """A record whose signature does not verify with the key its id names."""

    def __init__(self, key_id: bytes) -> None:
        super().__init__("its signature does not verify: its bytes were changed after signing")
        self.key_id = key_id


def verify_record(record: bytes, keys: Mapping[bytes, Ed25519PublicKey]) -> ParsedRecord:
    """Parse a record and check its signature against the known event keys: the one record verifier.

    A parsed record's signing input is exactly the bytes after its header, so the
    signature is checked over those bytes in place, without re-encoding anything.
    Raises RecordFormatError, UnknownKeyError or BadSignatureError.
    """
    parsed = parse_record(record)
    key = keys.get(parsed.key_id)
    if key is None:
        raise UnknownKeyError(parsed.key_id)
    try:
        key.verify(parsed.signature, record[HEADER_SIZE:])
    except InvalidSignature:
        raise BadSignatureError(parsed.key_id) from None
    return parsed
