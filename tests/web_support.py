"""Fixtures for the web tests: an app over a real ledger with a small collective, and a live server."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from flask import Flask
from werkzeug.serving import make_server

from ledger.config import LedgerConfig
from ledger.governance.service import Governance
from tests.governance_world import World, build_world
from web import create_app
from web.state import Copro

PASSPHRASES = "a long enough passphrase for {name}"


@dataclass
class Site:
    app: Flask
    world: World
    config: LedgerConfig
    usernames: dict[str, str] = field(default_factory=dict)

    @property
    def copro(self) -> Copro:
        return self.app.extensions["copro"]  # type: ignore[no-any-return]

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


def proposal_id(site: Site, title: str) -> UUID:
    for p in site.copro.views.proposals(site.world.collective):
        if p["title"] == title:
            return p["id"]
    raise LookupError(title)
