"""The ledger's keys: one per purpose, encrypted at rest, rotated by logged events.

Three Ed25519 keys sign three different things (DESIGN.md "Separate keys for
separate purposes"): every stored event, every checkpoint, every funder report.
A fourth, symmetric key wraps the per-person keys that seal personal data.

A private key file is JSON. Its secret is encrypted with AES-256-GCM under a key
derived from the passphrase with scrypt; the purpose and public key are bound as
associated data, so a file cannot be relabelled. Only ``make demo`` may write
unencrypted keys, and every load of one prints a warning.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import json
import os
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from ledger.log.environment import secret_from_env
from ledger.log.errors import ConfigurationError, KeyError_

PASSPHRASE_ENV = "COPRO_KEY_PASSPHRASE"
FILE_FORMAT = "copro-private-key/1"
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**15, 8, 1
PROTECTED = "scrypt-aes-256-gcm"
INSECURE = "none-insecure-dev"
INSECURE_WARNING = (
    "Warning: the demo's keys in {path} are not protected by a passphrase, so anyone who can "
    "read them could fake this ledger's history; that is fine for trying copro, never for a real collective."
)


class Purpose(StrEnum):
    """What a key is for. A key never serves two purposes."""

    EVENT = "event"
    CHECKPOINT = "checkpoint"
    REPORT = "report"
    SEAL = "seal"


class ServicePurpose(StrEnum):
    """Keys of services that sit beside a ledger, not in it: never part of a ledger's key set.

    A witness run by a partner organisation signs cosignatures with its own key,
    kept in the same encrypted file format as the ledger's keys.
    """

    WITNESS = "witness"
    CHECKPOINT_MLDSA44 = "checkpoint-mldsa44"  # the log's optional second, post-quantum, checkpoint signature


AnyPurpose = Purpose | ServicePurpose


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def unb64(text: str) -> bytes:
    return base64.b64decode(text.encode("ascii"), validate=True)


def raw_public(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def event_key_id(public_key: bytes) -> bytes:
    """4-byte id of an event key: SHA-256("copro event key" || 0x0A || 0x01 || key)[:4].

    Event records carry it so a verifier knows which key in the keyring to use.
    """
    return hashlib.sha256(b"copro event key\n\x01" + public_key).digest()[:4]


def pem_public(key: Ed25519PublicKey) -> str:
    return key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode("ascii")


def openssh_public(key: Ed25519PublicKey, comment: str) -> str:
    line = key.public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH)
    return f"{line.decode('ascii')} {comment}"


@functools.lru_cache(maxsize=64)
def _derive(passphrase: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    # Cached: one process loads several keys sharing a passphrase; scrypt is slow on purpose.
    return Scrypt(salt=salt, length=32, n=n, r=r, p=p).derive(passphrase.encode("utf-8"))


def _aad(purpose: str, public: str) -> bytes:
    return f"{FILE_FORMAT}|{purpose}|{public}".encode()


@dataclass(frozen=True)
class KeyFile:
    """A decrypted private key and what it is for."""

    purpose: AnyPurpose
    secret: bytes  # the Ed25519 seed, or the AES key for Purpose.SEAL
    insecure: bool = False

    @property
    def signing_key(self) -> Ed25519PrivateKey:
        return Ed25519PrivateKey.from_private_bytes(self.secret)

    @property
    def public_key(self) -> Ed25519PublicKey:
        return self.signing_key.public_key()

    def public_text(self) -> str:
        if self.purpose is ServicePurpose.CHECKPOINT_MLDSA44:
            from cryptography.hazmat.primitives.asymmetric.mldsa import MLDSA44PrivateKey

            return b64(MLDSA44PrivateKey.from_seed_bytes(self.secret).public_key().public_bytes_raw())
        return "" if self.purpose is Purpose.SEAL else b64(raw_public(self.public_key))


def new_key(purpose: AnyPurpose) -> KeyFile:
    if purpose is Purpose.SEAL:
        return KeyFile(purpose, AESGCM.generate_key(bit_length=256))
    if purpose is ServicePurpose.CHECKPOINT_MLDSA44:
        return KeyFile(purpose, os.urandom(32))  # the ML-DSA-44 seed (FIPS 204 xi)
    seed = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.Raw,
        serialization.PrivateFormat.Raw,
        serialization.NoEncryption(),
    )
    return KeyFile(purpose, seed)


def dump_key(key: KeyFile, passphrase: str | None) -> bytes:
    """Serialise; ``passphrase=None`` writes the loudly-insecure dev format."""
    doc: dict[str, object] = {
        "format": FILE_FORMAT,
        "purpose": key.purpose.value,
        "algorithm": "aes-256-gcm"
        if key.purpose is Purpose.SEAL
        else "ml-dsa-44"
        if key.purpose is ServicePurpose.CHECKPOINT_MLDSA44
        else "ed25519",
        "public_key": key.public_text(),
    }
    if passphrase is None:
        doc["protection"] = INSECURE
        doc["secret"] = b64(key.secret)
    else:
        salt, nonce = os.urandom(16), os.urandom(12)
        kek = _derive(passphrase, salt, SCRYPT_N, SCRYPT_R, SCRYPT_P)
        ct = AESGCM(kek).encrypt(nonce, key.secret, _aad(key.purpose.value, key.public_text()))
        doc["protection"] = PROTECTED
        doc["kdf"] = {"name": "scrypt", "salt": b64(salt), "n": SCRYPT_N, "r": SCRYPT_R, "p": SCRYPT_P}
        doc["nonce"] = b64(nonce)
        doc["ciphertext"] = b64(ct)
    return (json.dumps(doc, indent=2, sort_keys=True) + "\n").encode()


def load_key(path: Path, purpose: AnyPurpose, passphrase: str | None) -> KeyFile:
    """Read and decrypt one key file, explaining exactly what went wrong if it fails."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise KeyError_(
            f"The {purpose.value} key file {path} is missing; run 'copro keys init' "
            "or point COPRO_DATA at the folder that holds your keys."
        ) from None
    except PermissionError:
        raise KeyError_(f"Cannot read the key file {path}: permission denied.") from None
    try:
        doc = json.loads(raw)
        if doc.get("format") != FILE_FORMAT or doc.get("purpose") != purpose.value:
            raise ValueError("wrong format or purpose")
        public = str(doc["public_key"])
        if doc["protection"] == INSECURE:
            key = KeyFile(purpose, unb64(doc["secret"]), insecure=True)
        elif doc["protection"] == PROTECTED:
            kdf = doc["kdf"]
            salt, nonce, ct = unb64(kdf["salt"]), unb64(doc["nonce"]), unb64(doc["ciphertext"])
            n, r, p = int(kdf["n"]), int(kdf["r"]), int(kdf["p"])
        else:
            raise ValueError("unknown protection")
    except (ValueError, KeyError, TypeError, AttributeError):
        raise KeyError_(
            f"The key file {path} is corrupt or is not a copro {purpose.value} key; restore it from your backup."
        ) from None
    if doc["protection"] == PROTECTED:
        if passphrase is None:
            raise KeyError_(f"The key file {path} is encrypted; set {PASSPHRASE_ENV} to its passphrase.")
        try:
            secret = AESGCM(_derive(passphrase, salt, n, r, p)).decrypt(nonce, ct, _aad(purpose.value, public))
        except InvalidTag:
            raise KeyError_(
                f"The passphrase in {PASSPHRASE_ENV} does not open {path}; "
                "set the passphrase you chose at 'copro keys init'."
            ) from None
        key = KeyFile(purpose, secret)
    if key.public_text() != public:
        raise KeyError_(f"The key file {path} is corrupt: its public key does not match its secret.")
    return key


def passphrase_from_env(*, required: bool = True) -> str | None:
    value = secret_from_env(PASSPHRASE_ENV)  # or from the file $COPRO_KEY_PASSPHRASE_FILE names (a secret)
    if value is None and required:
        raise ConfigurationError(
            f"Set {PASSPHRASE_ENV} (or {PASSPHRASE_ENV}_FILE, a file holding it) to the passphrase "
            "that protects this ledger's keys."
        )
    if value is not None and len(value) < 12:
        raise ConfigurationError(f"{PASSPHRASE_ENV} must be at least 12 characters long.")
    return value


def write_private(path: Path, data: bytes) -> None:
    """Write a key file readable by its owner only (mode 0600), atomically."""
    tmp = path.with_suffix(path.suffix + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.fchmod(fd, 0o600)  # a leftover .tmp keeps its old mode through O_TRUNC; the umask does not matter
        os.write(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, path)
