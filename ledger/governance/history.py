"""Time travel: a collective, proposal, agreement or member as it stood at a moment, from the log.

An aggregate is rebuilt at the last version recorded at or before the moment: that
version is found in the history index the projection keeps (``view_events``: each
event's time per aggregate version), one indexed read, never a scan of the log; the
aggregate is then loaded at that version by eventsourcing's repository, from its own
signed events only. The same code reads a bundle (``ledger.governance.bundle_history``),
whose index is made while its entries are loaded.

The state is said in plain words (:func:`describe`). Sealed values are revealed only
where the caller can open them (the live ledger, with the seal key); elsewhere they
show as sealed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any, Protocol
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Repository

from ledger.governance.agreement import Agreement
from ledger.governance.collective import Collective
from ledger.governance.errors import N_, Invalid, NotFound, say
from ledger.governance.member import Member
from ledger.governance.projection import moment_text
from ledger.governance.proposal import Proposal, spoken_time
from ledger.governance.view_tables import GovernanceViewMixin
from ledger.log.sealed import Sealed

KINDS: dict[str, type[Any]] = {
    "collective": Collective,
    "proposal": Proposal,
    "agreement": Agreement,
    "member": Member,
}
Reveal = Callable[[Sealed | None], str]


def parse_moment(text: str, *, day_starts: bool = False) -> datetime:
    """An ISO 8601 date or time with its offset, as a UTC time.

    A date means the end of that day (UTC): the state "as of 2 November" holds what was
    recorded that day. With ``day_starts`` (the start of a period) it means the day's first moment.

    A time without an offset is refused rather than guessed: the same words name
    different moments in different places, and an auditor must get the one they meant.
    """
    given = text.strip()
    if len(given) == 10:
        try:
            day = date.fromisoformat(given)
        except ValueError:
            pass
        else:
            return datetime.combine(day, time.min if day_starts else time.max, tzinfo=UTC)
    try:
        moment = datetime.fromisoformat(given)
    except ValueError:
        raise Invalid(
            say(
                N_(
                    "%(written)s is not a date or time; give one in ISO 8601, such as 2026-11-02 or 2026-11-02T10:00:00Z."  # noqa: E501
                ),
                written=repr(text),
            )
        ) from None
    if moment.tzinfo is None:
        raise Invalid(
            say(
                N_("%(written)s has no time zone; add Z for UTC or an offset such as +01:00 (for example %(given)sZ)."),
                written=repr(text),
                given=given,
            )
        )
    try:
        return moment.astimezone(UTC)
    except OverflowError:  # its offset takes it outside years 1 to 9999
        raise Invalid(
            say(N_("%(written)s is outside the years 1 to 9999 in UTC; give a time within them."), written=repr(text))
        ) from None


class VersionIndex(Protocol):
    """Where the versions of an aggregate and their times are found: the views, or a loaded bundle."""

    def version_at(self, aggregate_id: UUID, moment: datetime) -> tuple[int, str] | None:
        """The last version recorded at or before ``moment`` and its recorded time, or None before the first."""

    def versions(self, aggregate_id: UUID) -> int:
        """How many versions the aggregate has in all (0: none known)."""


class ViewVersionIndex:
    """The history index of the live ledger's views: one indexed read per question."""

    def __init__(self, view: GovernanceViewMixin) -> None:
        self.view = view

    def kind_of(self, aggregate_id: UUID) -> str | None:
        """The aggregate's kind as ``copro show`` names it ("proposal"), if it is one time travel shows."""
        rows = self.view.query("SELECT kind FROM view_index WHERE aggregate_id = ?", (aggregate_id.hex,))
        kind = str(rows[0][0]).lower() if rows else None
        return kind if kind in KINDS else None

    def version_at(self, aggregate_id: UUID, moment: datetime) -> tuple[int, str] | None:
        rows = self.view.query(
            "SELECT version, at FROM view_events WHERE aggregate_id = ? AND at <= ? ORDER BY version DESC LIMIT 1",
            (aggregate_id.hex, moment_text(moment)),
        )
        return (int(rows[0][0]), str(rows[0][1])) if rows else None

    def versions(self, aggregate_id: UUID) -> int:
        rows = self.view.query("SELECT MAX(version) FROM view_events WHERE aggregate_id = ?", (aggregate_id.hex,))
        return int(rows[0][0]) if rows and rows[0][0] is not None else 0


@dataclass(frozen=True)
class AsOf:
    """An aggregate as it stood at a moment: which version that was, and when it was recorded."""

    aggregate: Any
    kind: str
    moment: datetime
    version: int
    versions: int
    recorded_at: str


