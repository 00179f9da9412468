"""Server-side sessions: signing out ends a session everywhere, not just in one browser.

The cookie holds only a random opaque id (``secrets.token_urlsafe(32)``); the side store
keeps its SHA-256, the member it belongs to, when it began and when it was last used,
and the session's data (the CSRF token, flash messages). A copy of the cookie is
worthless once the row is gone, and the row goes when the member signs out, when the
session has been idle for ``COPRO_SESSION_IDLE`` seconds, when it is ``COPRO_SESSION_MAX``
seconds old whatever the activity, when the member sets a new passphrase, and when the
account is forgotten. The id changes at sign-in, so an id planted before sign-in
(session fixation) never becomes a signed-in one.

Time comes from ``app.config["COPRO_CLOCK"]`` (``time.time`` unless a test moves it).
"""

from __future__ import annotations

import hashlib
import logging
import secrets
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, cast

from flask import Flask, Request, session
from flask.json.tag import TaggedJSONSerializer
from flask.sessions import SessionInterface, SessionMixin
from werkzeug.datastructures import CallbackDict
from werkzeug.wrappers import Response

from ledger.personal.side_store import SideStore

IDLE_DEFAULT = 2 * 60 * 60  # two hours without a request signs a member out
MAX_DEFAULT = 12 * 60 * 60  # twelve hours after sign-in, whatever the activity
# last_seen is written at most once a minute per session, not on every request.
TOUCH_EVERY = 60


