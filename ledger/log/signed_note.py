"""C2SP signed notes (signed-note v1.0.0) and transparency-log checkpoints.

Why this module exists: copro publishes the state of its Merkle log as a signed
checkpoint, and members, funders and witnesses must be able to check those
checkpoints with tools that already exist.  Rather than invent a format we use
the C2SP ``signed-note`` format (the one Go's ``golang.org/x/mod/sumdb/note``,
the Go checksum database, Sigsum, and the transparency-dev witnesses speak) and
the C2SP ``tlog-checkpoint`` body.  A checkpoint signed here can be opened by
``note.Open`` in Go, and a note signed by Go opens here; the tests pin this with
the published Go vectors.

A signed note is a text ending in a newline, a blank line, and one or more
signature lines ``— <key name> <base64(key id || signature)>``.  Only Ed25519
keys (signature type 0x01) are supported: the ledger needs one algorithm, and
C2SP advises implementations to support only the types they need.  Signature
lines from unknown keys are allowed and ignored, so that witnesses can add
cosignatures; a signature from a known key that fails to verify rejects the whole
note, as the specification recommends.

Everything here is pure (no I/O).  Malformed input raises :class:`NoteError`
(a ValueError) with a one-sentence message.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

__all__ = [
    "MAX_SIGNATURES",
    "BadSignatureError",
    "Checkpoint",
    "NoteError",
    "NoteSigner",
    "NoteVerifier",
    "OpenedNote",
    "UnverifiedNoteError",
    "key_id",
    "open_note",
    "private_signer_key",
    "sign_note",
    "split_note",
    "verifier_key",
]

ALG_ED25519 = 0x01
"""C2SP signed-note signature type byte for Ed25519."""

MAX_SIGNATURES = 100
"""Most signature lines a note may carry (Go's sumdb/note limit; C2SP requires
accepting at least 16).  Bounds the work an attacker can make us do."""

_SIG_PREFIX = "\u2014 "  # em dash, space
_PRIVATE_PREFIX = "PRIVATE+KEY+"
_ED25519_KEY_SIZE = 32
_ED25519_SIG_SIZE = 64
_HEX8 = re.compile(r"[0-9a-fA-F]{8}")
_DECIMAL = re.compile(r"0|[1-9][0-9]*")
_MAX_TREE_SIZE = 2**63  # exclusive; tlog sizes are uint64 but int64-safe everywhere


class NoteError(ValueError):
    """A note, key or checkpoint is malformed; the message is one plain sentence."""


class UnverifiedNoteError(NoteError):
    """The note is well formed but no signature from a known key is on it.

    The message names the keys that signed it and the keys that were expected,
    which is usually enough to spot a wrong or rotated key.
    """


class BadSignatureError(NoteError):
    """A signature line names a known key (name and id) but does not verify.

    This means the text or the signature was altered, so the whole note is
    rejected even if other known keys verify.
    """


# ---------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _b64decode(text: str) -> bytes | None:
    """Standard padded base64 (RFC 4648 section 4), or None if it is not that."""
    try:
        return base64.b64decode(text.encode("ascii"), validate=True)
    except (UnicodeEncodeError, binascii.Error, ValueError):
        return None


def _describe_char(c: str) -> str:
    return f"U+{ord(c):04X}"


def _first_control_char(text: str) -> tuple[int, str] | None:
    """The first ASCII control character other than newline, if any."""
    for i, c in enumerate(text):
        if c < " " and c != "\n":
            return i, c
    return None


def _check_utf8(text: str, what: str) -> None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as e:
        raise NoteError(f"{what} is not valid UTF-8 (unpaired surrogate at offset {e.start}).") from None


def _check_note_chars(text: str, what: str) -> None:
    """C2SP: notes are valid UTF-8 without ASCII control characters but newline."""
    _check_utf8(text, what)
    bad = _first_control_char(text)
    if bad is not None:
        raise NoteError(
            f"{what} contains control character {_describe_char(bad[1])} at offset {bad[0]}, "
            "but only newline is allowed."
        )


def _check_text(text: str) -> None:
    """Rules for a note body: non-empty, ends in newline, clean UTF-8."""
    if not isinstance(text, str):
        raise NoteError(f"Note text must be a str, got {type(text).__name__}.")
    if not text:
        raise NoteError("Note text is empty, but it must hold at least one line.")
    if not text.endswith("\n"):
        raise NoteError("Note text does not end with a newline.")
    _check_note_chars(text, "Note text")


def _name_problem(name: object) -> str | None:
    """Why ``name`` is not a valid key name, or None if it is one."""
    if not isinstance(name, str):
        return f"must be a str, got {type(name).__name__}"
    if not name:
        return "is empty"
    if "+" in name:
        return "contains a plus sign"
    if any(c.isspace() for c in name):
        return "contains a space"
    if _first_control_char(name) is not None:
        return "contains a control character"
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return "is not valid UTF-8"
    return None


def _check_name(name: str) -> None:
    problem = _name_problem(name)
    if problem is not None:
        raise NoteError(f"Key name {name!r} {problem}; key names must be non-empty with no spaces or '+'.")


def _raw_public(public_key: Ed25519PublicKey) -> bytes:
    return public_key.public_bytes_raw()


def _key_label(name: str, kid: int) -> str:
    return f"{name}+{kid:08x}"


# ---------------------------------------------------------------------------
# Keys
# ---------------------------------------------------------------------------


def key_id(name: str, public_key: bytes) -> int:
    """Return the C2SP key id of an Ed25519 key: SHA-256(name || 0x0A || 0x01 || key)[:4].

    ``public_key`` is the raw 32-byte Ed25519 public key.  The id is a big-endian
    uint32; it identifies (not authenticates) the key, so that a verifier knows
    which of its keys to try.
    """
    _check_name(name)
    if not isinstance(public_key, (bytes, bytearray)):
        raise NoteError(f"Ed25519 public key must be bytes, got {type(public_key).__name__}.")
    if len(public_key) != _ED25519_KEY_SIZE:
        raise NoteError(f"Ed25519 public key has {len(public_key)} bytes, expected {_ED25519_KEY_SIZE}.")
    digest = hashlib.sha256(name.encode("utf-8") + b"\n" + bytes([ALG_ED25519]) + bytes(public_key)).digest()
    return int.from_bytes(digest[:4], "big")


def verifier_key(name: str, public_key: Ed25519PublicKey) -> str:
    """Return the verifier key string ``name+hex8+base64(0x01 || public key)``.

    This is the text form Go's ``note.NewVerifier`` reads, so it can be handed to
    witnesses and auditors as is.
    """
    raw = _raw_public(public_key)
    return f"{name}+{key_id(name, raw):08x}+{_b64(bytes([ALG_ED25519]) + raw)}"


def private_signer_key(name: str, private_key: Ed25519PrivateKey) -> str:
    """Return ``PRIVATE+KEY+name+hex8+base64(0x01 || seed)`` as sumdb/note does.

    The key id is that of the *public* key.  The result is a secret: anyone who
    has it can sign checkpoints.
    """
    raw_public = _raw_public(private_key.public_key())
    kid = key_id(name, raw_public)
    seed = private_key.private_bytes_raw()
    return f"{_PRIVATE_PREFIX}{name}+{kid:08x}+{_b64(bytes([ALG_ED25519]) + seed)}"


def _parse_key_string(text: str, what: str) -> tuple[str, int, bytes]:
    """Split ``name+hex8+base64(0x01 || key)`` into name, id and the 32 key bytes."""
    name, _, rest = text.partition("+")
    hex8, _, key64 = rest.partition("+")
    _check_name(name)
    if not _HEX8.fullmatch(hex8):
        raise NoteError(f"{what} has key id {hex8!r}, expected 8 hexadecimal digits.")
    key = _b64decode(key64)
    if not key:
        raise NoteError(f"{what} does not end in a base64-encoded key.")
    if key[0] != ALG_ED25519:
        raise NoteError(f"{what} uses signature type 0x{key[0]:02x}, expected 0x{ALG_ED25519:02x} (Ed25519).")
    if len(key) != 1 + _ED25519_KEY_SIZE:
        raise NoteError(f"{what} holds a {len(key) - 1}-byte key, expected {_ED25519_KEY_SIZE} bytes.")
    return name, int(hex8, 16), key[1:]


@dataclass(frozen=True)
class NoteVerifier:
    """A known Ed25519 note key: the name and id that select it, and the key.

    Construction checks that ``key_id`` really is the id of ``name`` and
    ``public_key``, so a verifier can never claim lines meant for another key.
    """

    name: str
    key_id: int
    public_key: Ed25519PublicKey

    def __post_init__(self) -> None:
        _check_name(self.name)
        if not isinstance(self.public_key, Ed25519PublicKey):
            raise NoteError(f"Verifier public key must be an Ed25519PublicKey, got {type(self.public_key).__name__}.")
        expected = key_id(self.name, _raw_public(self.public_key))
        if self.key_id != expected:
            got = f"{self.key_id:08x}" if isinstance(self.key_id, int) else repr(self.key_id)
            raise NoteError(f"Key id for {self.name} is {got}, expected {expected:08x} for this public key.")

    def __hash__(self) -> int:
        # Ed25519PublicKey is not hashable; its raw bytes are.
        return hash((self.name, self.key_id, _raw_public(self.public_key)))

    def __repr__(self) -> str:
        return f"NoteVerifier.parse({verifier_key(self.name, self.public_key)!r})"

    @classmethod
    def parse(cls, vkey: str) -> NoteVerifier:
        """Read a verifier key string ``name+hex8+base64(0x01 || public key)``."""
        if not isinstance(vkey, str):
            raise NoteError(f"Verifier key must be a str, got {type(vkey).__name__}.")
        if vkey.startswith(_PRIVATE_PREFIX):
            raise NoteError("This is a private signer key, expected a public verifier key.")
        name, kid, raw = _parse_key_string(vkey, "Verifier key")
        expected = key_id(name, raw)
        if kid != expected:
            raise NoteError(
                f"Verifier key for {name} has key id {kid:08x}, expected {expected:08x} for its public key."
            )
        return cls(name, kid, Ed25519PublicKey.from_public_bytes(raw))

    def verify(self, message: bytes, signature: bytes) -> bool:
        """Report whether ``signature`` (the 64 bytes after the key id) signs ``message``."""
        if len(signature) != _ED25519_SIG_SIZE:
            return False
        try:
            self.public_key.verify(bytes(signature), bytes(message))
        except InvalidSignature:
            return False
        return True


@dataclass(frozen=True)
class NoteSigner:
    """An Ed25519 note signing key and the key name it signs as."""

    name: str
    private_key: Ed25519PrivateKey = field(repr=False)

    def __post_init__(self) -> None:
        _check_name(self.name)
        if not isinstance(self.private_key, Ed25519PrivateKey):
            raise NoteError(f"Signer private key must be an Ed25519PrivateKey, got {type(self.private_key).__name__}.")

    @property
    def key_id(self) -> int:
        """The C2SP key id of this signer's public key."""
        return key_id(self.name, _raw_public(self.private_key.public_key()))

    def verifier(self) -> NoteVerifier:
        """The verifier that accepts this signer's signatures."""
        return NoteVerifier(self.name, self.key_id, self.private_key.public_key())

    def sign(self, message: bytes) -> bytes:
        """Return the raw 64-byte Ed25519 signature of ``message`` (deterministic)."""
        return self.private_key.sign(bytes(message))

    @classmethod
    def parse(cls, skey: str) -> NoteSigner:
        """Read a private signer key ``PRIVATE+KEY+name+hex8+base64(0x01 || seed)``.

        The inverse of :func:`private_signer_key`; the id must match the public
        key derived from the seed, as Go's ``note.NewSigner`` requires.
        """
        if not isinstance(skey, str) or not skey.startswith(_PRIVATE_PREFIX):
            raise NoteError("Signer key does not start with PRIVATE+KEY+.")
        name, kid, seed = _parse_key_string(skey[len(_PRIVATE_PREFIX) :], "Signer key")
        private_key = Ed25519PrivateKey.from_private_bytes(seed)
        expected = key_id(name, _raw_public(private_key.public_key()))
        if kid != expected:
            raise NoteError(f"Signer key for {name} has key id {kid:08x}, expected {expected:08x} for its public key.")
        return cls(name, private_key)


