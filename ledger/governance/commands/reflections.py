"""Reflections, reviews of the agreement, and the actions they set."""

from __future__ import annotations

from typing import cast
from uuid import UUID, uuid4

from ledger.governance import text
from ledger.governance.application import GovernanceApplication
from ledger.governance.reflection import Reflection
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
        Reflection.check_subject(subject, review_outcome)
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
        Reflection.check_not_empty(texts.values(), clean_actions)
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
