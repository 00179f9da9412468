"""The home page model: what is waiting for one member, from the read models and the few aggregates shown.

Everything listed is bounded by what is waiting (open proposals, their objections,
unsigned agreements, reflections' actions), never by the number of members.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any
from uuid import UUID

from ledger.governance.agreement import Agreement
from ledger.governance.collective import Collective, Role
from ledger.governance.deadlines import closing_words
from ledger.governance.positions import are_private
from ledger.governance.service import Governance
from ledger.governance.views import GovernanceViews


@dataclass(frozen=True)
class Waiting:
    respond: list[dict[str, Any]]
    objections: list[dict[str, Any]]
    to_sign: list[Agreement]
    reviews: list[dict[str, Any]]
    to_open: list[dict[str, Any]]
    to_close: list[dict[str, Any]]


@dataclass(frozen=True)
class HomePage:
    c: Collective
    roles: set[str]
    waiting: Waiting


FIRST_WORDS = 12  # enough to tell one objection from another at a glance


def first_words(text: str, count: int = FIRST_WORDS) -> str:
    """The start of a text, whole words only, with an ellipsis when some were left out."""
    words = text.split()
    return " ".join(words[:count]) + ("…" if len(words) > count else "")


def home_page(gov: Governance, views: GovernanceViews, c: Collective, me: UUID) -> HomePage:
    return HomePage(c=c, roles={r.value for r in Role if c.has_role(me, r)}, waiting=waiting_for(gov, views, c, me))


def waiting_for(gov: Governance, views: GovernanceViews, c: Collective, me: UUID) -> Waiting:
    """Proposals to respond to, open or close, objections to answer, agreements to sign, reviews due."""
    mine = c.groups_of(me)
    facilitator = c.has_role(me, Role.FACILITATOR)
    agreement = gov.agreement_in_force(c.id)
    respond, to_open, to_close, objections = [], [], [], []
    now = gov.clock()
    for row in views.proposals(c.id):
        p = dict(row, closing=closing_words(row["state"], row["closes_at"], row["closed_at"], now))
        pid = p["id"]
        if p["state"] == "draft" and facilitator and agreement is not None:
            to_open.append(p)
        if p["state"] != "open":
            continue
        proposal = gov.proposal(pid)
        if proposal.agreement_id is None:  # an open proposal always has its rule; never trust the view alone
            continue
        rules = gov.agreement(proposal.agreement_id)
        votes_here = rules.may_vote(proposal.category, mine)
        if votes_here and not views.responded(pid, me) and not proposal.past_deadline(now):
            # A reminder to one of my groups shows until I respond (then the proposal leaves this list).
            reminded = any(groups & mine for groups, _ in views.reminders_of(pid))
            respond.append(dict(p, reminded=reminded))
        if facilitator:
            to_close.append(dict(p, time_up=proposal.past_deadline(now)))
        hidden = are_private(proposal, gov.policy_of(rules, proposal.policy_name))  # the objector is not named
        for oid in proposal.objection_ids:
            o = gov.objection(oid)
            if o.status.unresolved and (facilitator or proposal.versions[0].author_id == me.hex):
                objections.append(
                    {
                        "proposal": p,
                        "objection": o,
                        "who": "A member" if hidden else gov.member_name(o.member_id),
                        "opening": first_words(gov.reveal(o.reason)),
                    }
                )
    to_sign = []
    for aid in views.listing(c.id, "Agreement"):
        a = gov.agreement(aid)
        if a.superseded_by is None and not a.in_force and set(a.parties) & mine and me.hex not in a.signatures:
            to_sign.append(a)
    reviews: list[dict[str, Any]] = []
    if agreement is not None and date.fromisoformat(agreement.review_date) <= gov.clock().date() + timedelta(days=60):
        reviews.append({"what": "The power-sharing agreement", "due": agreement.review_date})
    for rid in views.listing(c.id, "Reflection"):
        r: Any = gov.repository.get(rid)
        for i, action in enumerate(r.actions):
            if action["done_by"] is None:
                reviews.append({"what": gov.reveal(action["text"]), "due": None, "reflection": rid, "index": i})
    return Waiting(respond, objections, to_sign, reviews, to_open, to_close)
