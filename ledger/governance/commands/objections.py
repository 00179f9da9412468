"""Raising an objection and working it through: testing, answering, withdrawing, resolving."""

from __future__ import annotations

from typing import cast
from uuid import UUID, uuid4

from ledger.governance import text
from ledger.governance.application import GovernanceApplication, next_event
from ledger.governance.collective import Collective, Role
from ledger.governance.objection import Objection
from ledger.governance.proposal import Proposal
from ledger.governance.retry import command


class ObjectionCommands(GovernanceApplication):
    """Raising an objection and working it through: testing, answering, withdrawing, resolving."""

    @command
    def raise_objection(self, proposal_id: UUID, *, member_id: UUID, reason: str, paramount: bool = True) -> UUID:
        proposal = self.proposal(proposal_id)
        collective = self._collective_for(proposal.collective_id, member_id)
        proposal.check_accepting_positions(self.clock())
        _, agreement, _ = self._voting_context(proposal, collective)
        agreement.check_may_object(proposal.category, collective.groups_of(member_id))
        reason = text.clean(reason, "reason for the objection", limit=text.REASON_MAX)
        oid = uuid4()
        objection = Objection(
            proposal_id=proposal_id,
            member_id=member_id,
            paramount=paramount,
            reason=self._seal(member_id, reason, (oid, 1), "/reason"),
            version_hash=proposal.current.content_hash,
            id=oid,
            from_block=False,
        )
        proposal.register_objection(objection.id)
        self.save(objection, proposal)
        self._objectors[objection.id] = member_id
        return objection.id

    def _objection_context(self, objection_id: UUID, by: UUID) -> tuple[Objection, Proposal, Collective]:
        objection = self.objection(objection_id)
        proposal = cast(Proposal, self._read(Proposal, objection.proposal_id, "proposal"))
        collective = self._collective_for(proposal.collective_id, by)
        return objection, proposal, collective

    @command
    def test_objection(self, objection_id: UUID, *, by: UUID, paramount: bool, why: str) -> None:
        objection, proposal, collective = self._objection_context(objection_id, by)
        collective.check_role(by, Role.FACILITATOR)
        proposal.check_accepting_positions(self.clock())
        why = text.clean(why, "explanation", limit=text.REASON_MAX)
        objection.test(paramount, by, self._seal(by, why, next_event(objection), "/why"))
        self.save(objection)

    @command
    def answer_objection(self, objection_id: UUID, *, by: UUID, answer: str) -> None:
        objection, proposal, _ = self._objection_context(objection_id, by)
        proposal.check_accepting_positions(self.clock())
        answer = text.clean(answer, "answer", limit=text.REASON_MAX)
        objection.answer(by, self._seal(by, answer, next_event(objection), "/answer"))
        self.save(objection)

    @command
    def withdraw_objection(self, objection_id: UUID, *, by: UUID, why: str = "") -> None:
        objection, proposal, _ = self._objection_context(objection_id, by)
        proposal.check_accepting_positions(self.clock())
        why = text.clean(why, "explanation", limit=text.REASON_MAX, required=False)
        objection.withdraw(by, self._seal_optional(by, why, next_event(objection), "/why"))
        self.save(objection)

    @command
    def resolve_objection(self, objection_id: UUID, *, by: UUID, how: str, why: str) -> None:
        """The facilitator integrates (after a revision), upholds, or overrules where the policy allows."""
        objection, proposal, collective = self._objection_context(objection_id, by)
        collective.check_role(by, Role.FACILITATOR)
        proposal.check_accepting_positions(self.clock())
        why = text.clean(why, "explanation", limit=text.REASON_MAX)
        _, _, policy = self._voting_context(proposal, collective)
        objection.check_resolution(how, allow_overrule=policy.allow_overrule)  # before sealing anything
        if how == "overrule":
            why = f"{why} (process: {policy.overrule_process})"
        sealed = self._seal(by, why, next_event(objection), "/why")
        objection.resolve(
            how, by, sealed, version_hash=proposal.current.content_hash, allow_overrule=policy.allow_overrule
        )
        self.save(objection)
