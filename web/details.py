"""Your details: the email address a member wants reminders sent to (sealed, erasable, theirs alone)."""

from __future__ import annotations

from uuid import UUID

from flask import Blueprint, flash, redirect, url_for
from werkzeug.wrappers import Response

from ledger.governance.errors import GovernanceError
from web.ledger_words import said
from web.messages import _
from web.state import copro, login_required, member_of, refresh_views
from web.ui import form, page

bp = Blueprint("details", __name__, url_prefix="/c/<uuid:collective_id>/details")


def _page(collective_id: UUID, status: int = 200, error: str | None = None, value: str | None = None) -> Response:
    account, c = member_of(collective_id)
    email = copro.gov.email_of(account.member_id) if value is None else value
    return page("details/index.html", status, c=c, email=email or "", error=error)


@bp.get("/")
@login_required
def index(collective_id: UUID) -> Response:
    return _page(collective_id)


@bp.post("/")
@login_required
def save(collective_id: UUID) -> Response:
    account, c = member_of(collective_id)
    email = form("email", 300)
    try:
        copro.gov.set_email(account.member_id, by=account.member_id, email=email)
    except GovernanceError as e:
        return _page(collective_id, e.status, said(e), email)
    refresh_views()
    flash(_("Your email address is saved.") if email.strip() else _("Your email address is removed."), "status")
    return redirect(url_for("details.index", collective_id=c.id), code=303)
