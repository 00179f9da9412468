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
    try:
        view = factory.tracking_recorder(view_class)
    except IntegrityError:
        # Another process made the tracking table while this one waited on the schema lock: the
        # library had looked for the table before the lock and tried to seed it again. Look again.
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
            "SELECT p.version_hash AS current_hash, b.member_id, b.position, b.version_hash "
            "FROM view_proposals p LEFT JOIN view_ballots b ON b.proposal_id = p.proposal_id WHERE p.proposal_id = ?",
            (proposal_id.hex,),
        )
        if not rows:
            return {"positions": {}, "groups": {}, "stale": 0, "responded": 0, "members": 0}
        members = {m.hex: groups for m, groups in self.members_of_proposal(proposal_id).items()}
        ballots = {str(m): (str(v), str(p)) for _, m, p, v in rows if m is not None}
        return tally_from(members, ballots, str(rows[0][0]))

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
        ballots = {member: (position, version) for member, position, version, _ in self.ballots_since(proposal_id)}
        return inputs_from(
            self.members_of_proposal(proposal_id), voting_groups, ballots, self.objections_of(proposal_id), version_hash
        )

    def members_of_proposal(self, proposal_id: UUID) -> dict[UUID, frozenset[str]]:
        """Every member of the proposal's collective now, with their groups."""
        rows = self.view.query(
            "SELECT m.member_id, m.groups FROM view_members m JOIN view_proposals p "
            "ON p.collective_id = m.collective_id WHERE p.proposal_id = ?",
            (proposal_id.hex,),
        )
        return {UUID(str(m)): frozenset(str(g).split(",")) for m, g in rows}

    def ballots_since(self, proposal_id: UUID, after: int = -1) -> list[tuple[str, str, str, int]]:
        """(member hex, position, version hash, stamp) of each ballot on the proposal set after stamp ``after``.

        A ballot's stamp is the notification id of the event that last set it, so a page
        that has counted up to a stamp reads only the ballots given since.
        """
        return [
            (str(m), str(p), str(v), int(s))
            for m, p, v, s in self.view.query(
                "SELECT member_id, position, version_hash, stamp FROM view_ballots "
                "WHERE proposal_id = ? AND stamp > ? ORDER BY member_id",
                (proposal_id.hex, after),
            )
        ]

    def objections_of(self, proposal_id: UUID) -> list[policies.Objection]:
        """Every objection to the proposal, in the order raised."""
        return [
            policies.Objection(str(o), str(m), bool(paramount), policies.ObjectionStatus(str(status)))
            for o, m, paramount, status in self.view.query(
                "SELECT objection_id, member_id, paramount, status FROM view_objections "
                "WHERE proposal_id = ? ORDER BY raised",
                (proposal_id.hex,),
            )
        ]

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
            "SELECT proposal_id, title, category, state, outcome, opened_at, closed_at, closes_at FROM view_proposals "
            "WHERE collective_id = ?",
            (collective_id.hex,),
        )
        keys = ("id", "title", "category", "state", "outcome", "opened_at", "closed_at", "closes_at")
        return [dict(zip(keys, (UUID(str(r[0])), *r[1:]), strict=True)) for r in rows]

    def comments_of(self, proposal_id: UUID) -> list[UUID]:
        """The comments on a proposal, in the order they were posted."""
        return [
            UUID(str(c))
            for (c,) in self.view.query(
                "SELECT comment_id FROM view_comments WHERE proposal_id = ? ORDER BY posted", (proposal_id.hex,)
            )
        ]

    def version_of_act(self, aggregate_id: UUID, actor: UUID, kind: str) -> int | None:
        """The version of the newest ``kind`` event (e.g. ``Agreement.Signed``) by ``actor`` on an aggregate."""
        rows = self.view.query(
            "SELECT MAX(version) FROM view_events WHERE aggregate_id = ? AND actor = ? AND kind = ?",
            (aggregate_id.hex, actor.hex, kind),
        )
        return int(rows[0][0]) if rows and rows[0][0] is not None else None

    def positions_on(self, proposal_id: UUID) -> list[tuple[UUID, str]]:
        """(member, position) of every ballot on the proposal, the most recent first: who said what, not why."""
        return [
            (UUID(str(m)), str(p))
            for m, p in self.view.query(
                "SELECT member_id, position FROM view_ballots WHERE proposal_id = ? ORDER BY stamp DESC, member_id",
                (proposal_id.hex,),
            )
        ]

    def responded(self, proposal_id: UUID, member_id: UUID) -> bool:
        return bool(
            self.view.query(
                "SELECT 1 FROM view_ballots b JOIN view_proposals p ON p.proposal_id = b.proposal_id "
                "WHERE b.proposal_id = ? AND b.member_id = ? AND b.version_hash = p.version_hash",
                (proposal_id.hex, member_id.hex),
            )
        )

    def not_responded(self, proposal_id: UUID) -> dict[UUID, frozenset[str]]:
        """Each member of the proposal's collective with no position on its current version, with their groups.

        One query whose rows are the members listed: those who responded are not read at all.
        A position on an earlier version is no response to this one (the member must reconfirm).
        """
        rows = self.view.query(
            "SELECT m.member_id, m.groups FROM view_proposals p "
            "JOIN view_members m ON m.collective_id = p.collective_id "
            "LEFT JOIN view_ballots b ON b.proposal_id = p.proposal_id AND b.member_id = m.member_id "
            "AND b.version_hash = p.version_hash "
            "WHERE p.proposal_id = ? AND b.member_id IS NULL",
            (proposal_id.hex,),
        )
        return {UUID(str(m)): frozenset(str(g).split(",")) for m, g in rows}

    def reminders_of(self, proposal_id: UUID) -> list[tuple[frozenset[str], str]]:
        """(groups reminded, when) of each reminder sent for a proposal, oldest first."""
        return [
            (frozenset(str(g).split(",")), str(at))
            for g, at in self.view.query(
                "SELECT groups, at FROM view_reminders WHERE proposal_id = ? ORDER BY at", (proposal_id.hex,)
            )
        ]


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