# ---------------------------------------------------------------------------
# Notes
# ---------------------------------------------------------------------------


def sign_note(text: str, signers: Sequence[NoteSigner]) -> str:
    """Sign ``text`` with every signer and return the signed note.

    ``text`` must be a valid note body: non-empty, ending in a newline, UTF-8
    without control characters other than newline.  Each signer adds one line
    ``— <name> <base64(key id || signature)>`` in the order given.
    """
    _check_text(text)
    if not signers:
        raise NoteError("A signed note needs at least one signer, got none.")
    if len(signers) > MAX_SIGNATURES:
        raise NoteError(f"Got {len(signers)} signers, expected at most {MAX_SIGNATURES}.")
    message = text.encode("utf-8")
    seen: set[tuple[str, int]] = set()
    lines: list[str] = []
    for signer in signers:
        kid = signer.key_id
        if (signer.name, kid) in seen:
            raise NoteError(f"Key {_key_label(signer.name, kid)} is among the signers twice.")
        seen.add((signer.name, kid))
        blob = kid.to_bytes(4, "big") + signer.sign(message)
        lines.append(f"{_SIG_PREFIX}{signer.name} {_b64(blob)}\n")
    return text + "\n" + "".join(lines)


@dataclass(frozen=True)
class OpenedNote:
    """A note whose signatures have been checked.

    ``text`` is the signed body (with its final newline, without the blank line).
    ``verified_by`` lists the known keys whose signatures verified, in the order
    their lines appear.  ``unverified_lines`` keeps the signature lines (without
    their newline) from keys we do not know, such as witness cosignatures; they
    were not checked and prove nothing.
    """

    text: str
    verified_by: tuple[NoteVerifier, ...]
    unverified_lines: tuple[str, ...]


