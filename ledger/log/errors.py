"""Typed errors that speak to people.

Every error a user can cause or meet carries one plain sentence saying what is
wrong and what to do about it, and the process exit code the CLI should use.
Infrastructure errors are translated into these at the boundary, so nobody ever
sees a traceback for a mistake they made.

Pure (the standard library only), so the verifier core can raise these. Translating an
error of the machine, the database or the network into a sentence is
``ledger.log.operational``'s, which knows the drivers.
"""

from __future__ import annotations


class CoproError(Exception):
    """Base of every error copro raises on purpose."""

    exit_code = 2

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def diagnostics(self) -> str:
        """The text to show a person."""
        return self.message


class ConfigurationError(CoproError):
    """The ledger cannot be opened as configured (missing folder, bad setting)."""


class KeyError_(CoproError):
    """A key file is missing, corrupt, or the passphrase does not open it."""


class NotALedgerError(CoproError):
    """The database exists but was not created by copro."""


class IntegrityError(CoproError):
    """Stored history does not verify: a signature, a leaf or a checkpoint is wrong."""

    exit_code = 1


class SignatureError(IntegrityError):
    """A stored event's signature does not verify with the key in force."""
