"""The governance projection: what each domain event changes in the read models.

An eventsourcing ``Projection`` whose ``process_event`` dispatches on the event's class
(eventsourcing's ``singledispatchmethod``), one handler per event that changes a view.
Every handler, and the default for events no view needs, ends in one ``view.apply``
that writes the rows and the tracking record in one transaction: each event is applied
exactly once, whichever worker gets there first. Every event of a collective's aggregates
also gets one row of the history index (``view_events``: its leaf, time, kind, who did it
and whom it is about), which time travel and the audit trail read instead of the log.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, cast
from uuid import UUID

from eventsourcing.dispatch import singledispatchmethod
from eventsourcing.persistence import Tracking
from eventsourcing.projection import Projection

from ledger.governance.agreement import Agreement
from ledger.governance.ballot import Ballot
from ledger.governance.collective import Collective
from ledger.governance.comment import Comment
from ledger.governance.contribution import Contribution
from ledger.governance.feedback import Feedback
from ledger.governance.member import Member
from ledger.governance.narrative import Narrative
from ledger.governance.objection import Objection
from ledger.governance.proposal import Proposal
from ledger.governance.reflection import Reflection
from ledger.governance.reminder import Reminder
from ledger.governance.view_tables import GovernanceViewMixin, Statement

INDEX = "INSERT INTO view_index (aggregate_id, collective_id, kind) VALUES (?, ?, ?) ON CONFLICT DO NOTHING"
INDEX_VIA_PROPOSAL = (
    "INSERT INTO view_index (aggregate_id, collective_id, kind) "
    "SELECT ?, collective_id, ? FROM view_proposals WHERE proposal_id = ? ON CONFLICT DO NOTHING"
)
UPSERT_MEMBER = (
    "INSERT INTO view_members (collective_id, member_id, groups) VALUES (?, ?, ?) "
    "ON CONFLICT (collective_id, member_id) DO UPDATE SET groups = excluded.groups"
)
UPSERT_BALLOT = (
    "INSERT INTO view_ballots (proposal_id, member_id, position, version_hash, stamp) VALUES (?, ?, ?, ?, ?) "
    "ON CONFLICT (proposal_id, member_id) DO UPDATE SET position = excluded.position, "
    "version_hash = excluded.version_hash, stamp = excluded.stamp"
)


def _ballot_row(e: Any, tracking: Tracking) -> Statement:
    """A member's position on a proposal, stamped with the event that set it (``GovernanceViews.ballots_since``)."""
    return (UPSERT_BALLOT, (e.proposal_id.hex, e.member_id.hex, e.position, e.version_hash, tracking.notification_id))


def _proposal_stamp(proposal_id: UUID, tracking: Tracking) -> Statement:
    """Mark that something a proposal's count reads changed (see ``GovernanceViews.stamps``)."""
    return ("UPDATE view_proposals SET stamp = ? WHERE proposal_id = ?", (tracking.notification_id, proposal_id.hex))


def _collective_stamp(collective_id: UUID, tracking: Tracking) -> Statement:
    """Mark that the collective's membership changed: every open proposal's roster with it."""
    return (
        "INSERT INTO view_collectives (collective_id, stamp) VALUES (?, ?) "
        "ON CONFLICT (collective_id) DO UPDATE SET stamp = excluded.stamp",
        (collective_id.hex, tracking.notification_id),
    )


def _objection_stamp(e: Any, tracking: Tracking) -> Statement:
    """A step on an objection changes its proposal's count (objection events do not name the proposal)."""
    return (
        "UPDATE view_proposals SET stamp = ? WHERE proposal_id = "
        "(SELECT proposal_id FROM view_objections WHERE objection_id = ?)",
        (tracking.notification_id, e.originator_id.hex),
    )


HISTORY = (
    "INSERT INTO view_events (leaf, aggregate_id, version, kind, at, actor, subject, collective_id) "
    "SELECT ?, ?, ?, ?, ?, ?, ?, collective_id FROM view_index WHERE aggregate_id = ? ON CONFLICT DO NOTHING"
)
# The fields that name who did an act, in the order they are looked for: a facilitator's ``by``
# before the ``member_id`` the act is about (an admission), an author, a founder, a voter.
ACTOR_FIELDS = ("by", "author_id", "founder_id", "member_id")


