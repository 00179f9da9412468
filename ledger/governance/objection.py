"""An objection: raised with a reason, tested, answered, and resolved by the process the agreement names.

raised -> (tested: paramount or a recorded concern) -> answered ->
withdrawn by the objector / integrated by a new proposal version / upheld /
overruled (only where the policy allows it, by the process it names).
Each step records who and why.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from ledger.governance.errors import N_, Conflict, Invalid, NotAllowed, key_word, say
from ledger.log.sealed import Sealed
from ledger.log.vocabulary import named
from policies import ObjectionStatus

# One vocabulary for the domain and the decision rules: the rules read these very values.
Status = ObjectionStatus
UNRESOLVED = (Status.RAISED, Status.ANSWERED)
RESOLUTIONS = ("integrate", "uphold", "overrule")  # how a facilitator resolves an objection


@named("Objection")
class Objection(Aggregate):
    @event("Raised")
    def __init__(
        self,
        id: UUID,
        proposal_id: UUID,
        member_id: UUID,
        reason: Sealed,
        paramount: bool,
        version_hash: str,
        from_block: bool,
    ) -> None:
        self.proposal_id = proposal_id
        self.from_block = from_block  # raised by casting a block, under a policy where a block is an objection
        self.member_id = member_id
        self.reason = reason
        self.paramount = paramount
        self.version_hash = version_hash
        self.status = Status.RAISED
        self.history: list[dict[str, Any]] = []

    def check_unresolved(self) -> None:
        if self.status not in UNRESOLVED:
            raise Conflict(
                say(
                    N_("This objection is %(status)s now, so there is no need to do that."),
                    status=key_word(self.status),
                )
            )

    def test(self, paramount: bool, by: UUID, why: Sealed) -> None:
        """The facilitator's test: is it paramount? If not, it stays on record as a concern."""
        self.check_unresolved()
        self._tested(paramount=paramount, by=by, why=why)

    @event("Tested")
    def _tested(self, paramount: bool, by: UUID, why: Sealed) -> None:
        self.paramount = paramount
        self.history.append({"step": "tested", "by": by.hex, "paramount": paramount, "why": why})

    def answer(self, by: UUID, answer: Sealed) -> None:
        self.check_unresolved()
        self._answered(by=by, answer=answer)

    @event("Answered")
    def _answered(self, by: UUID, answer: Sealed) -> None:
        self.status = Status.ANSWERED
        self.history.append({"step": "answered", "by": by.hex, "answer": answer})

    def withdraw(self, by: UUID, why: Sealed | None) -> None:
        self.check_unresolved()
        if by != self.member_id:
            raise NotAllowed("Only the person who raised an objection can take it back.")
        self._resolved(status=Status.WITHDRAWN.value, by=by, why=why, version_hash="")

    def integrate(self, by: UUID, why: Sealed, version_hash: str) -> None:
        self.check_unresolved()
        if version_hash == self.version_hash:
            raise Conflict("To work an objection into the plan, first make a new version of the proposal.")
        self._resolved(status=Status.INTEGRATED.value, by=by, why=why, version_hash=version_hash)

    def uphold(self, by: UUID, why: Sealed) -> None:
        self.check_unresolved()
        self._resolved(status=Status.UPHELD.value, by=by, why=why, version_hash="")

    def overrule(self, by: UUID, why: Sealed) -> None:
        self.check_unresolved()
        self._resolved(status=Status.OVERRULED.value, by=by, why=why, version_hash="")

    @staticmethod
    def check_resolution(how: str, *, allow_overrule: bool) -> None:
        """One of the three ways to resolve; overruling only where the decision's rule allows it."""
        if how not in RESOLUTIONS:
            raise Invalid("Choose what to do with it: work it in (integrate), uphold or overrule.")
        if how == "overrule" and not allow_overrule:
            raise NotAllowed(
                "The rule for this decision does not let you overrule an objection. "
                "Talk it through with the person who raised it."
            )

    def resolve(self, how: str, by: UUID, why: Sealed, *, version_hash: str, allow_overrule: bool) -> None:
        """Integrate (into ``version_hash``, the proposal's version now), uphold, or overrule."""
        self.check_resolution(how, allow_overrule=allow_overrule)
        if how == "integrate":
            self.integrate(by, why, version_hash)
        elif how == "uphold":
            self.uphold(by, why)
        else:
            self.overrule(by, why)

    @event("Resolved")
    def _resolved(self, status: str, by: UUID, why: Sealed | None, version_hash: str) -> None:
        self.status = Status(status)
        self.history.append({"step": status, "by": by.hex, "why": why, "version_hash": version_hash})
