"""Page models: everything one page shows, assembled by one query, for the template to render.

Views parse the request, call one of these (or one command), and render what it returns.
Counting reads the read models (:class:`ledger.governance.views.GovernanceViews`), never
every ballot: a page costs the same in a collective of ten members as in one of a thousand.
The rights a page offers (the ballot form, the objection form) come from the agreement's own
guard methods, the ones the commands refuse with.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID

import policies
from ledger.governance import listing_pages
from ledger.governance.agreement import Agreement
from ledger.governance.ballot import Ballot
from ledger.governance.collective import Collective, Role
from ledger.governance.comment import Comment
from ledger.governance.deadlines import closing_words
from ledger.governance.errors import GovernanceError, NotFound
from ledger.governance.home_page import HomePage, home_page
from ledger.governance.listing_pages import AgreementsPage, ContributionLine, Person, ReflectionLine
from ledger.governance.objection import Objection
from ledger.governance.positions import PositionsSeen, are_private, positions_seen_by
from ledger.governance.proposal import Proposal, Version, spoken_time
from ledger.governance.reminders_page import RemindersPage, reminder_recipients, reminders_page
from ledger.governance.service import Governance
from ledger.governance.tally import roster_of
from ledger.governance.views import GovernanceViews, counted_inputs, recorded_tally, tally_from
from ledger.personal.vault import ERASED


@dataclass
class _Mirror:
    """An open proposal's members (as of the membership stamp) and ballots (up to ``ballots_stamp``)."""

    membership: int | None
    voting_groups: set[str]
    members: dict[str, frozenset[str]]  # member hex -> groups, everyone in the collective now
    roster: list[policies.Member]
    ballots: dict[str, tuple[str, policies.Ballot]] = field(default_factory=dict)  # member hex -> (version, ballot)
    ballots_stamp: int = -1


@dataclass(frozen=True)
class VersionLine:
    """One version as the history lists it: the text, the one before it (for the diff), who wrote it."""

    v: Version
    previous: str | None
    author: str


@dataclass(frozen=True)
class ObjectionLine:
    o: Objection
    who: str
    reason: str
    answers: list[dict[str, str]]
    steps: list[dict[str, Any]]


@dataclass(frozen=True)
class CommentLine:
    """One comment in the thread: who wrote it (``erased`` once they were), their words, and when."""

    id: UUID
    who: str
    words: str
    at: str
    erased: bool
    when: datetime | str | None = None  # the moment itself, so that the web can say it in the member's language


@dataclass(frozen=True)
class ProposalStanding:
    """Where a proposal stands: the tally, the rule and rights, and (while open) the outcome if it closed now."""

    c: Collective
    p: Proposal
    me: UUID
    roles: set[str]
    tally: dict[str, Any]
    group_names: dict[str, str]
    policy: policies.Policy | None
    rights: dict[str, str]
    can_vote: bool
    can_object: bool
    preview: policies.Decision | None


@dataclass(frozen=True)
class ProposalPage(ProposalStanding):
    """The proposal page: its standing plus the text, its history, my position and the objections."""

    author_name: str
    versions: list[VersionLine]
    times: dict[str, Any]
    ballot: Ballot | None
    my_reason: str
    stale: bool
    objections: list[ObjectionLine] = field(default_factory=list)
    positions: PositionsSeen = field(default_factory=lambda: PositionsSeen(False, []))
    comments: list[CommentLine] = field(default_factory=list)


