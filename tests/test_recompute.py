"""Recomputing a recorded outcome: each way a re-signed Closed event can lie, and the sentence that names it.

An insider holding the event key can append any Closed event. `recompute` (what
`copro verify` runs for every outcome) must refuse each forgery here with its own
reason, and accept the genuine record, read at its own version.
"""

from __future__ import annotations

import hashlib
from typing import Any
from uuid import UUID

import pytest

from ledger.governance.ballot import Ballot as BallotAggregate
from ledger.governance.recompute import Mismatch, recompute
from ledger.governance.tally import ballots_digest, gather, roster_of
from policies import Ballot, Member, Position
from tests.governance_world import World
from tests.test_recorded_outcomes import agree, forge_closed, question


def check(w: World, pid: UUID) -> Mismatch | None:
    """Recompute the proposal's last recorded outcome, as `copro verify` does."""
    return recompute(w.gov.repository, pid, w.gov.proposal(pid).version)


def forged(w: World, **changes: Any) -> tuple[UUID, Mismatch | None]:
    pid = question(w)
    agree(w, pid, "amara", "ben", "dev")
    forge_closed(w, pid, **changes)
    return pid, check(w, pid)


def test_a_genuine_outcome_recomputes_at_its_own_version_even_after_a_later_forgery(world: World) -> None:
    w = world
    pid = question(w)
    agree(w, pid, "amara", "ben", "dev")
    w.gov.close_proposal(pid, by=w.facilitator)
    genuine = w.gov.proposal(pid).version
    forge_closed(w, pid, outcome="not_adopted")
    assert recompute(w.gov.repository, pid, genuine) is None
    assert recompute(w.gov.repository, pid, genuine + 1) == Mismatch(
        pid, genuine + 1, "its recorded outcome is 'not_adopted', but the rule gives 'adopted'"
    )


def test_a_version_that_records_no_outcome_is_named(world: World) -> None:
    pid = question(world)
    assert check(world, pid) == Mismatch(pid, 2, "the proposal's Closed event records no outcome")


def test_an_outcome_under_a_rule_the_agreement_does_not_hold(world: World) -> None:
    pid, mismatch = forged(world, policy_name="made-up")
    assert mismatch == Mismatch(pid, 3, "the agreement holds no rule called 'made-up'")


def test_an_outcome_whose_rule_does_not_hash_as_recorded(world: World) -> None:
    _, mismatch = forged(world, policy_hash="sha256:" + "0" * 64)
    assert mismatch is not None
    assert mismatch.reason == "the rule in the agreement does not hash to the policy hash recorded with the outcome"


def test_an_outcome_under_another_rule_than_the_one_it_opened_under(world: World) -> None:
    agreement = world.gov.agreement_in_force(world.collective)
    assert agreement is not None
    other = "consent-with-overrule"
    _, mismatch = forged(world, policy_name=other, policy_hash=agreement.policy_hashes[other])
    assert mismatch is not None
    assert mismatch.reason == "the outcome was decided by a rule other than the one the proposal opened under"


def test_an_outcome_recorded_against_an_earlier_version(world: World) -> None:
    w = world
    pid = question(w)
    v1 = w.gov.proposal(pid).current.content_hash
    w.gov.revise_proposal(pid, by=w.member("amara"), title="Which models?", body="Four models.")
    forge_closed(w, pid, version_hash=v1)
    mismatch = check(w, pid)
    assert mismatch is not None
    assert mismatch.reason == "the outcome was recorded against a version that is not the proposal's last"


def test_a_ballot_or_an_objection_from_another_proposal(world: World) -> None:
    w = world
    other = question(w)
    agree(w, other, "erin")
    erin_ballot = w.gov.ballot_of(other, w.member("erin"))
    oid = w.gov.raise_objection(other, member_id=w.member("erin"), reason="Elsewhere.")
    assert erin_ballot is not None
    foreign = "a ballot or objection counted belongs to another proposal"
    pid = question(w)
    agree(w, pid, "amara")
    _, record = w.gov.tally(w.gov.proposal(pid))
    forge_closed(w, pid, ballots=[*record.payload()["ballots"], [erin_ballot.id.hex, 1]])
    assert check(w, pid) == Mismatch(pid, 3, foreign)
    pid = question(w)
    forge_closed(w, pid, objections=[[oid.hex, 1]])
    assert check(w, pid) == Mismatch(pid, 3, foreign)


def test_a_ballot_left_out_of_the_count(world: World) -> None:
    w = world
    pid, mismatch = forged(w, ballots=[])
    _, record = w.gov.tally(w.gov.proposal(pid))
    first = next(b for m, _ in record.roster if (b := w.gov.ballot_of(pid, UUID(m))) is not None)
    assert mismatch == Mismatch(pid, 3, f"the ballot {first.id} was left out of the count")


