"""A ballot: one member's position on one proposal, its own aggregate so voting never contends.

Its id is ``uuid5(proposal_id, member_id.hex)``: one ballot per member per proposal
by construction. Changing a position is a new event on the same ballot. Every
position records the content hash of the proposal version it answers, so a
revision never silently carries old votes over, and the time it was given
(``at``), so a verifier can tell a position given after the deadline.
"""

from __future__ import annotations

from collections.abc import Collection
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate, event

from ledger.governance.errors import N_, Conflict, Invalid, key_word, say
from ledger.log.sealed import Sealed
from ledger.log.vocabulary import named

POSITIONS = ("agree", "abstain", "disagree", "block")


@named("Ballot")
class Ballot(Aggregate):
    @staticmethod
    def check_position(position: str) -> None:
        if position not in POSITIONS:
            raise Invalid(say(N_("Choose one of: %(choices)s."), choices=", ".join(POSITIONS)))

    @staticmethod
    def check_reason(position: str, reason: str, *, required_for: Collection[str]) -> None:
        """Where the decision's rule asks for it (say, to disagree or block), a position comes with a reason."""
        if not reason and position in required_for:
            raise Invalid(
                say(
                    N_("Please give a reason: this decision asks for one when you %(position)s."),
                    position=key_word(position),
                )
            )

    @staticmethod
    def create_id(proposal_id: UUID, member_id: UUID, **_: object) -> UUID:
        return ballot_id(proposal_id, member_id)

    @event("Cast")
    def __init__(
        self,
        proposal_id: UUID,
        member_id: UUID,
        position: str,
        reason: Sealed | None,
        version_hash: str,
        at: str = "",
    ) -> None:
        self.proposal_id = proposal_id
        self.member_id = member_id
        self.position = position
        self.reason = reason
        self.version_hash = version_hash
        self.at = at

    def change(self, position: str, reason: Sealed | None, version_hash: str, at: str = "") -> None:
        if position == self.position and version_hash == self.version_hash and reason is None and self.reason is None:
            raise Conflict("You gave just this answer to this version already.")
        self._changed(
            proposal_id=self.proposal_id,
            member_id=self.member_id,
            position=position,
            reason=reason,
            version_hash=version_hash,
            at=at,
        )

    @event("Changed")
    def _changed(
        self,
        proposal_id: UUID,
        member_id: UUID,
        position: str,
        reason: Sealed | None,
        version_hash: str,
        at: str = "",
    ) -> None:
        """Carries whose ballot it is, so every event reads on its own (auditors, projections)."""
        self.position = position
        self.reason = reason
        self.version_hash = version_hash
        self.at = at


def ballot_id(proposal_id: UUID, member_id: UUID) -> UUID:
    return uuid5(proposal_id, member_id.hex)
