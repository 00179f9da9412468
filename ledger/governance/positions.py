"""Who took which position on a proposal, and why, per stakeholder group: as one member may see it.

Loomio shows each person's position with their reason; so do we, unless the rule in force
says positions are private until close (``positions_private_until_close``). Then, while
the proposal is open, a member sees how many took each position in each group, never who
or why, not even who blocked; once it closes, everything shows. The rule is applied here,
in the domain, so no page or caller can show more than it allows.
"""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

import policies
from ledger.governance.collective import Collective
from ledger.governance.proposal import Proposal, State
from ledger.governance.service import Governance
from ledger.governance.views import GovernanceViews
from ledger.personal.vault import ERASED

ORDER = ("agree", "abstain", "disagree", "block")
FORMER = ""  # the group key of people who are no longer members


@dataclass(frozen=True)
class PositionLine:
    """One person's position and reason; ``erased`` when their personal data was erased."""

    who: str
    position: str
    reason: str
    erased: bool


@dataclass(frozen=True)
class GroupPositions:
    """A stakeholder group's positions: how many took each (in ``ORDER``) and, if allowed, who and why."""

    group: str
    name: str
    counts: dict[str, int]
    lines: list[PositionLine]

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def share(self, position: str) -> int:
        """The position's share of the group's positions, in whole percent (the chart's widths)."""
        return round(100 * self.counts[position] / self.total) if self.total else 0

    def offset(self, position: str) -> int:
        """Where the position's bar starts: the shares of the positions before it."""
        return sum(self.share(p) for p in ORDER[: ORDER.index(position)])


@dataclass(frozen=True)
class PositionsSeen:
    """``shown`` people's lines out of ``people`` who answered; the rest are on the positions page."""

    private: bool
    groups: list[GroupPositions]
    people: int = 0
    shown: int = 0

    @property
    def complete(self) -> bool:
        return self.shown >= self.people


ON_THE_PAGE = 5
"""People whose position and reason the proposal page itself shows (the most recent): reading each
costs a ballot, so the page reads this many in a collective of ten or of a thousand; the
positions page lists everyone."""


def are_private(proposal: Proposal, policy: policies.Policy | None) -> bool:
    """Whether positions are hidden now: the rule says so and the proposal has not closed."""
    return bool(policy and policy.positions_private_until_close) and proposal.state is not State.CLOSED


def positions_seen_by(
    gov: Governance,
    views: GovernanceViews,
    c: Collective,
    proposal: Proposal,
    viewer: UUID,
    policy: policies.Policy | None,
    limit: int | None = ON_THE_PAGE,
) -> PositionsSeen:
    """Every group's positions on ``proposal`` as member ``viewer`` may see them.

    Counts come from the ballots read model; names and reasons from the ballots
    themselves (sealed reasons unsealed for display), read only when they may be shown.
    A person in two groups is counted in each.
    """
    c.check_member(viewer)
    private = are_private(proposal, policy)
    members = views.members_of_proposal(proposal.id)
    groups: dict[str, GroupPositions] = {}

    def group(key: str) -> GroupPositions:
        if key not in groups:
            name = c.groups.get(key, key) if key else "People who are no longer members"
            groups[key] = GroupPositions(key, name, dict.fromkeys(ORDER, 0), [])
        return groups[key]

    for key in sorted(c.groups):
        group(key)
    answered = views.positions_on(proposal.id)
    shown = 0
    for member, position in answered:
        line = None
        if not private and (limit is None or shown < limit):
            shown += 1
            ballot = gov.ballot_of(proposal.id, member)
            who = gov.member_name(member)
            line = PositionLine(who, position, gov.reveal(ballot.reason) if ballot else "", who == ERASED)
        for key in sorted(members.get(member, frozenset({FORMER}))):
            g = group(key)
            g.counts[position] = g.counts.get(position, 0) + 1
            if line is not None:
                g.lines.append(line)
    for g in groups.values():
        g.lines.sort(key=lambda line: (ORDER.index(line.position), line.who.casefold()))
    return PositionsSeen(private, [g for g in groups.values() if g.total or g.group], len(answered), shown)
