"""Involvement: members say how a closed decision went for them; a steward writes the report's narrative.

Two forms. The feedback form asks the four "Cube" questions (voice, contribution,
agenda, change) on a 4-point scale, each of which may be left out, with an optional
comment; the narrative form has the GRIPP2 short-form parts plus equality, diversity
and inclusion, for stewards only. Both work without JavaScript, carry the CSRF token,
and on a refusal show the page again with what was entered, the problem summarised at
the top and linked to the field it concerns.
"""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from flask import Blueprint, request, url_for
from werkzeug.wrappers import Response

from ledger.governance.collective import Collective, Role
from ledger.governance.commands.involvement import PART_LABELS
from ledger.governance.errors import GovernanceError, Invalid, NotAllowed, NotFound
from ledger.governance.feedback import QUESTIONS, SCALE
from ledger.governance.narrative import PARTS
from ledger.governance.proposal import Proposal
from ledger.governance.text import REASON_MAX, TEXT_MAX
from web import forms
from web.messages import N_, _
from web.state import copro, current_account, login_required, member_of
from web.ui import act, form, page

bp = Blueprint("involvement", __name__, url_prefix="/c/<uuid:collective_id>")

ASKED = {
    "voice": N_("Was I heard?"),
    "contribution": N_("Could I contribute what I know?"),
    "agenda": N_("Did it address what matters to me?"),
    "change": N_("Did it lead to change?"),
}
NOT_SAYING = N_("Rather not say")
# The answers on the scale (ledger.governance.feedback.SCALE), marked for the catalogue.
SCALE_WORDS = (N_("No"), N_("A little"), N_("Mostly"), N_("Yes, fully"))


@dataclass(frozen=True)
class Part:
    """One part of the narrative form: its field name, label and the GRIPP2 hint under it."""

    name: str
    label: str
    hint: str


NARRATIVE_PARTS = (
    Part("aim", N_("Aim"), N_("What was public involvement in this work meant to achieve? (GRIPP2 item 1)")),
    Part(
        "methods",
        N_("Methods"),
        N_(
            "Who was involved, how and when: the groups, the ways of working together, the support and payment "
            "offered. (GRIPP2 item 2)"
        ),
    ),
    Part(
        "results",
        N_("Results"),
        N_("What came of involvement, good and bad. If it made little or no difference, say so. (GRIPP2 item 3)"),
    ),
    Part(
        "influence",
        N_("Influence"),
        N_(
            "How far did involvement change the work: which decisions, documents or plans changed because of it? "
            "(GRIPP2 item 4)"
        ),
    ),
    Part(
        "reflection",
        N_("Critical reflection"),
        N_("What went well, what did not, and what you would do differently. (GRIPP2 item 5)"),
    ),
    Part(
        "equality",
        N_("Equality, diversity and inclusion"),
        N_("Who took part and who did not; barriers people met and what was done about them."),
    ),
)


# -- feedback ------------------------------------------------------------------------------


def _proposal(c: Collective, proposal_id: UUID) -> Proposal:
    proposal = copro.gov.read(Proposal, proposal_id, "proposal")
    if proposal.collective_id != c.id:
        raise NotFound(_("There is no such proposal."))
    return proposal


def _feedback_page(
    c: Collective,
    proposal: Proposal,
    me: UUID,
    status: int = 200,
) -> Response:
    mine = copro.gov.my_feedback(proposal.id, me)
    problem = forms.current()
    if problem is not None:  # keep what the person chose and wrote: they fix the one thing, not redo it all
        chosen = {q: problem.kept(q) for q in QUESTIONS}
        comment = problem.kept("comment")[:REASON_MAX]
    else:
        answers = mine.answers if mine else {}
        chosen = {q: "" if answers.get(q) is None else str(answers[q]) for q in QUESTIONS}
        comment = mine.comment if mine else ""
    return page(
        "involvement/feedback.html",
        status,
        c=c,
        p=proposal,
        asked=ASKED,
        scale=SCALE,
        not_saying=NOT_SAYING,
        chosen=chosen,
        comment=comment,
        given=mine is not None,
        comment_max=REASON_MAX,
    )


