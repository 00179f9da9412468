"""A power-sharing agreement: who holds which right over which decisions, under which rule.

Parties are stakeholder groups. The decision-rights matrix maps each decision
category to a policy (its TOML text travels in the agreement, so the log alone
says what rule decided anything) and to each group's right. It comes into force
when at least one member of every party group has signed it; a new version
supersedes the old, and changing it is itself a governed decision (category
"governance").
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from ledger.governance.errors import Conflict, Invalid, NotAllowed
from ledger.log.vocabulary import named


class Right(StrEnum):
    DECIDE = "decide"  # members vote and their positions count
    CONSENT = "consent"  # members take part; their blocks and objections count
    CONSULT = "consult"  # asked for their view; may object, but do not vote
    INFORM = "inform"  # told of the decision


VOTING_RIGHTS = (Right.DECIDE, Right.CONSENT)
OBJECTING_RIGHTS = (Right.DECIDE, Right.CONSENT, Right.CONSULT)  # everyone but the merely informed
GOVERNANCE = "governance"
NOT_A_VOTER = "Your stakeholder groups are consulted or informed on this category; they do not vote on it."
NOT_AN_OBJECTOR = "Your stakeholder groups are only informed on this category; they cannot object."


@named("Agreement")
class Agreement(Aggregate):
    @event("Drafted")
    def __init__(
        self,
        collective_id: UUID,
        parties: list[str],
        matrix: dict[str, dict[str, Any]],
        policies: dict[str, str],
        policy_hashes: dict[str, str],
        review_date: str,
        ground_rules: str,
        supersedes: UUID | None,
    ) -> None:
        self.collective_id = collective_id
        self.parties = list(parties)
        self.matrix = matrix  # category -> {"policy": name, "rights": {group: right}}
        self.policies = policies  # name -> TOML text
        self.policy_hashes = policy_hashes  # name -> "sha256:..."
        self.review_date = review_date
        self.ground_rules = ground_rules
        self.supersedes = supersedes
        self.signatures: dict[str, str] = {}  # member hex -> the party group they signed for
        self.in_force = False
        self.superseded_by: UUID | None = None

    def rule_for(self, category: str) -> tuple[str, dict[str, str]]:
        try:
            row = self.matrix[category]
        except KeyError:
            raise Invalid(
                f"The agreement has no rule for the category {category!r}; "
                f"choose one of {', '.join(sorted(self.matrix))}."
            ) from None
        return str(row["policy"]), dict(row["rights"])

    def voting_groups(self, category: str) -> set[str]:
        _, rights = self.rule_for(category)
        return {g for g, r in rights.items() if r in {v.value for v in VOTING_RIGHTS}}

    def may_vote(self, category: str, groups: frozenset[str] | set[str]) -> bool:
        """Whether a member of ``groups`` votes on ``category``: one of their groups holds decide or consent.

        The one place this rule is written: commands refuse with it and pages offer the
        ballot form by it, so the two can never disagree.
        """
        return bool(set(groups) & self.voting_groups(category))

    def may_object(self, category: str, groups: frozenset[str] | set[str]) -> bool:
        """Whether a member of ``groups`` may object on ``category``: any right but inform."""
        _, rights = self.rule_for(category)
        allowed = {r.value for r in OBJECTING_RIGHTS}
        return any(rights.get(g) in allowed for g in groups)

    def check_may_vote(self, category: str, groups: frozenset[str] | set[str]) -> None:
        if not self.may_vote(category, groups):
            raise NotAllowed(NOT_A_VOTER)

    def check_may_object(self, category: str, groups: frozenset[str] | set[str]) -> None:
        if not self.may_object(category, groups):
            raise NotAllowed(NOT_AN_OBJECTOR)

    def sign(self, member_id: UUID, member_groups: frozenset[str]) -> None:
        if self.superseded_by is not None:
            raise Conflict("This agreement has been superseded; sign the version now in force.")
        if member_id.hex in self.signatures:
            raise Conflict("You have already signed this agreement.")
        party_groups = sorted(set(self.parties) & set(member_groups))
        if not party_groups:
            raise NotAllowed("Only members of a party group can sign this agreement.")
        unsigned = [g for g in party_groups if g not in self.signatures.values()]
        self._signed(member_id=member_id, group=(unsigned or party_groups)[0])
        if not self.in_force and set(self.parties) <= set(self.signatures.values()):
            self._came_into_force()

    @event("Signed")
    def _signed(self, member_id: UUID, group: str) -> None:
        self.signatures[member_id.hex] = group

    @event("CameIntoForce")
    def _came_into_force(self) -> None:
        self.in_force = True

    def supersede(self, by_agreement: UUID) -> None:
        if self.superseded_by is not None:
            raise Conflict("This agreement has already been superseded.")
        self._superseded(by_agreement=by_agreement)

    @event("Superseded")
    def _superseded(self, by_agreement: UUID) -> None:
        self.superseded_by = by_agreement
        self.in_force = False
