"""The power-sharing agreement: drafting a version, signing it, bringing it into force."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

import policies
from ledger.governance import text
from ledger.governance.agreement import Agreement, Right
from ledger.governance.application import GovernanceApplication, builtin_policy_text
from ledger.governance.collective import Collective, Role
from ledger.governance.errors import Conflict, Invalid
from ledger.governance.retry import command


class AgreementCommands(GovernanceApplication):
    """The power-sharing agreement: drafting a version, signing it, bringing it into force."""

    @command
    def draft_agreement(
        self,
        collective_id: UUID,
        *,
        by: UUID,
        parties: list[str],
        matrix: dict[str, tuple[str, dict[str, str]]],
        review_date: date,
        ground_rules: str,
        policy_texts: dict[str, str] | None = None,
    ) -> UUID:
        """A steward drafts the power-sharing agreement (or its next version)."""
        collective = self._collective_for(collective_id, by)
        collective.check_role(by, Role.STEWARD)
        parties = collective.check_groups(parties)
        texts = dict(policy_texts or {})
        hashes: dict[str, str] = {}
        rows: dict[str, dict[str, Any]] = {}
        for category, (policy_name, rights) in sorted(matrix.items()):
            category = text.clean(category, "category", limit=60)
            if policy_name not in texts:
                texts[policy_name] = builtin_policy_text(policy_name)
            try:
                policy = policies.parse_policy(texts[policy_name], source=f"agreement rule {policy_name!r}")
            except policies.PolicyError as e:
                raise Invalid(str(e)) from None
            hashes[policy_name] = policies.policy_hash(policy)
            for group, right in rights.items():
                if group not in collective.groups:
                    raise Invalid(f"Unknown stakeholder group {group!r} in the rights for {category!r}.")
                if right not in {r.value for r in Right}:
                    raise Invalid(f"Unknown right {right!r}; use decide, consent, consult or inform.")
            if not any(r in ("decide", "consent") for r in rights.values()):
                raise Invalid(
                    f"No group can decide {category!r}; give at least one group the right to decide or consent."
                )
            rows[category] = {"policy": policy_name, "rights": dict(sorted(rights.items()))}
        if review_date <= self.clock().date():
            raise Invalid("The review date must be in the future.")
        current = collective.agreement_id
        agreement = Agreement(
            collective_id=collective_id,
            parties=parties,
            matrix=rows,
            policies={n: texts[n] for n in sorted(hashes)},
            policy_hashes=hashes,
            review_date=review_date.isoformat(),
            ground_rules=text.clean(ground_rules, "ground rules", limit=text.TEXT_MAX),
            supersedes=current,
        )
        self.save(agreement)
        return agreement.id

    @command
    def sign_agreement(self, agreement_id: UUID, *, member_id: UUID) -> None:
        """A member signs for their group; the first agreement comes into force once every party has signed.

        A later version also needs an adopted 'governance' proposal naming it: no
        party can change how power is shared alone.
        """
        agreement = self.agreement(agreement_id)
        collective = self._collective_to_change(agreement.collective_id, member_id)
        was_in_force = agreement.in_force
        agreement.sign(member_id, collective.groups_of(member_id))
        to_save: list[Any] = [agreement]
        if agreement.in_force and not was_in_force:
            if agreement.supersedes is not None and not self._change_adopted(collective, agreement.id):
                raise Conflict(
                    "Every party has signed, but changing the agreement is a governed decision: "
                    "open a 'governance' proposal that names this agreement and adopt it first."
                )
            collective.adopt_agreement(agreement.id)
            to_save.append(collective)
            if agreement.supersedes is not None:
                old = self.agreement(agreement.supersedes)
                old.supersede(agreement.id)
                to_save.append(old)
        self.save(*to_save)

    def _change_adopted(self, collective: Collective, agreement_id: UUID) -> bool:
        return agreement_id.hex in collective.adopted_changes
