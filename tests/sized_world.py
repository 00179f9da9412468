"""A collective of any size, built through the real use cases: what the vote-cost test and bench/vote.py measure.

Members sit in several stakeholder groups (some in two), an agreement is in force,
several proposals are open under a consent rule where a block is an objection, and a
few members have raised objections: the state a real vote meets.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from uuid import UUID

from ledger.governance.service import Governance
from tests.governance_world import GROUPS, QUICK_CONSENT, Clock

VOTING = ("lived_experience", "researchers", "practitioners")
RIGHTS = {"lived_experience": "decide", "researchers": "decide", "practitioners": "consent", "funders": "consult"}


@dataclass
class SizedWorld:
    gov: Governance
    clock: Clock
    collective: UUID
    steward: UUID
    members: list[UUID]
    voters: list[UUID]  # members in at least one group that votes on the proposals' category
    proposals: list[UUID] = field(default_factory=list)


def groups_for(i: int) -> list[str]:
    """Round-robin over the four groups; every fifth member is in two."""
    names = list(GROUPS)
    first = names[i % len(names)]
    return sorted({first, names[(i + 1) % len(names)]}) if i % 5 == 0 else [first]


def build_sized_world(gov: Governance, members: int, *, proposals: int = 3, objections: int = 3) -> SizedWorld:
    """A collective of ``members`` people (the founder included) with ``proposals`` open proposals."""
    clock = Clock()
    gov.clock = clock
    cid, steward = gov.found_collective(
        name=f"Collective of {members}",
        purpose="Co-produce research together, at any size.",
        groups=GROUPS,
        founder_name="Sam Steward",
        founder_contact="sam@example.org",
        founder_groups=["researchers"],
    )
    gov.assign_role(cid, steward, "facilitator", by=steward)
    everyone = [steward]
    groups_of = {steward: ["researchers"]}
    for i in range(1, members):
        groups = groups_for(i)
        mid = gov.admit_member(cid, by=steward, name=f"Member {i}", contact=f"m{i}@example.org", groups=groups)
        everyone.append(mid)
        groups_of[mid] = groups
    agreement = gov.draft_agreement(
        cid,
        by=steward,
        parties=list(GROUPS),
        matrix={"research_question": ("quick-consent", RIGHTS), "budget": ("majority-in-every-group", RIGHTS)},
        policy_texts={"quick-consent": QUICK_CONSENT},
        review_date=date(2027, 11, 1),
        ground_rules="We listen; we share power; we pay people for their time.",
    )
    signed: set[str] = set()
    for mid in everyone:
        fresh = set(groups_of[mid]) - signed
        if fresh:
            gov.sign_agreement(agreement, member_id=mid)
            signed |= fresh
        if signed == set(GROUPS):
            break
    voters = [m for m in everyone if set(groups_of[m]) & set(VOTING)]
    world = SizedWorld(gov, clock, cid, steward, everyone, voters)
    for n in range(proposals):
        pid = gov.draft_proposal(
            cid, by=steward, category="research_question", title=f"Question {n}", body=f"Shall we study {n}?"
        )
        gov.open_proposal(pid, by=steward)
        world.proposals.append(pid)
    for k in range(objections):
        objector = voters[(k * 7 + 1) % len(voters)]
        gov.raise_objection(world.proposals[k % proposals], member_id=objector, reason=f"Concern number {k}.")
    return world


def position_for(i: int) -> tuple[str, str]:
    """Mostly agreement, some disagreement with a reason, a rare block: what a real vote looks like."""
    if i % 50 == 7:
        return "block", "This would harm people who hear voices."
    if i % 10 == 3:
        return "disagree", "I think we should ask a different question."
    if i % 10 == 5:
        return "abstain", ""
    return "agree", ""
