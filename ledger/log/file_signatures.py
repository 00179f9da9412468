"""Signatures on report files that a funder checks with tools already on their computer.

Why this module exists: a funder will not install copro to check a report. So every
report file is signed three times by the report key, once in the format each common
tool reads, and the public key is written in each tool's format:

- ``F.sig``: the raw 64-byte Ed25519 signature (RFC 8032) over the bytes of ``F``, for
  ``openssl pkeyutl -verify -rawin`` (OpenSSL 3) with ``report-key.pem``.
- ``F.sshsig``: an OpenSSH signature (PROTOCOL.sshsig, hash sha512, namespace
  ``copro-report``), for ``ssh-keygen -Y verify`` with an ``allowed_signers`` file.
- ``F.minisig``: a minisign signature in the prehashed "ED" form (Ed25519 over
  BLAKE2b-512 of the file) with a trusted comment, for ``minisign -V``.

Two allowed_signers files name the key: ``allowed_signers`` carries ``valid-after`` /
``valid-before`` dates (OpenSSH 8.7 and later read them), and
``allowed_signers.openssh-8.1`` carries only ``namespaces=``, the one restricting option
OpenSSH 8.1 knows (8.1's ``sshsigopt_parse`` accepts ``cert-authority`` and
``namespaces`` and rejects anything else as "unknown key option"; validity dates arrived
in 8.7). OpenSSH 8.1 is the newest client Windows 10 ships.

minisign identifies a key by an 8-byte key id that it normally draws at random. Ours is
derived, so the same key always has the same id: the first 8 bytes of
SHA-256("copro minisign key id" || 0x0A || the 32-byte public key). minisign shows it
as the hexadecimal of those bytes read as a little-endian 64-bit number.

Pure: the standard library and ``cryptography`` only (the verifier core contract), so an
auditor's ``copro report verify`` runs exactly this code. Bad input to the writers
raises :class:`SignedFilesError` with one sentence; :func:`verify_folder` never raises
for a bad folder, it returns one sentence per problem.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
import struct
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from ledger.log.errors import CoproError
from ledger.log.verify_guide import guide

__all__ = [
    "ALLOWED_SIGNERS",
    "ALLOWED_SIGNERS_OPENSSH_8_1",
    "KEY_FILE_NAMES",
    "KEY_MINISIGN",
    "KEY_PEM",
    "KEY_SSH",
    "NAMESPACE",
    "SIGNATURE_SUFFIXES",
    "VERIFY_TXT",
    "SignedFilesError",
    "key_files",
    "minisign_key_id",
    "sign_file",
    "sign_folder",
    "ssh_fingerprint",
    "verify_folder",
    "verify_text",
]

NAMESPACE = "copro-report"
"""The SSHSIG namespace: a report signature can never pass for a git commit or an SSH login."""

KEY_PEM = "report-key.pem"
KEY_SSH = "report-key.pub"
KEY_MINISIGN = "report-key.minisign.pub"
ALLOWED_SIGNERS = "allowed_signers"
ALLOWED_SIGNERS_OPENSSH_8_1 = "allowed_signers.openssh-8.1"
KEY_FILE_NAMES = (KEY_PEM, KEY_SSH, KEY_MINISIGN, ALLOWED_SIGNERS, ALLOWED_SIGNERS_OPENSSH_8_1)
VERIFY_TXT = "VERIFY.txt"
SIGNATURE_SUFFIXES = (".sig", ".sshsig", ".minisig")

_SSH_ED25519 = b"ssh-ed25519"
_SSHSIG_MAGIC = b"SSHSIG"
_SSHSIG_VERSION = 1
_SSHSIG_HASH = "sha512"
_SSHSIG_HASHES: dict[str, Callable[[bytes], bytes]] = {
    "sha512": lambda data: hashlib.sha512(data).digest(),
    "sha256": lambda data: hashlib.sha256(data).digest(),
}  # what ssh-keygen -Y verify accepts (HASHALG_ALLOWED), so we accept the same
_SSHSIG_BEGIN = "-----BEGIN SSH SIGNATURE-----"
_SSHSIG_END = "-----END SSH SIGNATURE-----"
_SSHSIG_LINE = 70  # ssh-keygen wraps the armored base64 at 70 characters

_MINISIGN_PK_ALG = b"Ed"
_MINISIGN_PREHASHED = b"ED"  # Ed25519 over BLAKE2b-512(file), what minisign 0.10+ writes by default
_MINISIGN_LEGACY = b"Ed"  # Ed25519 over the file itself; minisign still verifies it
_UNTRUSTED = "untrusted comment: "
_TRUSTED = "trusted comment: "
_MINISIGN_UNTRUSTED_TEXT = "signature from the copro report key"
_MINISIGN_MAX_TRUSTED = 8192 - len(_TRUSTED) - 1  # minisign's TRUSTEDCOMMENTMAXBYTES

_MAX_SMALL_FILE = 64 * 1024  # a key or signature file larger than this is not one
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}")
_PRINCIPAL = re.compile(r"[A-Za-z0-9][A-Za-z0-9._+@-]{0,199}")
_OPENSSH_8_1_OPTIONS = {"cert-authority", "namespaces"}


class SignedFilesError(CoproError):
    """Report files cannot be signed as asked (bad name, missing file, bad key id)."""


# --------------------------------------------------------------------------- keys


def _raw_public(public: Ed25519PublicKey) -> bytes:
    return public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def minisign_key_id(public: Ed25519PublicKey) -> bytes:
    """The 8-byte minisign key id of ``public``: SHA-256("copro minisign key id\\n" || key)[:8].

    Derived rather than random (minisign's own choice) so that the same report key
    always has the same id, in every report and after every restart.
    """
    return hashlib.sha256(b"copro minisign key id\n" + _raw_public(public)).digest()[:8]


def _minisign_id_text(key_id: bytes) -> str:
    """How minisign prints a key id: %PRIX64 of the bytes read little-endian."""
    return f"{int.from_bytes(key_id, 'little'):X}"


def _ssh_string(data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + data


def _ssh_public_blob(public: Ed25519PublicKey) -> bytes:
    return _ssh_string(_SSH_ED25519) + _ssh_string(_raw_public(public))


def ssh_fingerprint(public: Ed25519PublicKey) -> str:
    """The fingerprint ``ssh-keygen -l`` prints: SHA256: and unpadded base64 of the key blob."""
    digest = hashlib.sha256(_ssh_public_blob(public)).digest()
    return "SHA256:" + base64.b64encode(digest).decode("ascii").rstrip("=")


def _yyyymmdd(day: date) -> str:
    return f"{day.year:04d}{day.month:02d}{day.day:02d}"


def _check_principal(principal: str) -> None:
    if not isinstance(principal, str) or not _PRINCIPAL.fullmatch(principal):
        raise SignedFilesError(
            f"The signer's name {principal!r} cannot go in an allowed_signers file: use letters, "
            "digits and . _ + @ - only, starting with a letter or digit, at most 200 characters."
        )


def _check_one_line(text: str, what: str, limit: int) -> None:
    if not isinstance(text, str) or any(c in text for c in "\r\n\0"):
        raise SignedFilesError(f"The {what} must be one line of text, without line breaks.")
    if len(text.encode("utf-8")) > limit:
        raise SignedFilesError(f"The {what} is longer than {limit} bytes.")


def key_files(
    public: Ed25519PublicKey, *, principal: str, valid_after: date, valid_before: date | None
) -> dict[str, bytes]:
    """The report public key in every form a funder's tools read, by file name.

    ``valid_after`` and ``valid_before`` bound when ``ssh-keygen`` (8.7+) accepts the key.
    OpenSSH reads the dates as midnight at the start of the day in the *verifier's* time
    zone, so give the day before the key was made if it must hold everywhere at once.
    """
    _check_principal(principal)
    if valid_before is not None and valid_before <= valid_after:
        raise SignedFilesError(
            f"The key's last day ({valid_before.isoformat()}) must come after its first ({valid_after.isoformat()})."
        )
    raw = _raw_public(public)
    ssh_line = public.public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH).decode()
    key_id = minisign_key_id(public)
    minisign = (
        f"{_UNTRUSTED}minisign public key {_minisign_id_text(key_id)}\n"
        + base64.b64encode(_MINISIGN_PK_ALG + key_id + raw).decode("ascii")
        + "\n"
    )
    namespaces = f'namespaces="{NAMESPACE}"'
    validity = f',valid-after="{_yyyymmdd(valid_after)}"'
    if valid_before is not None:
        validity += f',valid-before="{_yyyymmdd(valid_before)}"'
    pem = public.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    return {
        KEY_PEM: pem,
        KEY_SSH: f"{ssh_line} {principal}\n".encode("ascii"),
        KEY_MINISIGN: minisign.encode("ascii"),
        ALLOWED_SIGNERS: f"{principal} {namespaces}{validity} {ssh_line}\n".encode("ascii"),
        ALLOWED_SIGNERS_OPENSSH_8_1: f"{principal} {namespaces} {ssh_line}\n".encode("ascii"),
    }


# --------------------------------------------------------------------------- signing


def _sshsig_signed_data(namespace: str, hash_name: str, digest: bytes) -> bytes:
    return (
        _SSHSIG_MAGIC
        + _ssh_string(namespace.encode("utf-8"))
        + _ssh_string(b"")  # reserved
        + _ssh_string(hash_name.encode("ascii"))
        + _ssh_string(digest)
    )


def _sshsig(data: bytes, key: Ed25519PrivateKey, namespace: str) -> bytes:
    signed = _sshsig_signed_data(namespace, _SSHSIG_HASH, _SSHSIG_HASHES[_SSHSIG_HASH](data))
    signature = _ssh_string(_SSH_ED25519) + _ssh_string(key.sign(signed))
    blob = (
        _SSHSIG_MAGIC
        + struct.pack(">I", _SSHSIG_VERSION)
        + _ssh_string(_ssh_public_blob(key.public_key()))
        + _ssh_string(namespace.encode("utf-8"))
        + _ssh_string(b"")
        + _ssh_string(_SSHSIG_HASH.encode("ascii"))
        + _ssh_string(signature)
    )
    text = base64.b64encode(blob).decode("ascii")
    lines = [text[i : i + _SSHSIG_LINE] for i in range(0, len(text), _SSHSIG_LINE)]
    return ("\n".join([_SSHSIG_BEGIN, *lines, _SSHSIG_END]) + "\n").encode("ascii")


def _minisig(data: bytes, key: Ed25519PrivateKey, trusted_comment: str, key_id: bytes) -> bytes:
    signature = key.sign(hashlib.blake2b(data, digest_size=64).digest())
    trusted = trusted_comment.encode("utf-8")
    global_signature = key.sign(signature + trusted)
    return (
        f"{_UNTRUSTED}{_MINISIGN_UNTRUSTED_TEXT}\n".encode()
        + base64.b64encode(_MINISIGN_PREHASHED + key_id + signature)
        + b"\n"
        + _TRUSTED.encode()
        + trusted
        + b"\n"
        + base64.b64encode(global_signature)
        + b"\n"
    )


def sign_file(
    data: bytes, key: Ed25519PrivateKey, *, namespace: str, trusted_comment: str, key_id: bytes
) -> dict[str, bytes]:
    """The three signatures of one file's bytes, by suffix: ``.sig``, ``.sshsig``, ``.minisig``.

    Ed25519 is deterministic, so the same bytes and key always give the same files
    (the tests compare them byte for byte with what ``ssh-keygen -Y sign`` writes).
    """
    if not namespace or not isinstance(namespace, str):
        raise SignedFilesError("An SSH signature needs a namespace; the empty one is not allowed.")
    _check_one_line(namespace, "SSH signature namespace", 200)
    _check_one_line(trusted_comment, "minisign trusted comment", _MINISIGN_MAX_TRUSTED)
    if not isinstance(key_id, bytes) or len(key_id) != 8:
        raise SignedFilesError("A minisign key id is 8 bytes.")
    return {
        ".sig": key.sign(data),
        ".sshsig": _sshsig(data, key, namespace),
        ".minisig": _minisig(data, key, trusted_comment, key_id),
    }


def _check_names(names: list[str]) -> list[str]:
    """Problems with the list of report files to sign or check, as sentences."""
    problems: list[str] = []
    if not names:
        problems.append("No report files were named to sign or check.")
    reserved = {*KEY_FILE_NAMES, VERIFY_TXT}
    for name in names:
        if not isinstance(name, str) or not _NAME.fullmatch(name):
            problems.append(
                f"{name!r} is not a plain file name (letters, digits and . _ - only, starting with a letter or digit)."
            )
        elif name in reserved or name.endswith(SIGNATURE_SUFFIXES):
            problems.append(f"{name} is the name of a key or signature file, not of a report file.")
    if len(set(names)) != len(names):
        problems.append("A report file is named more than once.")
    return problems


def _trusted_comment(name: str, origin: str) -> str:
    return f"copro report file {name} from {origin}"


def sign_folder(
    folder: Path,
    names: list[str],
    key: Ed25519PrivateKey,
    *,
    principal: str,
    valid_after: date,
    valid_before: date | None,
    origin: str,
) -> list[str]:
    """Sign each named file in ``folder``; write the key files and VERIFY.txt; return the names written.

    Everything is computed before anything is written, so bad input writes nothing.
    """
    problems = _check_names(names)
    if problems:
        raise SignedFilesError(problems[0])
    _check_one_line(origin, "ledger's origin", 200)
    keys = key_files(key.public_key(), principal=principal, valid_after=valid_after, valid_before=valid_before)
    key_id = minisign_key_id(key.public_key())
    outputs: dict[str, bytes] = {}
    for name in names:
        path = folder / name
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            raise SignedFilesError(f"{path} does not exist, so it cannot be signed.") from None
        except OSError as e:
            raise SignedFilesError(f"{path} cannot be read ({e.strerror or e}).") from None
        if not data:
            raise SignedFilesError(
                f"{path} is empty: OpenSSL 3.0 cannot check a signature on an empty file, so it is not signed."
            )
        signed = sign_file(
            data, key, namespace=NAMESPACE, trusted_comment=_trusted_comment(name, origin), key_id=key_id
        )
        outputs.update({name + suffix: content for suffix, content in signed.items()})
    outputs.update(keys)
    outputs[VERIFY_TXT] = verify_text(
        names,
        key.public_key(),
        principal=principal,
        valid_after=valid_after,
        valid_before=valid_before,
        origin=origin,
    ).encode("utf-8")
    for out_name, content in outputs.items():
        try:
            (folder / out_name).write_bytes(content)
        except OSError as e:
            raise SignedFilesError(f"{folder / out_name} cannot be written ({e.strerror or e}).") from None
    return list(outputs)


# --------------------------------------------------------------------------- checking


@dataclass
class _Folder:
    """Reads the files of a signed folder, turning every failure into a sentence."""

    path: Path
    problems: list[str]

    def read(self, name: str, *, small: bool) -> bytes | None:
        file = self.path / name
        try:
            size = file.stat().st_size
            if small and size > _MAX_SMALL_FILE:
                self.problems.append(f"{name} is too large to be a key or signature file.")
                return None
            if small and size == 0:
                self.problems.append(f"{name} is empty.")
                return None
            return file.read_bytes()
        except FileNotFoundError:
            self.problems.append(f"{name} is missing.")
        except OSError as e:
            self.problems.append(f"{name} cannot be read ({e.strerror or e}).")
        return None

    def text(self, name: str) -> str | None:
        data = self.read(name, small=True)
        if data is None:
            return None
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            self.problems.append(f"{name} is not text, so it cannot be a signature or key file.")
            return None


class _Garbled(ValueError):
    """A key or signature file cannot be read as its format; the message says how."""


class _RawMismatch(Exception):
    """A raw signature does not verify: it carries no key id, so the cause cannot be told apart."""


class _WrongKey(Exception):
    """The signature names a key other than the expected one."""


class _BadComment(Exception):
    """A minisign trusted comment was changed after signing."""


class _Wire:
    """A reader of SSH wire-format fields (RFC 4251 uint32 and string)."""

    def __init__(self, data: bytes) -> None:
        self.data, self.at = data, 0

    def take(self, n: int) -> bytes:
        if self.at + n > len(self.data):
            raise _Garbled("it ends too early")
        out = self.data[self.at : self.at + n]
        self.at += n
        return out

    def uint32(self) -> int:
        return int(struct.unpack(">I", self.take(4))[0])

    def string(self) -> bytes:
        return self.take(self.uint32())

    def end(self) -> None:
        if self.at != len(self.data):
            raise _Garbled("it has bytes after its last field")


def _b64(text: str) -> bytes:
    try:
        return base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError):
        raise _Garbled("its base64 is damaged") from None


def _ed25519_from_ssh_blob(blob: bytes) -> bytes:
    wire = _Wire(blob)
    if wire.string() != _SSH_ED25519:
        raise _Garbled("its key is not an ssh-ed25519 key")
    raw = wire.string()
    wire.end()
    if len(raw) != 32:
        raise _Garbled("its Ed25519 key is not 32 bytes")
    return raw


def _verifies(public: Ed25519PublicKey, signature: bytes, message: bytes) -> bool:
    try:
        public.verify(signature, message)
    except InvalidSignature:
        return False
    return True


def _check_raw_sig(data: bytes, sig: bytes, expected: Ed25519PublicKey) -> None:
    if len(sig) != 64:
        raise _Garbled(f"it is {len(sig)} bytes long, and a raw Ed25519 signature is 64")
    if not _verifies(expected, sig, data):
        raise _RawMismatch


def _check_sshsig(data: bytes, armored: str, expected: Ed25519PublicKey) -> None:
    lines = armored.replace("\r\n", "\n").strip("\n").split("\n")
    if len(lines) < 3 or lines[0] != _SSHSIG_BEGIN or lines[-1] != _SSHSIG_END:
        raise _Garbled(f"it does not start with {_SSHSIG_BEGIN} and end with {_SSHSIG_END}")
    wire = _Wire(_b64("".join(lines[1:-1])))
    if wire.take(6) != _SSHSIG_MAGIC:
        raise _Garbled("it does not start with SSHSIG")
    if (version := wire.uint32()) != _SSHSIG_VERSION:
        raise _Garbled(f"it is SSHSIG version {version}, and only version 1 exists")
    signer = _ed25519_from_ssh_blob(wire.string())
    namespace = wire.string()
    reserved = wire.string()
    hash_name = wire.string().decode("ascii", "replace")
    sig_wire = _Wire(wire.string())
    wire.end()
    if namespace != NAMESPACE.encode():
        raise _Garbled(f"its namespace is {namespace.decode('utf-8', 'replace')!r}, expected {NAMESPACE!r}")
    if hash_name not in _SSHSIG_HASHES:
        raise _Garbled(f"it uses the hash {hash_name!r}; ssh-keygen accepts only sha256 and sha512")
    if sig_wire.string() != _SSH_ED25519:
        raise _Garbled("its signature is not an ssh-ed25519 signature")
    signature = sig_wire.string()
    sig_wire.end()
    if signer != _raw_public(expected):
        raise _WrongKey
    signed = (
        _SSHSIG_MAGIC
        + _ssh_string(namespace)
        + _ssh_string(reserved)
        + _ssh_string(hash_name.encode("ascii"))
        + _ssh_string(_SSHSIG_HASHES[hash_name](data))
    )
    if not _verifies(expected, signature, signed):
        raise InvalidSignature


def _check_minisig(data: bytes, text: str, expected: Ed25519PublicKey) -> None:
    lines = text.split("\n")
    if len(lines) < 4 or any(line == "" for line in lines[:4]) or any(line.strip() for line in lines[4:]):
        raise _Garbled("it does not have the four lines of a minisign signature")
    lines = [line.rstrip("\r") for line in lines[:4]]
    if not lines[0].startswith(_UNTRUSTED):
        raise _Garbled(f"its first line does not start with {_UNTRUSTED!r}")
    if not lines[2].startswith(_TRUSTED):
        raise _Garbled(f"its third line does not start with {_TRUSTED!r}")
    body = _b64(lines[1])
    if len(body) != 74:
        raise _Garbled("its signature line is not the 74 bytes of a minisign signature")
    algorithm, key_id, signature = body[:2], body[2:10], body[10:]
    if algorithm == _MINISIGN_PREHASHED:
        message = hashlib.blake2b(data, digest_size=64).digest()
    elif algorithm == _MINISIGN_LEGACY:
        message = data
    else:
        raise _Garbled(f"its algorithm {algorithm!r} is not ED or Ed")
    if key_id != minisign_key_id(expected):
        raise _WrongKey
    global_signature = _b64(lines[3])
    if len(global_signature) != 64:
        raise _Garbled("its last line is not a 64-byte signature")
    if not _verifies(expected, signature, message):
        raise InvalidSignature
    if not _verifies(expected, global_signature, signature + lines[2][len(_TRUSTED) :].encode("utf-8")):
        raise _BadComment


def _check_signature(folder: _Folder, name: str, data: bytes, suffix: str, expected: Ed25519PublicKey) -> None:
    sig_name = name + suffix
    try:
        if suffix == ".sig":
            if (sig := folder.read(sig_name, small=True)) is not None:
                _check_raw_sig(data, sig, expected)
        elif (text := folder.text(sig_name)) is not None:
            (_check_sshsig if suffix == ".sshsig" else _check_minisig)(data, text, expected)
    except _Garbled as e:
        folder.problems.append(f"{sig_name} is not a valid signature file: {e}.")
    except _WrongKey:
        folder.problems.append(f"{sig_name} was made by a different key from the report key.")
    except _RawMismatch:
        folder.problems.append(
            f"{sig_name} does not verify: {name} or its signature was changed after signing, or another key signed it."
        )
    except _BadComment:
        folder.problems.append(f"{sig_name} has a trusted comment that was changed after it was signed.")
    except InvalidSignature:
        folder.problems.append(
            f"{sig_name} does not match {name}: the file or its signature was changed after signing."
        )


def _check_pem(folder: _Folder, raw: bytes) -> None:
    data = folder.read(KEY_PEM, small=True)
    if data is None:
        return
    try:
        key = serialization.load_pem_public_key(data)
    except (ValueError, UnsupportedAlgorithm):
        folder.problems.append(f"{KEY_PEM} is not a PEM public key file.")
        return
    if not isinstance(key, Ed25519PublicKey) or _raw_public(key) != raw:
        folder.problems.append(f"{KEY_PEM} holds a different key from the report key.")


def _ssh_key_in(line: str) -> bytes:
    """The raw Ed25519 key of an OpenSSH public key line (``ssh-ed25519 AAAA... [comment]``)."""
    fields = line.split()
    if len(fields) < 2 or fields[0] != _SSH_ED25519.decode():
        raise _Garbled("it does not hold an ssh-ed25519 key")
    return _ed25519_from_ssh_blob(_b64(fields[1]))


def _check_ssh_pub(folder: _Folder, raw: bytes) -> None:
    text = folder.text(KEY_SSH)
    if text is None:
        return
    try:
        key = _ssh_key_in(text.strip())
    except _Garbled as e:
        folder.problems.append(f"{KEY_SSH} is not an OpenSSH public key file: {e}.")
        return
    if key != raw:
        folder.problems.append(f"{KEY_SSH} holds a different key from the report key.")


def _check_minisign_pub(folder: _Folder, raw: bytes, key_id: bytes) -> None:
    text = folder.text(KEY_MINISIGN)
    if text is None:
        return
    lines = [line.rstrip("\r") for line in text.split("\n") if line.strip()]
    try:
        if len(lines) != 2 or not lines[0].startswith(_UNTRUSTED):
            raise _Garbled("it does not have the two lines of a minisign public key")
        body = _b64(lines[1])
        if len(body) != 42 or body[:2] != _MINISIGN_PK_ALG:
            raise _Garbled("its key line is not the 42 bytes of a minisign Ed25519 public key")
    except _Garbled as e:
        folder.problems.append(f"{KEY_MINISIGN} is not a minisign public key file: {e}.")
        return
    if body[10:] != raw:
        folder.problems.append(f"{KEY_MINISIGN} holds a different key from the report key.")
    elif body[2:10] != key_id:
        folder.problems.append(
            f"{KEY_MINISIGN} gives the key id {_minisign_id_text(body[2:10])}, expected {_minisign_id_text(key_id)}."
        )


def _allowed_signer_options(options: str) -> dict[str, str]:
    """Split ``a="x",b,c="y"`` into names and values (quoted values may hold commas)."""
    found: dict[str, str] = {}
    for match in re.finditer(r'([A-Za-z-]+)(?:="([^"]*)")?(?:,|$)', options):
        found[match.group(1).lower()] = match.group(2) or ""
    rebuilt = ",".join(f'{k}="{v}"' if v else k for k, v in found.items())
    if rebuilt.lower() != options.lower():
        raise _Garbled(f"its options {options!r} cannot be read")
    return found


def _check_allowed_signers(folder: _Folder, name: str, raw: bytes, *, openssh_8_1: bool) -> None:
    text = folder.text(name)
    if text is None:
        return
    entries = [line.strip() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    try:
        if len(entries) != 1:
            raise _Garbled(f"it has {len(entries)} signer lines, expected 1")
        fields = entries[0].split(None, 2)
        if len(fields) != 3:
            raise _Garbled("its line is not: principal, options, key")
        options = _allowed_signer_options(fields[1])
        key = _ssh_key_in(fields[2])
    except _Garbled as e:
        folder.problems.append(f"{name} is not a valid allowed_signers file: {e}.")
        return
    if key != raw:
        folder.problems.append(f"{name} holds a different key from the report key.")
    namespaces = options.get("namespaces", "").split(",")
    if NAMESPACE not in namespaces:
        folder.problems.append(f"{name} does not allow the key to sign in the namespace {NAMESPACE}.")
    unknown = sorted(set(options) - _OPENSSH_8_1_OPTIONS)
    if openssh_8_1 and unknown:
        folder.problems.append(
            f"{name} uses the option {unknown[0]}, which OpenSSH 8.1 (Windows 10) does not know, "
            "so it would reject the file."
        )


def verify_folder(folder: Path, names: list[str], expected: Ed25519PublicKey) -> list[str]:
    """Check every signature of every named file and every key file; one sentence per problem.

    An empty list means all is well. ``expected`` is the report key the caller trusts
    (from the ledger's keyring, or given by the collective): a folder whose files agree
    with each other but not with it is reported, not accepted.
    """
    problems = _check_names(names)
    if problems:
        return problems
    if not folder.is_dir():
        return [f"{folder} is not a folder."]
    reader = _Folder(folder, problems)
    raw = _raw_public(expected)
    _check_pem(reader, raw)
    _check_ssh_pub(reader, raw)
    _check_minisign_pub(reader, raw, minisign_key_id(expected))
    _check_allowed_signers(reader, ALLOWED_SIGNERS, raw, openssh_8_1=False)
    _check_allowed_signers(reader, ALLOWED_SIGNERS_OPENSSH_8_1, raw, openssh_8_1=True)
    if not (folder / VERIFY_TXT).is_file():
        problems.append(f"{VERIFY_TXT} is missing: a funder would not know how to check the signatures.")
    for name in names:
        data = reader.read(name, small=False)
        if data is None:
            continue
        for suffix in SIGNATURE_SUFFIXES:
            _check_signature(reader, name, data, suffix, expected)
    return problems


# --------------------------------------------------------------------------- VERIFY.txt


def verify_text(
    names: list[str],
    public: Ed25519PublicKey,
    *,
    principal: str,
    valid_after: date,
    valid_before: date | None,
    origin: str,
) -> str:
    """VERIFY.txt: the exact commands, per system and tool, in words a funder follows."""
    return guide(
        names,
        principal=principal,
        namespace=NAMESPACE,
        ssh_fingerprint=ssh_fingerprint(public),
        minisign_id=_minisign_id_text(minisign_key_id(public)),
        raw_key=base64.b64encode(_raw_public(public)).decode("ascii"),
        valid_after=valid_after,
        valid_before=valid_before,
        origin=origin,
    )
