"""Operational sign-in data: invitations, sign-in names and passphrase hashes.

This is not governance history, so it lives outside the event log (DESIGN.md):
in its own SQLite file beside the ledger. Passphrases are hashed with argon2id.
Invitations are signed, expire, and work once: the link carries a signed
(member, nonce) pair, and only the nonce's hash is stored, marked used on accept.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from dataclasses import dataclass
from uuid import UUID

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerifyMismatchError
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from ledger.storage.side_store import SideStore

INVITE_DAYS = 14
PASSPHRASE_MIN = 10


class AccountError(Exception):
    """A sign-in problem a person can fix; the message says how."""


@dataclass(frozen=True)
class Account:
    member_id: UUID
    collective_id: UUID
    username: str
    epoch: int


class AccountStore:
    def __init__(self, store: SideStore, secret_key: str) -> None:
        self._db = store
        self._hasher = PasswordHasher()  # argon2id with the library's current recommended parameters
        self._signer = URLSafeTimedSerializer(secret_key, salt="copro-invitation")
        store.execute(
            "CREATE TABLE IF NOT EXISTS copro_invitations (nonce_hash TEXT PRIMARY KEY, member_id TEXT NOT NULL, "
            "collective_id TEXT NOT NULL, created DOUBLE PRECISION NOT NULL, used DOUBLE PRECISION)"
        )
        # username_key is the lower-cased name: "Amara" and "amara" are one sign-in name on both engines.
        store.execute(
            "CREATE TABLE IF NOT EXISTS copro_accounts (member_id TEXT PRIMARY KEY, collective_id TEXT NOT NULL, "
            "username TEXT NOT NULL, username_key TEXT NOT NULL UNIQUE, passphrase_hash TEXT NOT NULL, "
            "epoch INTEGER NOT NULL)"
        )

    def close(self) -> None:
        self._db.close()

    # -- invitations --------------------------------------------------------------------

    def invite(self, member_id: UUID, collective_id: UUID) -> str:
        """A new single-use token for this member; earlier unused ones stay valid until they expire."""
        nonce = secrets.token_urlsafe(16)
        self._db.execute(
            "INSERT INTO copro_invitations (nonce_hash, member_id, collective_id, created) VALUES (?, ?, ?, ?)",
            (_hash(nonce), member_id.hex, collective_id.hex, time.time()),
        )
        return self._signer.dumps({"m": member_id.hex, "n": nonce})

    def check_invitation(self, token: str) -> tuple[UUID, UUID]:
        """(member, collective) of a valid, unused, unexpired invitation, or AccountError saying why not."""
        try:
            data = self._signer.loads(token, max_age=INVITE_DAYS * 86400)
        except SignatureExpired:
            raise AccountError("This invitation has expired. Ask your steward for a new one.") from None
        except BadSignature:
            raise AccountError(
                "This invitation link is not valid. Check you copied all of it, or ask for a new one."
            ) from None
        row = self._db.execute(
            "SELECT member_id, collective_id, used FROM copro_invitations WHERE nonce_hash = ?",
            (_hash(str(data.get("n"))),),
        ).fetchone()
        if row is None or row[0] != data.get("m"):
            raise AccountError("This invitation link is not valid. Ask your steward for a new one.")
        if row[2] is not None:
            raise AccountError("This invitation has already been used. Sign in instead, or ask for a new one.")
        return UUID(row[0]), UUID(row[1])

    def accept(self, token: str, username: str, passphrase: str) -> Account:
        member_id, collective_id = self.check_invitation(token)
        username = username.strip()
        if not 3 <= len(username) <= 40 or not all(c.isalnum() or c in "._-" for c in username):
            raise AccountError("Choose a sign-in name of 3 to 40 letters, digits, dots, dashes or underscores.")
        if len(passphrase) < PASSPHRASE_MIN:
            raise AccountError(f"Choose a passphrase of at least {PASSPHRASE_MIN} characters; a few words work well.")
        if len(passphrase) > 1000:
            raise AccountError("That passphrase is too long; keep it under 1000 characters.")
        nonce = self._signer.loads(token)["n"]
        passphrase_hash = self._hasher.hash(passphrase)  # slow on purpose: outside the transaction
        with self._db.transaction():
            used = self._db.execute(
                "UPDATE copro_invitations SET used = ? WHERE nonce_hash = ? AND used IS NULL",
                (time.time(), _hash(nonce)),
            ).rowcount
            if used != 1:
                raise AccountError("This invitation has already been used. Sign in instead, or ask for a new one.")
            taken = self._db.execute(
                "SELECT member_id FROM copro_accounts WHERE username_key = ? AND member_id != ?",
                (username.lower(), member_id.hex),
            ).fetchone()
            if taken:
                raise AccountError("That sign-in name is taken; choose another.")
            self._db.execute(
                "INSERT INTO copro_accounts (member_id, collective_id, username, username_key, passphrase_hash, epoch) "
                "VALUES (?, ?, ?, ?, ?, 1) ON CONFLICT (member_id) DO UPDATE SET username = excluded.username, "
                "username_key = excluded.username_key, passphrase_hash = excluded.passphrase_hash, "
                "epoch = copro_accounts.epoch + 1",
                (member_id.hex, collective_id.hex, username, username.lower(), passphrase_hash),
            )
        account = self.by_member(member_id)
        assert account is not None
        return account

    # -- sign-in ----------------------------------------------------------------------------

    def authenticate(self, username: str, passphrase: str) -> Account:
        row = self._db.execute(
            "SELECT member_id, passphrase_hash FROM copro_accounts WHERE username_key = ?", (username.strip().lower(),)
        ).fetchone()
        failure = AccountError("That sign-in name and passphrase do not match. Check both and try again.")
        if row is None:
            self._hasher.hash(passphrase)  # same work either way: no timing hint that the name exists
            raise failure
        try:
            self._hasher.verify(row[1], passphrase)
        except (VerifyMismatchError, InvalidHashError):
            raise failure from None
        account = self.by_member(UUID(row[0]))
        assert account is not None
        return account

    def by_member(self, member_id: UUID) -> Account | None:
        row = self._db.execute(
            "SELECT member_id, collective_id, username, epoch FROM copro_accounts WHERE member_id = ?", (member_id.hex,)
        ).fetchone()
        return None if row is None else Account(UUID(row[0]), UUID(row[1]), str(row[2]), int(row[3]))


def _hash(nonce: str) -> str:
    return hashlib.sha256(nonce.encode()).hexdigest()
