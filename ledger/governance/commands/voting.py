"""Casting and changing a position; where the rule says so, a block raises an objection."""

from __future__ import annotations

import contextlib
import copy
from typing import Any, cast
from uuid import UUID, uuid4

from eventsourcing.persistence import RecordConflictError

import policies
from ledger.governance import text
from ledger.governance.application import GovernanceApplication, next_event
from ledger.governance.ballot import Ballot, ballot_id
from ledger.governance.objection import Objection
from ledger.governance.proposal import Proposal
from ledger.governance.retry import command


class VotingCommands(GovernanceApplication):
    """Casting and changing a position; where the rule says so, a block raises an objection."""

    @command
    def cast_ballot(
        self, proposal_id: UUID, *, member_id: UUID, position: str, reason: str = "", version_hash: str | None = None
    ) -> UUID:
        """Record or change a member's position, bound to the version they are answering.

        ``version_hash`` is the version the member read; if the proposal has been revised
        since, the ballot is refused rather than silently applied to text they never saw.
        Everything it checks is read as of one look at the log (``reads_as_of_now``).
        """
        with self.reads_as_of_now():
            return self._cast_ballot(proposal_id, member_id, position, reason, version_hash)

    def _cast_ballot(
        self, proposal_id: UUID, member_id: UUID, position: str, reason: str, version_hash: str | None
    ) -> UUID:
        proposal = cast(Proposal, self._read(Proposal, proposal_id, "proposal"))
        collective = self._collective_for(proposal.collective_id, member_id)
        now = self.clock()
        proposal.check_accepting_positions(now)
        proposal.check_answers_current(version_hash)
        collective, agreement, policy = self._voting_context(proposal, collective)
        Ballot.check_position(position)
        agreement.check_may_vote(proposal.category, collective.groups_of(member_id))
        reason = text.clean(reason, "reason", limit=text.REASON_MAX, required=False)
        Ballot.check_reason(position, reason, required_for={p.value for p in policy.reason_required_for})
        bid = ballot_id(proposal_id, member_id)
        ballot = self._own_ballot(proposal_id, member_id)
        sealed = self._seal_optional(member_id, reason, (bid, 1 if ballot is None else ballot.version + 1), "/reason")
        if ballot is None:
            ballot = Ballot(
                proposal_id=proposal_id,
                member_id=member_id,
                position=position,
                reason=sealed,
                version_hash=proposal.current.content_hash,
                at=now.isoformat(),
            )
        else:
            ballot.change(position, sealed, proposal.current.content_hash, at=now.isoformat())
        to_save: list[Any] = [ballot]
        if policy.block_effect is policies.BlockEffect.OBJECTION:
            to_save += self._block_as_objection(proposal, member_id, position, reason)
        try:
            self.save(*to_save)
        except RecordConflictError:
            self._forget_ballot(bid)  # the copy was stale: the retry reads the ballot from the store
            raise
        return ballot.id

    def _own_ballot(self, proposal_id: UUID, member_id: UUID) -> Ballot | None:
        """The voter's ballot, as a copy to change: the cached one as it stands, or none if none is cached.

        The ballot is not read from the store (on PostgreSQL a round trip per vote): not
        to bring a cached copy up to date, nor to learn whether a ballot this process has
        not seen exists. Neither is needed to be safe. A stale copy cannot be saved, because
        its next version is already in the store; a new ballot cannot be saved over one
        cast elsewhere, because its version 1 is already there. The store refuses the
        write (``RecordConflictError``), the ballot is forgotten and marked to be read,
        and the vote runs again on the stored ballot (``retry.command``), with every rule
        checked again. The proposal and the collective, against which the voter's rights
        are checked, are always as current as the log (``reads_as_of_now``).
        """
        bid = ballot_id(proposal_id, member_id)
        cache = self.repository.cache
        if cache is None or bid in self._ballots_to_read:
            self._ballots_to_read.discard(bid)
            return self.ballot_of(proposal_id, member_id)
        try:
            cached = cache.get(bid)
        except KeyError:
            return None
        return copy_to_change(cached) if isinstance(cached, Ballot) else self.ballot_of(proposal_id, member_id)

    def _forget_ballot(self, bid: UUID) -> None:
        """After a refused save: the next attempt reads this ballot from the store."""
        self._ballots_to_read.add(bid)
        cache = self.repository.cache
        if cache is not None:
            with contextlib.suppress(KeyError):
                cache.get(bid, evict=True)

    def _block_as_objection(self, proposal: Proposal, member_id: UUID, position: str, reason: str) -> list[Any]:
        """Where the rule says a block is a paramount objection, blocking raises one, and
        moving off block withdraws it, so the objection process runs on every block."""
        mine = self._open_objections_of(proposal, member_id)
        if position == "block" and not any(o.paramount for o in mine):
            oid = uuid4()
            objection = Objection(
                id=oid,
                proposal_id=proposal.id,
                member_id=member_id,
                paramount=True,
                reason=self._seal(member_id, reason, (oid, 1), "/reason"),
                version_hash=proposal.current.content_hash,
                from_block=True,
            )
            proposal = self.proposal(proposal.id)  # the vote read the cached proposal; this changes a copy
            proposal.register_objection(oid)
            self._objectors[oid] = member_id
            return [objection, proposal]
        if position != "block":
            open_from_block = [self.objection(o.id) for o in mine if o.from_block]  # copies, to change
            for o in open_from_block:
                o.withdraw(
                    member_id, self._seal(member_id, f"changed their position to {position}", next_event(o), "/why")
                )
            return open_from_block
        return []

    def _open_objections_of(self, proposal: Proposal, member_id: UUID) -> list[Objection]:
        """The member's unresolved objections to the proposal, read only (see ``_objectors``)."""
        found = []
        for oid in proposal.objection_ids:
            if oid in self._resolved or self._objector(oid) != member_id:
                continue
            objection = cast(Objection, self._read(Objection, oid, "objection"))
            if objection.status.unresolved:
                found.append(objection)
            else:
                self._resolved.add(oid)
        return found

    def _objector(self, objection_id: UUID) -> UUID:
        """Who raised an objection. Fixed at raising, so each objection is decoded for it once per process."""
        objector = self._objectors.get(objection_id)
        if objector is None:
            objector = cast(Objection, self._read(Objection, objection_id, "objection")).member_id
            self._objectors[objection_id] = objector
        return objector


def copy_to_change(ballot: Ballot) -> Ballot:
    """A copy of a cached ballot that a vote may change without touching the cache.

    Every field a ballot holds is immutable (ids, text, times, a frozen ``Sealed``), so a
    shallow copy with a list of pending events of its own is a complete copy: a vote
    that is refused or fails leaves the cached ballot exactly as it was. ``deepcopy``
    gives the same at several times the cost (a quarter of a vote's Python time on SQLite).
    """
    fresh = copy.copy(ballot)
    fresh.__dict__["_pending_events"] = []
    return fresh
