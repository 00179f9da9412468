"""C2SP tlog-cosignature v1.0.1: a witness's timestamped Ed25519 cosignature on a checkpoint.

Why this module exists: a checkpoint signed only by the log proves nothing about
whether the log showed everyone the same history.  A witness cosigns a checkpoint
only after checking that it is consistent with the last one it saw, so a
checkpoint carrying cosignatures from independent witnesses cannot be one of two
forked views.  copro speaks the C2SP format so that the witnesses of the wider
transparency ecosystem (and their verifiers) work with copro logs unchanged.

A cosignature is a signed-note signature line
``— <witness name> base64(key id || timestamp || Ed25519 signature)`` where the
key id is ``SHA-256(name || 0x0A || 0x04 || public key)[:4]``, the timestamp a
big-endian uint64 of POSIX seconds, and the signed message
``cosignature/v1\\ntime <timestamp>\\n`` followed by the checkpoint body.

Only the Ed25519 type (0x04) is implemented; the ML-DSA-44 type (0x06) is not yet
(docs/FORMAT.md says so).  Everything here is pure: no I/O, no clock.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from ledger.log.signed_note import (
    ALG_ED25519,
    BadSignatureError,
    NoteError,
    key_id,
    split_note,
)

__all__ = [
    "ALG_COSIGNATURE_V1",
    "Cosigner",
    "CosignerVerifier",
    "cosignature_timestamp",
    "cosigned_message",
    "cosigner_key_id",
    "parse_cosigner_key",
    "verified_cosignatures",
]

ALG_COSIGNATURE_V1 = 0x04
"""Signature type byte of Ed25519 cosignatures (tlog-cosignature v1)."""

MAX_TIMESTAMP = 2**63 - 1
_KEY_SIZE = 32
_SIG_SIZE = 64
_BLOB_SIZE = 8 + _SIG_SIZE


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def cosigner_key_id(name: str, public_key: bytes) -> int:
    """The key id of an Ed25519 cosigner: SHA-256(name || "\\n" || 0x04 || key)[:4], big-endian."""
    if not name or any(c.isspace() for c in name) or "+" in name:
        raise NoteError(f"Cosigner name {name!r} must be non-empty with no spaces or '+'.")
    if len(public_key) != _KEY_SIZE:
        raise NoteError(f"Ed25519 public key has {len(public_key)} bytes, expected {_KEY_SIZE}.")
    digest = hashlib.sha256(name.encode("utf-8") + b"\n" + bytes([ALG_COSIGNATURE_V1]) + bytes(public_key)).digest()
    return int.from_bytes(digest[:4], "big")


def cosigned_message(checkpoint_text: str, timestamp: int) -> bytes:
    """The bytes a cosigner signs: the header line, the time line, then the checkpoint body."""
    if isinstance(timestamp, bool) or not isinstance(timestamp, int) or not 0 <= timestamp <= MAX_TIMESTAMP:
        raise NoteError(f"Cosignature timestamp {timestamp!r} must be a whole number from 0 to 2**63 - 1.")
    if not checkpoint_text.endswith("\n"):
        raise NoteError("Checkpoint body does not end with a newline.")
    return f"cosignature/v1\ntime {timestamp}\n".encode() + checkpoint_text.encode("utf-8")


def cosignature_timestamp(blob: bytes) -> int:
    """The timestamp of a cosignature, from the bytes after the key id."""
    if len(blob) != _BLOB_SIZE:
        raise NoteError(f"Cosignature holds {len(blob)} bytes after its key id, expected {_BLOB_SIZE}.")
    timestamp = int.from_bytes(blob[:8], "big")
    if timestamp > MAX_TIMESTAMP:
        raise NoteError("Cosignature timestamp is larger than 2**63 - 1.")
    return timestamp


@dataclass(frozen=True)
class CosignerVerifier:
    """A witness's public key, as a verifier of its cosignatures."""

    name: str
    public_key: bytes = field(repr=False)

    def __post_init__(self) -> None:
        cosigner_key_id(self.name, self.public_key)  # checks name and size

    @property
    def key_id(self) -> int:
        return cosigner_key_id(self.name, self.public_key)

    def vkey(self) -> str:
        """The verifier key string ``name+hex8+base64(0x04 || key)`` (C2SP vkey with type 0x04)."""
        return f"{self.name}+{self.key_id:08x}+{_b64(bytes([ALG_COSIGNATURE_V1]) + self.public_key)}"

    @classmethod
    def parse(cls, vkey: str) -> CosignerVerifier:
        """Read a witness vkey: type 0x04, or a plain Ed25519 note key (type 0x01) of the same key.

        Accepting 0x01 keys follows Go's ``NewVerifierForCosignatureV1``: an
        operator who published their witness key in the ordinary note form can
        still be named.  The key id must match the key for the type it carries.
        """
        name, sep, rest = vkey.partition("+")
        hex8, sep2, key64 = rest.partition("+")
        if not sep or not sep2 or len(hex8) != 8:
            raise NoteError("Witness key is not of the form name+keyid+base64key.")
        try:
            kid = int(hex8, 16)
            raw = base64.b64decode(key64.encode("ascii"), validate=True)
        except (ValueError, UnicodeEncodeError):
            raise NoteError("Witness key has a key id that is not hexadecimal or a key that is not base64.") from None
        if len(raw) != 1 + _KEY_SIZE or raw[0] not in (ALG_COSIGNATURE_V1, ALG_ED25519):
            raise NoteError("Witness key is not an Ed25519 key of signature type 0x04 (or 0x01).")
        public = raw[1:]
        expected = cosigner_key_id(name, public) if raw[0] == ALG_COSIGNATURE_V1 else key_id(name, public)
        if kid != expected:
            raise NoteError(f"Witness key for {name} has key id {kid:08x}, expected {expected:08x} for its public key.")
        return cls(name, public)

    def timestamp_if_valid(self, checkpoint_text: str, blob: bytes) -> int | None:
        """The cosignature's timestamp if ``blob`` cosigns ``checkpoint_text``, else None."""
        if len(blob) != _BLOB_SIZE:
            return None
        timestamp = int.from_bytes(blob[:8], "big")
        if timestamp > MAX_TIMESTAMP:
            return None
        try:
            Ed25519PublicKey.from_public_bytes(self.public_key).verify(
                blob[8:], cosigned_message(checkpoint_text, timestamp)
            )
        except InvalidSignature:
            return None
        return timestamp


