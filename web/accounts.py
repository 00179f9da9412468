"""Operational sign-in data: invitations, sign-in names, passphrase hashes, sessions, throttling.

This is not governance history, so it lives outside the event log (DESIGN.md), in the
side store: its own SQLite file beside the ledger, or tables in the same PostgreSQL
database. Passphrases are NFC-normalised and hashed with argon2id. Invitations are
signed, expire, and work once: the link carries a signed (member, nonce) pair, and only
the nonce's hash is stored, marked used on accept. Sign-in names are unique by their
UTS #39 skeleton (web/names.py), so no two look alike.
"""

from __future__ import annotations

import hashlib
import secrets
import sqlite3
import time
from collections.abc import Iterable
from dataclasses import dataclass
from uuid import UUID

import psycopg
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerifyMismatchError
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from ledger.personal.side_store import SideStore
from web import names, passphrases
from web.messages import N_, _
from web.sessions import SessionStore
from web.throttle import Refusal, SignInThrottle

INVITE_DAYS = 14
_TAKEN = N_("That sign-in name is taken, or looks too much like one that is; choose another.")


class AccountError(Exception):
    """A sign-in problem a person can fix; the message says how."""


class InvitationGone(AccountError):
    """The invitation was real but cannot be used any more (expired or used): 410, not 400."""


