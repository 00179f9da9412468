"""A collective: who takes part, in which stakeholder groups, in which roles and for how long."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from ledger.governance.errors import N_, Conflict, Invalid, NotAllowed, NotFound, key_word, say
from ledger.log.vocabulary import named


class Role(StrEnum):
    STEWARD = "steward"  # invites members, keeps the agreement
    FACILITATOR = "facilitator"  # opens and closes proposals, runs the objection process
    SECRETARY = "secretary"  # records proposals, decisions and actions
    MEMBER = "member"

    @classmethod
    def parse(cls, role: str) -> Role:
        """The role a person named, or one sentence listing the roles there are."""
        try:
            return cls(role)
        except ValueError:
            raise Invalid(
                say(
                    N_(
                        "We do not know the role %(role)s. Use one of the four we have: steward, member, facilitator or secretary."  # noqa: E501
                    ),
                    role=repr(role),
                )
            ) from None


@dataclass(frozen=True)
class RoleTerm:
    role: str
    starts: str  # ISO date
    ends: str | None  # ISO date, or None for open-ended


@named("Collective")
class Collective(Aggregate):
    """The project's membership. Membership changes are rare; votes never touch this aggregate."""

    @event("Founded")
    def __init__(
        self, name: str, purpose: str, groups: dict[str, str], founder_id: UUID, founder_groups: list[str]
    ) -> None:
        if not groups:
            raise Invalid("A collective needs at least one stakeholder group.")
        self.name = name
        self.purpose = purpose
        self.groups = dict(groups)
        self.members: dict[str, list[str]] = {founder_id.hex: sorted(founder_groups)}
        self.roles: dict[str, list[RoleTerm]] = {founder_id.hex: [RoleTerm(Role.STEWARD.value, "", None)]}
        self.left: set[str] = set()
        self.agreement_id: UUID | None = None
        self.adopted_changes: set[str] = set()

    # -- guards --------------------------------------------------------------------------

    def is_member(self, member_id: UUID) -> bool:
        return member_id.hex in self.members and member_id.hex not in self.left

    def check_member(self, member_id: UUID) -> None:
        if not self.is_member(member_id):
            # 404, not 403: a non-member may not learn what this collective holds.
            raise NotFound("There is no such collective among yours.")

    def groups_of(self, member_id: UUID) -> frozenset[str]:
        return frozenset(self.members.get(member_id.hex, ())) if self.is_member(member_id) else frozenset()

    def has_role(self, member_id: UUID, role: Role, on: date | None = None) -> bool:
        today = (on or date.today()).isoformat()
        for term in self.roles.get(member_id.hex, []):
            if (
                term.role == role.value
                and (not term.starts or term.starts <= today)
                and (term.ends is None or today <= term.ends)
            ):
                return True
        return False

    def check_role(self, member_id: UUID, *roles: Role) -> None:
        self.check_member(member_id)
        if not any(self.has_role(member_id, r) for r in roles):
            names = key_word(roles[-1])
            for r in reversed(roles[:-1]):  # "steward or facilitator", each word translated
                names = say(N_("%(one)s or %(other)s"), one=key_word(r), other=names)
            raise NotAllowed(say(N_("Only a %(names)s can do this."), names=names))

    def check_groups(self, groups: list[str]) -> list[str]:
        unknown = sorted(set(groups) - set(self.groups))
        if unknown:
            raise Invalid(
                say(
                    N_("Unknown stakeholder group %(unknown)s; choose from %(choices)s."),
                    unknown=repr(unknown[0]),
                    choices=", ".join(sorted(self.groups)),
                )
            )
        if not groups:
            raise Invalid("Choose at least one stakeholder group.")
        return sorted(set(groups))

    def check_may_log_time_for(self, by: UUID, member_id: UUID) -> None:
        """Members log their own time; a steward or secretary may log it for someone else."""
        self.check_member(member_id)
        if by != member_id and not self.has_role(by, Role.STEWARD) and not self.has_role(by, Role.SECRETARY):
            raise NotAllowed("Members log their own time; a steward or secretary can log it for them.")

    @staticmethod
    def check_founder_groups(groups: Mapping[str, str], chosen: list[str]) -> list[str]:
        """The founder's groups, sorted: at least one, each one of the groups being founded."""
        unknown = sorted(set(chosen) - set(groups))
        if unknown or not chosen:
            raise Invalid("The founder must belong to at least one of the collective's groups.")
        return sorted(set(chosen))

    def active_members(self) -> dict[UUID, frozenset[str]]:
        return {UUID(m): frozenset(g) for m, g in self.members.items() if m not in self.left}

    # -- commands ------------------------------------------------------------------------

    def admit(self, member_id: UUID, groups: list[str], by: UUID) -> None:
        self.check_role(by, Role.STEWARD)
        if member_id.hex in self.members and member_id.hex not in self.left:
            raise Conflict("That person is in the group already.")
        self._admitted(member_id=member_id, groups=self.check_groups(groups), by=by)

    @event("MemberAdmitted")
    def _admitted(self, member_id: UUID, groups: list[str], by: UUID) -> None:
        self.members[member_id.hex] = list(groups)
        self.left.discard(member_id.hex)
        self.roles.setdefault(member_id.hex, [])

    def assign_role(self, member_id: UUID, role: Role, starts: date, ends: date | None, by: UUID) -> None:
        self.check_role(by, Role.STEWARD)
        self.check_member(member_id)
        if ends is not None and ends < starts:
            raise Invalid("A role's term cannot end before it starts.")
        other = {Role.FACILITATOR: Role.SECRETARY, Role.SECRETARY: Role.FACILITATOR}.get(role)
        if other is not None and self.has_role(member_id, other, on=starts):
            # The facilitator runs the process and the secretary records it: one person holding
            # both concentrates the power the process exists to share (DOMAIN.md, Objections).
            raise Conflict(
                say(
                    N_("This member is the %(other)s now. One person should not hold both of these two roles."),
                    other=key_word(other),
                )
            )
        self._role_assigned(
            member_id=member_id,
            role=role.value,
            starts=starts.isoformat(),
            ends=ends.isoformat() if ends else None,
            by=by,
        )

    @event("RoleAssigned")
    def _role_assigned(self, member_id: UUID, role: str, starts: str, ends: str | None, by: UUID) -> None:
        self.roles.setdefault(member_id.hex, []).append(RoleTerm(role, starts, ends))

    def change_groups(self, member_id: UUID, groups: list[str], by: UUID) -> None:
        self.check_role(by, Role.STEWARD)
        self.check_member(member_id)
        self._groups_changed(member_id=member_id, groups=self.check_groups(groups), by=by)

    @event("MemberGroupsChanged")
    def _groups_changed(self, member_id: UUID, groups: list[str], by: UUID) -> None:
        self.members[member_id.hex] = list(groups)

    def leave(self, member_id: UUID, by: UUID) -> None:
        """A member leaves, or a steward records that they left. What they did stays on record;
        from now on they see and do nothing here, and they are on no roster."""
        self.check_member(member_id)
        if by != member_id:
            self.check_role(by, Role.STEWARD)
        stewards = [m for m in self.active_members() if self.has_role(m, Role.STEWARD)]
        if stewards == [member_id]:
            raise Conflict(
                "This is the only steward. First make another member a steward too, "
                "so that someone can still ask new people to join."
            )
        self._left(member_id=member_id, by=by)

    @event("MemberLeft")
    def _left(self, member_id: UUID, by: UUID) -> None:
        self.left.add(member_id.hex)

    # -- the agreement in force ----------------------------------------------------------

    @event("AgreementInForce")
    def adopt_agreement(self, agreement_id: UUID) -> None:
        self.agreement_id = agreement_id

    @event("AgreementChangeAdopted")
    def record_change_adopted(self, agreement_id: UUID, proposal_id: UUID) -> None:
        """A governance proposal adopting this draft agreement passed; its signatures can now bring it in."""
        self.adopted_changes.add(agreement_id.hex)