@dataclass(frozen=True)
class Cosigner:
    """A witness's private key and name: it makes cosignature lines."""

    name: str
    private_key: Ed25519PrivateKey = field(repr=False)

    def verifier(self) -> CosignerVerifier:
        return CosignerVerifier(self.name, self.private_key.public_key().public_bytes_raw())

    def cosign(self, checkpoint_text: str, timestamp: int) -> str:
        """One signature line (ending in a newline) cosigning the checkpoint body at ``timestamp``."""
        signature = self.private_key.sign(cosigned_message(checkpoint_text, timestamp))
        blob = self.verifier().key_id.to_bytes(4, "big") + timestamp.to_bytes(8, "big") + signature
        return f"\u2014 {self.name} {_b64(blob)}\n"


def verified_cosignatures(
    note: str, witnesses: Sequence[CosignerVerifier | MLDSA44CosignerVerifier]
) -> dict[CosignerVerifier | MLDSA44CosignerVerifier, int]:
    """The witnesses whose cosignatures on ``note`` verify, with their timestamps.

    Lines from keys not in ``witnesses`` are ignored, as the specification
    requires.  A line that names a known witness (name and key id) but does not
    verify means the note or the line was altered, so it raises
    :class:`BadSignatureError` rather than being quietly skipped.
    """
    text, lines = split_note(note)
    known = {(w.name, w.key_id): w for w in witnesses}
    found: dict[CosignerVerifier | MLDSA44CosignerVerifier, int] = {}
    for line in lines:
        witness = known.get((line.name, line.key_id))
        if witness is None:
            continue
        timestamp = witness.timestamp_if_valid(text, line.signature)
        if timestamp is None:
            raise BadSignatureError(f"The cosignature by witness {line.name} does not verify.")
        found[witness] = max(timestamp, found.get(witness, 0))
    return found


# -- ML-DSA-44 (type 0x06): post-quantum cosignatures, over the subtree/v1 message ---------------

ALG_MLDSA44 = 0x06
"""Signature type byte of ML-DSA-44 cosignatures (tlog-cosignature v1.0.1)."""

MLDSA44_PUBLIC_SIZE = 1312
MLDSA44_SIGNATURE_SIZE = 2420
_SUBTREE_LABEL = b"subtree/v1\n\x00"


def mldsa44_key_id(name: str, public_key: bytes) -> int:
    """SHA-256(name || "\\n" || 0x06 || 1312-byte ML-DSA-44 public key)[:4], big-endian."""
    if len(public_key) != MLDSA44_PUBLIC_SIZE:
        raise NoteError(f"ML-DSA-44 public key has {len(public_key)} bytes, expected {MLDSA44_PUBLIC_SIZE}.")
    digest = hashlib.sha256(name.encode("utf-8") + b"\n" + bytes([ALG_MLDSA44]) + bytes(public_key)).digest()
    return int.from_bytes(digest[:4], "big")


