"""The home page: what is waiting for me."""

from __future__ import annotations

from uuid import UUID

from flask import Blueprint, redirect, url_for
from werkzeug.wrappers import Response

from web.state import copro, current_account, login_required, member_of
from web.ui import page

bp = Blueprint("home", __name__)


@bp.get("/")
def index() -> Response:
    account = current_account()
    if account is None:
        return redirect(url_for("auth.signin"))
    return redirect(url_for("home.collective", collective_id=account.collective_id))


@bp.get("/c/<uuid:collective_id>/")
@login_required
def collective(collective_id: UUID) -> Response:
    account, c = member_of(collective_id)
    return page("home/index.html", **vars(copro.pages.home_page(c, account.member_id)))