def load_as_of(
    repository: Repository[UUID], index: VersionIndex, kind: str, aggregate_id: UUID, moment: datetime
) -> AsOf:
    """The aggregate of ``kind`` with ``aggregate_id`` as it stood at ``moment``.

    NotFound when there is no such aggregate of that kind, or when it did not exist yet
    at that moment (the sentence says which, and when it began).
    """
    what = KINDS.get(kind)
    if what is None:
        raise Invalid(
            say(
                N_("%(kind)s is not something copro can show; choose one of %(choices)s."),
                kind=repr(kind),
                choices=", ".join(KINDS),
            )
        )
    total = index.versions(aggregate_id)
    if total == 0:
        raise NotFound(
            say(
                N_("There is no %(kind)s with the id %(aggregate_id)s in this ledger."),
                kind=kind,
                aggregate_id=str(aggregate_id),
            )
        )
    found = index.version_at(aggregate_id, moment)
    if found is None:
        first = index.version_at(aggregate_id, datetime.max.replace(tzinfo=UTC))
        began = f" (its first event was recorded {_spoken(first[1])})" if first else ""
        raise NotFound(
            say(
                N_("The %(kind)s %(aggregate_id)s did not exist yet on %(moment)s%(began)s."),
                kind=kind,
                aggregate_id=str(aggregate_id),
                moment=spoken_time(moment),
                began=began,
            )
        )
    version, at = found
    try:
        aggregate: Any = repository.get(aggregate_id, version=version)
    except AggregateNotFoundError:
        raise NotFound(
            say(
                N_("There is no %(kind)s with the id %(aggregate_id)s in this ledger."),
                kind=kind,
                aggregate_id=str(aggregate_id),
            )
        ) from None
    if not isinstance(aggregate, what):
        raise NotFound(
            say(
                N_("%(aggregate_id)s is a %(found)s, not a %(kind)s."),
                aggregate_id=str(aggregate_id),
                found=type(aggregate).__name__.lower(),
                kind=kind,
            )
        )
    return AsOf(aggregate, kind, moment, version, total, at)


def _spoken(at: str) -> str:
    return spoken_time(datetime.fromisoformat(at))


def sealed_shown(value: Sealed | None) -> str:
    """What a sealed value shows as where it cannot be opened (a bundle, or no seal key)."""
    return "(none)" if value is None else "(sealed personal data)"


def describe(state: AsOf, reveal: Reveal, *, contact_details: bool = True) -> list[tuple[str, str]]:
    """The state in plain words: (label, value) lines, first the moment and the version it is.

    ``contact_details=False`` keeps a member's contact and access needs sealed even where
    ``reveal`` could open them: the audit pages show every member what members see of each
    other (a name), not what only stewards and the person see.
    """
    lines = [
        ("As of", spoken_time(state.moment)),
        ("Version", f"{state.version} of {state.versions}, recorded {_spoken(state.recorded_at)}"),
    ]
    if state.kind == "member":
        return lines + _member(state.aggregate, reveal, reveal if contact_details else sealed_shown)
    return lines + _DESCRIBERS[state.kind](state.aggregate, reveal)


def _collective(c: Collective, reveal: Reveal) -> list[tuple[str, str]]:
    members = [m for m in c.members if m not in c.left]
    return [
        ("Collective", c.name),
        ("Purpose", c.purpose),
        ("Stakeholder groups", ", ".join(f"{label} ({key})" for key, label in sorted(c.groups.items()))),
        ("Members", str(len(members))),
        ("Members who had left", str(len(c.left))),
        ("Agreement in force", c.agreement_id.hex if c.agreement_id else "none yet"),
    ]


def _proposal(p: Proposal, reveal: Reveal) -> list[tuple[str, str]]:
    current = p.current
    lines = [
        ("Proposal", current.title),
        ("State", p.state.value),
        ("Category", p.category),
        ("Text version", f"{current.number} ({current.content_hash})"),
        ("Text", current.body),
        ("Objections raised", str(len(p.objection_ids))),
    ]
    if p.opened_at:
        lines.append(("Opened", spoken_time(p.opened_at)))
    if p.outcome is not None:
        lines.append(("Outcome", str(p.outcome.get("outcome", ""))))
    if p.withdrawn_reason is not None:
        lines.append(("Reason for withdrawing", reveal(p.withdrawn_reason)))
    return lines


def _agreement(a: Agreement, reveal: Reveal) -> list[tuple[str, str]]:
    status = "superseded" if a.superseded_by else ("in force" if a.in_force else "draft, awaiting signatures")
    return [
        ("Agreement", status),
        ("Parties", ", ".join(a.parties)),
        ("Decision categories", ", ".join(sorted(a.matrix))),
        ("Rules", ", ".join(f"{name} ({h})" for name, h in sorted(a.policy_hashes.items()))),
        ("Signatures", str(len(a.signatures))),
        ("Review date", a.review_date or "none"),
        ("Ground rules", a.ground_rules or "none"),
    ]


def _member(m: Member, reveal: Reveal, private: Reveal) -> list[tuple[str, str]]:
    return [
        ("Member", reveal(m.name)),
        ("Contact", private(m.contact)),
        ("Access needs", private(m.access_needs) or "(none)"),
        ("Collective", m.collective_id.hex),
    ]


_DESCRIBERS: dict[str, Callable[[Any, Reveal], list[tuple[str, str]]]] = {
    "collective": _collective,
    "proposal": _proposal,
    "agreement": _agreement,
}
