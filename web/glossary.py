"""The glossary: the words a co-production group uses, each in one plain sentence.

Pages link a word here (``/glossary/#quorum``) instead of explaining it inline, so the
same sentence is used everywhere. It needs no sign-in: the words are not personal.
"""

from __future__ import annotations

from typing import NamedTuple

from flask import Blueprint
from werkzeug.wrappers import Response

from web.messages import N_
from web.ui import page

bp = Blueprint("glossary", __name__)


class Term(NamedTuple):
    """One glossary entry: the anchor other pages link to, the word, and its one sentence."""

    anchor: str
    word: str
    meaning: str


TERMS: tuple[Term, ...] = (
    Term("agreement", N_("Agreement"), N_("The rules your group has agreed on for how it works and makes choices.")),
    Term("proposal", N_("Proposal"), N_("An idea put to the group so that members can say what they think of it.")),
    Term(
        "consent",
        N_("Consent"),
        N_("A way to decide where a plan goes ahead if no one has a serious reason to stop it."),
    ),
    Term("consensus", N_("Consensus"), N_("A way to decide where no one says no and at least one person says yes.")),
    Term("unanimity", N_("Unanimity"), N_("A way to decide where every member has to say yes.")),
    Term(
        "majority", N_("Majority"), N_("More than half of the votes for or against, not counting people who abstain.")
    ),
    Term("supermajority", N_("Supermajority"), N_("A bigger share than half, such as two in three, set by the rule.")),
    Term("quorum", N_("Quorum"), N_("How many members must take part for a choice to count.")),
    Term(
        "abstain", N_("Abstain"), N_("To take part but not say yes or no, so your vote is not counted for or against.")
    ),
    Term("objection", N_("Objection"), N_("A reason you give for why a plan could go wrong or cause harm.")),
    Term("paramount", N_("Serious objection"), N_("An objection that must be dealt with before the plan can pass.")),
    Term("concern", N_("Concern"), N_("An objection you want on the record that does not stop the plan.")),
    Term("block", N_("Block"), N_("A strong no: what it does is set by your rule, and it may stop the plan.")),
    Term("veto", N_("Veto"), N_("A right to stop a plan on your own, which some rules give to one group.")),
    Term(
        "overrule",
        N_("Set aside"),
        N_("When a rule lets a named group decide that an objection should not stop the plan."),
    ),
    Term("group", N_("Group"), N_("A set of members who share a stake, such as people with lived experience.")),
    Term("facilitator", N_("Facilitator"), N_("A member who opens and closes proposals and keeps things fair.")),
    Term("record", N_("Signed record"), N_("A note of each step that no one can change later without it showing.")),
)


@bp.get("/glossary/")
def index() -> Response:
    return page("glossary/index.html", terms=TERMS)
