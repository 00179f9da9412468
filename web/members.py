"""Members: who takes part, in which groups and roles; stewards invite new members."""

from __future__ import annotations

from uuid import UUID

from flask import Blueprint, redirect, request, url_for
from werkzeug.wrappers import Response

from ledger.governance.collective import Role
from ledger.governance.errors import GovernanceError, NotAllowed
from web import forms, sessions
from web.ledger_words import said
from web.messages import _
from web.state import copro, login_required, member_of, refresh_views, roles_of
from web.ui import form, page, require_understood

# Kept for the page after a refusal. Not the contact details or access needs: someone else's sealed
# data stays out of the session store even for one page view; the steward types them again.
INVITE_FIELDS = ("name", "groups")

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
        raise NotAllowed(_("Only a steward can ask new people to join."))
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
        return _refused(
            collective_id, e, field_id="groups-first" if "group" in e.message else "name", form_name="invite"
        )
    refresh_views()
    token = copro.accounts.invite(member_id, c.id)
    link = url_for("auth.invite", token=token, _external=True)
    if forms.wants_redirect():  # a reload of the answer must not admit them a second time
        return forms.confirm(
            _(
                "%(name)s is a member now. Send them this invitation link; it works once and expires in 14 days:",
                name=name,
            ),
            url_for("members.index", collective_id=c.id),
            echo=link,
        )
    return _page(collective_id, 201, invitation=link, invited=name)


@bp.post("/leave")
@login_required
def leave(collective_id: UUID) -> Response:
    """A member leaves the collective: signed out, and every page of it is closed to them from now on."""
    account, c = member_of(collective_id)
    try:
        require_understood(_("you will be signed out and will no longer see or take part in anything here"))
        copro.gov.leave_collective(c.id, account.member_id, by=account.member_id)
    except GovernanceError as e:
        return _refused(collective_id, e, field_id="leave-understand", form_name="leave")
    refresh_views()
    sessions.end()  # the server forgets the session: every copy of the cookie ends with it
    # The session is gone, so the message cannot travel in it: the sign-in page says it from the address.
    return redirect(url_for("auth.signin", left=1) + "#confirmation", code=303)


def _refused(collective_id: UUID, e: GovernanceError, *, field_id: str, form_name: str) -> Response:
    """A refused invitation or leaving: the browser is sent back (PRG) to the summary, anyone else answered directly."""
    target = field_id if e.status in (400, 422) else None
    problem = forms.problem_from(e.status, said(e), field_id=target, form=form_name, keep=INVITE_FIELDS)
    if forms.wants_redirect():
        return forms.refuse(problem, url_for("members.index", collective_id=collective_id))
    forms.show(problem)
    return _page(collective_id, e.status, said(e))
