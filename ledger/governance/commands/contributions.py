"""Time given and its recognition: offering, accepting or declining, paying."""

from __future__ import annotations

from datetime import date
from typing import cast
from uuid import UUID, uuid4

from ledger.governance import text
from ledger.governance.application import GovernanceApplication, next_event
from ledger.governance.collective import Role
from ledger.governance.contribution import MONETARY, Contribution, Kind
from ledger.governance.retry import command


class ContributionCommands(GovernanceApplication):
    """Time given and its recognition: offering, accepting or declining, paying."""

    @command
    def log_contribution(
        self, collective_id: UUID, *, by: UUID, member_id: UUID, activity: str, minutes: int, on: date
    ) -> UUID:
        collective = self._collective_for(collective_id, by)
        collective.check_may_log_time_for(by, member_id)
        Contribution.check_minutes(minutes)  # before sealing anything
        activity = text.clean(activity, "activity", limit=text.TITLE_MAX)
        cid = uuid4()
        c = Contribution.log(
            id=cid,
            collective_id=collective_id,
            member_id=member_id,
            activity=self._seal(member_id, activity, (cid, 1), "/activity"),
            minutes=minutes,
            on=on.isoformat(),
            by=by,
        )
        self.save(c)
        return c.id

    def _contribution(self, contribution_id: UUID) -> Contribution:
        return cast(Contribution, self._get(Contribution, contribution_id, "contribution"))

    @command
    def offer_recognition(
        self,
        contribution_id: UUID,
        *,
        by: UUID,
        kind: str,
        amount_minor: int = 0,
        currency: str = "",
        rate_table: str = "",
    ) -> None:
        c = self._contribution(contribution_id)
        collective = self._collective_for(c.collective_id, by)
        collective.check_role(by, Role.STEWARD)
        k = Kind.parse(kind)
        if k in MONETARY:
            currency = text.currency(currency)
            rate_table = text.clean(rate_table, "rate table version", limit=80)
        c.offer(k, amount_minor, currency, rate_table, by)
        self.save(c)

    @command
    def respond_to_recognition(self, contribution_id: UUID, *, by: UUID, accept: bool, reason: str = "") -> None:
        c = self._contribution(contribution_id)
        self._collective_for(c.collective_id, by)
        c.check_respondent(by)  # before sealing anything
        reason = text.clean(reason, "reason", limit=text.REASON_MAX, required=False)
        c.respond(by, accept, None if accept else self._seal_optional(by, reason, next_event(c), "/reason"))
        self.save(c)

    @command
    def mark_paid(self, contribution_id: UUID, *, by: UUID, reference: str) -> None:
        c = self._contribution(contribution_id)
        collective = self._collective_for(c.collective_id, by)
        collective.check_role(by, Role.STEWARD, Role.SECRETARY)
        reference = text.clean(reference, "payment reference", limit=120)
        c.check_payable()
        c.pay(self._seal(c.member_id, reference, next_event(c), "/reference"), by)
        self.save(c)
