"""A proposal's life: drafting, revising, opening under a rule, closing, withdrawing."""

from __future__ import annotations

from typing import Any, cast
from uuid import UUID

from ledger.governance import text
from ledger.governance.agreement import Agreement
from ledger.governance.application import GovernanceApplication, next_event
from ledger.governance.closing import ClosingResult
from ledger.governance.collective import Role
from ledger.governance.errors import Conflict
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
            Agreement.check_change_category(category)
            draft = cast(Agreement, self._read(Agreement, changes_agreement, "agreement"))
            draft.check_draft_of(collective.id)
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
        facilitator, now = collective.has_role(by, Role.FACILITATOR), self.clock()
        proposal.check_may_revise(by, by_is_facilitator=facilitator, now=now)
        title = text.clean(title, "title", limit=text.TITLE_MAX)
        body = text.clean(body, "proposal text", limit=text.TEXT_MAX)
        proposal.revise(title, body, by, by_is_facilitator=facilitator, now=now)
        self.save(proposal)

    @command
    def open_proposal(self, proposal_id: UUID, *, by: UUID) -> None:
        proposal = self.proposal(proposal_id)
        collective = self._collective_for(proposal.collective_id, by)
        collective.check_role(by, Role.FACILITATOR)
        agreement = self._agreement_in_force(collective)
        if agreement is None:
            raise Conflict("There is no agreement yet. Each party must sign one before the group can make choices.")
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
    def close_proposal(self, proposal_id: UUID, *, by: UUID) -> ClosingResult:
        """Run the policy over the final ballots and objections and record the outcome."""
        proposal = self.proposal(proposal_id)
        collective = self._collective_for(proposal.collective_id, by)
        collective.check_role(by, Role.FACILITATOR)
        proposal.check_open()
        _, _, policy = self._voting_context(proposal, collective)
        now = self.clock()
        proposal.check_closable(now, min_open_hours=policy.min_open_hours)  # before counting anything
        _, record = self.tally(proposal)
        proposal.close(by, now, record, min_open_hours=policy.min_open_hours)
        to_save: list[Any] = [proposal]
        if proposal.changes_agreement is not None and record.adopted:
            collective = self.collective(collective.id)  # the one close that changes the collective: a copy
            collective.record_change_adopted(proposal.changes_agreement, proposal.id)
            to_save.append(collective)
        self.save(*to_save)
        return record

    @command
    def withdraw_proposal(self, proposal_id: UUID, *, by: UUID, reason: str) -> None:
        proposal = self.proposal(proposal_id)
        collective = self._collective_for(proposal.collective_id, by)
        facilitator, now = collective.has_role(by, Role.FACILITATOR), self.clock()
        proposal.check_may_withdraw(by, by_is_facilitator=facilitator, now=now)  # before sealing anything
        reason = text.clean(reason, "reason", limit=text.REASON_MAX)
        sealed = self._seal(by, reason, next_event(proposal), "/reason")
        proposal.withdraw(by, sealed, by_is_facilitator=facilitator, now=now)
        self.save(proposal)