def moment_text(moment: datetime) -> str:
    """A time as the history index stores it: UTC, a four-digit year, always microseconds: text order is time order."""
    return moment.astimezone(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


def _person(e: Any, field: str) -> str | None:
    value = getattr(e, field, None)
    return value.hex if isinstance(value, UUID) else None


def history_row(e: Any, tracking: Tracking) -> Statement:
    """The event's row of the history index, under the collective its aggregate belongs to.

    The collective comes from ``view_index`` (written by the same transaction for a
    creation event, before this row), so an event outside any collective (the keyring's)
    gets no row. The subject is the member the event is about: the ``member_id`` it names,
    or the member record itself.
    """
    actor = next((p for f in ACTOR_FIELDS if (p := _person(e, f)) is not None), None)
    subject = _person(e, "member_id")
    if type(e).__qualname__.startswith("Member."):
        subject = e.originator_id.hex
    kind = type(e).__qualname__
    oid = e.originator_id.hex
    params = (tracking.notification_id - 1, oid, e.originator_version, kind, moment_text(e.timestamp), actor, subject)
    return (HISTORY, (*params, oid))


def event_class(aggregate: type[Any], name: str) -> type[Any]:
    """An aggregate's event class by its vocabulary name (``Collective.Founded``), typed for dispatch."""
    return cast(type[Any], getattr(aggregate, name))


def _hex(value: UUID) -> str:
    return value.hex


def _member_row(collective: UUID, member: UUID, groups: list[str]) -> Statement:
    return (UPSERT_MEMBER, (collective.hex, member.hex, ",".join(sorted(groups))))


def _index(event: Any, kind: str) -> Statement:
    return (INDEX, (event.originator_id.hex, event.collective_id.hex, kind))


class GovernanceProjection(Projection[GovernanceViewMixin]):
    """Members, proposals, ballots, objections and the collective index, from the governance events."""

    name = "governance_views"

    @singledispatchmethod
    def process_event(self, domain_event: Any, tracking: Tracking) -> None:
        """An event no other view needs: its history row and its tracking, so the position moves past it."""
        self._apply(domain_event, [], tracking)

    def _apply(self, e: Any, statements: list[Statement], tracking: Tracking) -> None:
        """Apply an event's view changes, then its row of the history index, in one transaction."""
        self.view.apply([*statements, history_row(e, tracking)], tracking)

    # -- the collective and its members ---------------------------------------------------

    @process_event.register(event_class(Collective, "Founded"))
    def _founded(self, e: Any, tracking: Tracking) -> None:
        oid = e.originator_id
        self._apply(
            e,
            [
                (INDEX, (oid.hex, oid.hex, "Collective")),
                _member_row(oid, e.founder_id, e.founder_groups),
                _collective_stamp(oid, tracking),
            ],
            tracking,
        )

    @process_event.register(event_class(Collective, "MemberAdmitted"))
    @process_event.register(event_class(Collective, "MemberGroupsChanged"))
    def _member_groups(self, e: Any, tracking: Tracking) -> None:
        self._apply(
            e,
            [_member_row(e.originator_id, e.member_id, e.groups), _collective_stamp(e.originator_id, tracking)],
            tracking,
        )

    @process_event.register(event_class(Collective, "MemberLeft"))
    def _left(self, e: Any, tracking: Tracking) -> None:
        self._apply(
            e,
            [
                (
                    "DELETE FROM view_members WHERE collective_id = ? AND member_id = ?",
                    (e.originator_id.hex, e.member_id.hex),
                ),
                _collective_stamp(e.originator_id, tracking),
            ],
            tracking,
        )

    # -- aggregates that name their collective: the index for listings and the audit trail -

    @process_event.register(event_class(Member, "Registered"))
    @process_event.register(event_class(Agreement, "Drafted"))
    @process_event.register(event_class(Reflection, "Recorded"))
    @process_event.register(event_class(Contribution, "Logged"))
    @process_event.register(event_class(Feedback, "Given"))
    @process_event.register(event_class(Narrative, "Written"))
    def _indexed(self, e: Any, tracking: Tracking) -> None:
        kind = type(e).__qualname__.partition(".")[0]
        self._apply(e, [_index(e, kind)], tracking)

    # -- proposals -----------------------------------------------------------------------

    @process_event.register(event_class(Proposal, "Drafted"))
    def _drafted(self, e: Any, tracking: Tracking) -> None:
        insert = (
            "INSERT INTO view_proposals (proposal_id, collective_id, title, category, state, version_hash) "
            "VALUES (?, ?, ?, ?, 'draft', ?)",
            (e.originator_id.hex, e.collective_id.hex, e.title, e.category, e.content_hash),
        )
        self._apply(e, [_index(e, "Proposal"), insert], tracking)

    @process_event.register(event_class(Proposal, "Revised"))
    def _revised(self, e: Any, tracking: Tracking) -> None:
        sql = "UPDATE view_proposals SET title = ?, version_hash = ? WHERE proposal_id = ?"
        self._apply(
            e,
            [(sql, (e.title, e.content_hash, e.originator_id.hex)), _proposal_stamp(e.originator_id, tracking)],
            tracking,
        )

    @process_event.register(event_class(Proposal, "Opened"))
    def _opened(self, e: Any, tracking: Tracking) -> None:
        sql = (
            "UPDATE view_proposals SET state = 'open', opened_at = ?, closes_at = ?, agreement_id = ?, "
            "policy_name = ? WHERE proposal_id = ?"
        )
        closes_at = getattr(e, "closes_at", None)  # events recorded before deadlines existed carry none
        self._apply(
            e,
            [
                (sql, (e.at, closes_at, e.agreement_id.hex, e.policy_name, e.originator_id.hex)),
                _proposal_stamp(e.originator_id, tracking),
            ],
            tracking,
        )

    @process_event.register(event_class(Proposal, "Closed"))
    def _closed(self, e: Any, tracking: Tracking) -> None:
        sql = "UPDATE view_proposals SET state = 'closed', outcome = ?, closed_at = ? WHERE proposal_id = ?"
        self._apply(
            e,
            [(sql, (e.result["outcome"], e.at, e.originator_id.hex)), _proposal_stamp(e.originator_id, tracking)],
            tracking,
        )

    @process_event.register(event_class(Proposal, "Withdrawn"))
    def _withdrawn(self, e: Any, tracking: Tracking) -> None:
        sql = "UPDATE view_proposals SET state = 'withdrawn' WHERE proposal_id = ?"
        self._apply(e, [(sql, (e.originator_id.hex,)), _proposal_stamp(e.originator_id, tracking)], tracking)

    # -- ballots and objections: what the live preview counts ----------------------------

    @process_event.register(event_class(Ballot, "Cast"))
    def _cast(self, e: Any, tracking: Tracking) -> None:
        self._apply(
            e,
            [
                (INDEX_VIA_PROPOSAL, (e.originator_id.hex, "Ballot", e.proposal_id.hex)),
                _ballot_row(e, tracking),
                _proposal_stamp(e.proposal_id, tracking),
            ],
            tracking,
        )

    @process_event.register(event_class(Ballot, "Changed"))
    def _changed(self, e: Any, tracking: Tracking) -> None:
        self._apply(
            e,
            [
                _ballot_row(e, tracking),
                _proposal_stamp(e.proposal_id, tracking),
            ],
            tracking,
        )

    @process_event.register(event_class(Objection, "Raised"))
    def _raised(self, e: Any, tracking: Tracking) -> None:
        oid, pid = e.originator_id.hex, e.proposal_id.hex
        insert = (
            "INSERT INTO view_objections (objection_id, proposal_id, member_id, paramount, status, raised) "
            "VALUES (?, ?, ?, ?, 'raised', ?)",
            (oid, pid, e.member_id.hex, int(bool(e.paramount)), tracking.notification_id),
        )
        self._apply(
            e,
            [(INDEX_VIA_PROPOSAL, (oid, "Objection", pid)), insert, _proposal_stamp(e.proposal_id, tracking)],
            tracking,
        )

    @process_event.register(event_class(Objection, "Tested"))
    def _tested(self, e: Any, tracking: Tracking) -> None:
        sql = "UPDATE view_objections SET paramount = ? WHERE objection_id = ?"
        self._apply(e, [(sql, (int(bool(e.paramount)), e.originator_id.hex)), _objection_stamp(e, tracking)], tracking)

    @process_event.register(event_class(Objection, "Answered"))
    def _answered(self, e: Any, tracking: Tracking) -> None:
        sql = "UPDATE view_objections SET status = 'answered' WHERE objection_id = ?"
        self._apply(e, [(sql, (e.originator_id.hex,)), _objection_stamp(e, tracking)], tracking)

    @process_event.register(event_class(Objection, "Resolved"))
    def _resolved(self, e: Any, tracking: Tracking) -> None:
        sql = "UPDATE view_objections SET status = ? WHERE objection_id = ?"
        self._apply(e, [(sql, (str(e.status), e.originator_id.hex)), _objection_stamp(e, tracking)], tracking)

    # -- reminders -----------------------------------------------------------------------

    @process_event.register(event_class(Reminder, "Sent"))
    def _reminder_sent(self, e: Any, tracking: Tracking) -> None:
        insert = (
            "INSERT INTO view_reminders (reminder_id, proposal_id, groups, at) VALUES (?, ?, ?, ?)",
            (e.originator_id.hex, e.proposal_id.hex, ",".join(sorted(e.groups)), e.at),
        )
        self._apply(e, [_index(e, "Reminder"), insert], tracking)

    # -- the discussion thread -----------------------------------------------------------

    @process_event.register(event_class(Comment, "Posted"))
    def _posted(self, e: Any, tracking: Tracking) -> None:
        insert = (
            "INSERT INTO view_comments (comment_id, proposal_id, member_id, posted) VALUES (?, ?, ?, ?)",
            (e.originator_id.hex, e.proposal_id.hex, e.author_id.hex, tracking.notification_id),
        )
        self._apply(e, [_index(e, "Comment"), insert], tracking)
