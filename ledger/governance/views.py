"""The read side: tallies and participation per stakeholder group, kept up to date incrementally.

``catch_up`` applies only the events recorded since the view's tracking position,
so a tally or a report never replays the whole log; ``rebuild`` drops the views and
replays from the start, which must give exactly the same answers.
"""

from __future__ import annotations

import contextlib
from collections import Counter
from collections.abc import Callable
from typing import Any
from uuid import UUID

from eventsourcing.persistence import InfrastructureFactory, IntegrityError, Tracking
from eventsourcing.utils import Environment

import ledger.governance.aggregates  # noqa: F401  (every topic resolves when reading)
from ledger.governance.ballot import POSITIONS
from ledger.governance.view_tables import GovernanceViewMixin, PostgresGovernanceView, SQLiteGovernanceView, Statement
from ledger.log.application import Ledger
from ledger.log.config import LedgerConfig

PROJECTION = "governance_views"


def open_view(config: LedgerConfig) -> GovernanceViewMixin:
    env = config.eventsourcing_env(create_tables=True)
    if config.database_url is None:
        env["SQLITE_DBNAME"] = str(config.data_dir / "views.sqlite")
        view_class: type[Any] = SQLiteGovernanceView
    else:
        view_class = PostgresGovernanceView
    factory = InfrastructureFactory.construct(Environment(PROJECTION, env))
    view = factory.tracking_recorder(view_class)
    assert isinstance(view, GovernanceViewMixin)
    return view


def _hex(value: Any) -> str:
    return value.hex if isinstance(value, UUID) else str(value)


def _member_rows(collective: str, members: dict[str, list[str]]) -> list[Statement]:
    return [(UPSERT_MEMBER, (collective, m, ",".join(sorted(g)))) for m, g in members.items()]


UPSERT_MEMBER = (
    "INSERT INTO view_members (collective_id, member_id, groups) VALUES (?, ?, ?) "
    "ON CONFLICT (collective_id, member_id) DO UPDATE SET groups = excluded.groups"
)
UPSERT_BALLOT = (
    "INSERT INTO view_ballots (proposal_id, member_id, position, version_hash) VALUES (?, ?, ?, ?) "
    "ON CONFLICT (proposal_id, member_id) DO UPDATE SET position = excluded.position, "
    "version_hash = excluded.version_hash"
)


INDEX = "INSERT INTO view_index (aggregate_id, collective_id, kind) VALUES (?, ?, ?) ON CONFLICT DO NOTHING"
INDEX_VIA_PROPOSAL = (
    "INSERT INTO view_index (aggregate_id, collective_id, kind) "
    "SELECT ?, collective_id, ? FROM view_proposals WHERE proposal_id = ? ON CONFLICT DO NOTHING"
)


def statements_for(event: Any) -> list[Statement]:
    """What one domain event changes in the views (nothing, for most events)."""
    return _index(event) + _changes(event)


def _index(event: Any) -> list[Statement]:
    """Which collective each aggregate belongs to: for listings and the audit trail."""
    kind, _, step = type(event).__qualname__.partition(".")
    oid = _hex(event.originator_id)
    if kind == "Collective" and step == "Founded":
        return [(INDEX, (oid, oid, kind))]
    if step in ("Registered", "Drafted", "Recorded", "Logged") and hasattr(event, "collective_id"):
        return [(INDEX, (oid, _hex(event.collective_id), kind))]
    if (kind, step) in (("Ballot", "Cast"), ("Objection", "Raised")):
        return [(INDEX_VIA_PROPOSAL, (oid, kind, _hex(event.proposal_id)))]
    return []


