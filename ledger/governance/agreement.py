"""A power-sharing agreement: who holds which right over which decisions, under which rule.

Parties are stakeholder groups. The decision-rights matrix maps each decision
category to a policy (its TOML text travels in the agreement, so the log alone
says what rule decided anything) and to each group's right. It comes into force
when at least one member of every party group has signed it; a new version
supersedes the old, and changing it is itself a governed decision (category
"governance").
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from enum import StrEnum
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from ledger.governance.errors import N_, Conflict, Invalid, NotAllowed, say
from ledger.log.vocabulary import named


class Right(StrEnum):
    DECIDE = "decide"  # members vote and their positions count
    CONSENT = "consent"  # members take part; their blocks and objections count
    CONSULT = "consult"  # asked for their view; may object, but do not vote
    INFORM = "inform"  # told of the decision


VOTING_RIGHTS = (Right.DECIDE, Right.CONSENT)
OBJECTING_RIGHTS = (Right.DECIDE, Right.CONSENT, Right.CONSULT)  # everyone but the merely informed
GOVERNANCE = "governance"
NOT_A_VOTER = "Your groups are asked or told about this kind of proposal, but they do not vote on it."
NOT_AN_OBJECTOR = "Your groups are only told about this kind of proposal, so you cannot object to it."


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

    @classmethod
    def draft(
        cls,
        *,
        collective_id: UUID,
        parties: list[str],
        groups: Iterable[str],
        matrix: Mapping[str, tuple[str, Mapping[str, str]]],
        policies: Mapping[str, str],
        policy_hashes: Mapping[str, str],
        review_date: date,
        today: date,
        ground_rules: str,
        supersedes: UUID | None,
    ) -> Agreement:
        """Draft a version, refusing one that could not govern: the rules of a well-formed agreement.

        ``matrix`` maps each category to its rule's name and each group's right; ``groups``
        are the collective's stakeholder groups. Every right must be one of ours and be held
        by one of those groups, every category needs a group that decides, and the review
        date must lie ahead. Rule texts are parsed by the handler (they may be built in).
        """
        rows: dict[str, dict[str, Any]] = {}
        known = set(groups)
        for category, (policy_name, rights) in sorted(matrix.items()):
            cls.check_rights(category, rights, known)
            rows[category] = {"policy": policy_name, "rights": dict(sorted(rights.items()))}
        if review_date <= today:
            raise Invalid("The review date must be in the future.")
        return cls(
            collective_id=collective_id,
            parties=parties,
            matrix=rows,
            policies={n: policies[n] for n in sorted(policy_hashes)},
            policy_hashes=dict(policy_hashes),
            review_date=review_date.isoformat(),
            ground_rules=ground_rules,
            supersedes=supersedes,
        )

    @staticmethod
    def check_rights(category: str, rights: Mapping[str, str], groups: set[str]) -> None:
        """Each right is decide, consent, consult or inform, held by a known group; someone decides."""
        for group, right in rights.items():
            if group not in groups:
                raise Invalid(
                    say(
                        N_("Unknown stakeholder group %(group)s in the rights for %(category)s."),
                        group=repr(group),
                        category=repr(category),
                    )
                )
            if right not in {r.value for r in Right}:
                raise Invalid(
                    say(
                        N_("There is no right called %(right)s. Use decide, consent, consult or inform."),
                        right=repr(right),
                    )
                )
        if not any(r in VOTING_RIGHTS for r in rights.values()):
            raise Invalid(
                say(
                    N_("No group can decide %(category)s; give at least one group the right to decide or consent."),
                    category=repr(category),
                )
            )

    # -- guards --------------------------------------------------------------------------

    @staticmethod
    def check_change_category(category: str) -> None:
        """Changing how power is shared is itself a governed decision, in its own category."""
        if category != GOVERNANCE:
            raise Invalid("A plan to change the rules of the group must go in the 'governance' list.")

    def check_draft_of(self, collective_id: UUID) -> None:
        """A proposal can adopt only a draft of its own collective, never one already in force."""
        if self.collective_id != collective_id or self.in_force:
            raise Invalid("That agreement is not a draft of this collective.")

    def rule_for(self, category: str) -> tuple[str, dict[str, str]]:
        try:
            row = self.matrix[category]
        except KeyError:
            raise Invalid(
                say(
                    N_("The agreement has no rule for the category %(category)s; choose one of %(choices)s."),
                    category=repr(category),
                    choices=", ".join(sorted(self.matrix)),
                )
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

    def sign(self, member_id: UUID, member_groups: frozenset[str], *, change_adopted: bool) -> None:
        """A member signs for their party group; the last party's signature brings it into force.

        A later version (one that supersedes another) comes into force only once a
        'governance' proposal naming it has been adopted: ``change_adopted`` is that fact,
        which the collective records and the handler passes.
        """
        if self.superseded_by is not None:
            raise Conflict("A newer agreement has taken the place of this one. Sign the one in use now.")
        if member_id.hex in self.signatures:
            raise Conflict("You have signed this one already, so there is no need to sign it again.")
        party_groups = sorted(set(self.parties) & set(member_groups))
        if not party_groups:
            raise NotAllowed("Only people in a group that is a party to this agreement can sign it.")
        unsigned = [g for g in party_groups if g not in self.signatures.values()]
        group = (unsigned or party_groups)[0]
        completes = not self.in_force and set(self.parties) <= {*self.signatures.values(), group}
        if completes and self.supersedes is not None and not change_adopted:
            raise Conflict(
                "Each party has signed, but the group must first vote on a change to its rules. "
                "Open a 'governance' proposal that names this one, and let it pass."
            )
        self._signed(member_id=member_id, group=group)
        if completes:
            self._came_into_force()

    @event("Signed")
    def _signed(self, member_id: UUID, group: str) -> None:
        self.signatures[member_id.hex] = group

    @event("CameIntoForce")
    def _came_into_force(self) -> None:
        self.in_force = True

    def supersede(self, by_agreement: UUID) -> None:
        if self.superseded_by is not None:
            raise Conflict("A new set of rules has already taken the place of this one.")
        self._superseded(by_agreement=by_agreement)

    @event("Superseded")
    def _superseded(self, by_agreement: UUID) -> None:
        self.superseded_by = by_agreement
        self.in_force = False