@dataclass(frozen=True)
class _SignatureLine:
    line: str
    name: str
    key_id: int
    signature: bytes


def _parse_signature_lines(block: str) -> list[_SignatureLine]:
    if not block:
        raise NoteError("Note has no signature lines after its blank line.")
    if not block.endswith("\n"):
        raise NoteError("Note does not end with a newline after its last signature line.")
    lines = block[:-1].split("\n")
    if len(lines) > MAX_SIGNATURES:
        raise NoteError(f"Note has {len(lines)} signature lines, expected at most {MAX_SIGNATURES}.")
    parsed: list[_SignatureLine] = []
    for number, line in enumerate(lines, start=1):
        if not line.startswith(_SIG_PREFIX):
            raise NoteError(f"Signature line {number} does not start with an em dash and a space.")
        name, _, sig64 = line[len(_SIG_PREFIX) :].partition(" ")
        if _name_problem(name) is not None:
            raise NoteError(f"Signature line {number} has an invalid key name {name!r}.")
        blob = _b64decode(sig64)
        if blob is None or not sig64:
            raise NoteError(f"Signature line {number} does not end in a base64 signature.")
        if len(blob) < 5:
            raise NoteError(
                f"Signature line {number} holds {len(blob)} bytes, expected a 4-byte key id and a signature."
            )
        parsed.append(_SignatureLine(line, name, int.from_bytes(blob[:4], "big"), blob[4:]))
    return parsed


