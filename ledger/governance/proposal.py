"""A proposal: drafted, revised (each version hashed), opened under a category, closed or withdrawn.

Closing records the outcome computed by the policy, never one typed in: the
policy's hash, the inputs counted (roster, ballot and objection versions) and a
digest of the ballots, so anyone can recompute it from the log alone.

Opening records the deadline the rule sets (``closes_at``, the opening time plus the
rule's ``max_open_hours``). From that moment the proposal takes no response and no
change, and an outcome recorded later is recorded as at the deadline.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from ledger.governance.closing import ClosingResult
from ledger.governance.errors import N_, Conflict, Invalid, NotAllowed, key_word, say
from ledger.log.canonical import canonical_dumps
from ledger.log.sealed import Sealed
from ledger.log.vocabulary import named


class State(StrEnum):
    DRAFT = "draft"
    OPEN = "open"
    CLOSED = "closed"
    WITHDRAWN = "withdrawn"


def version_hash(title: str, body: str, category: str, number: int) -> str:
    """Content hash of one version: what a ballot or objection is bound to."""
    doc = {"body": body, "category": category, "title": title, "version": number}
    return "sha256:" + hashlib.sha256(canonical_dumps(doc)).hexdigest()


def deadline(opened_at: str, max_open_hours: int | None) -> str | None:
    """When a proposal opened at ``opened_at`` must close under a rule: one formula, for opening and verifying."""
    if max_open_hours is None:
        return None
    return (datetime.fromisoformat(opened_at) + timedelta(hours=max_open_hours)).isoformat()


def spoken_time(at: str | datetime) -> str:
    """A recorded time as people read it: '16 November 2026 at 10:00 UTC'."""
    moment = datetime.fromisoformat(at) if isinstance(at, str) else at
    return moment.strftime("%d %B %Y at %H:%M UTC")


@dataclass(frozen=True)
class Version:
    number: int
    title: str
    body: str
    content_hash: str
    author_id: str


@named("Proposal")
class Proposal(Aggregate):
    @event("Drafted")
    def __init__(
        self,
        collective_id: UUID,
        category: str,
        title: str,
        body: str,
        author_id: UUID,
        content_hash: str,
        changes_agreement: UUID | None,
    ) -> None:
        self.collective_id = collective_id
        self.changes_agreement = changes_agreement  # a draft agreement this proposal would adopt
        self.category = category
        self.state = State.DRAFT
        self.versions = [Version(1, title, body, content_hash, author_id.hex)]
        self.objection_ids: list[UUID] = []
        self.opened_at: str | None = None
        self.closes_at: str | None = None
        self.opened_version = 0
        # Set when it opens; a draft (even one withdrawn before it opened) has no rule yet.
        self.agreement_id: UUID | None = None
        self.policy_name = ""
        self.policy_hash = ""
        self.outcome: dict[str, Any] | None = None
        self.withdrawn_reason: Sealed | None = None
        self.summary = ""  # "in short": the author's plain-language summary, shown first

    @property
    def current(self) -> Version:
        return self.versions[-1]

    def check_open(self) -> None:
        if self.state is not State.OPEN:
            raise Conflict(
                say(N_("This proposal is %(state)s, so you can not respond to it now."), state=key_word(self.state))
            )

    def past_deadline(self, now: datetime) -> bool:
        return self.closes_at is not None and now >= datetime.fromisoformat(self.closes_at)

    def check_before_deadline(self, now: datetime) -> None:
        """Nothing that could change the decision is accepted once the rule's time is up."""
        if self.closes_at is not None and self.past_deadline(now):
            raise Conflict(
                say(
                    N_(
                        "The time for responses ended on %(closes_at)s. Now no one can respond to it or change it. A facilitator will record how it ends."  # noqa: E501
                    ),
                    closes_at=spoken_time(self.closes_at),
                )
            )

    def check_accepting_positions(self, now: datetime) -> None:
        """Open, and before its deadline: the only time a position or an objection step is accepted."""
        self.check_open()
        self.check_before_deadline(now)

    def closing_time(self, now: datetime) -> str:
        """When the decision closes if it is closed ``now``: now, or its deadline if that has passed."""
        if self.closes_at is not None and self.past_deadline(now):
            return self.closes_at
        return now.isoformat()

    # -- guards --------------------------------------------------------------------------

    def check_may_change(self, by: UUID, *, by_is_facilitator: bool, action: str) -> None:
        """Only the proposal's author or a facilitator revises or withdraws it.

        Whether ``by`` is a facilitator is the collective's to say; the handler passes that fact.
        """
        if by.hex != self.versions[0].author_id and not by_is_facilitator:
            raise NotAllowed(
                say(
                    N_("Only the one who wrote it, or the one who runs the process, can %(action)s it."),
                    action=key_word(action),
                )
            )

    def check_may_revise(self, by: UUID, *, by_is_facilitator: bool, now: datetime) -> None:
        self.check_may_change(by, by_is_facilitator=by_is_facilitator, action="revise")
        self.check_before_deadline(now)

    def check_may_withdraw(self, by: UUID, *, by_is_facilitator: bool, now: datetime) -> None:
        self.check_may_change(by, by_is_facilitator=by_is_facilitator, action="withdraw")
        self.check_before_deadline(now)
        self.check_withdrawable()

    def check_answers_current(self, version_hash: str | None) -> None:
        """A position given to a version the member read must be to the version in force now."""
        if version_hash is not None and version_hash != self.current.content_hash:
            raise Conflict(
                say(
                    N_(
                        "The proposal was revised while you were reading it. Read version %(number)s and give your position again."  # noqa: E501
                    ),
                    number=self.current.number,
                )
            )

    def check_closable(self, now: datetime, *, min_open_hours: int) -> None:
        """Open, and open for at least the rule's minimum time, so everyone had the time to respond."""
        self.check_open()
        opened = datetime.fromisoformat(str(self.opened_at))
        if now - opened < timedelta(hours=min_open_hours):
            until = (opened + timedelta(hours=min_open_hours)).strftime("%d %B %Y %H:%M UTC")
            h = min_open_hours
            span = f"{h // 24} days" if h % 24 == 0 else f"{h} hours"
            raise Conflict(
                say(
                    N_("This decision must stay open for at least %(span)s, until %(until)s; close it then."),
                    span=span,
                    until=until,
                )
            )

    def check_may_summarise(self, by: UUID, now: datetime) -> None:
        """Only the author says, in short, what their proposal means, and only while it can still change."""
        if by.hex != self.versions[0].author_id:
            raise NotAllowed("Only the one who wrote this proposal can sum it up.")
        if self.state not in (State.DRAFT, State.OPEN):
            raise Conflict(
                say(N_("This proposal is %(state)s now, so its summary can not change."), state=key_word(self.state))
            )
        self.check_before_deadline(now)

    # -- commands ------------------------------------------------------------------------

    def summarise(self, by: UUID, summary: str, now: datetime) -> None:
        self.check_may_summarise(by, now)
        if summary == self.summary:
            raise Invalid("This summary is the same as the one shown now; change the words, then save it.")
        self._summarised(by=by, summary=summary)

    @event("Summarised")
    def _summarised(self, by: UUID, summary: str) -> None:
        self.summary = summary

    def revise(self, title: str, body: str, author_id: UUID, *, by_is_facilitator: bool, now: datetime) -> None:
        self.check_may_revise(author_id, by_is_facilitator=by_is_facilitator, now=now)
        if self.state not in (State.DRAFT, State.OPEN):
            raise Conflict(
                say(N_("This proposal is %(state)s, so you can no longer change it."), state=key_word(self.state))
            )
        number = len(self.versions) + 1
        h = version_hash(title, body, self.category, number)
        if title == self.current.title and body == self.current.body:
            raise Invalid("This new version is the same as the old one. Change the title or the text.")
        self._revised(title=title, body=body, author_id=author_id, content_hash=h)

    @event("Revised")
    def _revised(self, title: str, body: str, author_id: UUID, content_hash: str) -> None:
        self.versions.append(Version(len(self.versions) + 1, title, body, content_hash, author_id.hex))

    def open(
        self,
        by: UUID,
        at: str,
        policy_name: str,
        policy_hash: str,
        agreement_id: UUID,
        max_open_hours: int | None = None,
    ) -> None:
        if self.state is not State.DRAFT:
            raise Conflict(
                say(N_("Only a draft can be opened; this proposal is %(state)s."), state=key_word(self.state))
            )
        self._opened(
            by=by,
            at=at,
            policy_name=policy_name,
            policy_hash=policy_hash,
            agreement_id=agreement_id,
            closes_at=deadline(at, max_open_hours),
        )

    @event("Opened")
    def _opened(
        self, by: UUID, at: str, policy_name: str, policy_hash: str, agreement_id: UUID, closes_at: str | None = None
    ) -> None:
        self.state = State.OPEN
        self.opened_at = at
        self.closes_at = closes_at
        self.opened_version = len(self.versions)
        self.policy_name = policy_name
        self.policy_hash = policy_hash
        self.agreement_id = agreement_id

    def register_objection(self, objection_id: UUID) -> None:
        self.check_open()
        self._objection_registered(objection_id=objection_id)

    @event("ObjectionRegistered")
    def _objection_registered(self, objection_id: UUID) -> None:
        self.objection_ids.append(objection_id)

    def close(self, by: UUID, now: datetime, result: ClosingResult, *, min_open_hours: int) -> None:
        """Record the outcome the rule computed; the event carries it as its signed payload.

        Past the deadline the decision closed then: nothing could change since (every
        change was refused), so it is recorded as at the deadline.
        """
        self.check_closable(now, min_open_hours=min_open_hours)
        self._closed(by=by, at=self.closing_time(now), result=result.payload())

    @event("Closed")
    def _closed(self, by: UUID, at: str, result: dict[str, Any]) -> None:
        self.state = State.CLOSED
        self.outcome = dict(result, closed_at=at, closed_by=by.hex)

    def check_withdrawable(self) -> None:
        if self.state not in (State.DRAFT, State.OPEN):
            raise Conflict(
                say(N_("This proposal is %(state)s, so you can no longer take it back."), state=key_word(self.state))
            )

    def withdraw(self, by: UUID, reason: Sealed, *, by_is_facilitator: bool, now: datetime) -> None:
        self.check_may_withdraw(by, by_is_facilitator=by_is_facilitator, now=now)
        self._withdrawn(by=by, reason=reason)

    @event("Withdrawn")
    def _withdrawn(self, by: UUID, reason: Sealed) -> None:
        self.state = State.WITHDRAWN
        self.withdrawn_reason = reason
