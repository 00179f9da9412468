"""Members: who takes part, in which groups and roles; stewards invite new members."""

from __future__ import annotations

from uuid import UUID

from flask import Blueprint, flash, redirect, request, url_for
from werkzeug.wrappers import Response

from ledger.governance.collective import Role
from ledger.governance.errors import GovernanceError, NotAllowed
from web import sessions
from web.state import copro, login_required, member_of, refresh_views, roles_of
from web.ui import form, page

bp = Blueprint("members", __name__, url_prefix="/c/<uuid:collective_id>/members")


def _page(
    collective_id: UUID,
    status: int = 200,
    error: str | None = None,
    invitation: str | None = None,
    invited: str | None = None,
) -> Response:
    account, c = member_of(collective_id)
    return page(
        "members/index.html",
        status,
        c=c,
        people=copro.pages.members_page(c),
        roles=roles_of(c, account.member_id),
        error=error,
        invitation=invitation,
        invited=invited,
        values=request.form,
    )


@bp.get("/")
@login_required
def index(collective_id: UUID) -> Response:
    return _page(collective_id)


@bp.post("/")
@login_required
def invite(collective_id: UUID) -> Response:
    account, c = member_of(collective_id)
    if not c.has_role(account.member_id, Role.STEWARD):
        raise NotAllowed("Only a steward can ask new people to join.")
    name = form("name", 120)
    try:
        member_id = copro.gov.admit_member(
            c.id,
            by=account.member_id,
            name=name,
            contact=form("contact", 300),
            groups=request.form.getlist("groups")[:10],
            access_needs=form("access_needs", 4000),
        )
    except GovernanceError as e:
        return _page(collective_id, e.status, e.message)
    refresh_views()
    token = copro.accounts.invite(member_id, c.id)
    link = url_for("auth.invite", token=token, _external=True)
    return _page(collective_id, 201, invitation=link, invited=name)


@bp.post("/leave")
@login_required
def leave(collective_id: UUID) -> Response:
    """A member leaves the collective: signed out, and every page of it is closed to them from now on."""
    account, c = member_of(collective_id)
    try:
        copro.gov.leave_collective(c.id, account.member_id, by=account.member_id)
    except GovernanceError as e:
        return _page(collective_id, e.status, e.message)
    refresh_views()
    sessions.end()  # the server forgets the session: every copy of the cookie ends with it
    flash(f"You have left {c.name}. What you did there stays on record.", "status")
    return redirect(url_for("auth.signin"), code=303)