class Pages:
    """The page queries, over the governance application and its read models."""

    MEMO = 256  # proposals whose count is kept, per process

    def __init__(self, gov: Governance, views: GovernanceViews) -> None:
        self.gov = gov
        self.views = views
        # An open proposal's count and preview, with the stamps they were computed at
        # (GovernanceViews.stamps): recomputed only when something they count changed.
        self._counted: dict[UUID, tuple[tuple[int, int, str], dict[str, Any], policies.Decision]] = {}
        # What an open proposal's count reads, kept per process and brought up to date by stamp.
        self._mirrors: dict[UUID, _Mirror] = {}

    def home_page(self, collective: Collective, me: UUID) -> HomePage:
        """What is waiting for member ``me``."""
        return home_page(self.gov, self.views, collective, me)

    def agreements_page(self, collective: Collective, me: UUID) -> AgreementsPage:
        """Every version of the agreement, who signed each, and what ``me`` may do."""
        return listing_pages.agreements_page(self.gov, self.views, collective, me)

    def proposal_list(self, collective: Collective, now: datetime) -> list[dict[str, Any]]:
        """Every proposal's row, with when it closes in words: from the read model alone."""
        return [
            dict(p, closing=closing_words(p["state"], p["closes_at"], p["closed_at"], now))
            for p in self.views.proposals(collective.id)
        ]

    def reminders_page(self, collective: Collective, proposal_id: UUID, me: UUID, now: datetime) -> RemindersPage:
        """Who in each voting group has not responded yet (facilitators and stewards only)."""
        return reminders_page(self.gov, self.views, collective, proposal_id, me, now)

    def reminder_recipients(
        self, collective: Collective, proposal_id: UUID, groups: list[str]
    ) -> list[tuple[UUID, str]]:
        """Whom a reminder to ``groups`` is emailed to: members who have not responded and gave an address."""
        return reminder_recipients(self.gov, self.views, collective, proposal_id, groups)

    def members_page(self, collective: Collective) -> list[Person]:
        return listing_pages.members_page(self.gov, collective)

    def contributions_page(self, collective: Collective, me: UUID) -> list[ContributionLine]:
        return listing_pages.contributions_page(self.gov, self.views, collective, me)

    def reflections_page(self, collective: Collective) -> list[ReflectionLine]:
        return listing_pages.reflections_page(self.gov, self.views, collective)

    def _proposal(self, collective: Collective, proposal_id: UUID) -> Proposal:
        proposal = self.gov.proposal(proposal_id)
        if proposal.collective_id != collective.id:
            raise NotFound("There is no such proposal.")
        return proposal

    def _agreement(self, collective: Collective, proposal: Proposal) -> Agreement | None:
        if proposal.agreement_id is not None:
            return self.gov.agreement(proposal.agreement_id)
        return self.gov.agreement_in_force(collective.id)

    def proposal_standing(self, collective: Collective, proposal_id: UUID, me: UUID) -> ProposalStanding:
        """The tally partial: what is counted, and what the rule would decide now."""
        return self._standing(collective, self._proposal(collective, proposal_id), me)

    def _standing(self, c: Collective, proposal: Proposal, me: UUID) -> ProposalStanding:
        agreement = self._agreement(c, proposal)
        policy: policies.Policy | None = None
        rights: dict[str, str] = {}
        can_vote = can_object = False
        preview: policies.Decision | None = None
        if agreement is not None:
            try:
                name, rights = agreement.rule_for(proposal.category)
            except GovernanceError:
                name, rights = "", {}
            if name:
                policy = self.gov.policy_of(agreement, name)
                mine = c.groups_of(me)
                can_vote = agreement.may_vote(proposal.category, mine)
                can_object = agreement.may_object(proposal.category, mine)
        if proposal.outcome:
            # A closed decision shows what was counted when it closed, never a recount over today's members.
            tally = recorded_tally(proposal.outcome)
        elif proposal.state.value == "open" and agreement is not None:
            tally, preview = self._count(proposal, agreement)
        else:
            tally = self.views.tally(proposal.id)
        return ProposalStanding(
            c=c,
            p=proposal,
            me=me,
            roles={r.value for r in Role if c.has_role(me, r)},
            tally=tally,
            group_names=c.groups,
            policy=policy,
            rights=rights,
            can_vote=can_vote,
            can_object=can_object,
            preview=preview,
        )

    def _count(self, proposal: Proposal, agreement: Agreement) -> tuple[dict[str, Any], policies.Decision]:
        """The open proposal's tally and what the rule would decide now, from the read models.

        Nothing is read again when nothing it counts has changed (equal stamps). After a
        vote, only the ballots given since are read (:meth:`GovernanceViews.ballots_since`);
        the members are read again only when the membership changed. So a recount after a
        vote reads one row, not one per member, and counts in memory; ``policies.decide``
        still runs over the whole roster, which is what deciding means.
        """
        stamps = self.views.stamps(proposal.id)
        key = None if stamps is None else (*stamps, proposal.current.content_hash)
        kept = self._counted.get(proposal.id)
        if kept is not None and kept[0] == key:
            return kept[1], kept[2]
        rule = self.gov.policy_of(agreement, proposal.policy_name)
        voting_groups = agreement.voting_groups(proposal.category)
        mirror = self._mirrors.get(proposal.id)
        membership = None if stamps is None else stamps[1]
        if mirror is None or mirror.membership != membership or mirror.voting_groups != voting_groups:
            members = self.views.members_of_proposal(proposal.id)
            roster = roster_of(members, voting_groups)
            mirror = _Mirror(membership, voting_groups, {m.hex: g for m, g in members.items()}, roster)
            if len(self._mirrors) >= self.MEMO:
                self._mirrors.pop(next(iter(self._mirrors)))
            self._mirrors[proposal.id] = mirror
        for member, position, version, stamp in self.views.ballots_since(proposal.id, mirror.ballots_stamp):
            mirror.ballots[member] = (version, policies.Ballot(member, policies.Position(position)))
            mirror.ballots_stamp = max(mirror.ballots_stamp, stamp)
        inputs = counted_inputs(
            mirror.roster,
            mirror.ballots,
            self.views.objections_of(proposal.id),
            proposal.current.content_hash,
        )
        positions = {m: (version, ballot.position.value) for m, (version, ballot) in mirror.ballots.items()}
        tally = tally_from(mirror.members, positions, proposal.current.content_hash)
        counted = tally, policies.decide(rule, inputs.roster, inputs.ballots, inputs.objections)
        if key is not None:
            if len(self._counted) >= self.MEMO:
                self._counted.pop(next(iter(self._counted)))
            self._counted[proposal.id] = (key, *counted)
        return counted

    def proposal_page(self, collective: Collective, proposal_id: UUID, me: UUID, now: datetime) -> ProposalPage:
        """The whole proposal page for member ``me``."""
        gov = self.gov
        proposal = self._proposal(collective, proposal_id)
        standing = self._standing(collective, proposal, me)
        ballot = gov.ballot_of(proposal.id, me)
        private = are_private(proposal, standing.policy)
        return ProposalPage(
            **vars(standing),
            author_name=gov.member_name(UUID(proposal.versions[0].author_id)),
            versions=[
                VersionLine(v, proposal.versions[i - 1].body if i else None, gov.member_name(UUID(v.author_id)))
                for i, v in enumerate(proposal.versions)
            ],
            times=_times(proposal, now),
            ballot=ballot,
            my_reason=gov.reveal(ballot.reason) if ballot else "",
            stale=bool(ballot and ballot.version_hash != proposal.current.content_hash),
            objections=[
                self._objection_line(gov.objection(o), hide_who=private, me=me) for o in proposal.objection_ids
            ],
            positions=positions_seen_by(gov, self.views, collective, proposal, me, standing.policy),
            comments=self.comments(collective, proposal.id, me),
        )

    def positions(self, collective: Collective, proposal_id: UUID, me: UUID) -> PositionsSeen:
        """Everyone's position and reason on a proposal, by group, as ``me`` may see them (counts only while private).

        The positions page's query: it lists every person, so its cost is one ballot per person listed."""
        proposal = self._proposal(collective, proposal_id)
        agreement = self._agreement(collective, proposal)
        rule = None
        if agreement is not None and proposal.policy_name:  # a draft has no rule yet, and no positions
            rule = self.gov.policy_of(agreement, proposal.policy_name)
        return positions_seen_by(self.gov, self.views, collective, proposal, me, rule, limit=None)

    def comments(self, collective: Collective, proposal_id: UUID, me: UUID) -> list[CommentLine]:
        """The proposal's discussion thread, oldest first, for a member of its collective."""
        collective.check_member(me)
        proposal = self._proposal(collective, proposal_id)
        lines = []
        for cid in self.views.comments_of(proposal.id):
            comment = self.gov.read(Comment, cid, "comment")
            who = self.gov.member_name(comment.author_id)
            lines.append(
                CommentLine(
                    cid,
                    who,
                    self.gov.reveal(comment.text),
                    spoken_time(comment.created_on),
                    who == ERASED,
                    comment.created_on,
                )
            )
        return lines

    def _objection_line(self, o: Objection, *, hide_who: bool = False, me: UUID | None = None) -> ObjectionLine:
        """An objection with its words; while positions are private, the objector is not named (but to themselves)."""
        gov = self.gov
        anonymous = hide_who and o.member_id != me
        return ObjectionLine(
            o=o,
            who="A member" if anonymous else gov.member_name(o.member_id),
            reason=gov.reveal(o.reason),
            answers=[
                {"by": gov.member_name(UUID(h["by"])), "text": gov.reveal(h["answer"])}
                for h in o.history
                if h["step"] == "answered"
            ],
            steps=[dict(h, why=gov.reveal(h["why"])) for h in o.history if h["step"] != "answered"],
        )


def _times(proposal: Proposal, now: datetime) -> dict[str, Any]:
    """When the proposal opened, closes or closed, in words, and whether its time is up."""
    outcome = proposal.outcome or {}
    return {
        "opened": spoken_time(proposal.opened_at) if proposal.opened_at else None,
        "closes": spoken_time(proposal.closes_at) if proposal.closes_at else None,
        "closed": spoken_time(outcome["closed_at"]) if outcome.get("closed_at") else None,
        "time_up": proposal.state.value == "open" and proposal.past_deadline(now),
        "closing": closing_words(proposal.state.value, proposal.closes_at, outcome.get("closed_at"), now),
        # The recorded moments themselves, so that the web can say them in the member's language.
        "state": proposal.state.value,
        "opened_at": proposal.opened_at,
        "closes_at": proposal.closes_at,
        "closed_at": outcome.get("closed_at"),
    }
