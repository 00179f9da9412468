"""Proposals: read, respond, object, and (facilitators) open and close."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import UUID

from flask import Blueprint, request, url_for
from werkzeug.wrappers import Response

from ledger.governance.agreement import GOVERNANCE
from ledger.governance.collective import Collective
from ledger.governance.errors import GovernanceError, NotFound
from ledger.governance.positions import ORDER
from ledger.governance.proposal import Proposal
from web import forms, metrics
from web.ledger_words import said
from web.messages import N_, _
from web.state import copro, login_required, member_of, refresh_views
from web.ui import NotUnderstood, act, form, is_htmx, page, require_understood
from web.words import moment

bp = Blueprint("proposals", __name__, url_prefix="/c/<uuid:collective_id>/proposals")

# English source text, marked for the catalogue (N_) and translated where the page shows it.
POSITION_LABELS = {
    "agree": N_("Agree"),
    "abstain": N_("Abstain: happy for the group to decide without me"),
    "disagree": N_("Disagree: we can do better, but I will not stop it"),
    "block": N_("Block: I am not OK with this going ahead"),
}

SHORT_LABELS = {"agree": N_("agree"), "abstain": N_("abstain"), "disagree": N_("disagree"), "block": N_("block")}


def load_proposal(collective_id: UUID, proposal_id: UUID) -> tuple[UUID, Collective, Proposal]:
    account, c = member_of(collective_id)
    proposal = copro.gov.proposal(proposal_id)
    if proposal.collective_id != c.id:
        raise NotFound(_("There is no such proposal."))
    return account.member_id, c, proposal


def detail_context(c: Collective, me: UUID, proposal_id: UUID) -> dict[str, Any]:
    """The proposal page's one query, as the template's names."""
    ctx = {
        "labels": POSITION_LABELS,
        "order": ORDER,
        "short": SHORT_LABELS,
        **vars(copro.pages.proposal_page(c, proposal_id, me, copro.gov.clock())),
    }
    if ctx.get("ballot") is not None:
        # "Your vote is in the public record since ...": when its signed event was written to the log.
        ctx["ballot_since"] = moment(ctx["ballot"].modified_on)
    return ctx


def _detail(collective_id: UUID, proposal_id: UUID, status: int = 200, error: str | None = None) -> Response:
    account, c = member_of(collective_id)
    ctx = detail_context(c, account.member_id, proposal_id)
    problem = forms.current()
    if problem is not None and problem.form == "position":
        # Keep what the person chose and wrote: they fix the one thing wrong, not redo it all.
        ctx["chosen"] = problem.kept("position")
        ctx["my_reason"] = problem.kept("reason")[:4000]
    if is_htmx() and problem is not None and problem.form == "position":
        return page("proposals/_position.html", status, error=error, is_partial=True, **ctx)
    return page("proposals/detail.html", status, error=error, **ctx)


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
        kept = forms.current()
        return page("proposals/new.html", c=c, categories=categories, values=dict(kept.values) if kept else {})
    values = {k: form(k) for k in ("title", "body", "category")}
    created: list[UUID] = []

    def draft() -> None:
        created.append(
            copro.gov.draft_proposal(
                c.id, by=account.member_id, category=values["category"], title=values["title"], body=values["body"]
            )
        )

    try:
        draft()
    except GovernanceError as e:
        where = "title" if "title" in e.message.lower() else "category" if "categor" in e.message.lower() else "body"
        problem = forms.problem_from(e.status, said(e), field_id=where, form="new", keep=tuple(values))
        if forms.wants_redirect():
            return forms.refuse(problem, url_for("proposals.new", collective_id=c.id))
        forms.show(problem)
        return page("proposals/new.html", e.status, c=c, categories=categories, values=values)
    refresh_views()
    return forms.confirm(
        _("Your proposal is saved as a draft. A facilitator will open it for all to respond."),
        url_for("proposals.detail", collective_id=c.id, proposal_id=created[0]),
    )


@bp.get("/<uuid:proposal_id>")
@login_required
def detail(collective_id: UUID, proposal_id: UUID) -> Response:
    return _detail(collective_id, proposal_id)


@bp.get("/<uuid:proposal_id>/tally")
@login_required
def tally(collective_id: UUID, proposal_id: UUID) -> Response:
    account, c = member_of(collective_id)
    return page("proposals/_tally.html", **vars(copro.pages.proposal_standing(c, proposal_id, account.member_id)))


def _on_form(field_id: str | None) -> Callable[[GovernanceError], str | None]:
    """The field a refusal points at: the input itself when the input was wrong, none when the state was."""
    return lambda e: field_id if e.status in (400, 422) else None


def _command(
    collective_id: UUID,
    proposal_id: UUID,
    run: Any,
    success: str,
    field: str = "",
    partial: bool = False,
    *,
    field_id: str | Callable[[GovernanceError], str | None] | None = None,
    keep: tuple[str, ...] = (),
    echo: str | None = None,
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
        on_error=lambda e: _detail(collective_id, proposal_id, e.status, said(e)),
        partial=render_partial if partial else None,
        field_id=field_id,
        form=field,
        keep=keep,
        echo=echo,
    )


@bp.post("/<uuid:proposal_id>/position")
@login_required
def position(collective_id: UUID, proposal_id: UUID) -> Response:
    chosen = form("position", 20)
    label = _(SHORT_LABELS[chosen]) if chosen in SHORT_LABELS else chosen
    return _command(
        collective_id,
        proposal_id,
        lambda me, c, p: metrics.vote_accepted(
            copro.gov.cast_ballot(
                p.id,
                member_id=me,
                position=chosen,
                reason=form("reason", 4000),
                version_hash=form("version", 80) or None,
            )
        ),
        _("Your position is recorded: %(position)s.", position=label),
        field="position",
        partial=True,
        field_id=_on_form("reason" if chosen in POSITION_LABELS else "position-agree"),
        keep=("position", "reason"),
    )


@bp.post("/<uuid:proposal_id>/revise")
@login_required
def revise(collective_id: UUID, proposal_id: UUID) -> Response:
    return _command(
        collective_id,
        proposal_id,
        lambda me, c, p: copro.gov.revise_proposal(p.id, by=me, title=form("title", 200), body=form("body")),
        _("A new version is saved. Earlier responses now need to be confirmed again."),
        field="revise",
        field_id=_on_form("rev-body" if form("title", 200).strip() else "rev-title"),
        keep=("title", "body"),
    )


@bp.post("/<uuid:proposal_id>/open")
@login_required
def open_(collective_id: UUID, proposal_id: UUID) -> Response:
    return _command(
        collective_id,
        proposal_id,
        lambda me, c, p: copro.gov.open_proposal(p.id, by=me),
        _("The proposal is open for responses."),
        field="facilitate",
    )


def _close(me: UUID, c: Collective, p: Proposal) -> None:
    require_understood(_("closing ends the responses and puts the outcome on record for good"))
    copro.gov.close_proposal(p.id, by=me)


def _withdraw(me: UUID, c: Collective, p: Proposal) -> None:
    require_understood(_("a withdrawn proposal cannot be brought back"))
    copro.gov.withdraw_proposal(p.id, by=me, reason=form("reason", 4000))


@bp.post("/<uuid:proposal_id>/close")
@login_required
def close(collective_id: UUID, proposal_id: UUID) -> Response:
    return _command(
        collective_id,
        proposal_id,
        _close,
        _("The proposal is closed, and its outcome is on record."),
        field="close",
        field_id=_on_form("close-understand"),
    )


@bp.post("/<uuid:proposal_id>/withdraw")
@login_required
def withdraw(collective_id: UUID, proposal_id: UUID) -> Response:
    return _command(
        collective_id,
        proposal_id,
        _withdraw,
        _("The proposal is withdrawn."),
        field="withdraw",
        field_id=lambda e: (
            None
            if e.status not in (400, 422)
            else ("withdraw-understand" if isinstance(e, NotUnderstood) else "withdraw-reason")
        ),
        keep=("reason",),
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
        _("Your objection is recorded. We will now work through it with you, step by step."),
        field="objection",
        field_id=_on_form("objection-reason"),
        keep=("reason", "paramount"),
        echo=_("Your objection: “%(reason)s”", reason=form("reason", 4000).strip()),
    )


def _objection(proposal: Proposal, objection_id: UUID) -> UUID:
    if objection_id not in proposal.objection_ids:
        raise NotFound(_("There is no such objection on this proposal."))
    return objection_id


@bp.post("/<uuid:proposal_id>/objections/<uuid:objection_id>/<step>")
@login_required
def objection_step(collective_id: UUID, proposal_id: UUID, objection_id: UUID, step: str) -> Response:
    gov = copro.gov
    fields = {"answer": f"answer-{objection_id}", "test": f"test-why-{objection_id}", "resolve": f"why-{objection_id}"}
    steps: dict[str, tuple[Callable[[UUID, Proposal], None], str]] = {
        "answer": (
            lambda me, p: gov.answer_objection(_objection(p, objection_id), by=me, answer=form("answer", 4000)),
            _("Your answer is recorded."),
        ),
        "withdraw": (
            lambda me, p: gov.withdraw_objection(_objection(p, objection_id), by=me, why=form("why", 4000)),
            _("You withdrew your objection."),
        ),
        "test": (
            lambda me, p: gov.test_objection(
                _objection(p, objection_id), by=me, paramount=form("paramount", 5) == "yes", why=form("why", 4000)
            ),
            _("The objection's test is recorded."),
        ),
        "resolve": (
            lambda me, p: gov.resolve_objection(
                _objection(p, objection_id), by=me, how=form("how", 20), why=form("why", 4000)
            ),
            _("The objection's resolution is recorded."),
        ),
    }
    if step not in steps:
        raise NotFound(_("There is no such step."))
    run, success = steps[step]
    return _command(
        collective_id,
        proposal_id,
        lambda me, c, p: run(me, p),
        success,
        field=f"objection-{objection_id}",
        field_id=_on_form(fields.get(step)),
        keep=("answer",),
    )
