"""Every recorded outcome recomputed over the replayed state, with the code that closed it.

For each ``Proposal.Closed`` event this makes every check ``ledger/governance/recompute.py``
makes, with the same sentences: the policy text from the agreement, checked against the
recorded policy hash and the one the proposal opened under; the version decided; every
ballot and objection at the version recorded, none left out and none counted at an old
version; the deadline, the closing time and every ballot's time; then
``policies.decide`` through ``tally.gather`` and ``tally.result_record``, compared with
the recorded result field by field. It also checks what the eventsourcing recompute
cannot see from one proposal: that everyone on the recorded roster had been admitted
to the collective before the close, counted only in groups they held and that vote on
the proposal's category. A recorded outcome that differs is a finding even though its
signature is valid.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

import policies
from ledger.governance.replay import state as s
from ledger.governance.replay.events import Event, ReplayError
from ledger.governance.replay.fold import Fold, ballot_id
from ledger.governance.tally import gather, result_record

CLOSED = "copro/1/Proposal.Closed"
"""The vocabulary name of the events that record an outcome (FORMAT.md §8)."""
VOTING_RIGHTS = frozenset({"decide", "consent"})

OutcomeCheck = Callable[[UUID, int], str | None]
"""The shape ``ledger.log.verify.OutcomeChecker``'s check has: (proposal id, version) -> None, or why not."""


class Unrecomputable(ValueError):
    """The recorded result lacks what recomputing it needs (a field, a ballot the log does not hold)."""


def deadline(opened_at: str, max_open_hours: int | None) -> str | None:
    """``Opened.at`` plus the rule's ``max_open_hours``, as FORMAT.md §8 defines it.

    Tests pin it to ``ledger.governance.proposal.deadline``, the formula used when opening.
    """
    if max_open_hours is None:
        return None
    return (datetime.fromisoformat(opened_at) + timedelta(hours=max_open_hours)).isoformat()


@dataclass(frozen=True)
class Finding:
    """A recorded outcome that does not recompute (or a log that does not replay), located."""

    leaf: int
    aggregate_id: UUID
    version: int
    reason: str

    def sentence(self) -> str:
        return f"leaf {self.leaf} (aggregate {self.aggregate_id}, version {self.version}): {self.reason}"


def recompute(world: s.World, closing: s.Closing) -> str | None:
    """Why the outcome ``closing`` records does not recompute from the replayed log, or None."""
    try:
        return _recompute(world, closing)
    except (Unrecomputable, policies.PolicyError, KeyError, TypeError, ValueError) as e:
        return f"its outcome cannot be recomputed: {e}"


def _recompute(world: s.World, closing: s.Closing) -> str | None:
    recorded = closing.recorded
    if not closing.result:
        return "the proposal's Closed event records no outcome"
    agreement = world.agreements.get(closing.agreement_id)
    if agreement is None:
        raise Unrecomputable(f"the agreement {closing.agreement_id} it opened under is not in the log")
    name = _field(recorded, "policy_name", str)
    text = agreement.policies.get(name)
    if text is None:
        return f"the agreement holds no rule called {name!r}"
    policy = policies.parse_policy(text, source=f"agreement {agreement.id} rule {name!r}")
    if policies.policy_hash(policy) != recorded.get("policy_hash"):
        return "the rule in the agreement does not hash to the policy hash recorded with the outcome"
    if recorded["policy_hash"] != closing.policy_hash:
        return "the outcome was decided by a rule other than the one the proposal opened under"
    if recorded.get("version_hash") != closing.version_hash:
        return "the outcome was recorded against a version that is not the proposal's last"
    roster = [policies.Member(m, frozenset(g)) for m, g in _field(recorded, "roster", list)]
    ballot_refs, objection_refs = _field(recorded, "ballots", list), _field(recorded, "objections", list)
    ballots = [_at(world.ballots, b, v, "ballot").versions[int(v) - 1] for b, v in ballot_refs]
    objections = [_at(world.objections, o, v, "objection").history[int(v) - 1] for o, v in objection_refs]
    if any(b.proposal_id != closing.proposal_id for b in ballots) or any(
        o.proposal_id != closing.proposal_id for o in objections
    ):
        return "a ballot or objection counted belongs to another proposal"
    problem = (
        _left_out(world, closing, recorded, roster)
        or _time_problem(closing, policy, recorded, ballots)
        or _roster_problem(world, closing, agreement, roster)
    )
    if problem is not None:
        return problem
    inputs = gather(roster, ballots, objections, closing.version_hash)
    decision = policies.decide(policy, inputs.roster, inputs.ballots, inputs.objections)
    again = result_record(
        decision,
        inputs,
        policy_name=name,
        policy_hash=recorded["policy_hash"],
        version_hash=closing.version_hash,
        ballot_refs=ballot_refs,
        objection_refs=objection_refs,
    ).payload()
    for key in sorted(again):  # every field of the record: the outcome, its figures and what was counted
        if again[key] != recorded.get(key):
            return f"its recorded {key} is {recorded.get(key)!r}, but the rule gives {again[key]!r}"
    return None


def _field(recorded: dict[str, Any], name: str, kind: type) -> Any:
    value = recorded.get(name)
    if not isinstance(value, kind):
        raise Unrecomputable(f"its recorded result has no {name} (got {value!r})")
    return value


