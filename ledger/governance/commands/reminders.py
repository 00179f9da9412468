"""Reminders: a facilitator asks the groups that have not all responded to do so; members say where to email them.

Sending a reminder loads the proposal, the collective it checks the sender's role
against and the agreement's rule (all read only), and saves one new small aggregate:
nothing that grows with the collective. Who is reminded is a question for the read
models (``ledger.governance.reminders_page``), not for this command.
"""

from __future__ import annotations

from typing import cast
from uuid import UUID

from ledger.governance import text
from ledger.governance.application import GovernanceApplication, next_event
from ledger.governance.collective import Role
from ledger.governance.errors import Invalid, NotAllowed, NotFound
from ledger.governance.member import Member
from ledger.governance.proposal import Proposal
from ledger.governance.reminder import Reminder
from ledger.governance.retry import command
from ledger.personal.vault import ERASED

EMAIL_MAX = 254  # RFC 5321's limit on a forward path


def check_email(value: str) -> str:
    """An email address as given, trimmed; "" to send no email. One sentence when it cannot be one."""
    address = text.clean(value, "email address", limit=EMAIL_MAX, required=False)
    if not address:
        return ""
    local, _, domain = address.partition("@")
    labels = domain.split(".")
    if (
        address.count("@") != 1
        or not local
        or len(labels) < 2
        or not all(labels)
        or any(c.isspace() or c in '<>()[],;:\\"' for c in address)
    ):
        raise Invalid("That does not look like an email address; write it as name@example.org, or leave it empty.")
    return address


class ReminderCommands(GovernanceApplication):
    """Sending reminders (facilitators and stewards); members' own email address."""

    @command
    def send_reminder(self, proposal_id: UUID, *, by: UUID, groups: list[str]) -> UUID:
        """Record that ``by`` reminded ``groups`` to respond to an open proposal before its deadline."""
        proposal = cast(Proposal, self._read(Proposal, proposal_id, "proposal"))
        collective = self._collective_for(proposal.collective_id, by)
        collective.check_role(by, Role.FACILITATOR, Role.STEWARD)
        now = self.clock()
        proposal.check_accepting_positions(now)
        _, agreement, _ = self._voting_context(proposal, collective)
        chosen = Reminder.check_groups(groups, agreement.voting_groups(proposal.category))
        reminder = Reminder(
            collective_id=proposal.collective_id, proposal_id=proposal_id, groups=chosen, by=by, at=now.isoformat()
        )
        self.save(reminder)
        return reminder.id

    @command
    def set_email(self, member_id: UUID, *, by: UUID, email: str) -> None:
        """A member sets (or, with "", removes) the address reminders are emailed to: their own only."""
        if by != member_id:
            raise NotAllowed("Only you can change your own email address.")
        member = self.member(member_id)
        self._collective_for(member.collective_id, by)
        address = check_email(email)
        current = self.email_of(member_id) or ""
        if address == current:
            raise Invalid("That is the same email as before, so we kept it.")
        member.change_email(self._seal_optional(member_id, address, next_event(member), "/email"))
        self.save(member)

    def email_of(self, member_id: UUID) -> str | None:
        """The member's email address, or None: none given, or erased with the rest of their data."""
        try:
            member = cast(Member, self._read(Member, member_id, "member"))
        except NotFound:
            return None
        sealed = getattr(member, "email", None)  # a member cached before the field existed has none
        if sealed is None:
            return None
        value = self.reveal(sealed)
        return None if value in ("", ERASED) else value
