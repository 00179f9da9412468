"""Queries over governance state: what pages, reports and the CLI read."""

from __future__ import annotations

from typing import TypeVar, cast
from uuid import UUID

from ledger.governance.agreement import Agreement
from ledger.governance.application import GovernanceApplication
from ledger.governance.collective import Collective
from ledger.governance.errors import NotFound
from ledger.personal.vault import ERASED

T = TypeVar("T")


class Queries(GovernanceApplication):
    """Reading governance state for pages and reports: never changes anything."""

    def member_name(self, member_id: UUID) -> str:
        try:
            return self.reveal(self.member(member_id).name)
        except NotFound:
            return ERASED

    def read(self, kind: type[T], aggregate_id: UUID, what: str) -> T:
        """The cached aggregate of ``kind``, brought up to date, for a page to read and never change.

        ``NotFound`` ("There is no such <what>.") when there is none of that kind.
        """
        return cast(T, self._read(kind, aggregate_id, what))

    def collective_to_read(self, collective_id: UUID) -> Collective:
        """The cached collective, brought up to date, for a page to read: never a copy to change.

        A copy costs as much as the membership is large; pages only read it (commands
        take their own copies), so every page shares the cached one.
        """
        return cast(Collective, self._read(Collective, collective_id, "collective"))

    def agreement_in_force(self, collective_id: UUID) -> Agreement | None:
        aid = self.collective_to_read(collective_id).agreement_id
        return None if aid is None else self.agreement(aid)
