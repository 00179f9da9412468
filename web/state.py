"""Per-app and per-request state: the ledger, the views, the signed-in member."""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar, cast
from uuid import UUID

from flask import Flask, abort, current_app, g, redirect, request, url_for

from ledger.governance import listing_pages
from ledger.governance.collective import Collective
from ledger.governance.pages import Pages
from ledger.governance.service import Governance
from ledger.governance.views import GovernanceViews, open_view
from ledger.log.config import LedgerConfig
from ledger.log.keys import passphrase_from_env
from ledger.log.keystore import KeysFolder
from ledger.personal.side_store import SideStore
from web import sessions
from web.accounts import Account, AccountStore

F = TypeVar("F", bound=Callable[..., Any])


@dataclass
class CoproState:
    """What one Flask app serves from: the governance application, its read models, the accounts."""

    gov: Governance
    views: GovernanceViews
    pages: Pages
    accounts: AccountStore
    lock: threading.Lock


class Copro:
    """The Flask extension (the ``init_app`` pattern): typed access to the current app's copro.

    One instance, ``web.state.copro``, serves every app made by the factory: each app keeps
    its own :class:`CoproState` in ``app.extensions``, and the properties read the current
    app's, so two apps in one process (tests do this) never share a ledger.
    """

    def init_app(self, app: Flask, config: LedgerConfig) -> None:
        gov = app.config.get("GOVERNANCE")
        if gov is None:
            keys = KeysFolder(config.keys_dir).load(passphrase_from_env(required=False))
            gov = Governance.open(config, keys, create=True)
        views = GovernanceViews(gov, open_view(config))
        views.catch_up()
        accounts = AccountStore(SideStore(config, "accounts"), app.config["SECRET_KEY"])
        app.session_interface = sessions.SideStoreSessionInterface(accounts.sessions)
        app.before_request(sessions.raise_if_unreadable)
        app.extensions["copro"] = CoproState(gov, views, Pages(gov, views), accounts, threading.Lock())

    @staticmethod
    def state_of(app: Flask) -> CoproState:
        return cast(CoproState, app.extensions["copro"])

    @property
    def _state(self) -> CoproState:
        return self.state_of(current_app)

    @property
    def gov(self) -> Governance:
        return self._state.gov

    @property
    def views(self) -> GovernanceViews:
        return self._state.views

    @property
    def pages(self) -> Pages:
        return self._state.pages

    @property
    def accounts(self) -> AccountStore:
        return self._state.accounts

    @property
    def lock(self) -> threading.Lock:
        return self._state.lock


copro = Copro()


def now() -> float:
    """The time sessions and the sign-in throttle go by: ``COPRO_CLOCK`` in tests, the real clock otherwise."""
    return sessions.clock(current_app)()


def refresh_views() -> None:
    """Read-your-writes: bring the views up to date after a change (incremental, cheap)."""
    with copro.lock:
        copro.views.catch_up()


def current_account() -> Account | None:
    if "account" in g:
        return cast(Account | None, g.account)
    member = sessions.signed_in_member()
    account = copro.accounts.by_member(UUID(member)) if member else None
    g.account = account
    return account


def login_required(view: F) -> F:
    @functools.wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if current_account() is None:
            target = url_for("auth.signin", next=request.full_path.rstrip("?"))
            return redirect(target + "&ended=1" if sessions.was_ended() else target)
        return view(*args, **kwargs)

    return cast(F, wrapped)


def member_of(collective_id: UUID) -> tuple[Account, Collective]:
    """The signed-in member and their collective; 404 for anyone outside it."""
    account = current_account()
    if account is None or account.collective_id != collective_id:
        abort(404)
    collective = copro.gov.collective_to_read(collective_id)
    if not collective.is_member(account.member_id):
        abort(404)
    g.collective = collective
    return account, collective


roles_of = listing_pages.roles_of  # one definition, in the domain
