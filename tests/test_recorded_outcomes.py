"""Rules about what a recorded outcome counts: stale ballots, members who left, and the deadline.

Each story closes a proposal through the real use cases and then has `copro verify`
recompute the outcome from the log alone, so the closing and the checking are proved
to agree; the forgeries show what the checking catches.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import pytest

from ledger.governance.errors import Conflict, NotAllowed, NotFound
from ledger.governance.proposal import Proposal, deadline, spoken_time
from ledger.governance.recompute import OUTCOMES
from ledger.governance.tally import ballots_digest
from ledger.governance.views import recorded_tally
from ledger.log.application import Ledger
from ledger.log.config import LedgerConfig
from ledger.log.verify import VerifyReport, verify_log
from policies import Ballot, Position
from tests.governance_world import World

OPENED = datetime(2026, 11, 2, 10, 0, tzinfo=UTC)
BUDGET_DEADLINE = OPENED + timedelta(hours=504)  # majority-in-every-group: at most 21 days


def question(w: World) -> UUID:
    """A research question under quick consent (quorum one half, no deadline): roster of six."""
    pid = w.gov.draft_proposal(
        w.collective,
        by=w.member("amara"),
        category="research_question",
        title="Which peer-support models do we study?",
        body="We study the three models our members use most.",
    )
    w.gov.open_proposal(pid, by=w.facilitator)
    return pid


def budget(w: World) -> UUID:
    """A budget proposal under majority in every group: open at least 7 days, at most 21."""
    pid = w.gov.draft_proposal(
        w.collective, by=w.member("dev"), category="budget", title="Buy recording kit", body="£400 for recorders."
    )
    w.gov.open_proposal(pid, by=w.facilitator)
    return pid


def verified(config: LedgerConfig) -> VerifyReport:
    return verify_log(Ledger.recorder_only(config), outcomes=OUTCOMES)


def agree(w: World, pid: UUID, *names: str) -> None:
    for name in names:
        w.gov.cast_ballot(pid, member_id=w.member(name), position="agree")


def hexes(w: World, *names: str) -> list[str]:
    return sorted(w.member(n).hex for n in names)


def forge_closed(w: World, pid: UUID, **changes: Any) -> None:
    """An insider with the event key appends a re-signed Closed event of their own making."""
    proposal = w.gov.proposal(pid)
    _, record = w.gov.tally(proposal)
    at = changes.pop("at", w.clock().isoformat())
    event = Proposal.Closed(  # type: ignore[attr-defined]
        originator_id=proposal.id,
        originator_version=proposal.version + 1,
        timestamp=Proposal.Closed.create_timestamp(),  # type: ignore[attr-defined]
        by=w.facilitator,
        at=at,
        result=dict(record.payload(), **changes),
    )
    w.gov.save(event)


# -- a ballot on a superseded version -------------------------------------------------------------


def test_a_ballot_on_a_superseded_version_is_not_counted_and_the_record_names_it(
    world: World, config: LedgerConfig
) -> None:
    w = world
    pid = question(w)
    agree(w, pid, "amara", "ben", "dev")  # 3 of 6: quorum, on version 1
    w.gov.revise_proposal(pid, by=w.member("amara"), title="Which models?", body="Four models, with crisis care.")
    agree(w, pid, "amara", "dev")  # ben does not confirm version 2
    record = w.gov.close_proposal(pid, by=w.facilitator)
    assert list(record.stale_ballots) == hexes(w, "ben")
    assert record.outcome.value == "no_quorum", "ben's answer to version 1 must not count for version 2"
    assert record.figures["took_part"] == 2
    v2 = w.gov.proposal(pid).current.content_hash
    counted = [Ballot(m, Position.AGREE) for m in hexes(w, "amara", "dev")]
    assert record.ballots_digest == ballots_digest(counted, v2)
    report = verified(config)
    assert report.ok, [p.sentence() for p in report.problems]
    assert report.outcomes == 1


def test_a_forged_outcome_that_counts_a_stale_ballot_is_caught(world: World, config: LedgerConfig) -> None:
    w = world
    pid = question(w)
    agree(w, pid, "amara", "ben", "dev")
    w.gov.revise_proposal(pid, by=w.member("amara"), title="Which models?", body="Four models, with crisis care.")
    agree(w, pid, "amara", "dev")
    three = [Ballot(m, Position.AGREE) for m in hexes(w, "amara", "ben", "dev")]
    v2 = w.gov.proposal(pid).current.content_hash
    forge_closed(w, pid, stale_ballots=[], ballots_digest=ballots_digest(three, v2))
    report = verified(config)
    assert not report.ok
    assert report.first is not None and "ballots_digest" in report.first.reason


# -- members who left -------------------------------------------------------------------------------


def test_a_member_who_left_can_do_nothing_and_is_not_counted(world: World, config: LedgerConfig) -> None:
    w = world
    pid = question(w)
    agree(w, pid, "amara", "ben", "dev")
    w.gov.leave_collective(w.collective, w.member("ben"), by=w.member("ben"))
    assert not w.gov.collective(w.collective).is_member(w.member("ben"))
    with pytest.raises(NotFound):
        w.gov.cast_ballot(pid, member_id=w.member("ben"), position="disagree", reason="Changed my mind.")
    with pytest.raises(NotFound):
        w.gov.raise_objection(pid, member_id=w.member("ben"), reason="No.")
    with pytest.raises(NotFound):
        w.gov.draft_proposal(w.collective, by=w.member("ben"), category="budget", title="t", body="b")
    record = w.gov.close_proposal(pid, by=w.facilitator)
    assert w.member("ben").hex not in [m for m, _ in record.roster]
    assert len(record.roster) == 5 and record.figures["took_part"] == 2
    assert verified(config).ok


def test_only_a_steward_records_that_someone_else_left_and_the_last_steward_cannot_leave(world: World) -> None:
    w = world
    with pytest.raises(NotAllowed, match="Only a steward"):
        w.gov.leave_collective(w.collective, w.member("ben"), by=w.member("amara"))
    with pytest.raises(Conflict, match="only steward"):
        w.gov.leave_collective(w.collective, w.steward, by=w.steward)
    w.gov.leave_collective(w.collective, w.member("ben"), by=w.steward)
    with pytest.raises(NotFound):
        w.gov.leave_collective(w.collective, w.member("ben"), by=w.steward)
    w.gov.assign_role(w.collective, w.member("erin"), "steward", by=w.steward)
    w.gov.leave_collective(w.collective, w.steward, by=w.steward)
    assert set(w.gov.collective(w.collective).active_members()) == {
        w.member(n) for n in ("amara", "chloe", "dev", "erin", "femi")
    }


def test_a_member_who_left_can_be_invited_again(world: World) -> None:
    w = world
    w.gov.leave_collective(w.collective, w.member("ben"), by=w.member("ben"))
    c = w.gov.collective(w.collective)
    c.admit(w.member("ben"), ["lived_experience"], w.steward)
    assert c.is_member(w.member("ben"))


# -- the deadline -----------------------------------------------------------------------------------


def test_opening_records_the_deadline_its_rule_sets(world: World) -> None:
    w = world
    p = w.gov.proposal(budget(w))
    assert p.opened_at == OPENED.isoformat()
    assert p.closes_at == BUDGET_DEADLINE.isoformat() == "2026-11-23T10:00:00+00:00"
    assert spoken_time(p.closes_at) == "23 November 2026 at 10:00 UTC"
    assert w.gov.proposal(question(w)).closes_at is None, "quick consent sets no maximum"
    assert deadline(OPENED.isoformat(), None) is None
    assert deadline(OPENED.isoformat(), 1) == "2026-11-02T11:00:00+00:00"


def test_a_position_is_taken_until_the_deadline_and_refused_from_it(world: World) -> None:
    w = world
    pid = budget(w)
    w.clock.now = BUDGET_DEADLINE - timedelta(seconds=1)
    agree(w, pid, "amara")
    assert w.gov.ballot_of(pid, w.member("amara")).at == w.clock.now.isoformat()  # type: ignore[union-attr]
    w.clock.now = BUDGET_DEADLINE
    with pytest.raises(Conflict, match="ended on 23 November 2026 at 10:00 UTC") as refused:
        agree(w, pid, "ben")
    assert refused.value.status == 409
    assert w.gov.ballot_of(pid, w.member("ben")) is None
    with pytest.raises(Conflict, match="can respond to it"):
        agree(w, pid, "amara")
    assert w.gov.ballot_of(pid, w.member("amara")).version == 1  # type: ignore[union-attr]


def test_no_objection_step_revision_or_withdrawal_after_the_deadline(world: World) -> None:
    w = world
    pid = budget(w)
    oid = w.gov.raise_objection(pid, member_id=w.member("ben"), reason="Too costly.")
    w.clock.now = BUDGET_DEADLINE + timedelta(hours=1)
    refused = "ended on 23 November 2026 at 10:00 UTC"
    steps: list[Callable[[], object]] = [
        lambda: w.gov.raise_objection(pid, member_id=w.member("amara"), reason="Late."),
        lambda: w.gov.answer_objection(oid, by=w.member("dev"), answer="It is cheap."),
        lambda: w.gov.withdraw_objection(oid, by=w.member("ben")),
        lambda: w.gov.test_objection(oid, by=w.facilitator, paramount=False, why="A concern."),
        lambda: w.gov.resolve_objection(oid, by=w.facilitator, how="uphold", why="Too costly."),
        lambda: w.gov.revise_proposal(pid, by=w.member("dev"), title="Cheaper kit", body="£200."),
        lambda: w.gov.withdraw_proposal(pid, by=w.member("dev"), reason="Too late."),
    ]
    for step in steps:
        with pytest.raises(Conflict, match=refused):
            step()
    assert w.gov.objection(oid).status.value == "raised"
    assert w.gov.proposal(pid).state.value == "open" and len(w.gov.proposal(pid).versions) == 1


def test_an_outcome_recorded_after_the_deadline_is_recorded_as_at_the_deadline(
    world: World, config: LedgerConfig
) -> None:
    w = world
    pid = budget(w)
    w.clock.advance(days=8)
    agree(w, pid, "amara", "ben", "dev", "sam", "erin")
    w.clock.now = BUDGET_DEADLINE + timedelta(days=3)
    record = w.gov.close_proposal(pid, by=w.facilitator)
    assert record.outcome.value == "adopted"
    p = w.gov.proposal(pid)
    assert p.outcome is not None and p.outcome["closed_at"] == BUDGET_DEADLINE.isoformat()
    report = verified(config)
    assert report.ok, [p.sentence() for p in report.problems]
    assert report.outcomes == 1


def test_an_outcome_recorded_before_the_deadline_is_recorded_when_it_was(world: World) -> None:
    w = world
    pid = budget(w)
    w.clock.advance(days=8)
    w.gov.close_proposal(pid, by=w.facilitator)
    assert w.gov.proposal(pid).outcome["closed_at"] == (OPENED + timedelta(days=8)).isoformat()  # type: ignore[index]


def test_a_late_ballot_counted_in_an_outcome_is_caught(world: World, config: LedgerConfig) -> None:
    """An insider writes a ballot at the deadline past the service's refusal; the close counts it."""
    w = world
    pid = budget(w)
    w.clock.advance(days=8)
    agree(w, pid, "amara", "dev", "sam", "erin", "chloe")
    ballot = w.gov.ballot_of(pid, w.member("ben"))
    assert ballot is None
    w.clock.now = BUDGET_DEADLINE
    from ledger.governance.ballot import Ballot as BallotAggregate

    late = BallotAggregate(
        proposal_id=pid,
        member_id=w.member("ben"),
        position="agree",
        reason=None,
        version_hash=w.gov.proposal(pid).current.content_hash,
        at=BUDGET_DEADLINE.isoformat(),
    )
    w.gov.save(late)
    w.gov.close_proposal(pid, by=w.facilitator)
    report = verified(config)
    assert not report.ok
    assert report.first is not None
    assert f"ballot {late.id} was counted, but it was given at {BUDGET_DEADLINE.isoformat()}" in report.first.reason


