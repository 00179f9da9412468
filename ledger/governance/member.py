"""A member: a person's identity in one collective, sealed so it can be erased.

The member id doubles as the person id for sealing: erasing the member deletes
their key, and their name, contact details, access needs and every reason they
gave read as erased from then on.
"""

from __future__ import annotations

from uuid import UUID

from eventsourcing.domain import Aggregate, event

from ledger.log.sealed import Sealed
from ledger.log.vocabulary import named


@named("Member")
class Member(Aggregate):
    @event("Registered")
    def __init__(self, id: UUID, collective_id: UUID, name: Sealed, contact: Sealed, access_needs: Sealed) -> None:
        self.collective_id = collective_id
        self.name = name
        self.contact = contact
        self.access_needs = access_needs
        self.email: Sealed | None = None

    @event("DetailsChanged")
    def change_details(self, name: Sealed, contact: Sealed, access_needs: Sealed) -> None:
        self.name = name
        self.contact = contact
        self.access_needs = access_needs

    @event("EmailChanged")
    def change_email(self, email: Sealed | None) -> None:
        """The address reminders are sent to, sealed like the member's name; None: send no email."""
        self.email = email