def _index_verifiers(
    verifiers: Sequence[NoteVerifier],
) -> dict[tuple[str, int], list[NoteVerifier]]:
    index: dict[tuple[str, int], list[NoteVerifier]] = {}
    for v in verifiers:
        if not isinstance(v, NoteVerifier):
            raise NoteError(f"Verifiers must be NoteVerifier objects, got {type(v).__name__}.")
        same = index.setdefault((v.name, v.key_id), [])
        if v not in same:
            same.append(v)
    return index


@dataclass(frozen=True)
class SignatureLine:
    """One parsed signature line: the line itself, its key name and id, and the bytes after the id."""

    line: str
    name: str
    key_id: int
    signature: bytes


def split_note(note: str) -> tuple[str, list[SignatureLine]]:
    """Split a signed note into its text and its parsed signature lines, checking nothing but form.

    Cosignature verifiers (``ledger.log.cosignature``) need the lines that
    :func:`open_note` ignores; they read them through this function so that both
    apply the same rules of form.
    """
    if not isinstance(note, str):
        raise NoteError(f"Note must be a str, got {type(note).__name__}.")
    _check_note_chars(note, "Note")
    split = note.rfind("\n\n")
    if split < 0:
        raise NoteError("Note has no blank line between its text and its signatures.")
    text, block = note[: split + 1], note[split + 2 :]
    lines = [SignatureLine(s.line, s.name, s.key_id, s.signature) for s in _parse_signature_lines(block)]
    return text, lines