def test_a_ballot_with_no_time_counted_under_a_deadline_is_caught(world: World, config: LedgerConfig) -> None:
    w = world
    pid = budget(w)
    w.clock.advance(days=8)
    from ledger.governance.ballot import Ballot as BallotAggregate

    untimed = BallotAggregate(
        proposal_id=pid,
        member_id=w.member("ben"),
        position="agree",
        reason=None,
        version_hash=w.gov.proposal(pid).current.content_hash,
    )
    w.gov.save(untimed)
    w.gov.close_proposal(pid, by=w.facilitator)
    report = verified(config)
    assert not report.ok and report.first is not None
    assert "given with no time" in report.first.reason


def test_an_outcome_claimed_after_the_deadline_is_caught(world: World, config: LedgerConfig) -> None:
    w = world
    pid = budget(w)
    late = BUDGET_DEADLINE + timedelta(seconds=1)
    w.clock.now = late
    forge_closed(w, pid, at=late.isoformat())
    report = verified(config)
    assert not report.ok and report.first is not None
    assert f"recorded as closed at {late.isoformat()}, after its deadline" in report.first.reason


def test_an_outcome_recorded_exactly_at_the_deadline_verifies(world: World, config: LedgerConfig) -> None:
    w = world
    pid = budget(w)
    w.clock.now = BUDGET_DEADLINE
    forge_closed(w, pid, at=BUDGET_DEADLINE.isoformat())
    assert verified(config).ok


