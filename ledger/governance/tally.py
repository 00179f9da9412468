"""From aggregates to a decision: the inputs ``policies.decide`` needs, and the record of them.

The same function runs when a facilitator closes a proposal and when an auditor
recomputes that outcome from the log, so the two cannot drift apart.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Protocol
from uuid import UUID

import policies
from ledger.governance.closing import ClosingResult, MalformedResult, Ref
from ledger.log.canonical import canonical_dumps

__all__ = ["ClosingResult", "Inputs", "MalformedResult", "ballots_digest", "gather", "result_record", "roster_of"]


class CountedBallot(Protocol):
    """What counting reads of a ballot, and nothing else (never its reason).

    Any value with these attributes counts: the ``Ballot`` aggregate, when a proposal
    closes and in the eventsourcing recompute, and the replay's plain state alike, so
    tally.py imports no aggregate and no eventsourcing (import contract "pure-replay").
    """

    @property
    def member_id(self) -> UUID: ...
    @property
    def position(self) -> str: ...
    @property
    def version_hash(self) -> str: ...


class CountedObjection(Protocol):
    """What counting reads of an objection (an ``Objection`` aggregate, or the replay's plain value)."""

    @property
    def id(self) -> UUID: ...
    @property
    def member_id(self) -> UUID: ...
    @property
    def paramount(self) -> bool: ...
    @property
    def status(self) -> policies.ObjectionStatus: ...


@dataclass(frozen=True)
class Inputs:
    roster: list[policies.Member]
    ballots: list[policies.Ballot]
    objections: list[policies.Objection]
    stale: list[str]  # members whose ballot answers an earlier version: they must reconfirm


def roster_of(members: Mapping[UUID, frozenset[str]], voting_groups: set[str]) -> list[policies.Member]:
    """Eligible voters: members of a group holding a decide or consent right, counted in those groups."""
    return [
        policies.Member(m.hex, frozenset(groups & voting_groups))
        for m, groups in sorted(members.items())
        if groups & voting_groups
    ]


def gather(
    roster: list[policies.Member],
    ballots: Iterable[CountedBallot],
    objections: Iterable[CountedObjection],
    version_hash: str,
) -> Inputs:
    eligible = {m.member_id for m in roster}
    counted: list[policies.Ballot] = []
    stale: list[str] = []
    for b in ballots:
        member = b.member_id.hex
        if member not in eligible:
            continue
        if b.version_hash != version_hash:
            stale.append(member)
            continue
        counted.append(policies.Ballot(member, policies.Position(b.position)))  # reasons never decide
    objs = [policies.Objection(o.id.hex, o.member_id.hex, bool(o.paramount), o.status) for o in objections]
    return Inputs(roster, counted, objs, sorted(stale))


def ballots_digest(ballots: Iterable[policies.Ballot], version_hash: str) -> str:
    """SHA-256 over the canonical list of counted positions: what was counted, in one value."""
    doc = {
        "ballots": sorted([b.member_id, b.position.value] for b in ballots),
        "version_hash": version_hash,
    }
    return "sha256:" + hashlib.sha256(canonical_dumps(doc)).hexdigest()


def result_record(
    decision: policies.Decision,
    inputs: Inputs,
    *,
    policy_name: str,
    policy_hash: str,
    version_hash: str,
    ballot_refs: Iterable[Ref],
    objection_refs: Iterable[Ref],
) -> ClosingResult:
    """The closing result for a decision over these inputs: one function for closing and recomputing."""
    return ClosingResult(
        outcome=decision.outcome,
        rule=decision.rule,
        explanation=decision.explanation,
        figures=dict(sorted(decision.figures.items())),
        policy_name=policy_name,
        policy_hash=policy_hash,
        version_hash=version_hash,
        roster=tuple((m.member_id, tuple(sorted(m.groups))) for m in inputs.roster),
        ballots=tuple((b, v) for b, v in ballot_refs),
        objections=tuple((o, v) for o, v in objection_refs),
        stale_ballots=tuple(inputs.stale),
        ballots_digest=ballots_digest(inputs.ballots, version_hash),
    )
