"""Proposals: read, respond, object, and (facilitators) open and close."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import UUID

from flask import Blueprint, flash, redirect, request, url_for
from werkzeug.wrappers import Response

from ledger.governance.agreement import GOVERNANCE
from ledger.governance.collective import Collective
from ledger.governance.errors import GovernanceError, NotFound
from ledger.governance.positions import ORDER
from ledger.governance.proposal import Proposal
from web.state import copro, login_required, member_of, refresh_views
from web.ui import act, form, is_htmx, page

bp = Blueprint("proposals", __name__, url_prefix="/c/<uuid:collective_id>/proposals")

POSITION_LABELS = {
    "agree": "Agree",
    "abstain": "Abstain: happy for the group to decide without me",
    "disagree": "Disagree: we can do better, but I will not stop it",
    "block": "Block: I am not OK with this going ahead",
}

SHORT_LABELS = {"agree": "agree", "abstain": "abstain", "disagree": "disagree", "block": "block"}


def load_proposal(collective_id: UUID, proposal_id: UUID) -> tuple[UUID, Collective, Proposal]:
    account, c = member_of(collective_id)
    proposal = copro.gov.proposal(proposal_id)
    if proposal.collective_id != c.id:
        raise NotFound("There is no such proposal.")
    return account.member_id, c, proposal


def detail_context(c: Collective, me: UUID, proposal_id: UUID) -> dict[str, Any]:
    """The proposal page's one query, as the template's names."""
    return {
        "labels": POSITION_LABELS,
        "order": ORDER,
        "short": SHORT_LABELS,
        **vars(copro.pages.proposal_page(c, proposal_id, me, copro.gov.clock())),
    }


def _detail(
    collective_id: UUID, proposal_id: UUID, status: int = 200, error: str | None = None, field: str | None = None
) -> Response:
    account, c = member_of(collective_id)
    ctx = detail_context(c, account.member_id, proposal_id)
    if error and field == "position":
        # Keep what the person chose and wrote: they fix the one thing wrong, not redo it all.
        ctx["chosen"] = request.form.get("position", "")
        ctx["my_reason"] = request.form.get("reason", "")[:4000]
    if is_htmx() and field == "position":
        return page("proposals/_position.html", status, error=error, **ctx)
    return page("proposals/detail.html", status, error=error, error_field=field, **ctx)


@bp.get("/")
@login_required
def index(collective_id: UUID) -> Response:
    _, c = member_of(collective_id)
    proposals = copro.pages.proposal_list(c, copro.gov.clock())
    order = {"open": 0, "draft": 1, "closed": 2, "withdrawn": 3}
    proposals.sort(key=lambda p: (order.get(p["state"], 9), p["title"].lower()))
    return page("proposals/index.html", c=c, proposals=proposals)


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new(collective_id: UUID) -> Response:
    account, c = member_of(collective_id)
    agreement = copro.gov.agreement_in_force(c.id)
    categories = sorted(agreement.matrix) if agreement else [GOVERNANCE]
    if request.method == "GET":
        return page("proposals/new.html", c=c, categories=categories, values={}, error=None)
    values = {k: form(k) for k in ("title", "body", "category")}
    created: list[UUID] = []

    def draft() -> None:
        created.append(
            copro.gov.draft_proposal(
                c.id, by=account.member_id, category=values["category"], title=values["title"], body=values["body"]
            )
        )

    def failed(e: GovernanceError) -> Response:
        return page("proposals/new.html", e.status, c=c, categories=categories, values=values, error=e.message)

    try:
        draft()
    except GovernanceError as e:
        return failed(e)
    refresh_views()
    flash("Your proposal is saved as a draft. A facilitator opens it for responses.", "status")
    return redirect(url_for("proposals.detail", collective_id=c.id, proposal_id=created[0]), code=303)


@bp.get("/<uuid:proposal_id>")
@login_required
def detail(collective_id: UUID, proposal_id: UUID) -> Response:
    return _detail(collective_id, proposal_id)


@bp.get("/<uuid:proposal_id>/tally")
@login_required
def tally(collective_id: UUID, proposal_id: UUID) -> Response:
    account, c = member_of(collective_id)
    return page("proposals/_tally.html", **vars(copro.pages.proposal_standing(c, proposal_id, account.member_id)))


def _command(
    collective_id: UUID, proposal_id: UUID, run: Any, success: str, field: str | None = None, partial: bool = False
) -> Response:
    me, c, proposal = load_proposal(collective_id, proposal_id)
    here = url_for("proposals.detail", collective_id=c.id, proposal_id=proposal.id)

    def render_partial() -> Response:
        account, c2 = member_of(collective_id)
        ctx = detail_context(c2, account.member_id, proposal_id)
        return page("proposals/_position.html", 200, error=None, message=success, **ctx)

    return act(
        lambda: run(me, c, proposal),
        done=here,
        success=success,
        on_error=lambda e: _detail(collective_id, proposal_id, e.status, e.message, field),
        partial=render_partial if partial else None,
    )


@bp.post("/<uuid:proposal_id>/position")
@login_required
def position(collective_id: UUID, proposal_id: UUID) -> Response:
    chosen = form("position", 20)
    label = {"agree": "agree", "abstain": "abstain", "disagree": "disagree", "block": "block"}.get(chosen, chosen)
    return _command(
        collective_id,
        proposal_id,
        lambda me, c, p: copro.gov.cast_ballot(
            p.id, member_id=me, position=chosen, reason=form("reason", 4000), version_hash=form("version", 80) or None
        ),
        f"Your position is recorded: {label}.",
        field="position",
        partial=True,
    )


@bp.post("/<uuid:proposal_id>/revise")
@login_required
def revise(collective_id: UUID, proposal_id: UUID) -> Response:
    return _command(
        collective_id,
        proposal_id,
        lambda me, c, p: copro.gov.revise_proposal(p.id, by=me, title=form("title", 200), body=form("body")),
        "A new version is saved. Earlier responses now need to be confirmed again.",
        field="revise",
    )


@bp.post("/<uuid:proposal_id>/open")
@login_required
def open_(collective_id: UUID, proposal_id: UUID) -> Response:
    return _command(
        collective_id,
        proposal_id,
        lambda me, c, p: copro.gov.open_proposal(p.id, by=me),
        "The proposal is open for responses.",
        field="facilitate",
    )


@bp.post("/<uuid:proposal_id>/close")
@login_required
def close(collective_id: UUID, proposal_id: UUID) -> Response:
    return _command(
        collective_id,
        proposal_id,
        lambda me, c, p: copro.gov.close_proposal(p.id, by=me),
        "The proposal is closed and its outcome recorded.",
        field="facilitate",
    )


@bp.post("/<uuid:proposal_id>/withdraw")
@login_required
def withdraw(collective_id: UUID, proposal_id: UUID) -> Response:
    return _command(
        collective_id,
        proposal_id,
        lambda me, c, p: copro.gov.withdraw_proposal(p.id, by=me, reason=form("reason", 4000)),
        "The proposal is withdrawn.",
        field="facilitate",
    )


@bp.post("/<uuid:proposal_id>/objections")
@login_required
def raise_objection(collective_id: UUID, proposal_id: UUID) -> Response:
    return _command(
        collective_id,
        proposal_id,
        lambda me, c, p: copro.gov.raise_objection(
            p.id, member_id=me, reason=form("reason", 4000), paramount=form("paramount", 5) != "no"
        ),
        "Your objection is recorded. The facilitator will take it through the objection process.",
        field="objection",
    )


def _objection(proposal: Proposal, objection_id: UUID) -> UUID:
    if objection_id not in proposal.objection_ids:
        raise NotFound("There is no such objection on this proposal.")
    return objection_id


@bp.post("/<uuid:proposal_id>/objections/<uuid:objection_id>/<step>")
@login_required
def objection_step(collective_id: UUID, proposal_id: UUID, objection_id: UUID, step: str) -> Response:
    gov = copro.gov
    steps: dict[str, tuple[Callable[[UUID, Proposal], None], str]] = {
        "answer": (
            lambda me, p: gov.answer_objection(_objection(p, objection_id), by=me, answer=form("answer", 4000)),
            "Your answer is recorded.",
        ),
        "withdraw": (
            lambda me, p: gov.withdraw_objection(_objection(p, objection_id), by=me, why=form("why", 4000)),
            "You withdrew your objection.",
        ),
        "test": (
            lambda me, p: gov.test_objection(
                _objection(p, objection_id), by=me, paramount=form("paramount", 5) == "yes", why=form("why", 4000)
            ),
            "The objection's test is recorded.",
        ),
        "resolve": (
            lambda me, p: gov.resolve_objection(
                _objection(p, objection_id), by=me, how=form("how", 20), why=form("why", 4000)
            ),
            "The objection's resolution is recorded.",
        ),
    }
    if step not in steps:
        raise NotFound("There is no such step.")
    run, success = steps[step]
    return _command(collective_id, proposal_id, lambda me, c, p: run(me, p), success, field=f"objection-{objection_id}")