def _changes(event: Any) -> list[Statement]:
    kind = type(event).__qualname__
    oid = _hex(event.originator_id)
    if kind == "Collective.Founded":
        return _member_rows(oid, {_hex(event.founder_id): event.founder_groups})
    if kind == "Collective.MemberAdmitted" or kind == "Collective.MemberGroupsChanged":
        return _member_rows(oid, {_hex(event.member_id): event.groups})
    if kind == "Collective.MemberLeft":
        return [("DELETE FROM view_members WHERE collective_id = ? AND member_id = ?", (oid, _hex(event.member_id)))]
    if kind == "Proposal.Drafted":
        return [
            (
                "INSERT INTO view_proposals (proposal_id, collective_id, title, category, state, version_hash) "
                "VALUES (?, ?, ?, ?, 'draft', ?)",
                (oid, _hex(event.collective_id), event.title, event.category, event.content_hash),
            )
        ]
    if kind == "Proposal.Revised":
        return [
            (
                "UPDATE view_proposals SET title = ?, version_hash = ? WHERE proposal_id = ?",
                (event.title, event.content_hash, oid),
            )
        ]
    if kind == "Proposal.Opened":
        return [("UPDATE view_proposals SET state = 'open', opened_at = ? WHERE proposal_id = ?", (event.at, oid))]
    if kind == "Proposal.Closed":
        return [
            (
                "UPDATE view_proposals SET state = 'closed', outcome = ?, closed_at = ? WHERE proposal_id = ?",
                (event.result["outcome"], event.at, oid),
            )
        ]
    if kind == "Proposal.Withdrawn":
        return [("UPDATE view_proposals SET state = 'withdrawn' WHERE proposal_id = ?", (oid,))]
    if kind in ("Ballot.Cast", "Ballot.Changed"):
        return [(UPSERT_BALLOT, (_hex(event.proposal_id), _hex(event.member_id), event.position, event.version_hash))]
    return []