def open_note(note: str, verifiers: Sequence[NoteVerifier]) -> OpenedNote:
    """Parse a signed note and check its signatures against the known keys.

    As Go's ``note.Open``: signature lines from unknown keys are kept but ignored;
    a line from a known key (same name *and* id) must verify or the note is
    rejected with :class:`BadSignatureError`; if no known key verified,
    :class:`UnverifiedNoteError` is raised.  A malformed note raises
    :class:`NoteError`.  The note text is only trustworthy once this returns.
    """
    if not isinstance(note, str):
        raise NoteError(f"Note must be a str, got {type(note).__name__}.")
    _check_note_chars(note, "Note")
    split = note.rfind("\n\n")
    if split < 0:
        raise NoteError("Note has no blank line between its text and its signatures.")
    text, block = note[: split + 1], note[split + 2 :]
    lines = _parse_signature_lines(block)
    known = _index_verifiers(verifiers)

    message = text.encode("utf-8")
    verified: list[NoteVerifier] = []
    unverified: list[str] = []
    for sig in lines:
        candidates = known.get((sig.name, sig.key_id))
        if not candidates:
            if sig.line not in unverified:
                unverified.append(sig.line)
            continue
        if len(candidates) > 1:
            raise NoteError(
                f"Two different known keys are named {_key_label(sig.name, sig.key_id)}, so the signature is ambiguous."
            )
        verifier = candidates[0]
        if not verifier.verify(message, sig.signature):
            raise BadSignatureError(f"Signature by key {_key_label(sig.name, sig.key_id)} does not verify.")
        if verifier not in verified:
            verified.append(verifier)

    if not verified:
        seen = ", ".join(_key_label(s.name, s.key_id) for s in lines)
        expected = ", ".join(_key_label(v.name, v.key_id) for v in verifiers) or "none"
        raise UnverifiedNoteError(
            f"Note has no signature by a known key: it is signed by {seen}, but the known keys are {expected}."
        )
    return OpenedNote(text, tuple(verified), tuple(unverified))


# ---------------------------------------------------------------------------
# Checkpoints
# ---------------------------------------------------------------------------


