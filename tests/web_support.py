"""Fixtures for the web tests: an app over a real ledger with a small collective, and a live server."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from flask import Flask
from flask.testing import FlaskClient
from werkzeug.serving import make_server
from werkzeug.test import TestResponse

from ledger.governance.service import Governance
from ledger.log.config import LedgerConfig
from tests.governance_world import World, build_world
from web import create_app
from web.state import CoproState, copro

PASSPHRASES = "a long enough passphrase for {name}"


@dataclass
class Site:
    app: Flask
    world: World
    config: LedgerConfig
    usernames: dict[str, str] = field(default_factory=dict)

    @property
    def copro(self) -> CoproState:
        return copro.state_of(self.app)

    def invitation(self, name: str) -> str:
        """A fresh invitation path (/invite/<token>) for a member of the world."""
        token = self.copro.accounts.invite(self.world.member(name), self.world.collective)
        return f"/invite/{token}"

    def account_for(self, name: str) -> tuple[str, str]:
        """Make sure `name` has a sign-in; return (username, passphrase)."""
        passphrase = PASSPHRASES.format(name=name)
        if name not in self.usernames:
            token = self.invitation(name).rsplit("/", 1)[1]
            self.copro.accounts.accept(token, name, passphrase)
            self.usernames[name] = name
        return name, passphrase

    def url(self, endpoint_path: str, **ids: Any) -> str:
        return f"/c/{self.world.collective}{endpoint_path.format(**{k: str(v) for k, v in ids.items()})}"


def make_site(gov: Governance, config: LedgerConfig, **overrides: Any) -> Site:
    world = build_world(gov)
    app = create_app(
        {
            "LEDGER_CONFIG": config,
            "GOVERNANCE": gov,
            "SECRET_KEY": "test secret key, not a real one",
            "TESTING": True,
            **overrides,
        }
    )
    return Site(app, world, config)


class MovableClock:
    """Seconds since the epoch, moved by the test: sessions and the sign-in throttle read it (COPRO_CLOCK)."""

    def __init__(self, start: float = 1_800_000_000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


CSRF = re.compile(r'(?:name="csrf_token" value="|"X-CSRFToken": ")([^"]+)"')


class Person:
    """A member's browser: a cookie jar and the CSRF token of the last page."""

    def __init__(self, site: Site, name: str | None, *, address: str = "127.0.0.1") -> None:
        self.site = site
        self.client: FlaskClient = site.app.test_client()
        self.client.environ_base["REMOTE_ADDR"] = address
        self.token = ""
        if name is not None:
            username, passphrase = site.account_for(name)
            self.get("/signin")
            r = self.post("/signin", {"username": username, "passphrase": passphrase})
            assert r.status_code == 303, r.text

    def get(self, path: str, **kw: Any) -> TestResponse:
        r = self.client.get(path, **kw)
        found = CSRF.search(r.get_data(as_text=True))
        if found:
            self.token = found.group(1)
        return r

    def post(
        self, path: str, data: Mapping[str, object] | None = None, *, csrf: bool = True, **kw: Any
    ) -> TestResponse:
        payload = dict(data or {})
        if csrf:
            payload.setdefault("csrf_token", self.token or self._fresh_token())
        return self.client.post(path, data=payload, **kw)

    def _fresh_token(self) -> str:
        self.get("/signin")
        return self.token


def json_body(r: TestResponse) -> dict[str, Any]:
    """A JSON response's object; the test fails here if the body is not one."""
    body = r.get_json(silent=True)
    assert isinstance(body, dict), r.get_data(as_text=True)[:300]
    return body


@contextmanager
def live_server(app: Flask) -> Iterator[str]:
    """Serve the app on a free loopback port in a thread; yield its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=5)


def open_proposal(site: Site, title: str = "Which models do we study?", category: str = "research_question") -> UUID:
    w = site.world
    pid = w.gov.draft_proposal(w.collective, by=w.member("amara"), category=category, title=title, body="Three models.")
    w.gov.open_proposal(pid, by=w.facilitator)
    site.copro.views.catch_up()
    return pid


def proposal_id(site: Site, title: str) -> UUID:
    for p in site.copro.views.proposals(site.world.collective):
        if p["title"] == title:
            found: UUID = p["id"]
            return found
    raise LookupError(title)