def _hash(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


@dataclass(frozen=True)
class StoredSession:
    member: str | None
    created: float
    last_seen: float
    data: str


class SessionStore:
    """The ``copro_sessions`` table: one row per live session, keyed by the id's hash."""

    def __init__(self, store: SideStore) -> None:
        self._db = store
        with store.schema():  # one process at a time on PostgreSQL (ledger.log.schema_lock)
            store.execute(
                "CREATE TABLE IF NOT EXISTS copro_sessions (id_hash TEXT PRIMARY KEY, member_id TEXT, "
                "created DOUBLE PRECISION NOT NULL, last_seen DOUBLE PRECISION NOT NULL, data TEXT NOT NULL)"
            )
            store.execute("CREATE INDEX IF NOT EXISTS copro_sessions_member ON copro_sessions (member_id)")
            store.execute("CREATE INDEX IF NOT EXISTS copro_sessions_last_seen ON copro_sessions (last_seen)")
            store.execute("CREATE INDEX IF NOT EXISTS copro_sessions_created ON copro_sessions (created)")

    def load(self, session_id: str) -> StoredSession | None:
        row = self._db.execute(
            "SELECT member_id, created, last_seen, data FROM copro_sessions WHERE id_hash = ?", (_hash(session_id),)
        ).fetchone()
        return None if row is None else StoredSession(row[0], float(row[1]), float(row[2]), str(row[3]))

    def create(self, member: str | None, data: str, now: float, *, idle: float, lifetime: float) -> str:
        """A new session id; sessions past their time are cleared out on the way (an index range, cheap)."""
        self._db.execute(
            "DELETE FROM copro_sessions WHERE last_seen <= ? OR created <= ?", (now - idle, now - lifetime)
        )
        session_id = secrets.token_urlsafe(32)
        self._db.execute(
            "INSERT INTO copro_sessions (id_hash, member_id, created, last_seen, data) VALUES (?, ?, ?, ?, ?)",
            (_hash(session_id), member, now, now, data),
        )
        return session_id

    def save(self, session_id: str, data: str, now: float) -> None:
        self._db.execute(
            "UPDATE copro_sessions SET data = ?, last_seen = ? WHERE id_hash = ?", (data, now, _hash(session_id))
        )

    def touch(self, session_id: str, now: float) -> None:
        self._db.execute("UPDATE copro_sessions SET last_seen = ? WHERE id_hash = ?", (now, _hash(session_id)))

    def delete(self, session_id: str) -> None:
        self._db.execute("DELETE FROM copro_sessions WHERE id_hash = ?", (_hash(session_id),))

    def delete_member(self, member_hex: str) -> None:
        """End every session of one member (new passphrase, account forgotten). Runs in the caller's transaction."""
        self._db.execute("DELETE FROM copro_sessions WHERE member_id = ?", (member_hex,))

    def count_member(self, member_hex: str) -> int:
        row = self._db.execute("SELECT COUNT(*) FROM copro_sessions WHERE member_id = ?", (member_hex,)).fetchone()
        return int(row[0])


class ServerSession(CallbackDict[str, Any], SessionMixin):
    """Flask's ``session`` for one request, backed by a row in the side store."""

    def __init__(
        self, data: dict[str, Any] | None = None, *, session_id: str | None = None, member: str | None = None
    ) -> None:
        def changed(_: CallbackDict[str, Any]) -> None:
            self.modified = True
            self.accessed = True

        super().__init__(data, changed)
        self.session_id = session_id
        self.member = member
        self.modified = False
        self.accessed = False
        self.rotate = False  # a new id at save: sign-in
        self.ended = False  # the row is deleted at save: sign-out
        self.stale = False  # the browser sent an id that no longer names a live session
        self.unreadable: Exception | None = None  # the store could not be read (database down): see open_session


def begin(member_hex: str) -> None:
    """Sign a member in: a fresh, empty session under a new id (no fixation)."""
    current = cast(ServerSession, session)
    current.clear()
    current.member = member_hex
    current.rotate = True


def end() -> None:
    """Sign out: the session's row is deleted, so every copy of the cookie dies with it."""
    current = cast(ServerSession, session)
    current.clear()
    current.member = None
    current.ended = True


def was_ended() -> bool:
    """True when the browser came with a session that has since ended (idle, too old, signed out elsewhere)."""
    return cast(ServerSession, session).stale


def raise_if_unreadable() -> None:
    """A ``before_request`` hook: the session store was down when the session was opened; say so now."""
    error = getattr(session, "unreadable", None)
    if error is not None:
        raise error


def signed_in_member() -> str | None:
    return cast(ServerSession, session).member


@contextmanager
def _unless_database_down(what: str) -> Iterator[None]:
    import psycopg

    try:
        yield
    except (psycopg.OperationalError, psycopg.InterfaceError) as e:
        logging.getLogger(__name__).warning("session %s skipped, database unreachable: %s", what, type(e).__name__)


class SideStoreSessionInterface(SessionInterface):
    """Flask's session interface over ``SessionStore``: on SQLite and PostgreSQL alike."""

    serializer = TaggedJSONSerializer()  # what Flask's own cookie sessions use: tuples and bytes survive

    def __init__(self, store: SessionStore) -> None:
        self.store = store

    def open_session(self, app: Flask, request: Request) -> ServerSession:
        session_id = request.cookies.get(self.get_cookie_name(app))
        if not session_id or len(session_id) > 100:
            return ServerSession()
        now, idle, lifetime = clock(app)(), *_limits(app)
        import psycopg

        try:
            stored = self.store.load(session_id)
        except (psycopg.OperationalError, psycopg.InterfaceError) as e:
            # Opening a session runs before any error handler; an empty stand-in lets the request
            # reach raise_if_unreadable (a before_request hook), whose error the handlers answer with a 503.
            down = ServerSession(session_id=session_id)
            down.unreadable = e
            return down
        if stored is None or now - stored.last_seen >= idle or now - stored.created >= lifetime:
            if stored is not None:
                self.store.delete(session_id)
            fresh = ServerSession()
            fresh.stale = True
            return fresh
        if now - stored.last_seen >= TOUCH_EVERY:
            with _unless_database_down("touch"):
                self.store.touch(session_id, now)
        try:
            data = self.serializer.loads(stored.data)
        except ValueError:
            data = {}
        return ServerSession(data, session_id=session_id, member=stored.member)

    def save_session(self, app: Flask, session: SessionMixin, response: Response) -> None:
        current = cast(ServerSession, session)
        if current.unreadable is not None:
            return  # nothing was read, so nothing may be written: the browser keeps its cookie for later
        if current.accessed:
            response.vary.add("Cookie")
        if (current.ended or current.rotate) and current.session_id is not None:
            self.store.delete(current.session_id)  # sign-out, or sign-in leaving the old id behind
            current.session_id = None
        if current.ended:
            self._drop_cookie(app, response)
            return
        now, idle, lifetime = clock(app)(), *_limits(app)
        data = self.serializer.dumps(dict(current))
        if current.session_id is not None:
            if current.modified:
                # The request's own work is done (a vote committed): losing a flash message to an outage
                # is better than answering that nothing was recorded.
                with _unless_database_down("save"):
                    self.store.save(current.session_id, data, now)
            return
        if current.rotate or (current.modified and len(current)):
            current.session_id = self.store.create(current.member, data, now, idle=idle, lifetime=lifetime)
            response.set_cookie(
                self.get_cookie_name(app),
                current.session_id,
                max_age=int(lifetime),  # the browser forgets it when the server would refuse it anyway
                domain=self.get_cookie_domain(app),
                path=self.get_cookie_path(app),
                secure=self.get_cookie_secure(app),
                httponly=True,
                samesite=self.get_cookie_samesite(app),
            )
        elif current.stale:
            self._drop_cookie(app, response)

    def _drop_cookie(self, app: Flask, response: Response) -> None:
        response.delete_cookie(
            self.get_cookie_name(app),
            domain=self.get_cookie_domain(app),
            path=self.get_cookie_path(app),
            secure=self.get_cookie_secure(app),
            httponly=True,
            samesite=self.get_cookie_samesite(app),
        )


def clock(app: Flask) -> Callable[[], float]:
    return cast(Callable[[], float], app.config.get("COPRO_CLOCK") or time.time)


def _limits(app: Flask) -> tuple[float, float]:
    return float(app.config["COPRO_SESSION_IDLE"]), float(app.config["COPRO_SESSION_MAX"])
