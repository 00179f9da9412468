"""Feedback: one member's own view of how a closed decision went for them (the "Cube" questions).

Four short questions, each answered on a 4-point scale or left out ("rather not say"),
and an optional comment sealed with the member's key like a ballot reason. Its id is
``uuid5(proposal_id, "feedback:" + member_id.hex)``: one per member per decision by
construction, so feedback never contends on a shared stream; giving it again is a
``Changed`` event on the same aggregate.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate, event

from ledger.governance.errors import N_, Conflict, Invalid, key_word, say
from ledger.log.sealed import Sealed
from ledger.log.vocabulary import named

QUESTIONS = ("voice", "contribution", "agenda", "change")
SCALE = {1: "No", 2: "A little", 3: "Mostly", 4: "Yes, fully"}

Answers = Mapping[str, int | None]


@named("Feedback")
class Feedback(Aggregate):
    @staticmethod
    def check_answers(answers: Answers, comment: str) -> dict[str, int | None]:
        """Each answer is 1 to 4 or left out, and something is said: an answer or a comment."""
        unknown = sorted(set(answers) - set(QUESTIONS))
        if unknown:
            raise Invalid(say(N_("There is no question called %(unknown)s."), unknown=repr(unknown[0])))
        checked: dict[str, int | None] = {}
        for q in QUESTIONS:
            value = answers.get(q)
            if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value not in SCALE):
                raise Invalid(
                    say(
                        N_("Answer each question with one of: %(choices)s, or leave it out."),
                        choices=", ".join(SCALE.values()),
                    )
                )
            checked[q] = value
        if all(v is None for v in checked.values()) and not comment:
            raise Invalid("Answer at least one question or write a comment, then send it.")
        return checked

    @staticmethod
    def check_decision_closed(state: str) -> None:
        """Feedback is about how a decision went: only once it has closed."""
        if state != "closed":
            raise Conflict(
                say(
                    N_("This decision is %(state)s; you can say how it went for you once it has closed."),
                    state=key_word(state),
                )
            )

    @staticmethod
    def check_member_then(admitted: datetime, closed: datetime) -> None:
        """Only someone who was a member before the decision closed can say how it went for them."""
        if admitted >= closed:
            raise Conflict("You joined after this decision closed, so there is no feedback to give on it.")

    @staticmethod
    def create_id(proposal_id: UUID, member_id: UUID, **_: object) -> UUID:
        return feedback_id(proposal_id, member_id)

    @event("Given")
    def __init__(
        self,
        collective_id: UUID,
        proposal_id: UUID,
        member_id: UUID,
        voice: int | None,
        contribution: int | None,
        agenda: int | None,
        change: int | None,
        comment: Sealed | None,
    ) -> None:
        self.collective_id = collective_id
        self.proposal_id = proposal_id
        self.member_id = member_id
        self.answers: dict[str, int | None] = {
            "voice": voice,
            "contribution": contribution,
            "agenda": agenda,
            "change": change,
        }
        self.comment = comment

    def give_again(self, answers: Answers, comment: Sealed | None) -> None:
        """Change what was said; the same answers and no comment again changes nothing."""
        if dict(answers) == self.answers and comment is None and self.comment is None:
            raise Conflict("You gave just these answers on this choice already.")
        self._changed(comment=comment, **{q: answers.get(q) for q in QUESTIONS})

    @event("Changed")
    def _changed(
        self,
        voice: int | None,
        contribution: int | None,
        agenda: int | None,
        change: int | None,
        comment: Sealed | None,
    ) -> None:
        self.answers = {"voice": voice, "contribution": contribution, "agenda": agenda, "change": change}
        self.comment = comment


def feedback_id(proposal_id: UUID, member_id: UUID) -> UUID:
    """FORMAT.md §8: one feedback per member per decision."""
    return uuid5(proposal_id, "feedback:" + member_id.hex)
