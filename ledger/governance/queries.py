"""Queries over governance state: what pages, reports and the CLI read."""

from __future__ import annotations

from uuid import UUID

from ledger.governance.agreement import Agreement
from ledger.governance.application import GovernanceApplication
from ledger.governance.errors import NotFound
from ledger.personal.vault import ERASED


class Queries(GovernanceApplication):
    """Reading governance state for pages and reports: never changes anything."""

    def member_name(self, member_id: UUID) -> str:
        try:
            return self.reveal(self.member(member_id).name)
        except NotFound:
            return ERASED

    def agreement_in_force(self, collective_id: UUID) -> Agreement | None:
        aid = self.collective(collective_id).agreement_id
        return None if aid is None else self.agreement(aid)
