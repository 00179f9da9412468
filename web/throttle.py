"""Sign-in throttling per account and per address, kept in the side store.

Only wrong passphrases count. Three counters, each over a fixed 15-minute window:

- one address guessing at one sign-in name: 5 failures, then that pair waits;
- one sign-in name from anywhere: 10 failures, so spreading guesses over many addresses
  gains nothing against one account;
- one address at all: 100 failures, a generous ceiling for someone trying many names.

A collective often arrives through one reverse proxy, so everyone may share an address:
one member's wrong guesses at their own name stop at the first counter and never reach
another member's. A refused attempt (429) is not checked and not counted, so hammering
while refused makes nothing worse. Rows live in the side store, so every web process
shares them; they hold addresses and typed names, so they are deleted once their window
has passed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from ledger.personal.side_store import SideStore
from web.messages import ngettext

WINDOW = 15 * 60
PER_ADDRESS_AND_NAME = 5
PER_NAME = 10
PER_ADDRESS = 100


@dataclass(frozen=True)
class Refusal:
    """Why a sign-in attempt is not even checked, and for how many seconds."""

    wait: float

    def sentence(self) -> str:
        minutes = max(1, math.ceil(self.wait / 60))
        return ngettext(
            "Too many wrong passphrases in a short time. Wait %(num)s minute, then try again.",
            "Too many wrong passphrases in a short time. Wait %(num)s minutes, then try again.",
            minutes,
        )


class SignInThrottle:
    """The ``copro_signin_failures`` table: failure counts per key and window."""

    def __init__(self, store: SideStore) -> None:
        self._db = store
        with store.schema():  # one process at a time on PostgreSQL (ledger.log.schema_lock)
            store.execute(
                "CREATE TABLE IF NOT EXISTS copro_signin_failures (key TEXT PRIMARY KEY, account TEXT NOT NULL, "
                "failures INTEGER NOT NULL, window_start DOUBLE PRECISION NOT NULL)"
            )
            store.execute("CREATE INDEX IF NOT EXISTS copro_signin_failures_account ON copro_signin_failures (account)")
            store.execute(
                "CREATE INDEX IF NOT EXISTS copro_signin_failures_window ON copro_signin_failures (window_start)"
            )

    @staticmethod
    def _keys(address: str, name_key: str) -> dict[str, tuple[str, int]]:
        return {
            f"pair {address} {name_key}": (name_key, PER_ADDRESS_AND_NAME),
            f"name {name_key}": (name_key, PER_NAME),
            f"address {address}": ("", PER_ADDRESS),
        }

    def check(self, address: str, name_key: str, now: float) -> Refusal | None:
        """A Refusal when any counter for this attempt is full; None to go ahead and check the passphrase."""
        keys = self._keys(address, name_key)
        rows = self._db.execute(
            "SELECT key, failures, window_start FROM copro_signin_failures WHERE key IN (?, ?, ?)", tuple(keys)
        ).fetchall()
        waits = [
            float(start) + WINDOW - now
            for key, failures, start in rows
            if now - float(start) < WINDOW and int(failures) >= keys[key][1]
        ]
        return Refusal(max(waits)) if waits else None

    def failed(self, address: str, name_key: str, now: float) -> None:
        """Count one wrong passphrase against the pair, the name and the address."""
        with self._db.transaction():
            self._db.execute("DELETE FROM copro_signin_failures WHERE window_start <= ?", (now - WINDOW,))
            for key, (account, _) in self._keys(address, name_key).items():
                self._db.execute(
                    "INSERT INTO copro_signin_failures (key, account, failures, window_start) VALUES (?, ?, 1, ?) "
                    "ON CONFLICT (key) DO UPDATE SET failures = copro_signin_failures.failures + 1",
                    (key, account, now),
                )

    def succeeded(self, name_key: str) -> None:
        """The member got it right: the counters naming them start again (the address ceiling stays)."""
        self.forget_account(name_key)

    def forget_account(self, name_key: str) -> None:
        """Every counter naming this sign-in name. Runs in the caller's transaction."""
        self._db.execute("DELETE FROM copro_signin_failures WHERE account = ?", (name_key,))