def inputs_from(
    members: dict[UUID, frozenset[str]],
    voting_groups: set[str],
    ballots: dict[str, tuple[str, str]],
    objections: list[policies.Objection],
    version_hash: str,
) -> Inputs:
    """The decision's inputs from read-model rows: ``ballots`` maps a member's hex to (position, version hash)."""
    given = {
        m: (version, policies.Ballot(m, policies.Position(position))) for m, (position, version) in ballots.items()
    }
    return counted_inputs(roster_of(members, voting_groups), given, objections, version_hash)


def counted_inputs(
    roster: list[policies.Member],
    ballots: dict[str, tuple[str, policies.Ballot]],
    objections: list[policies.Objection],
    version_hash: str,
) -> Inputs:
    """The decision's inputs over a roster: ``ballots`` maps a member's hex to (version hash, ballot).

    Ballots are counted in member order, as the aggregates' tally counts them; a ballot on
    an earlier version is not counted, and its member must reconfirm. Someone not on the
    roster (not in a voting group, or gone) is not counted at all.
    """
    eligible = {m.member_id for m in roster}
    counted: list[policies.Ballot] = []
    stale: list[str] = []
    for member in sorted(ballots):
        if member not in eligible:
            continue
        version, ballot = ballots[member]
        if version != version_hash:
            stale.append(member)
        else:
            counted.append(ballot)
    return Inputs(roster, counted, objections, stale)


def tally_from(members: dict[str, frozenset[str]], ballots: dict[str, tuple[str, str]], current: str) -> dict[str, Any]:
    """The live tally: ``members`` maps a member's hex to their groups, ``ballots`` to (version hash, position).

    Only the collective's members now are counted (someone who left no longer counts, as
    they are off the roster the rule decides over); a ballot on an earlier version than
    ``current`` is not counted, and its member must reconfirm.
    """
    names = sorted({g for groups in members.values() for g in groups})
    positions: Counter[str] = Counter()
    per_group: dict[str, Counter[str]] = {g: Counter() for g in names}
    stale = 0
    for member, (version, position) in ballots.items():
        groups = members.get(member)
        if groups is None:
            continue
        if version != current:
            stale += 1
            continue
        positions[position] += 1
        for g in groups:
            per_group[g][position] += 1
    size = Counter(g for groups in members.values() for g in groups)
    return {
        "positions": dict(positions),
        "responded": sum(positions.values()),
        "members": len(members),
        "stale": stale,
        "groups": {g: {"members": size[g], "responded": sum(c.values()), **c} for g, c in per_group.items()},
    }