def test_a_ballot_counted_at_an_earlier_version(world: World) -> None:
    """Quoting a member's first position after they changed it: the last one is what counts."""
    w = world
    pid = question(w)
    agree(w, pid, "amara", "ben", "dev")
    w.gov.cast_ballot(pid, member_id=w.member("ben"), position="abstain")
    _, record = w.gov.tally(w.gov.proposal(pid))
    ben = w.gov.ballot_of(pid, w.member("ben"))
    assert ben is not None and ben.version == 2
    refs = [[b, 1 if b == ben.id.hex else v] for b, v in record.ballots]
    forge_closed(w, pid, ballots=refs)
    mismatch = check(w, pid)
    assert mismatch is not None
    assert mismatch.reason == f"the ballot {ben.id} is counted at version 1, but its last version is 2"


def test_an_objection_left_out_or_counted_at_an_earlier_version(world: World) -> None:
    w = world
    pid = question(w)
    oid = w.gov.raise_objection(pid, member_id=w.member("ben"), reason="Too narrow.")
    forge_closed(w, pid, objections=[])
    assert check(w, pid) == Mismatch(pid, 4, f"the objection {oid} was left out of the count")  # raised: v3
    pid = question(w)
    oid = w.gov.raise_objection(pid, member_id=w.member("ben"), reason="Too narrow.")
    w.gov.withdraw_objection(oid, by=w.member("ben"))
    forge_closed(w, pid, objections=[[oid.hex, 1]])
    mismatch = check(w, pid)
    assert mismatch is not None
    assert mismatch.reason == f"the objection {oid} is counted at version 1, but its last version is 2"


@pytest.mark.parametrize(
    ("field", "value"), [("rule", "quorum"), ("explanation", "Adopted."), ("stale_ballots", ["someone"])]
)
def test_every_field_of_the_record_is_compared(world: World, field: str, value: object) -> None:
    pid, mismatch = forged(world, **{field: value})
    _, genuine = world.gov.tally(world.gov.proposal(pid))
    assert mismatch is not None
    assert mismatch.reason == f"its recorded {field} is {value!r}, but the rule gives {genuine.payload()[field]!r}"


def test_two_objections_on_one_proposal_are_counted_apart(world: World) -> None:
    w = world
    pid = question(w)
    agree(w, pid, "amara", "ben", "dev", "sam")
    for name in ("chloe", "erin"):
        oid = w.gov.raise_objection(pid, member_id=w.member(name), reason="Not yet.")
        w.gov.test_objection(oid, by=w.facilitator, paramount=False, why="A concern to review.")
    record = w.gov.close_proposal(pid, by=w.facilitator)
    assert record.outcome.value == "adopted" and record.figures["concerns"] == 2
    assert check(w, pid) is None


# -- the tally's own parts -----------------------------------------------------------------------------


def test_the_ballots_digest_is_the_one_format_md_specifies() -> None:
    ballots = [Ballot("m2", Position.BLOCK), Ballot("m1", Position.AGREE)]
    text = '{"ballots":[["m1","agree"],["m2","block"]],"version_hash":"sha256:v"}'
    assert ballots_digest(ballots, "sha256:v") == "sha256:" + hashlib.sha256(text.encode()).hexdigest()


def test_the_roster_holds_only_members_of_voting_groups_counted_in_those_groups() -> None:
    a, b, c = (UUID(int=i) for i in (1, 2, 3))
    members = {a: frozenset({"x", "y"}), b: frozenset({"z"}), c: frozenset({"y"})}
    assert roster_of(members, {"x", "y"}) == [Member(a.hex, frozenset({"x", "y"})), Member(c.hex, frozenset({"y"}))]


def test_gather_skips_ballots_from_off_the_roster_and_sets_stale_ones_aside() -> None:
    def ballot(member: UUID, version_hash: str) -> BallotAggregate:
        return BallotAggregate(
            proposal_id=UUID(int=9), member_id=member, position="agree", reason=None, version_hash=version_hash
        )

    a, b, c, d = (UUID(int=i) for i in (1, 2, 3, 4))
    roster = [Member(x.hex, frozenset({"g"})) for x in (a, c, d)]
    inputs = gather(roster, [ballot(b, "v2"), ballot(d, "v1"), ballot(a, "v2"), ballot(c, "v2")], [], "v2")
    assert inputs.ballots == [Ballot(a.hex, Position.AGREE), Ballot(c.hex, Position.AGREE)]
    assert inputs.stale == [d.hex]