def _at(table: dict[UUID, Any], ref: Any, version: Any, kind: str) -> Any:
    """The ballot or objection a result cites, which must exist at the version cited."""
    try:
        found = table.get(UUID(hex=ref))
    except (TypeError, ValueError, AttributeError):
        raise Unrecomputable(f"it cites {ref!r}, which is not a {kind} id") from None
    held = 0 if found is None else found.version
    if not isinstance(version, int) or isinstance(version, bool) or not 1 <= version <= held:
        raise Unrecomputable(f"it counts {kind} {ref} at version {version!r}, which the log does not hold")
    return found


def _left_out(
    world: s.World, closing: s.Closing, recorded: dict[str, Any], roster: list[policies.Member]
) -> str | None:
    """A ballot or objection the outcome should have counted but did not, or counted at an old version."""
    ballots = {UUID(b): int(v) for b, v in recorded["ballots"]}
    wanted = [(ballot_id(closing.proposal_id, UUID(m.member_id)), "ballot") for m in roster]
    objections = {UUID(o): int(v) for o, v in recorded["objections"]}
    tables: dict[str, dict[UUID, Any]] = {"ballot": world.ballots, "objection": world.objections}
    for aggregate_id, kind in [*wanted, *((o, "objection") for o in closing.objection_ids)]:
        cited = (ballots if kind == "ballot" else objections).get(aggregate_id)
        found = tables[kind].get(aggregate_id)
        if found is None:
            continue
        last = found.version
        if cited is None:
            return f"the {kind} {aggregate_id} was left out of the count"
        if cited != last:
            return f"the {kind} {aggregate_id} is counted at version {cited}, but its last version is {last}"
    return None


def _time_problem(
    closing: s.Closing, policy: policies.Policy, recorded: dict[str, Any], ballots: list[s.BallotAt]
) -> str | None:
    """What is wrong with the times recorded, if anything: the deadline, the closing time, a late ballot."""
    closes_at = closing.closes_at
    expected = deadline(closing.opened_at, policy.max_open_hours)
    if closes_at != expected:
        return f"it records its deadline as {closes_at!r}, but its rule gives {expected!r}"
    if closes_at is None:
        return None
    end = datetime.fromisoformat(closes_at)
    if datetime.fromisoformat(recorded["closed_at"]) > end:
        return f"it is recorded as closed at {recorded['closed_at']}, after its deadline {closes_at}"
    for b in ballots:
        if not b.at or datetime.fromisoformat(b.at) >= end:
            given = f"at {b.at}" if b.at else "with no time"
            return f"ballot {b.id} was counted, but it was given {given}, not before the deadline {closes_at}"
    return None


def _roster_problem(
    world: s.World, closing: s.Closing, agreement: s.Agreement, roster: list[policies.Member]
) -> str | None:
    """Someone on the roster who was never a member before the close, or counted in a group that was not theirs.

    Only what no race can make true on an honest log: the close read a membership the log
    already held, so each roster entry matches groups the member held at some leaf before
    the close. (Who is missing from the roster is not checked: a member may leave, or be
    admitted, while a close is being recorded; FORMAT.md §8.)
    """
    collective = world.collectives.get(closing.collective_id)
    row = agreement.matrix.get(closing.category)
    rights = row.get("rights") if isinstance(row, dict) else None
    if collective is None or not isinstance(rights, dict):
        raise Unrecomputable(f"the agreement has no rule for the category {closing.category!r}")
    voting = {g for g, r in rights.items() if r in VOTING_RIGHTS}
    for m in roster:
        member = UUID(m.member_id)
        held = [groups for leaf, groups in collective.group_history.get(member, []) if leaf < closing.leaf]
        if not held:
            return f"the roster counts {m.member_id}, who was not a member of the collective before the close"
        if not m.groups or not m.groups <= voting:
            return (
                f"the roster counts {m.member_id} in groups {sorted(m.groups)}, which do not all vote on this category"
            )
        if all(m.groups != groups & voting for groups in held):
            return f"the roster counts {m.member_id} in groups {sorted(m.groups)}, which they never held"
    return None


@dataclass
class Replayed:
    """The replay of a whole log: the state, the first event that did not apply (if any), the findings."""

    world: s.World
    error: ReplayError | None

    def findings(self) -> list[Finding]:
        """The replay error, if any, then every outcome that does not recompute, in log order."""
        found = (
            []
            if self.error is None
            else [Finding(self.error.leaf, self.error.aggregate_id, self.error.version, self.error.reason)]
        )
        for closing in self.world.closings:
            reason = recompute(self.world, closing)
            if reason is not None:
                found.append(
                    Finding(
                        closing.leaf, closing.proposal_id, closing.version, f"the outcome does not recompute: {reason}"
                    )
                )
        return sorted(found, key=lambda f: f.leaf)

    def check(self, proposal_id: UUID, version: int) -> str | None:
        """``OutcomeCheck``: the outcome recorded by the ``Closed`` event (proposal id, version), recomputed."""
        if self.error is not None:
            return f"the log does not replay: {self.error.sentence()}"
        proposal = self.world.proposals.get(proposal_id)
        closing = None if proposal is None else proposal.closing
        if closing is None or closing.version != version:
            return f"the replayed log holds no Proposal.Closed event at version {version} of {proposal_id}"
        return recompute(self.world, closing)


def replay(events: Iterable[Event]) -> Replayed:
    """Fold every event; stop at the first that does not apply, keeping the state up to it."""
    f = Fold()
    try:
        for event in events:
            f.apply(event)
    except ReplayError as e:
        return Replayed(f.world, e)
    return Replayed(f.world, None)


def outcome_check(events: Iterable[Event]) -> OutcomeCheck:
    """An ``OutcomeCheck`` fed from payloads: the whole log replayed once, then each outcome recomputed."""
    return replay(events).check
