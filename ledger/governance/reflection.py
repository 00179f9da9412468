"""A reflection: what worked, what did not, how power was really shared, and the actions that follow."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from ledger.governance.errors import N_, Conflict, Invalid, say
from ledger.log.sealed import Sealed
from ledger.log.vocabulary import named

SUBJECTS = ("proposal", "agreement", "period")
REVIEW_OUTCOMES = ("renew", "amend", "retire")  # a review of the agreement ends in one of these


@named("Reflection")
class Reflection(Aggregate):
    @staticmethod
    def check_subject(subject: str, review_outcome: str | None) -> None:
        """A reflection is about a proposal, the agreement or a period; only a review of the agreement
        ends in renew, amend or retire, and it always does."""
        if subject not in SUBJECTS:
            raise Invalid(say(N_("A reflection is about a %(choices)s."), choices=", a ".join(SUBJECTS)))
        if subject == "agreement" and review_outcome not in REVIEW_OUTCOMES:
            raise Invalid("A look back at the group rules must end in a choice: renew, amend or retire.")
        if subject != "agreement" and review_outcome:
            raise Invalid("Only a look back at the group rules ends in a choice to renew, amend or retire them.")

    @staticmethod
    def check_not_empty(texts: Iterable[str], actions: Iterable[str]) -> None:
        """Something must be said: what worked, what did not, about power, or an action."""
        if not any(texts) and not any(actions):
            raise Invalid(
                "This reflection is empty: write what worked, what did not, what you noticed about power, "
                "or an action, then save it."
            )

    @event("Recorded")
    def __init__(
        self,
        id: UUID,
        collective_id: UUID,
        author_id: UUID,
        subject: str,
        subject_ref: Sealed | None,
        worked: Sealed | None,
        did_not: Sealed | None,
        power: Sealed | None,
        actions: list[Sealed],
        review_outcome: str | None,
    ) -> None:
        self.collective_id = collective_id
        self.review_outcome = review_outcome
        self.author_id = author_id
        self.subject = subject
        self.subject_ref = subject_ref
        self.worked = worked
        self.did_not = did_not
        self.power = power
        self.actions: list[dict[str, Any]] = [{"text": a, "done_by": None} for a in actions]  # text: Sealed

    def complete_action(self, index: int, by: UUID) -> None:
        if not 0 <= index < len(self.actions):
            raise Invalid("There is no such action on this reflection.")
        if self.actions[index]["done_by"] is not None:
            raise Conflict("That task is done already.")
        self._action_completed(index=index, by=by)

    @event("ActionCompleted")
    def _action_completed(self, index: int, by: UUID) -> None:
        self.actions[index]["done_by"] = by.hex
