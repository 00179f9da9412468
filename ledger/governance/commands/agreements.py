"""The power-sharing agreement: drafting a version, signing it, bringing it into force."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

import policies
from ledger.governance import text
from ledger.governance.agreement import Agreement
from ledger.governance.application import GovernanceApplication, builtin_policy_text
from ledger.governance.collective import Role
from ledger.governance.errors import Invalid
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
        rows: dict[str, tuple[str, dict[str, str]]] = {}
        for category, (policy_name, rights) in sorted(matrix.items()):
            category = text.clean(category, "category", limit=60)
            if policy_name not in texts:
                texts[policy_name] = builtin_policy_text(policy_name)
            try:
                policy = policies.parse_policy(texts[policy_name], source=f"agreement rule {policy_name!r}")
            except policies.PolicyError as e:
                raise Invalid(str(e)) from None
            hashes[policy_name] = policies.policy_hash(policy)
            rows[category] = (policy_name, rights)
        agreement = Agreement.draft(
            collective_id=collective_id,
            parties=parties,
            groups=collective.groups,
            matrix=rows,
            policies=texts,
            policy_hashes=hashes,
            review_date=review_date,
            today=self.clock().date(),
            ground_rules=text.clean(ground_rules, "ground rules", limit=text.TEXT_MAX),
            supersedes=collective.agreement_id,
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
        agreement.sign(
            member_id, collective.groups_of(member_id), change_adopted=agreement.id.hex in collective.adopted_changes
        )
        to_save: list[Any] = [agreement]
        if agreement.in_force and not was_in_force:
            collective.adopt_agreement(agreement.id)
            to_save.append(collective)
            if agreement.supersedes is not None:
                old = self.agreement(agreement.supersedes)
                old.supersede(agreement.id)
                to_save.append(old)
        self.save(*to_save)
