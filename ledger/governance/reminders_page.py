"""The facilitator's reminders page: per voting group, who has not responded to an open proposal yet.

Who has not responded is one read-model query whose rows are exactly the people
listed (``GovernanceViews.not_responded``); their names are then opened one each.
So the page costs the same in a collective of ten as of a thousand, beyond the list
itself. The same query says whom a reminder's email goes to.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from ledger.governance.collective import Collective, Role
from ledger.governance.deadlines import closing_words
from ledger.governance.errors import N_, Conflict, NotFound, key_word, say
from ledger.governance.proposal import Proposal, spoken_time
from ledger.governance.service import Governance
from ledger.governance.views import GovernanceViews


@dataclass(frozen=True)
class GroupWaiting:
    """One voting group: its id, its name, and the names of its members who have not responded."""

    group: str
    label: str
    names: list[str]


@dataclass(frozen=True)
class SentLine:
    groups: list[str]  # the groups' names
    at: str  # in words
    when: datetime | str | None = None  # the moment itself, so that the web can say it in the member's language


@dataclass(frozen=True)
class RemindersPage:
    c: Collective
    p: Proposal
    closing: str
    groups: list[GroupWaiting]
    sent: list[SentLine]


def check_may_remind(c: Collective, me: UUID) -> None:
    """The page's own check, the same rule ``send_reminder`` refuses with."""
    c.check_role(me, Role.FACILITATOR, Role.STEWARD)


def _open_proposal(gov: Governance, c: Collective, proposal_id: UUID) -> tuple[Proposal, set[str]]:
    proposal = gov.proposal(proposal_id)
    if proposal.collective_id != c.id:
        raise NotFound("There is no such proposal.")
    if proposal.state.value != "open" or proposal.agreement_id is None:
        raise Conflict(
            say(N_("This proposal is %(state)s, so there is no one to remind."), state=key_word(proposal.state))
        )
    return proposal, gov.agreement(proposal.agreement_id).voting_groups(proposal.category)


def reminders_page(
    gov: Governance, views: GovernanceViews, c: Collective, proposal_id: UUID, me: UUID, now: datetime
) -> RemindersPage:
    check_may_remind(c, me)
    proposal, voting = _open_proposal(gov, c, proposal_id)
    waiting = {m: g & voting for m, g in views.not_responded(proposal_id).items() if g & voting}
    names = {m: gov.member_name(m) for m in waiting}
    groups = [
        GroupWaiting(g, c.groups.get(g, g), sorted((names[m] for m, gs in waiting.items() if g in gs), key=str.lower))
        for g in sorted(voting)
    ]
    sent = [
        SentLine([c.groups.get(g, g) for g in sorted(gs)], spoken_time(at), at)
        for gs, at in views.reminders_of(proposal_id)
    ]
    closing = closing_words(proposal.state.value, proposal.closes_at, None, now)
    return RemindersPage(c, proposal, closing, groups, sent)


def reminder_recipients(
    gov: Governance, views: GovernanceViews, c: Collective, proposal_id: UUID, groups: list[str]
) -> list[tuple[UUID, str]]:
    """(member, email address) of each member of ``groups`` who has not responded and gave an address."""
    _, voting = _open_proposal(gov, c, proposal_id)
    chosen = set(groups) & voting
    out = []
    for member, member_groups in sorted(views.not_responded(proposal_id).items()):
        if member_groups & chosen and (address := gov.email_of(member)) is not None:
            out.append((member, address))
    return out