def _line_problem(line: str) -> str | None:
    if not isinstance(line, str):
        return f"must be a str, got {type(line).__name__}"
    if not line:
        return "is empty"
    if "\n" in line:
        return "contains a newline"
    bad = _first_control_char(line)
    if bad is not None:
        return f"contains control character {_describe_char(bad[1])}"
    try:
        line.encode("utf-8")
    except UnicodeEncodeError:
        return "is not valid UTF-8"
    return None


@dataclass(frozen=True)
class Checkpoint:
    """A C2SP tlog-checkpoint body: origin, tree size, root hash, extension lines.

    The origin names the log (for copro, the ledger's origin string, which is also
    its checkpoint key name).  Extension lines are allowed by the format but not
    auditable by monitors, so copro does not emit any; they are parsed so that
    other logs' checkpoints can be read.
    """

    origin: str
    size: int
    root_hash: bytes
    extensions: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        problem = _line_problem(self.origin)
        if problem is not None:
            raise NoteError(f"Checkpoint origin {problem}.")
        if isinstance(self.size, bool) or not isinstance(self.size, int):
            raise NoteError(f"Checkpoint size must be an int, got {type(self.size).__name__}.")
        if not 0 <= self.size < _MAX_TREE_SIZE:
            raise NoteError(f"Checkpoint size is {self.size}, expected 0 <= size < 2**63.")
        if not isinstance(self.root_hash, bytes):
            raise NoteError(f"Checkpoint root hash must be bytes, got {type(self.root_hash).__name__}.")
        if len(self.root_hash) != 32:
            raise NoteError(f"Checkpoint root hash has {len(self.root_hash)} bytes, expected 32.")
        if not isinstance(self.extensions, tuple):
            raise NoteError(f"Checkpoint extensions must be a tuple, got {type(self.extensions).__name__}.")
        for i, ext in enumerate(self.extensions):
            problem = _line_problem(ext)
            if problem is not None:
                raise NoteError(f"Checkpoint extension line {i + 1} {problem}.")

    def to_text(self) -> str:
        """Return the note body ``origin\\nsize\\nbase64(root)\\n`` plus extension lines."""
        lines = [self.origin, str(self.size), _b64(self.root_hash), *self.extensions]
        return "".join(line + "\n" for line in lines)

    @classmethod
    def parse(cls, text: str) -> Checkpoint:
        """Read a checkpoint body (the note text, not the signed note).

        Enforces tlog-checkpoint v1.0.0: a non-empty origin; the size in decimal
        with no sign or leading zeros (``0`` for the empty tree) and below 2**63;
        the root hash as canonical standard base64 of exactly 32 bytes; any
        extension lines non-empty; every line ended by a newline.
        """
        if not isinstance(text, str):
            raise NoteError(f"Checkpoint must be a str, got {type(text).__name__}.")
        _check_note_chars(text, "Checkpoint")
        if not text.endswith("\n"):
            raise NoteError("Checkpoint does not end with a newline.")
        lines = text[:-1].split("\n")
        if len(lines) < 3:
            raise NoteError(f"Checkpoint has {len(lines)} lines, expected at least 3 (origin, size, root hash).")
        origin, size_text, root_text, *extensions = lines
        if not origin:
            raise NoteError("Checkpoint origin line is empty.")
        if len(size_text) > 19 or not _DECIMAL.fullmatch(size_text):
            raise NoteError(f"Checkpoint size {size_text!r} is not a decimal number without leading zeros.")
        size = int(size_text)
        if size >= _MAX_TREE_SIZE:
            raise NoteError(f"Checkpoint size is {size}, expected less than 2**63.")
        root = _b64decode(root_text)
        if root is None or _b64(root) != root_text:
            raise NoteError(f"Checkpoint root hash {root_text!r} is not standard base64.")
        if len(root) != 32:
            raise NoteError(f"Checkpoint root hash has {len(root)} bytes, expected 32.")
        for i, ext in enumerate(extensions):
            if not ext:
                raise NoteError(f"Checkpoint extension line {i + 1} is empty.")
        return cls(origin, size, root, tuple(extensions))
