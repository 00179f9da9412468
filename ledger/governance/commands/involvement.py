"""Involvement: members' own view of how a closed decision went for them, and the steward's GRIPP2 narrative.

Both are small aggregates of their own (one feedback per member per decision, one
narrative per collective), so giving feedback loads only that member's feedback, the
proposal and the collective it checks against, whatever the size of the collective.
The queries a page needs to prefill its form live here too, beside the rules they read.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import cast
from uuid import UUID

from ledger.governance import text
from ledger.governance.application import GovernanceApplication
from ledger.governance.collective import Role
from ledger.governance.errors import NotFound
from ledger.governance.feedback import QUESTIONS, Feedback, feedback_id
from ledger.governance.member import Member
from ledger.governance.narrative import PARTS, Narrative, narrative_id
from ledger.governance.proposal import Proposal
from ledger.governance.retry import command

PART_LABELS = {  # as a refusal names them: "The aim of involvement is 20001 characters long; ..."
    "aim": "aim of involvement",
    "methods": "methods",
    "results": "results",
    "influence": "influence of involvement",
    "reflection": "critical reflection",
    "equality": "equality, diversity and inclusion part",
}


@dataclass(frozen=True)
class MyFeedback:
    """A member's feedback as they gave it last: their answers (None = rather not say) and comment."""

    answers: dict[str, int | None]
    comment: str


@dataclass(frozen=True)
class NarrativeText:
    """The narrative at one version: its six texts, who wrote this version, and when."""

    texts: dict[str, str]
    by: UUID
    version: int
    written_on: datetime


class InvolvementCommands(GovernanceApplication):
    """Giving feedback on a closed decision; writing the report's narrative (stewards)."""

    @command
    def give_feedback(
        self,
        proposal_id: UUID,
        *,
        member_id: UUID,
        voice: int | None = None,
        contribution: int | None = None,
        agenda: int | None = None,
        change: int | None = None,
        comment: str = "",
    ) -> UUID:
        """Record or change a member's feedback on a decision that has closed.

        Only someone who was a member before it closed, and still is, may give it. When
        they joined is when their member record was written (it is written in the same
        save as their admission), compared with the proposal's last event, its closing.
        """
        proposal = cast(Proposal, self._read(Proposal, proposal_id, "proposal"))
        self._collective_for(proposal.collective_id, member_id)
        Feedback.check_decision_closed(proposal.state.value)
        member = cast(Member, self._read(Member, member_id, "member"))
        Feedback.check_member_then(member.created_on, proposal.modified_on)
        comment = text.clean(comment, "comment", limit=text.REASON_MAX, required=False)
        answers = Feedback.check_answers(
            {"voice": voice, "contribution": contribution, "agenda": agenda, "change": change}, comment
        )
        fid = feedback_id(proposal_id, member_id)
        feedback = self._feedback(fid)
        at = (fid, 1 if feedback is None else feedback.version + 1)
        sealed = self._seal_optional(member_id, comment, at, "/comment")
        if feedback is None:
            feedback = Feedback(
                collective_id=proposal.collective_id,
                proposal_id=proposal_id,
                member_id=member_id,
                comment=sealed,
                **answers,
            )
        else:
            feedback.give_again(answers, sealed)
        self.save(feedback)
        return feedback.id

    @command
    def write_narrative(
        self,
        collective_id: UUID,
        *,
        by: UUID,
        aim: str = "",
        methods: str = "",
        results: str = "",
        influence: str = "",
        reflection: str = "",
        equality: str = "",
    ) -> UUID:
        """Write or revise the collective's GRIPP2 narrative: a steward in office today only."""
        collective = self._collective_for(collective_id, by)
        collective.check_role(by, Role.STEWARD)
        given = {
            "aim": aim,
            "methods": methods,
            "results": results,
            "influence": influence,
            "reflection": reflection,
            "equality": equality,
        }
        texts = {p: text.clean(given[p], PART_LABELS[p], limit=text.TEXT_MAX, required=False) for p in PARTS}
        Narrative.check_not_empty(texts)
        narrative = self._narrative(collective_id)
        if narrative is None:
            narrative = Narrative(collective_id=collective_id, by=by, **texts)
        else:
            narrative.revise(by, texts)
        self.save(narrative)
        return narrative.id

    # -- queries -------------------------------------------------------------------------------

    def my_feedback(self, proposal_id: UUID, member_id: UUID) -> MyFeedback | None:
        """The member's feedback on a decision, comment opened, to prefill their form; None if none yet."""
        try:
            feedback = cast(Feedback, self._read(Feedback, feedback_id(proposal_id, member_id), "feedback"))
        except NotFound:
            return None
        return MyFeedback(dict(feedback.answers), self.reveal(feedback.comment))

    def narrative(self, collective_id: UUID, *, as_of: datetime | None = None) -> NarrativeText | None:
        """The narrative now, or as it stood at ``as_of`` (a report's period end); None if none was written."""
        nid = narrative_id(collective_id)
        if as_of is None:
            found = self._narrative_read(nid)
        else:
            stood = [e.originator_version for e in self.events.get(nid) if cast(Narrative.Event, e).timestamp <= as_of]
            found = None if not stood else cast(Narrative, self.repository.get(nid, version=stood[-1]))
        if found is None:
            return None
        return NarrativeText(dict(found.texts), found.by, found.version, found.modified_on)

    def _narrative_read(self, nid: UUID) -> Narrative | None:
        try:
            return cast(Narrative, self._read(Narrative, nid, "narrative"))
        except NotFound:
            return None

    def _narrative(self, collective_id: UUID) -> Narrative | None:
        """The command's own copy of the narrative, or None before the first is written."""
        try:
            return cast(Narrative, self._get(Narrative, narrative_id(collective_id), "narrative"))
        except NotFound:
            return None

    def _feedback(self, fid: UUID) -> Feedback | None:
        try:
            return cast(Feedback, self._get(Feedback, fid, "feedback"))
        except NotFound:
            return None


__all__ = ["PART_LABELS", "QUESTIONS", "InvolvementCommands", "MyFeedback", "NarrativeText"]
