"""Reflective practice: record what worked, what did not, how power was shared, and the actions."""

from __future__ import annotations

from uuid import UUID

from flask import Blueprint, request, url_for
from werkzeug.wrappers import Response

from ledger.governance.errors import GovernanceError, NotFound
from web.ledger_words import said
from web.messages import _
from web.state import copro, login_required, member_of
from web.ui import act, form, page

bp = Blueprint("reflections", __name__, url_prefix="/c/<uuid:collective_id>/reflections")


def _page(collective_id: UUID, status: int = 200, error: str | None = None) -> Response:
    _, c = member_of(collective_id)
    return page(
        "reflections/index.html", status, c=c, items=copro.pages.reflections_page(c), error=error, values=request.form
    )


@bp.get("/")
@login_required
def index(collective_id: UUID) -> Response:
    return _page(collective_id)


@bp.post("/")
@login_required
def record(collective_id: UUID) -> Response:
    account, c = member_of(collective_id)
    actions = [line for line in form("actions", 4000).splitlines() if line.strip()][:20]
    return act(
        lambda: copro.gov.record_reflection(
            c.id,
            by=account.member_id,
            subject=form("subject", 20) or "period",
            subject_ref=form("subject_ref", 200),
            worked=form("worked"),
            did_not=form("did_not"),
            power=form("power"),
            actions=actions,
            review_outcome=form("review_outcome", 10) or None,
        ),
        done=url_for("reflections.index", collective_id=c.id),
        success=_("Your reflection is recorded."),
        on_error=lambda e: _page(collective_id, e.status, said(e)),
        field_id=_reflection_field,
        form="reflection",
        keep=REFLECTION_FIELDS,
    )


REFLECTION_FIELDS = ("subject", "review_outcome", "subject_ref", "worked", "did_not", "power", "actions")


def _reflection_field(e: GovernanceError) -> str | None:
    """Which input a refusal is about: the review's outcome, the subject, else the first text box."""
    if e.status not in (400, 422):
        return None
    if "outcome" in e.message or "review" in e.message or "renew, amend or retire" in e.message:
        return "review_outcome"
    return "subject" if "is about" in e.message else "worked"


@bp.post("/<uuid:reflection_id>/actions/<int:index>/done")
@login_required
def action_done(collective_id: UUID, reflection_id: UUID, index: int) -> Response:
    account, c = member_of(collective_id)
    if reflection_id not in copro.views.listing(c.id, "Reflection"):
        raise NotFound(_("There is no such reflection."))
    return act(
        lambda: copro.gov.complete_action(reflection_id, index, by=account.member_id),
        done=url_for("reflections.index", collective_id=c.id),
        success=_("The action is marked done."),
        on_error=lambda e: _page(collective_id, e.status, said(e)),
    )
