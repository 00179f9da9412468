"""Reflections, reviews of the agreement, and the actions they set."""

from __future__ import annotations

from typing import cast
from uuid import UUID, uuid4

from ledger.governance import text
from ledger.governance.application import GovernanceApplication
from ledger.governance.errors import Invalid
from ledger.governance.reflection import REVIEW_OUTCOMES, SUBJECTS, Reflection
from ledger.governance.retry import command


class ReflectionCommands(GovernanceApplication):
    """Reflections, reviews of the agreement, and the actions they set."""

    @command
    def record_reflection(
        self,
        collective_id: UUID,
        *,
        by: UUID,
        subject: str,
        subject_ref: str,
        worked: str,
        did_not: str,
        power: str,
        actions: list[str],
        review_outcome: str | None = None,
    ) -> UUID:
        """A reflection; one about the agreement is its review, and says renew, amend or retire."""
        self._collective_for(collective_id, by)
        if subject not in SUBJECTS:
            raise Invalid(f"A reflection is about a {', a '.join(SUBJECTS)}.")
        if subject == "agreement" and review_outcome not in REVIEW_OUTCOMES:
            raise Invalid("A review of the agreement ends in a decision: renew, amend or retire.")
        if subject != "agreement" and review_outcome:
            raise Invalid("Only a review of the agreement has an outcome (renew, amend or retire).")
        rid = uuid4()
        texts = {
            name: text.clean(value, label, limit=text.TEXT_MAX, required=False)
            for name, value, label in (
                ("worked", worked, "what worked"),
                ("did_not", did_not, "what did not work"),
                ("power", power, "power dynamics noticed"),
            )
        }
        clean_actions = [text.clean(a, "action", limit=text.REASON_MAX) for a in actions if a and a.strip()]
        if not any(texts.values()) and not clean_actions:
            raise Invalid(
                "This reflection is empty: write what worked, what did not, what you noticed about power, "
                "or an action, then save it."
            )
        subject_ref = text.clean(subject_ref, "subject", limit=200, required=False)
        reflection = Reflection(
            collective_id=collective_id,
            author_id=by,
            subject=subject,
            subject_ref=self._seal_optional(by, subject_ref, (rid, 1), "/subject_ref"),
            actions=[self._seal(by, a, (rid, 1), f"/actions/{i}") for i, a in enumerate(clean_actions)],
            review_outcome=review_outcome or None,
            id=rid,
            **{name: self._seal_optional(by, value, (rid, 1), f"/{name}") for name, value in texts.items()},
        )
        self.save(reflection)
        return reflection.id

    @command
    def complete_action(self, reflection_id: UUID, index: int, *, by: UUID) -> None:
        reflection = cast(Reflection, self._get(Reflection, reflection_id, "reflection"))
        self._collective_for(reflection.collective_id, by)
        reflection.complete_action(index, by)
        self.save(reflection)