def _answer(value: str) -> int | str | None:
    """A radio value: 1 to 4, None for "rather not say", or the unknown text itself (refused below)."""
    if value == "":
        return None
    return int(value) if value in {str(k) for k in SCALE} else value


@bp.route("/proposals/<uuid:proposal_id>/feedback", methods=["GET", "POST"])
@login_required
def feedback(collective_id: UUID, proposal_id: UUID) -> Response:
    account, c = member_of(collective_id)
    proposal = _proposal(c, proposal_id)
    if request.method == "GET":
        return _feedback_page(c, proposal, account.member_id)
    answers = {q: _answer(form(q, 2)) for q in QUESTIONS}
    wrong = next((q for q, v in answers.items() if isinstance(v, str)), None)
    given = {q: v for q, v in answers.items() if not isinstance(v, str)}

    def run() -> None:
        if wrong is not None:
            raise Invalid(
                _(
                    "Choose an answer to “%(question)s”, or “%(not_saying)s”.",
                    question=_(ASKED[wrong]),
                    not_saying=_(NOT_SAYING),
                )
            )
        copro.gov.give_feedback(proposal.id, member_id=account.member_id, comment=form("comment", REASON_MAX), **given)

    def field_of(e: GovernanceError) -> str | None:
        if e.status not in (400, 422):
            return None
        return "comment" if e.message.startswith("The comment") else f"{wrong or 'voice'}-1"

    return act(
        run,
        done=url_for("proposals.detail", collective_id=c.id, proposal_id=proposal.id),
        success=_("Thank you: we have your thoughts on how this went."),
        on_error=lambda e: _feedback_page(c, proposal, account.member_id, e.status),
        back=url_for("involvement.feedback", collective_id=c.id, proposal_id=proposal.id),
        field_id=field_of,
        form="feedback",
        keep=(*QUESTIONS, "comment"),
    )


# -- the narrative -------------------------------------------------------------------------


def _steward(collective_id: UUID) -> tuple[UUID, Collective]:
    """The signed-in steward and their collective: 404 outside it, 403 for a member who is not a steward."""
    account, c = member_of(collective_id)
    if not c.has_role(account.member_id, Role.STEWARD):
        raise NotAllowed(_("Only a steward can write the story part of the report."))
    return account.member_id, c


def _narrative_page(c: Collective, status: int = 200) -> Response:
    current = copro.gov.narrative(c.id)
    problem = forms.current()
    if problem is not None:
        values = {p: problem.kept(p)[:TEXT_MAX] for p in PARTS}
    else:
        values = dict(current.texts) if current else dict.fromkeys(PARTS, "")
    return page(
        "involvement/narrative.html",
        status,
        c=c,
        parts=NARRATIVE_PARTS,
        values=values,
        current=current,
        written_by=copro.gov.member_name(current.by) if current else "",
        text_max=TEXT_MAX,
    )


@bp.route("/narrative", methods=["GET", "POST"])
@login_required
def narrative(collective_id: UUID) -> Response:
    me, c = _steward(collective_id)
    if request.method == "GET":
        return _narrative_page(c)
    texts = {p: form(p, TEXT_MAX) for p in PARTS}

    def field_of(e: GovernanceError) -> str | None:
        return next((p for p in PARTS if e.message.startswith(f"The {PART_LABELS[p]} ")), PARTS[0])

    return act(
        lambda: copro.gov.write_narrative(c.id, by=me, **texts),
        done=url_for("involvement.narrative", collective_id=c.id),
        success=_("The narrative is saved. Reports for periods ending from now on use this version."),
        on_error=lambda e: _narrative_page(c, e.status),
        field_id=field_of,
        form="narrative",
        keep=PARTS,
    )


@bp.app_template_global()
def may_write_narrative(c: Collective) -> bool:
    """Whether the signed-in member is a steward of ``c`` today: the pages link to the narrative for them."""
    account = current_account()
    return account is not None and c.has_role(account.member_id, Role.STEWARD)
