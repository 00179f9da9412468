"""A proposal's discussion: members post comments (POST-redirect-GET, or an htmx swap of the thread)
and the author writes the proposal's "in short" summary."""

from __future__ import annotations

from uuid import UUID

from flask import Blueprint, request, url_for
from werkzeug.wrappers import Response

from ledger.governance.errors import GovernanceError
from ledger.governance.positions import ORDER
from web.ledger_words import said
from web.messages import _
from web.proposals import SHORT_LABELS, detail_context, load_proposal
from web.state import copro, login_required, member_of
from web.ui import act, form, is_htmx, page

bp = Blueprint("discussion", __name__, url_prefix="/c/<uuid:collective_id>/proposals/<uuid:proposal_id>")


def _thread(collective_id: UUID, proposal_id: UUID, status: int, error: str | None, message: str | None) -> Response:
    """The thread: the partial for htmx, else the whole proposal page, keeping what was written on an error."""
    account, c = member_of(collective_id)
    ctx = detail_context(c, account.member_id, proposal_id)
    written = request.form.get("comment", "")[:4000] if error else ""
    template = "proposals/_thread.html" if is_htmx() else "proposals/detail.html"
    response = page(
        template,
        status,
        error=error,
        error_field="comment",
        comment_error=error,
        written=written,
        message=message,
        **ctx,
    )
    response.headers["Vary"] = "HX-Request"
    return response


@bp.get("/positions")
@login_required
def positions(collective_id: UUID, proposal_id: UUID) -> Response:
    """Every member's position and reason (the proposal page shows the most recent few)."""
    account, c = member_of(collective_id)
    proposal = copro.gov.proposal(proposal_id)
    seen = copro.pages.positions(c, proposal_id, account.member_id)
    return page("proposals/positions.html", c=c, p=proposal, positions=seen, order=ORDER, short=SHORT_LABELS)


@bp.post("/comments")
@login_required
def post_comment(collective_id: UUID, proposal_id: UUID) -> Response:
    me, c, proposal = load_proposal(collective_id, proposal_id)
    success = _("Your comment is posted.")

    def failed(e: GovernanceError) -> Response:
        return _thread(collective_id, proposal_id, e.status, said(e), None)

    return act(
        lambda: copro.gov.post_comment(proposal.id, by=me, words=form("comment", 4000)),
        done=url_for("proposals.detail", collective_id=c.id, proposal_id=proposal.id),
        success=success,
        on_error=failed,
        field_id="comment",
        form="comment",
        keep=("comment",),
        echo=lambda: form("comment", 4000),
        partial=lambda: _thread(collective_id, proposal_id, 200, None, success),
    )


@bp.post("/summary")
@login_required
def summarise(collective_id: UUID, proposal_id: UUID) -> Response:
    me, c, proposal = load_proposal(collective_id, proposal_id)

    def failed(e: GovernanceError) -> Response:
        account, c2 = member_of(collective_id)
        ctx = detail_context(c2, account.member_id, proposal_id)
        return page("proposals/detail.html", e.status, error=said(e), error_field="summary", **ctx)

    return act(
        lambda: copro.gov.summarise_proposal(proposal.id, by=me, summary=form("summary", 600)),
        done=url_for("proposals.detail", collective_id=c.id, proposal_id=proposal.id),
        success=_("The “in short” summary is saved."),
        on_error=failed,
        field_id="summary",
        form="summary",
        keep=("summary",),
    )