class GovernanceViews:
    """Tallies and participation, read from the materialised views."""

    def __init__(self, ledger: Ledger, view: GovernanceViewMixin) -> None:
        self.ledger = ledger
        self.view = view

    def catch_up(self, batch: int = 500, on_event: Callable[[Any], None] | None = None) -> int:
        """Apply every event recorded since the last one applied. Returns how many were read."""
        done = 0
        while True:
            last = self.view.max_tracking_id(self.ledger.name) or 0
            notes = self.ledger.recorder.select_notifications(start=last + 1, limit=batch)
            if not notes:
                return done
            for n in notes:
                event = self.ledger.mapper.to_domain_event(n)
                statements = statements_for(event)
                with contextlib.suppress(IntegrityError):  # another worker applied it first: once, not twice
                    self.view.apply(statements, Tracking(self.ledger.name, n.id))
                if on_event is not None:
                    on_event(event)
                done += 1

    def rebuild(self) -> int:
        self.view.clear(self.ledger.name)
        return self.catch_up()

    # -- queries --------------------------------------------------------------------------

    def groups(self, collective_id: UUID) -> dict[str, set[str]]:
        out: dict[str, set[str]] = {}
        for member, groups in self.view.query(
            "SELECT member_id, groups FROM view_members WHERE collective_id = ?", (collective_id.hex,)
        ):
            for g in str(groups).split(","):
                out.setdefault(g, set()).add(str(member))
        return out

    def tally(self, proposal_id: UUID) -> dict[str, Any]:
        """Where a decision stands now: positions on the current version, per group, and who must reconfirm."""
        rows = self.view.query(
            "SELECT p.collective_id, p.version_hash AS current_hash, b.member_id, b.position, b.version_hash "
            "FROM view_proposals p LEFT JOIN view_ballots b ON b.proposal_id = p.proposal_id WHERE p.proposal_id = ?",
            (proposal_id.hex,),
        )
        if not rows:
            return {"positions": {}, "groups": {}, "stale": 0, "responded": 0, "members": 0}
        collective, current = str(rows[0][0]), rows[0][1]
        by_group = self.groups(UUID(collective))
        positions: Counter[str] = Counter()
        per_group: dict[str, Counter[str]] = {g: Counter() for g in by_group}
        stale = 0
        for _, _, member, position, version in rows:
            if member is None:
                continue
            if version != current:
                stale += 1
                continue
            positions[str(position)] += 1
            for g, members in by_group.items():
                if member in members:
                    per_group[g][str(position)] += 1
        return {
            "positions": dict(positions),
            "responded": sum(positions.values()),
            "members": len(set[str]().union(*by_group.values())),
            "stale": stale,
            "groups": {
                g: {"members": len(by_group[g]), "responded": sum(c.values()), **c} for g, c in per_group.items()
            },
        }

    def participation(self, collective_id: UUID) -> dict[str, dict[str, int]]:
        """Per stakeholder group: members, how many took part in any decision, and ballots cast."""
        by_group = self.groups(collective_id)
        voters: dict[str, int] = {}
        for member, count in self.view.query(
            "SELECT b.member_id, COUNT(*) FROM view_ballots b JOIN view_proposals p ON p.proposal_id = b.proposal_id "
            "WHERE p.collective_id = ? GROUP BY b.member_id",
            (collective_id.hex,),
        ):
            voters[str(member)] = int(count)
        return {
            g: {
                "members": len(members),
                "took_part": sum(1 for m in members if m in voters),
                "ballots": sum(voters.get(m, 0) for m in members),
            }
            for g, members in sorted(by_group.items())
        }

    def listing(self, collective_id: UUID, kind: str) -> list[UUID]:
        """Ids of one kind of aggregate in a collective (agreements, reflections, ...)."""
        rows = self.view.query(
            "SELECT aggregate_id FROM view_index WHERE collective_id = ? AND kind = ? ORDER BY aggregate_id",
            (collective_id.hex, kind),
        )
        return [UUID(str(r[0])) for r in rows]

    def aggregates_of(self, collective_id: UUID) -> set[str]:
        return {
            str(r[0])
            for r in self.view.query(
                "SELECT aggregate_id FROM view_index WHERE collective_id = ?", (collective_id.hex,)
            )
        }

    def proposals(self, collective_id: UUID) -> list[dict[str, Any]]:
        rows = self.view.query(
            "SELECT proposal_id, title, category, state, outcome, opened_at, closed_at FROM view_proposals "
            "WHERE collective_id = ?",
            (collective_id.hex,),
        )
        keys = ("id", "title", "category", "state", "outcome", "opened_at", "closed_at")
        return [dict(zip(keys, (UUID(str(r[0])), *r[1:]), strict=True)) for r in rows]

    def responded(self, proposal_id: UUID, member_id: UUID) -> bool:
        return bool(
            self.view.query(
                "SELECT 1 FROM view_ballots b JOIN view_proposals p ON p.proposal_id = b.proposal_id "
                "WHERE b.proposal_id = ? AND b.member_id = ? AND b.version_hash = p.version_hash",
                (proposal_id.hex, member_id.hex),
            )
        )


def recorded_tally(result: dict[str, Any]) -> dict[str, Any]:
    """The tally a closed proposal shows: the figures recorded when it closed, never today's roster.

    Same shape as :meth:`GovernanceViews.tally`; the groups are those of the recorded
    roster (the groups that voted), each with its eligible members then.
    """
    figures = result.get("figures", {})
    positions = {p: int(figures.get(p, 0)) for p in POSITIONS if figures.get(p)}
    groups: dict[str, dict[str, int]] = {}
    for key, value in figures.items():
        kind, _, rest = key.partition(":")
        group, _, figure = rest.rpartition(":")
        if kind == "group" and figure in ("eligible", *POSITIONS):
            groups.setdefault(group, {})["members" if figure == "eligible" else figure] = int(value)
    for counts in groups.values():
        counts["responded"] = sum(counts.get(p, 0) for p in POSITIONS)
    return {
        "positions": positions,
        "responded": sum(positions.values()),
        "members": int(figures.get("eligible", len(result.get("roster", [])))),
        "stale": len(result.get("stale_ballots", [])),
        "groups": groups,
    }
