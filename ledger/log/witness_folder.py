"""A witness's folder: its encrypted key, its name, the logs it follows, and its state.

Why a folder of its own: a witness is run by someone other than the log's operator
(that is its point), usually on another machine, so it shares nothing with a
ledger's data folder.  ``witness.key`` is a copro private key file (scrypt and
AES-256-GCM, mode 0600), ``witness.json`` names the witness and the log keys it
trusts, ``state.sqlite`` holds the latest checkpoint cosigned per log.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

from ledger.log.cosignature import Cosigner
from ledger.log.errors import ConfigurationError
from ledger.log.keys import ServicePurpose, dump_key, load_key, new_key, write_private
from ledger.log.signed_note import NoteError, NoteVerifier
from ledger.log.witness import WitnessState

__all__ = ["WitnessFolder"]

_CONFIG = "witness.json"
_KEY = "witness.key"
_STATE = "state.sqlite"


@dataclass(frozen=True)
class WitnessFolder:
    path: Path

    @property
    def config_path(self) -> Path:
        return self.path / _CONFIG

    def _read_config(self) -> dict[str, object]:
        try:
            doc = json.loads(self.config_path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ConfigurationError(
                f"{self.path} is not a witness folder; create one with 'copro witness init NAME --dir {self.path}'."
            ) from None
        except (OSError, ValueError):
            raise ConfigurationError(
                f"{self.config_path} cannot be read as JSON; restore it from your backup."
            ) from None
        if not isinstance(doc, dict) or not isinstance(doc.get("name"), str) or not isinstance(doc.get("logs"), list):
            raise ConfigurationError(f"{self.config_path} is not a copro witness configuration.")
        return doc

    def _write_config(self, doc: dict[str, object]) -> None:
        tmp = self.config_path.with_suffix(".json.tmp")
        tmp.write_text(json.dumps(doc, indent=2) + "\n", encoding="utf-8")
        os.replace(tmp, self.config_path)

    def init(self, name: str, passphrase: str) -> Cosigner:
        """Create the folder's key and configuration; refuse to overwrite an existing witness."""
        if (self.path / _KEY).exists() or self.config_path.exists():
            raise ConfigurationError(f"{self.path} already holds a witness; choose an empty folder.")
        key = new_key(ServicePurpose.WITNESS)
        cosigner = Cosigner(name, key.signing_key)
        try:
            cosigner.verifier()
        except NoteError as e:
            raise ConfigurationError(f"The witness name cannot be used: {e}") from None
        self.path.mkdir(parents=True, exist_ok=True)
        write_private(self.path / _KEY, dump_key(key, passphrase))
        self._write_config({"name": name, "logs": []})
        return cosigner

    def trust(self, vkey: str) -> NoteVerifier:
        """Add a log's checkpoint verifier key to the logs this witness follows."""
        try:
            verifier = NoteVerifier.parse(vkey)
        except NoteError as e:
            raise ConfigurationError(f"That log key cannot be used: {e}") from None
        doc = self._read_config()
        logs = [str(v) for v in doc["logs"]]  # type: ignore[attr-defined]
        if vkey not in logs:
            logs.append(vkey)
        doc["logs"] = logs
        self._write_config(doc)
        return verifier

    def name(self) -> str:
        return str(self._read_config()["name"])

    def trusted_logs(self) -> list[NoteVerifier]:
        doc = self._read_config()
        try:
            return [NoteVerifier.parse(str(v)) for v in doc["logs"]]  # type: ignore[attr-defined]
        except NoteError as e:
            raise ConfigurationError(f"{self.config_path} names a log key that cannot be read: {e}") from None

    def cosigner(self, passphrase: str | None) -> Cosigner:
        key = load_key(self.path / _KEY, ServicePurpose.WITNESS, passphrase)
        return Cosigner(self.name(), key.signing_key)

    def open(self, passphrase: str | None) -> WitnessState:
        return WitnessState(self.path / _STATE, self.cosigner(passphrase), self.trusted_logs())
