"""Recompute every recorded outcome from the log alone, as an auditor's verifier does.

For each ``Proposal.Closed`` event: load the proposal as it was, the policy text
from the agreement (checked against the recorded policy hash), the ballots and
objections at the versions recorded, and run ``policies.decide`` again. The
outcome, the rule, the explanation and the ballots digest must all match.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from eventsourcing.application import Repository
from eventsourcing.persistence import ApplicationRecorder, EventStore

import policies
from ledger.application import build_transcoder
from ledger.governance.tally import gather, result_record
from ledger.record import SigningMapper


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
    recorded = proposal.outcome
    if not recorded:
        return wrong("the proposal's Closed event records no outcome")
    agreement: Any = repo.get(proposal.agreement_id)
    text = agreement.policies.get(recorded["policy_name"])
    if text is None:
        return wrong(f"the agreement holds no rule called {recorded['policy_name']!r}")
    policy = policies.parse_policy(text, source=f"agreement {agreement.id} rule {recorded['policy_name']!r}")
    if policies.policy_hash(policy) != recorded["policy_hash"]:
        return wrong("the rule in the agreement does not hash to the policy hash recorded with the outcome")
    if recorded["version_hash"] != proposal.current.content_hash:
        return wrong("the outcome was recorded against a version that is not the proposal's last")
    roster = [policies.Member(m, frozenset(g)) for m, g in recorded["roster"]]
    ballots: list[Any] = [repo.get(UUID(b), version=v) for b, v in recorded["ballots"]]
    objections: list[Any] = [repo.get(UUID(o), version=v) for o, v in recorded["objections"]]
    if any(b.proposal_id != proposal_id for b in ballots) or any(o.proposal_id != proposal_id for o in objections):
        return wrong("a ballot or objection counted belongs to another proposal")
    inputs = gather(roster, ballots, objections, recorded["version_hash"])
    decision = policies.decide(policy, inputs.roster, inputs.ballots, inputs.objections)
    again = result_record(
        decision,
        inputs,
        policy_name=recorded["policy_name"],
        policy_hash=recorded["policy_hash"],
        version_hash=recorded["version_hash"],
        ballot_refs=recorded["ballots"],
        objection_refs=recorded["objections"],
    )
    for key in ("outcome", "rule", "explanation", "ballots_digest"):
        if again[key] != recorded[key]:
            return wrong(f"its recorded {key} is {recorded[key]!r}, but the rule gives {again[key]!r}")
    return None
