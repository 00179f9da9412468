"""The glossary: the words a co-production group uses, each in one plain sentence.

Pages link a word here (``/glossary/#quorum``) instead of explaining it inline, so the
same sentence is used everywhere. It needs no sign-in: the words are not personal.
"""

from __future__ import annotations

from typing import NamedTuple

from flask import Blueprint
from werkzeug.wrappers import Response

from web.ui import page

bp = Blueprint("glossary", __name__)


class Term(NamedTuple):
    """One glossary entry: the anchor other pages link to, the word, and its one sentence."""

    anchor: str
    word: str
    meaning: str


TERMS: tuple[Term, ...] = (
    Term("agreement", "Agreement", "The rules your group has agreed on for how it works and makes choices."),
    Term("proposal", "Proposal", "An idea put to the group so that members can say what they think of it."),
    Term("consent", "Consent", "A way to decide where a plan goes ahead if no one has a serious reason to stop it."),
    Term("consensus", "Consensus", "A way to decide where no one says no and at least one person says yes."),
    Term("unanimity", "Unanimity", "A way to decide where every member has to say yes."),
    Term("majority", "Majority", "More than half of the votes for or against, not counting people who abstain."),
    Term("supermajority", "Supermajority", "A bigger share than half, such as two in three, set by the rule."),
    Term("quorum", "Quorum", "How many members must take part for a choice to count."),
    Term("abstain", "Abstain", "To take part but not say yes or no, so your vote is not counted for or against."),
    Term("objection", "Objection", "A reason you give for why a plan could go wrong or cause harm."),
    Term("paramount", "Serious objection", "An objection that must be dealt with before the plan can pass."),
    Term("concern", "Concern", "An objection you want on the record that does not stop the plan."),
    Term("block", "Block", "A strong no: what it does is set by your rule, and it may stop the plan."),
    Term("veto", "Veto", "A right to stop a plan on your own, which some rules give to one group."),
    Term("overrule", "Set aside", "When a rule lets a named group decide that an objection should not stop the plan."),
    Term("group", "Group", "A set of members who share a stake, such as people with lived experience."),
    Term("facilitator", "Facilitator", "A member who opens and closes proposals and keeps the process fair."),
    Term("record", "Signed record", "A note of each step that no one can change later without it showing."),
)


@bp.get("/glossary/")
def index() -> Response:
    return page("glossary/index.html", terms=TERMS)
