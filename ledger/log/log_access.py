"""Who may read the served log, for collectives that do not make it public.

By default ``/log/`` is public: it reveals only what the records hold, with
personal text sealed.  A collective may prefer to show it only to named auditors;
the operator then lists them in ``<data>/log-auditors`` (one ``name sha256-of-token``
line each, mode 0600) with ``copro log-access add NAME``, which prints the token
once.  Only the token's SHA-256 is stored, so the file does not let anyone in.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from pathlib import Path

from ledger.log.errors import ConfigurationError
from ledger.log.keys import write_private

__all__ = ["AUDITORS_FILE", "LogAccess"]

AUDITORS_FILE = "log-auditors"
_NAME = re.compile(r"[A-Za-z0-9._@-]{1,64}")


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class LogAccess:
    def __init__(self, data_dir: Path) -> None:
        self.path = data_dir / AUDITORS_FILE

    def restricted(self) -> bool:
        return self.path.exists()

    def _entries(self) -> dict[str, str]:
        try:
            lines = self.path.read_text(encoding="utf-8").splitlines()
        except FileNotFoundError:
            return {}
        out: dict[str, str] = {}
        for line in lines:
            name, _, digest = line.strip().partition(" ")
            if name and re.fullmatch(r"[0-9a-f]{64}", digest):
                out[name] = digest
        return out

    def _write(self, entries: dict[str, str]) -> None:
        write_private(self.path, "".join(f"{n} {d}\n" for n, d in sorted(entries.items())).encode())

    def add(self, name: str) -> str:
        """Name an auditor; return their token (shown once, never stored)."""
        if not _NAME.fullmatch(name):
            raise ConfigurationError("An auditor's name is 1 to 64 letters, digits, '.', '_', '@' or '-'.")
        entries = self._entries()
        if name in entries:
            raise ConfigurationError(f"{name} can already read the log; remove them first to issue a new token.")
        token = secrets.token_urlsafe(32)
        entries[name] = _digest(token)
        self._write(entries)
        return token

    def remove(self, name: str) -> None:
        entries = self._entries()
        if name not in entries:
            raise ConfigurationError(f"{name} is not among the auditors who can read the log.")
        del entries[name]
        self._write(entries)  # an empty file still restricts: the log stays closed

    def names(self) -> list[str]:
        return sorted(self._entries())

    def allows(self, token: str | None) -> bool:
        """Whether this bearer token opens the log (always, when the log is public)."""
        if not self.restricted():
            return True
        if not token:
            return False
        digest = _digest(token)
        return any(hmac.compare_digest(digest, d) for d in self._entries().values())
