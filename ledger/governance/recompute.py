"""Recompute every recorded outcome from the log alone, as an auditor's verifier does.

For each ``Proposal.Closed`` event: load the proposal as it was, the policy text
from the agreement (checked against the recorded policy hash), the ballots and
objections at the versions recorded, and run ``policies.decide`` again. The
outcome, the rule, the explanation, the figures and the ballots digest must all match.

Nothing may be left out: every ballot of a member on the roster and every objection
on the proposal must be counted, each at its last version (none can change after the
close, which refuses them). Time is checked too: the deadline recorded when the proposal opened must be the one
its rule gives (``max_open_hours``), the outcome must be recorded as closed no later
than that deadline, and every ballot counted must have been given before it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any
from uuid import UUID

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from eventsourcing.application import AggregateNotFoundError, Repository
from eventsourcing.persistence import ApplicationRecorder, EventStore

import ledger.governance.aggregates  # noqa: F401  (every topic resolves when reading)
import policies
from ledger.governance.agreement import Agreement  # also names its events for the reader: outcomes read it
from ledger.governance.ballot import ballot_id
from ledger.governance.proposal import Proposal, deadline
from ledger.governance.tally import ClosingResult, MalformedResult, gather, result_record
from ledger.log.application import build_transcoder
from ledger.log.signing_mapper import SigningMapper
from ledger.log.verify import OutcomeCheck, OutcomeChecker
from ledger.log.vocabulary import topic_of


@dataclass(frozen=True)
class Mismatch:
    proposal_id: UUID
    version: int
    reason: str


def reader(recorder: ApplicationRecorder, event_keys: Mapping[bytes, Ed25519PublicKey]) -> Repository[UUID]:
    """A repository that verifies every event it reads and can write nothing."""
    mapper = SigningMapper(build_transcoder(), signer=None, verifiers=event_keys)
    return Repository(event_store=EventStore(mapper=mapper, recorder=recorder))


def recompute(repo: Repository[UUID], proposal_id: UUID, version: int) -> Mismatch | None:
    def wrong(reason: str) -> Mismatch:
        return Mismatch(proposal_id, version, reason)

    proposal: Any = repo.get(proposal_id, version=version)
    if not proposal.outcome:
        return wrong("the proposal's Closed event records no outcome")
    try:
        recorded = ClosingResult.from_payload(proposal.outcome)
    except MalformedResult as e:
        return wrong(f"the outcome it records is not a closing result: {e}")
    agreement: Agreement = repo.get(proposal.agreement_id)
    text = agreement.policies.get(recorded.policy_name)
    if text is None:
        return wrong(f"the agreement holds no rule called {recorded.policy_name!r}")
    policy = policies.parse_policy(text, source=f"agreement {agreement.id} rule {recorded.policy_name!r}")
    if policies.policy_hash(policy) != recorded.policy_hash:
        return wrong("the rule in the agreement does not hash to the policy hash recorded with the outcome")
    if recorded.policy_hash != proposal.policy_hash:
        return wrong("the outcome was decided by a rule other than the one the proposal opened under")
    if recorded.version_hash != proposal.current.content_hash:
        return wrong("the outcome was recorded against a version that is not the proposal's last")
    roster = [policies.Member(m, frozenset(g)) for m, g in recorded.roster]
    ballots: list[Any] = [repo.get(UUID(b), version=v) for b, v in recorded.ballots]
    objections: list[Any] = [repo.get(UUID(o), version=v) for o, v in recorded.objections]
    if any(b.proposal_id != proposal_id for b in ballots) or any(o.proposal_id != proposal_id for o in objections):
        return wrong("a ballot or objection counted belongs to another proposal")
    closed_at = str(proposal.outcome["closed_at"])
    problem = _left_out(repo, proposal, recorded, roster) or _time_problem(proposal, policy, closed_at, ballots)
    if problem is not None:
        return wrong(problem)
    inputs = gather(roster, ballots, objections, recorded.version_hash)
    decision = policies.decide(policy, inputs.roster, inputs.ballots, inputs.objections)
    again = result_record(
        decision,
        inputs,
        policy_name=recorded.policy_name,
        policy_hash=recorded.policy_hash,
        version_hash=recorded.version_hash,
        ballot_refs=recorded.ballots,
        objection_refs=recorded.objections,
    )
    # Every field of the result: the outcome, its figures and what was counted. Said as
    # the log holds it (its JSON values), since that is what an auditor reads.
    said, gives = recorded.payload(), again.payload()
    for f in sorted(fields(ClosingResult), key=lambda f: f.name):
        if getattr(again, f.name) != getattr(recorded, f.name):
            return wrong(f"its recorded {f.name} is {said[f.name]!r}, but the rule gives {gives[f.name]!r}")
    return None


def checker(recorder: ApplicationRecorder, event_keys: Mapping[bytes, Ed25519PublicKey]) -> OutcomeCheck:
    """``verify``'s outcome check: one reader for the whole run, then the reason each outcome does not recompute."""
    repo = reader(recorder, event_keys)

    def check(proposal_id: UUID, version: int) -> str | None:
        mismatch = recompute(repo, proposal_id, version)
        return None if mismatch is None else mismatch.reason

    return check


OUTCOMES = OutcomeChecker(topic=f"{topic_of(Proposal)}.Closed", start=checker)  # the vocabulary name, FORMAT.md
"""What ``copro verify`` plugs into the log's verifier: each ``Proposal.Closed`` outcome, recomputed."""


def _last_version(repo: Repository[UUID], aggregate_id: UUID) -> int | None:
    try:
        return int(repo.get(aggregate_id).version)
    except AggregateNotFoundError:
        return None


def _left_out(
    repo: Repository[UUID], proposal: Any, recorded: ClosingResult, roster: list[policies.Member]
) -> str | None:
    """A ballot or objection the outcome should have counted but did not, or counted at an old version."""
    ballots = {UUID(b): v for b, v in recorded.ballots}
    wanted = [(ballot_id(proposal.id, UUID(m.member_id)), "ballot") for m in roster]
    objections = {UUID(o): v for o, v in recorded.objections}
    for aggregate_id, kind in [*wanted, *((o, "objection") for o in proposal.objection_ids)]:
        cited = (ballots if kind == "ballot" else objections).get(aggregate_id)
        last = _last_version(repo, aggregate_id)
        if last is None:
            continue
        if cited is None:
            return f"the {kind} {aggregate_id} was left out of the count"
        if cited != last:
            return f"the {kind} {aggregate_id} is counted at version {cited}, but its last version is {last}"
    return None


def _time_problem(proposal: Any, policy: policies.Policy, closed_at: str, ballots: list[Any]) -> str | None:
    """What is wrong with the times recorded, if anything: the deadline, the closing time, a late ballot."""
    closes_at = proposal.closes_at
    expected = deadline(str(proposal.opened_at), policy.max_open_hours)
    if closes_at != expected:
        return f"it records its deadline as {closes_at!r}, but its rule gives {expected!r}"
    if closes_at is None:
        return None
    end = datetime.fromisoformat(closes_at)
    if datetime.fromisoformat(closed_at) > end:
        return f"it is recorded as closed at {closed_at}, after its deadline {closes_at}"
    for b in ballots:
        if not b.at or datetime.fromisoformat(b.at) >= end:
            given = f"at {b.at}" if b.at else "with no time"
            return f"ballot {b.id} was counted, but it was given {given}, not before the deadline {closes_at}"
    return None
