"""Founding a collective, admitting members, roles, leaving, erasure."""

from __future__ import annotations

from datetime import date
from uuid import UUID, uuid4

from ledger.governance import text
from ledger.governance.application import GovernanceApplication
from ledger.governance.collective import Collective, Role
from ledger.governance.member import Member
from ledger.governance.retry import command


class MembershipCommands(GovernanceApplication):
    """Founding a collective, admitting members, roles, leaving, erasure."""

    @command
    def found_collective(
        self,
        *,
        name: str,
        purpose: str,
        groups: dict[str, str],
        founder_name: str,
        founder_contact: str,
        founder_groups: list[str],
        founder_access_needs: str = "",
    ) -> tuple[UUID, UUID]:
        """Start a collective; the founder is its first steward."""
        name = text.clean(name, "collective's name", limit=text.NAME_MAX)
        purpose = text.clean(purpose, "purpose", limit=text.TEXT_MAX)
        clean_groups = {
            text.clean(k, "group id", limit=40): text.clean(v, "group name", limit=80) for k, v in groups.items()
        }
        founder_id = uuid4()
        collective = Collective(
            name=name,
            purpose=purpose,
            groups=clean_groups,
            founder_id=founder_id,
            founder_groups=Collective.check_founder_groups(clean_groups, founder_groups),
        )
        member = self._new_member(founder_id, collective.id, founder_name, founder_contact, founder_access_needs)
        self.save(collective, member)
        return collective.id, founder_id

    def _new_member(self, member_id: UUID, collective_id: UUID, name: str, contact: str, access_needs: str) -> Member:
        name = text.clean(name, "name", limit=text.NAME_MAX)
        contact = text.clean(contact, "contact details", limit=300, required=False)
        access_needs = text.clean(access_needs, "access needs", limit=text.REASON_MAX, required=False)
        member = Member(
            collective_id=collective_id,
            name=self._seal(member_id, name, (member_id, 1), "/name"),
            contact=self._seal(member_id, contact, (member_id, 1), "/contact"),
            access_needs=self._seal(member_id, access_needs, (member_id, 1), "/access_needs"),
            id=member_id,
        )
        return member

    @command
    def admit_member(
        self,
        collective_id: UUID,
        *,
        by: UUID,
        name: str,
        contact: str,
        groups: list[str],
        access_needs: str = "",
    ) -> UUID:
        """A steward admits a new member into stakeholder groups."""
        collective = self._collective_to_change(collective_id, by)
        collective.check_role(by, Role.STEWARD)
        member_id = uuid4()
        member = self._new_member(member_id, collective_id, name, contact, access_needs)
        collective.admit(member_id, groups, by)
        self.save(collective, member)
        return member_id

    @command
    def assign_role(
        self,
        collective_id: UUID,
        member_id: UUID,
        role: str,
        *,
        by: UUID,
        starts: date | None = None,
        ends: date | None = None,
    ) -> None:
        collective = self._collective_to_change(collective_id, by)
        collective.assign_role(member_id, Role.parse(role), starts or self.clock().date(), ends, by)
        self.save(collective)

    @command
    def leave_collective(self, collective_id: UUID, member_id: UUID, *, by: UUID) -> None:
        """A member leaves (or a steward records it): from then on every page and command is closed to them."""
        collective = self._collective_to_change(collective_id, by)
        collective.leave(member_id, by)
        self.save(collective)

    def erase_member(self, member_id: UUID) -> bool:
        """Right to erasure: delete the person's key. Their votes still count; their words are gone."""
        return self.vault.erase(member_id)
