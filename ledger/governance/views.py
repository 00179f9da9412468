"""The read side: tallies, participation, the live preview's inputs, the audit index.

``catch_up`` applies only the events recorded since the view's tracking position,
so a tally or a page never replays the whole log; ``rebuild`` drops the views and
replays from the start, which must give exactly the same rows.

What each event changes is :class:`ledger.governance.projection.GovernanceProjection`,
an eventsourcing ``Projection``. eventsourcing's ``ProjectionRunner`` is not used to
drive it: the runner follows an application subscription in a thread of its own,
forever, while pages need read-your-writes, a catch-up on request that returns when
the views hold every event recorded so far (and SQLite offers no subscription to
follow). So :meth:`GovernanceViews.catch_up` pulls the notifications since the
tracking position itself and hands each event to the projection, as the runner would.
"""

from __future__ import annotations

import contextlib
from collections import Counter
from collections.abc import Callable, Iterable
from typing import Any
from uuid import UUID

from eventsourcing.persistence import InfrastructureFactory, IntegrityError, Tracking
from eventsourcing.utils import Environment

import ledger.governance.aggregates  # noqa: F401  (every topic resolves when reading)
import policies
from ledger.governance.ballot import POSITIONS
from ledger.governance.projection import GovernanceProjection
from ledger.governance.tally import Inputs, roster_of
from ledger.governance.view_tables import GovernanceViewMixin, PostgresGovernanceView, SQLiteGovernanceView
from ledger.log.application import Ledger
from ledger.log.config import LedgerConfig

PROJECTION = GovernanceProjection.name


def open_view(config: LedgerConfig) -> GovernanceViewMixin:
    env = config.eventsourcing_env(create_tables=True)
    if config.database_url is None:
        env["SQLITE_DBNAME"] = str(config.data_dir / "views.sqlite")
        view_class: type[Any] = SQLiteGovernanceView
    else:
        view_class = PostgresGovernanceView
    factory = InfrastructureFactory.construct(Environment(PROJECTION, env))
    view = factory.tracking_recorder(view_class)
    if not isinstance(view, GovernanceViewMixin):  # the factory was handed the class; this cannot differ
        raise TypeError(f"{type(view).__name__} is not a governance view")
    view.ensure_schema(Ledger.name)  # the tracking of the one application the views follow
    return view


class GovernanceViews:
    """Tallies and participation, read from the materialised views."""

    def __init__(self, ledger: Ledger, view: GovernanceViewMixin) -> None:
        self.ledger = ledger
        self.view = view
        self.projection = GovernanceProjection(view)

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
                with contextlib.suppress(IntegrityError):  # another worker applied it first: once, not twice
                    self.projection.process_event(event, Tracking(self.ledger.name, n.id))
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

    def belonging(self, collective_id: UUID, aggregate_ids: Iterable[UUID]) -> set[str]:
        """Which of these aggregates (hex ids) belong to the collective: an index read of as many rows as asked."""
        wanted = sorted({a.hex for a in aggregate_ids})
        found: set[str] = set()
        for i in range(0, len(wanted), 500):  # under every engine's limit on bound parameters
            chunk = wanted[i : i + 500]
            found |= {
                str(r[0])
                for r in self.view.query(
                    f"SELECT aggregate_id FROM view_index WHERE collective_id = ? "
                    f"AND aggregate_id IN ({', '.join('?' * len(chunk))})",
                    (collective_id.hex, *chunk),
                )
            }
        return found

    def decision_inputs(self, proposal_id: UUID, voting_groups: set[str], version_hash: str) -> Inputs:
        """What ``policies.decide`` needs for a proposal now, from the read model alone.

        The same inputs :func:`ledger.governance.tally.gather` makes from the aggregates
        (the eligible roster, the counted ballots on ``version_hash``, who must reconfirm,
        every objection in the order raised), without loading a ballot or an objection.
        """
        rows = self.view.query(
            "SELECT m.member_id, m.groups FROM view_members m JOIN view_proposals p "
            "ON p.collective_id = m.collective_id WHERE p.proposal_id = ?",
            (proposal_id.hex,),
        )
        members = {UUID(str(m)): frozenset(str(g).split(",")) for m, g in rows}
        roster = roster_of(members, voting_groups)
        eligible = {m.member_id for m in roster}
        counted: list[policies.Ballot] = []
        stale: list[str] = []
        for member, position, version in self.view.query(
            "SELECT member_id, position, version_hash FROM view_ballots WHERE proposal_id = ? ORDER BY member_id",
            (proposal_id.hex,),
        ):
            if member not in eligible:
                continue
            if version != version_hash:
                stale.append(str(member))
                continue
            counted.append(policies.Ballot(str(member), policies.Position(str(position))))
        objections = [
            policies.Objection(str(o), str(m), bool(paramount), policies.ObjectionStatus(str(status)))
            for o, m, paramount, status in self.view.query(
                "SELECT objection_id, member_id, paramount, status FROM view_objections "
                "WHERE proposal_id = ? ORDER BY raised",
                (proposal_id.hex,),
            )
        ]
        return Inputs(roster, counted, objections, sorted(stale))

    def stamps(self, proposal_id: UUID) -> tuple[int, int] | None:
        """When a proposal's count last changed: the last event touching its ballots, objections or
        text, and the last change to its collective's membership. Equal stamps, equal counts."""
        rows = self.view.query(
            "SELECT p.stamp AS proposal_stamp, c.stamp AS collective_stamp "
            "FROM view_proposals p JOIN view_collectives c ON c.collective_id = p.collective_id "
            "WHERE p.proposal_id = ?",
            (proposal_id.hex,),
        )
        return (int(rows[0][0]), int(rows[0][1])) if rows else None

    def objectors(self, proposal_id: UUID) -> dict[str, str]:
        """Each objection on a proposal (hex id) and who raised it (hex id)."""
        return {
            str(o): str(m)
            for o, m in self.view.query(
                "SELECT objection_id, member_id FROM view_objections WHERE proposal_id = ?", (proposal_id.hex,)
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
