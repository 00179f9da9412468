"""The keys folder: creating, loading and rotating a ledger's keys on disk.

Layout (``<data>/keys``): ``ledger.json`` (the origin), one ``<purpose>.key`` per
purpose (mode 0600, encrypted), and ``public/event-<id>.pem`` for every event key
ever used, so events signed before a rotation still verify when read.
"""

from __future__ import annotations

import json
import os
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from ledger.log.errors import ConfigurationError, KeyError_
from ledger.log.files import private_folder
from ledger.log.keys import (
    INSECURE_WARNING,
    KeyFile,
    Purpose,
    ServicePurpose,
    dump_key,
    event_key_id,
    load_key,
    new_key,
    pem_public,
    raw_public,
    write_private,
)

ORIGIN_RE = re.compile(r"^[a-z0-9.-]+(/[A-Za-z0-9._~-]+)*$")


def check_origin(origin: str) -> str:
    if not ORIGIN_RE.match(origin) or len(origin) > 200:
        raise ConfigurationError(
            f"The origin {origin!r} is not valid; use a schema-less URL such as "
            "'example.org/copro/our-collective' (lower-case host, then a path)."
        )
    return origin


PQ_KEY_FILE = "checkpoint-mldsa44.key"


@dataclass
class LedgerKeys:
    """Every private key a running ledger needs, decrypted, and the public history."""

    origin: str
    event: KeyFile
    checkpoint: KeyFile
    report: KeyFile
    seal: KeyFile
    event_history: dict[bytes, Ed25519PublicKey] = field(default_factory=dict)
    insecure: bool = False
    post_quantum: KeyFile | None = None  # ML-DSA-44: a second checkpoint signature, if the operator added one


_WARNED: set[Path] = set()  # keys folders whose unencrypted keys this process has warned about


class KeysFolder:
    def __init__(self, path: Path) -> None:
        self.path = path

    @property
    def exists(self) -> bool:
        return (self.path / "ledger.json").exists()

    def key_files(self) -> list[Path]:
        """Every private key file in the folder, current or staged for a rotation."""
        return sorted(self.path.glob("*.key*")) if self.path.is_dir() else []

    def key_path(self, purpose: Purpose) -> Path:
        return self.path / f"{purpose.value}.key"

    def init(self, origin: str, passphrase: str | None) -> LedgerKeys:
        """Make all keys. ``passphrase=None`` is the insecure dev mode."""
        check_origin(origin)
        if self.exists or self.key_files():
            raise ConfigurationError(
                f"Keys already exist in {self.path}; refusing to overwrite them. "
                "Use 'copro keys rotate' to replace a key."
            )
        try:
            private_folder(self.path)
            private_folder(self.path / "public")
        except PermissionError:
            raise ConfigurationError(f"Cannot create the keys folder {self.path}: permission denied.") from None
        keys = {p: new_key(p) for p in Purpose}
        for purpose, key in keys.items():
            write_private(self.key_path(purpose), dump_key(key, passphrase))
        self._publish_event_key(keys[Purpose.EVENT])
        meta = {"format": "copro-keys/1", "origin": origin}
        write_private(self.path / "ledger.json", (json.dumps(meta, indent=2) + "\n").encode())
        return self._assemble(origin, keys)

    def _publish_event_key(self, key: KeyFile) -> None:
        pub = raw_public(key.public_key)
        path = self.path / "public" / f"event-{event_key_id(pub).hex()}.pem"
        write_private(path, pem_public(key.public_key).encode("ascii"))

    def origin(self) -> str:
        try:
            meta = json.loads((self.path / "ledger.json").read_text())
            return check_origin(str(meta["origin"]))
        except FileNotFoundError:
            raise KeyError_(
                f"No keys in {self.path}; run 'copro keys init' first (or 'make demo' for a demo ledger)."
            ) from None
        except (ValueError, KeyError, TypeError):
            raise KeyError_(f"{self.path / 'ledger.json'} is corrupt; restore it from your backup.") from None

    def load(self, passphrase: str | None) -> LedgerKeys:
        origin = self.origin()
        keys = {p: load_key(self.key_path(p), p, passphrase) for p in Purpose}
        loaded = self._assemble(origin, keys)
        pq = self.path / PQ_KEY_FILE
        if pq.exists():
            loaded.post_quantum = load_key(pq, ServicePurpose.CHECKPOINT_MLDSA44, passphrase)
        if loaded.insecure and self.path.resolve() not in _WARNED:
            # Once per process and folder: a command that loads its keys several times
            # (the demo seeds, checkpoints and verifies) says it once, so it is read.
            _WARNED.add(self.path.resolve())
            print(INSECURE_WARNING.format(path=self.path), file=sys.stderr)
        return loaded

    def _assemble(self, origin: str, keys: dict[Purpose, KeyFile]) -> LedgerKeys:
        history: dict[bytes, Ed25519PublicKey] = {}
        for pem in sorted((self.path / "public").glob("event-*.pem")):
            pub = serialization.load_pem_public_key(pem.read_bytes())
            if isinstance(pub, Ed25519PublicKey):
                history[event_key_id(raw_public(pub))] = pub
        return LedgerKeys(
            origin,
            keys[Purpose.EVENT],
            keys[Purpose.CHECKPOINT],
            keys[Purpose.REPORT],
            keys[Purpose.SEAL],
            history,
            insecure=any(k.insecure for k in keys.values()),
        )

    def add_post_quantum(self, passphrase: str | None) -> KeyFile:
        """Create the ML-DSA-44 checkpoint key; every checkpoint from now on carries both signatures."""
        self.origin()
        path = self.path / PQ_KEY_FILE
        if path.exists():
            raise ConfigurationError(f"{path} already exists; this ledger already signs checkpoints with ML-DSA-44.")
        key = new_key(ServicePurpose.CHECKPOINT_MLDSA44)
        write_private(path, dump_key(key, passphrase))
        return key

    def stage_rotation(self, purpose: Purpose, passphrase: str | None) -> tuple[KeyFile, Path]:
        """Write the next key beside the current one; it replaces it once the rotation is logged."""
        key = new_key(purpose)
        staged = self.path / f"{purpose.value}.key.next"
        write_private(staged, dump_key(key, passphrase))
        if purpose is Purpose.EVENT:
            self._publish_event_key(key)
        return key, staged

    def commit_rotation(self, purpose: Purpose, staged: Path) -> None:
        """Replace the current key. The old private key is destroyed: its public half is
        in the log, which is all a verifier needs, and a key that no longer exists cannot leak."""
        os.replace(staged, self.key_path(purpose))