def test_a_deadline_other_than_the_rules_is_caught(world: World, config: LedgerConfig) -> None:
    """A proposal opened (past the service) with a longer deadline than its rule allows."""
    w = world
    pid = w.gov.draft_proposal(w.collective, by=w.member("dev"), category="budget", title="Kit", body="£400.")
    agreement = w.gov.agreement_in_force(w.collective)
    assert agreement is not None
    p = w.gov.proposal(pid)
    name = "majority-in-every-group"
    p.open(w.facilitator, OPENED.isoformat(), name, agreement.policy_hashes[name], agreement.id, max_open_hours=999)
    w.gov.save(p)
    w.clock.advance(days=8)
    w.gov.close_proposal(pid, by=w.facilitator)
    report = verified(config)
    assert not report.ok and report.first is not None
    assert "records its deadline as '2026-12-14T01:00:00+00:00', but its rule gives '2026-11-23T10:00:00+00:00'" in (
        report.first.reason
    )


def test_recorded_figures_that_differ_from_the_rules_are_caught(world: World, config: LedgerConfig) -> None:
    w = world
    pid = question(w)
    agree(w, pid, "amara", "ben", "dev")
    _, record = w.gov.tally(w.gov.proposal(pid))
    forge_closed(w, pid, figures=dict(record.figures, eligible=5))
    report = verified(config)
    assert not report.ok and report.first is not None
    assert "recorded figures" in report.first.reason


# -- what a closed proposal shows -------------------------------------------------------------------


def test_the_recorded_tally_reads_the_figures_recorded_at_close(world: World) -> None:
    w = world
    pid = question(w)
    agree(w, pid, "amara", "ben", "dev")
    w.gov.cast_ballot(pid, member_id=w.member("chloe"), position="abstain")
    w.gov.revise_proposal(pid, by=w.member("amara"), title="Which models?", body="Four models.")
    agree(w, pid, "amara", "ben", "dev")
    w.gov.close_proposal(pid, by=w.facilitator)
    outcome = w.gov.proposal(pid).outcome
    assert outcome is not None
    shown = recorded_tally(outcome)
    assert shown["members"] == 6 and shown["responded"] == 3 and shown["stale"] == 1
    assert shown["positions"] == {"agree": 3}
    assert shown["groups"] == {
        "lived_experience": {"members": 3, "responded": 2, "agree": 2, "abstain": 0, "disagree": 0, "block": 0},
        "researchers": {"members": 2, "responded": 1, "agree": 1, "abstain": 0, "disagree": 0, "block": 0},
        "practitioners": {"members": 2, "responded": 0, "agree": 0, "abstain": 0, "disagree": 0, "block": 0},
    }