class TooManyAttempts(AccountError):
    """Sign-in refused without checking the passphrase; ``wait`` says for how many seconds."""

    def __init__(self, refusal: Refusal) -> None:
        super().__init__(refusal.sentence())
        self.wait = refusal.wait


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
        with store.schema():  # one process at a time on PostgreSQL (ledger.log.schema_lock)
            store.execute(
                "CREATE TABLE IF NOT EXISTS copro_invitations (nonce_hash TEXT PRIMARY KEY, member_id TEXT NOT NULL, "
                "collective_id TEXT NOT NULL, created DOUBLE PRECISION NOT NULL, used DOUBLE PRECISION)"
            )
            # username_key is the lower-cased name: "Amara" and "amara" are one sign-in name on both engines.
            # username_skeleton is its UTS #39 confusable key: "amara" with a Cyrillic "a" (U+0430) is "amara" too.
            # epoch counts how often the passphrase was set.
            store.execute(
                "CREATE TABLE IF NOT EXISTS copro_accounts (member_id TEXT PRIMARY KEY, collective_id TEXT NOT NULL, "
                "username TEXT NOT NULL, username_key TEXT NOT NULL UNIQUE, passphrase_hash TEXT NOT NULL, "
                "epoch INTEGER NOT NULL, username_skeleton TEXT)"
            )
            self._add_skeletons()
            store.execute(
                "CREATE UNIQUE INDEX IF NOT EXISTS copro_accounts_skeleton ON copro_accounts (username_skeleton)"
            )
        self.sessions = SessionStore(store)
        self.throttle = SignInThrottle(store)

    def _add_skeletons(self) -> None:
        """Accounts made before skeletons were kept get theirs; two old look-alikes both keep signing in."""
        if "username_skeleton" not in self._db.columns("copro_accounts"):
            self._db.execute("ALTER TABLE copro_accounts ADD COLUMN username_skeleton TEXT")
        rows = self._db.execute(
            "SELECT member_id, username FROM copro_accounts WHERE username_skeleton IS NULL ORDER BY member_id"
        ).fetchall()
        for member_hex, username in rows:
            key = names.confusable_key(str(username))
            if self._db.execute("SELECT 1 FROM copro_accounts WHERE username_skeleton = ?", (key,)).fetchone():
                key = f"{key} {member_hex}"  # unique, and never the key of a new name (names have no spaces)
            self._db.execute(
                "UPDATE copro_accounts SET username_skeleton = ? WHERE member_id = ?", (key, str(member_hex))
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
            raise InvitationGone(_("This invitation has expired. Ask your steward for a new one.")) from None
        except BadSignature:
            raise AccountError(
                _("This invitation link is not valid. Check you copied all of it, or ask for a new one.")
            ) from None
        row = self._db.execute(
            "SELECT member_id, collective_id, used FROM copro_invitations WHERE nonce_hash = ?",
            (_hash(str(data.get("n"))),),
        ).fetchone()
        if row is None or row[0] != data.get("m"):
            raise AccountError(_("This invitation link is not valid. Ask your steward for a new one."))
        if row[2] is not None:
            raise InvitationGone(_("This invitation has already been used. Sign in instead, or ask for a new one."))
        return UUID(row[0]), UUID(row[1])

    def accept(self, token: str, username: str, passphrase: str, *, known_names: Iterable[str] = ()) -> Account:
        """Set up (or reset) the member's sign-in. A reset ends every session they had.

        ``known_names`` (the member's own name) join the sign-in name as words a passphrase must not be built from.
        """
        member_id, collective_id = self.check_invitation(token)
        try:
            username = names.check(username)
            passphrase = passphrases.check(passphrase, known=[username, *known_names])
        except (names.SignInNameError, passphrases.PassphraseError) as e:
            raise AccountError(str(e)) from None
        key, skeleton = names.lookup_key(username), names.confusable_key(username)
        nonce = self._signer.loads(token)["n"]
        passphrase_hash = self._hasher.hash(passphrase)  # slow on purpose: outside the transaction
        try:
            with self._db.transaction():
                used = self._db.execute(
                    "UPDATE copro_invitations SET used = ? WHERE nonce_hash = ? AND used IS NULL",
                    (time.time(), _hash(nonce)),
                ).rowcount
                if used != 1:
                    raise InvitationGone(
                        _("This invitation has already been used. Sign in instead, or ask for a new one.")
                    )
                taken = self._db.execute(
                    "SELECT member_id FROM copro_accounts WHERE (username_key = ? OR username_skeleton = ?) "
                    "AND member_id != ?",
                    (key, skeleton, member_id.hex),
                ).fetchone()
                if taken:
                    raise AccountError(_(_TAKEN))
                self._db.execute(
                    "INSERT INTO copro_accounts (member_id, collective_id, username, username_key, passphrase_hash, "
                    "epoch, username_skeleton) VALUES (?, ?, ?, ?, ?, 1, ?) ON CONFLICT (member_id) DO UPDATE SET "
                    "username = excluded.username, username_key = excluded.username_key, "
                    "passphrase_hash = excluded.passphrase_hash, username_skeleton = excluded.username_skeleton, "
                    "epoch = copro_accounts.epoch + 1",
                    (member_id.hex, collective_id.hex, username, key, passphrase_hash, skeleton),
                )
                self.sessions.delete_member(member_id.hex)
        except (sqlite3.IntegrityError, psycopg.errors.UniqueViolation):
            # Two look-alike names accepted at the same moment: the database's unique index caught the second.
            raise AccountError(_(_TAKEN)) from None
        account = self.by_member(member_id)
        if account is None:
            raise AccountError(_("Your sign-in could not be saved. Try the invitation link again."))
        return account

    # -- sign-in ----------------------------------------------------------------------------

    def authenticate(self, username: str, passphrase: str, *, address: str, now: float) -> Account:
        """The account, or AccountError; TooManyAttempts (checked first, nothing verified) when throttled."""
        key = names.lookup_key(username)[:100]
        refusal = self.throttle.check(address, key, now)
        if refusal is not None:
            raise TooManyAttempts(refusal)
        passphrase = passphrases.normalise(passphrase)
        row = self._db.execute(
            "SELECT member_id, passphrase_hash FROM copro_accounts WHERE username_key = ?", (key,)
        ).fetchone()
        failure = AccountError(_("That sign-in name and passphrase do not match. Check both and try again."))
        if row is None:
            self._hasher.hash(passphrase)  # same work either way: no timing hint that the name exists
            self.throttle.failed(address, key, now)
            raise failure
        try:
            self._hasher.verify(row[1], passphrase)
        except (VerifyMismatchError, InvalidHashError):
            self.throttle.failed(address, key, now)
            raise failure from None
        account = self.by_member(UUID(row[0]))
        if account is None:  # forgotten between the two reads
            raise failure
        self.throttle.succeeded(key)
        return account

    def by_member(self, member_id: UUID) -> Account | None:
        row = self._db.execute(
            "SELECT member_id, collective_id, username, epoch FROM copro_accounts WHERE member_id = ?", (member_id.hex,)
        ).fetchone()
        return None if row is None else Account(UUID(row[0]), UUID(row[1]), str(row[2]), int(row[3]))

    # -- erasure ----------------------------------------------------------------------------

    def forget(self, member_id: UUID) -> None:
        """Erase the member's sign-in: account, every session, invitations, throttle counters, in one transaction.

        Then the side store pushes the deletions out of SQLite's write-ahead log (secure_delete is on).
        Forgetting someone who has no sign-in is not an error: there is simply nothing left.
        """
        with self._db.transaction():
            row = self._db.execute(
                "SELECT username_key FROM copro_accounts WHERE member_id = ?", (member_id.hex,)
            ).fetchone()
            self._db.execute("DELETE FROM copro_accounts WHERE member_id = ?", (member_id.hex,))
            self._db.execute("DELETE FROM copro_invitations WHERE member_id = ?", (member_id.hex,))
            self.sessions.delete_member(member_id.hex)
            if row is not None:
                self.throttle.forget_account(str(row[0]))
        self._db.after_delete()


def _hash(nonce: str) -> str:
    return hashlib.sha256(nonce.encode()).hexdigest()