def subtree_message(cosigner: str, timestamp: int, origin: str, start: int, end: int, root: bytes) -> bytes:
    """The TLS-encoded ``cosigned_message`` an ML-DSA-44 cosigner signs (checkpoints: start 0, end = size)."""
    name, log = cosigner.encode("utf-8"), origin.encode("utf-8")
    if not 1 <= len(name) <= 255 or not 1 <= len(log) <= 255:
        raise NoteError("A cosigner name and a log origin must each be 1 to 255 bytes for ML-DSA-44 cosignatures.")
    if start and timestamp:
        raise NoteError("A subtree cosignature that does not start at 0 must have timestamp 0.")
    if len(root) != 32:
        raise NoteError(f"The subtree hash has {len(root)} bytes, expected 32.")
    return (
        _SUBTREE_LABEL
        + bytes([len(name)])
        + name
        + timestamp.to_bytes(8, "big")
        + bytes([len(log)])
        + log
        + start.to_bytes(8, "big")
        + end.to_bytes(8, "big")
        + root
    )


@dataclass(frozen=True)
class MLDSA44CosignerVerifier:
    """An ML-DSA-44 cosigner's public key: checks post-quantum cosignatures on checkpoints."""

    name: str
    public_key: bytes = field(repr=False)

    def __post_init__(self) -> None:
        mldsa44_key_id(self.name, self.public_key)

    @property
    def key_id(self) -> int:
        return mldsa44_key_id(self.name, self.public_key)

    def vkey(self) -> str:
        return f"{self.name}+{self.key_id:08x}+{_b64(bytes([ALG_MLDSA44]) + self.public_key)}"

    def timestamp_if_valid(self, checkpoint_text: str, blob: bytes) -> int | None:
        from cryptography.hazmat.primitives.asymmetric.mldsa import MLDSA44PublicKey

        from ledger.log.signed_note import Checkpoint

        if len(blob) != 8 + MLDSA44_SIGNATURE_SIZE:
            return None
        timestamp = int.from_bytes(blob[:8], "big")
        try:
            cp = Checkpoint.parse(checkpoint_text)
            message = subtree_message(self.name, timestamp, cp.origin, 0, cp.size, cp.root_hash)
            MLDSA44PublicKey.from_public_bytes(self.public_key).verify(blob[8:], message)
        except (NoteError, InvalidSignature, ValueError):
            return None
        return timestamp


@dataclass(frozen=True)
class MLDSA44Cosigner:
    """An ML-DSA-44 private key and its cosigner name (a log's second, post-quantum, signature)."""

    name: str
    private_key: Any = field(repr=False)  # MLDSA44PrivateKey

    def verifier(self) -> MLDSA44CosignerVerifier:
        return MLDSA44CosignerVerifier(self.name, self.private_key.public_key().public_bytes_raw())

    def cosign(self, checkpoint_text: str, timestamp: int) -> str:
        from ledger.log.signed_note import Checkpoint

        cp = Checkpoint.parse(checkpoint_text)
        message = subtree_message(self.name, timestamp, cp.origin, 0, cp.size, cp.root_hash)
        blob = self.verifier().key_id.to_bytes(4, "big") + timestamp.to_bytes(8, "big") + self.private_key.sign(message)
        return f"\u2014 {self.name} {_b64(blob)}\n"


AnyCosignerVerifier = CosignerVerifier | MLDSA44CosignerVerifier


def parse_cosigner_key(vkey: str) -> AnyCosignerVerifier:
    """A witness (or log) cosigner vkey of type 0x04, 0x01 (as 0x04) or 0x06 (ML-DSA-44)."""
    name, _, rest = vkey.partition("+")
    hex8, _, key64 = rest.partition("+")
    try:
        raw = base64.b64decode(key64.encode("ascii"), validate=True)
    except (ValueError, UnicodeEncodeError):
        raw = b""
    if raw[:1] == bytes([ALG_MLDSA44]):
        if len(raw) != 1 + MLDSA44_PUBLIC_SIZE or len(hex8) != 8:
            raise NoteError("Witness key is an ML-DSA-44 key of the wrong size.")
        verifier = MLDSA44CosignerVerifier(name, raw[1:])
        if f"{verifier.key_id:08x}" != hex8.lower():
            raise NoteError(
                f"Witness key for {name} has key id {hex8}, expected {verifier.key_id:08x} for its public key."
            )
        return verifier
    return CosignerVerifier.parse(vkey)
