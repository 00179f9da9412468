"""A reminder: a facilitator asked the stakeholder groups named to respond to an open proposal.

Each reminder is its own small aggregate, created by its one event, so sending one
loads nothing that grows with the collective. It names groups, never people: who
had not responded when it was sent follows from the log (the roster and the
ballots), and no one's name or contact details are written into it.
"""

from __future__ import annotations

from uuid import UUID

from eventsourcing.domain import Aggregate, event

from ledger.governance.errors import N_, Invalid, say
from ledger.log.vocabulary import named


@named("Reminder")
class Reminder(Aggregate):
    @event("Sent")
    def __init__(self, collective_id: UUID, proposal_id: UUID, groups: list[str], by: UUID, at: str) -> None:
        self.collective_id = collective_id
        self.proposal_id = proposal_id
        self.groups = list(groups)
        self.by = by
        self.at = at

    @staticmethod
    def check_groups(chosen: list[str], voting: set[str]) -> list[str]:
        """The groups to remind, sorted: at least one, each a group that responds to this proposal."""
        if not chosen:
            raise Invalid("Choose at least one group to remind.")
        unknown = sorted(set(chosen) - voting)
        if unknown:
            raise Invalid(
                say(
                    N_("The group %(unknown)s does not respond to this proposal; choose from %(choices)s."),
                    unknown=repr(unknown[0]),
                    choices=", ".join(sorted(voting)),
                )
            )
        return sorted(set(chosen))
