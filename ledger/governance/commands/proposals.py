"""A proposal's life: drafting, revising, opening under a rule, closing, withdrawing."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, cast
from uuid import UUID

from ledger.governance import text
from ledger.governance.agreement import GOVERNANCE, Agreement
from ledger.governance.application import GovernanceApplication, next_event
from ledger.governance.collective import Role
from ledger.governance.errors import Conflict, Invalid, NotAllowed
from ledger.governance.proposal import Proposal, version_hash
from ledger.governance.retry import command


class ProposalCommands(GovernanceApplication):
    """A proposal's life: drafting, revising, opening under a rule, closing, withdrawing."""

    @command
    def draft_proposal(
        self,
        collective_id: UUID,
        *,
        by: UUID,
        category: str,
        title: str,
        body: str,
        changes_agreement: UUID | None = None,
    ) -> UUID:
        collective = self._collective_for(collective_id, by)
        title = text.clean(title, "title", limit=text.TITLE_MAX)
        body = text.clean(body, "proposal text", limit=text.TEXT_MAX)
        category = text.clean(category, "category", limit=60)
        agreement = self._agreement_in_force(collective)
        if agreement is not None:
            agreement.rule_for(category)
        if changes_agreement is not None:
            if category != GOVERNANCE:
                raise Invalid("A proposal to change the agreement belongs to the 'governance' category.")
            draft = cast(Agreement, self._read(Agreement, changes_agreement, "agreement"))
            if draft.collective_id != collective.id or draft.in_force:
                raise Invalid("That agreement is not a draft of this collective.")
            body += f"\n\nThis proposal adopts agreement {changes_agreement}."
        proposal = Proposal(
            collective_id=collective_id,
            category=category,
            title=title,
            body=body,
            author_id=by,
            content_hash=version_hash(title, body, category, 1),
            changes_agreement=changes_agreement,
        )
        self.save(proposal)
        return proposal.id

    @command
    def revise_proposal(self, proposal_id: UUID, *, by: UUID, title: str, body: str) -> None:
        proposal = self.proposal(proposal_id)
        collective = self._collective_for(proposal.collective_id, by)
        if by.hex != proposal.versions[0].author_id and not collective.has_role(by, Role.FACILITATOR):
            raise NotAllowed("Only the proposal's author or a facilitator can revise it.")
        proposal.check_before_deadline(self.clock())
        proposal.revise(
            text.clean(title, "title", limit=text.TITLE_MAX), text.clean(body, "proposal text", limit=text.TEXT_MAX), by
        )
        self.save(proposal)

    @command
    def open_proposal(self, proposal_id: UUID, *, by: UUID) -> None:
        proposal = self.proposal(proposal_id)
        collective = self._collective_for(proposal.collective_id, by)
        collective.check_role(by, Role.FACILITATOR)
        agreement = self._agreement_in_force(collective)
        if agreement is None:
            raise Conflict("There is no agreement in force yet; every party must sign one before decisions are made.")
        policy_name, _ = agreement.rule_for(proposal.category)
        proposal.open(
            by,
            self.clock().isoformat(),
            policy_name,
            agreement.policy_hashes[policy_name],
            agreement.id,
            max_open_hours=self.policy_of(agreement, policy_name).max_open_hours,
        )
        self.save(proposal)

    @command
    def close_proposal(self, proposal_id: UUID, *, by: UUID) -> dict[str, Any]:
        """Run the policy over the final ballots and objections and record the outcome."""
        proposal = self.proposal(proposal_id)
        collective = self._collective_for(proposal.collective_id, by)
        collective.check_role(by, Role.FACILITATOR)
        proposal.check_open()
        _, _, policy = self._voting_context(proposal, collective)
        now = self.clock()
        opened = datetime.fromisoformat(str(proposal.opened_at))
        if now - opened < timedelta(hours=policy.min_open_hours):
            until = (opened + timedelta(hours=policy.min_open_hours)).strftime("%d %B %Y %H:%M UTC")
            h = policy.min_open_hours
            span = f"{h // 24} days" if h % 24 == 0 else f"{h} hours"
            raise Conflict(f"This decision must stay open for at least {span}, until {until}; close it then.")
        _, record = self.tally(proposal)
        # Past the deadline the decision closed then: nothing could change since (every change was refused).
        proposal.close(by, proposal.closing_time(now), record)
        to_save: list[Any] = [proposal]
        if proposal.changes_agreement is not None and record["outcome"] == "adopted":
            collective = self.collective(collective.id)  # the one close that changes the collective: a copy
            collective.record_change_adopted(proposal.changes_agreement, proposal.id)
            to_save.append(collective)
        self.save(*to_save)
        return record

    @command
    def withdraw_proposal(self, proposal_id: UUID, *, by: UUID, reason: str) -> None:
        proposal = self.proposal(proposal_id)
        collective = self._collective_for(proposal.collective_id, by)
        if by.hex != proposal.versions[0].author_id and not collective.has_role(by, Role.FACILITATOR):
            raise NotAllowed("Only the proposal's author or a facilitator can withdraw it.")
        reason = text.clean(reason, "reason", limit=text.REASON_MAX)
        proposal.check_before_deadline(self.clock())
        proposal.check_withdrawable()
        proposal.withdraw(by, self._seal(by, reason, next_event(proposal), "/reason"))
        self.save(proposal)
