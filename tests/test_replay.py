"""The pure replay recomputes every outcome as the eventsourcing recompute does, and catches what it catches.

On the demo ledger and on random worlds built through the real use cases, with and
without forged closing events (correctly signed with the real event key), the replay
of payloads alone and ``ledger.governance.recompute`` agree on every closed proposal.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import UUID

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from copro.demo import seed_demo
from ledger.governance.errors import GovernanceError
from ledger.governance.recompute import OUTCOMES
from ledger.governance.replay import live
from ledger.governance.replay.outcomes import CLOSED
from ledger.governance.service import Governance
from ledger.log.application import Ledger
from ledger.log.config import LedgerConfig
from ledger.log.keystore import KeysFolder
from ledger.log.verify import OutcomeChecker, verify_log
from tests.conftest import PASSPHRASE
from tests.governance_world import World, build_world
from tests.replay_support import both_verdicts
from tests.test_recorded_outcomes import forge_closed

REPLAYED = OutcomeChecker(topic=CLOSED, start=live.start)


def test_the_replay_recomputes_every_demo_outcome_as_the_eventsourcing_recompute_does(config: LedgerConfig) -> None:
    list(seed_demo(config))
    replayed, verdicts = both_verdicts(config)
    assert replayed.error is None
    assert len(verdicts) == 5 == len(replayed.world.closings)
    assert all(v == (None, None) for v in verdicts.values()), verdicts
    assert replayed.findings() == []
    report = verify_log(Ledger.recorder_only(config), outcomes=REPLAYED)
    assert report.ok and report.outcomes == 5, [p.sentence() for p in report.problems]


def test_the_replay_reads_every_kind_of_demo_state(config: LedgerConfig) -> None:
    list(seed_demo(config))
    keys = KeysFolder(config.keys_dir).load(PASSPHRASE)
    gov = Governance.open(config, keys)
    try:
        world = both_verdicts(config)[0].world
        for cid, collective in world.collectives.items():
            assert collective.members.keys() - collective.left == gov.collective(cid).active_members().keys()
            assert collective.agreement_id == gov.collective(cid).agreement_id
        for pid, proposal in world.proposals.items():
            live_proposal = gov.proposal(pid)
            assert proposal.state == live_proposal.state.value
            assert [v.content_hash for v in proposal.versions] == [v.content_hash for v in live_proposal.versions]
            assert (
                proposal.closes_at == live_proposal.closes_at and proposal.objection_ids == live_proposal.objection_ids
            )
        for oid, objection in world.objections.items():
            assert objection.now.status is gov.objection(oid).status
            assert objection.now.paramount == gov.objection(oid).paramount
        for aid, agreement in world.agreements.items():
            held = gov.agreement(aid)
            assert agreement.in_force == held.in_force and agreement.policies == held.policies
            assert {m.hex: g for m, g in agreement.signatures.items()} == held.signatures
    finally:
        gov.close()


# -- forged closing events ------------------------------------------------------------------------


def question(w: World) -> UUID:
    pid = w.gov.draft_proposal(
        w.collective, by=w.member("amara"), category="research_question", title="Which models?", body="Three."
    )
    w.gov.open_proposal(pid, by=w.facilitator)
    for name in ("amara", "ben", "dev"):
        w.gov.cast_ballot(pid, member_id=w.member(name), position="agree")
    return pid


def test_a_forged_outcome_signed_with_the_real_key_is_caught_naming_its_leaf_aggregate_and_version(
    world: World, config: LedgerConfig
) -> None:
    w = world
    pid = question(w)
    forge_closed(w, pid, outcome="not_adopted")
    version = w.gov.proposal(pid).version
    leaf = w.gov.merkle_log.log_size() - 1
    report = verify_log(Ledger.recorder_only(config), outcomes=REPLAYED)
    assert report.first is not None
    assert (report.first.leaf_index, report.first.aggregate_id, report.first.version) == (leaf, pid, version)
    assert report.first.reason == (
        "the outcome does not recompute: its recorded outcome is 'not_adopted', but the rule gives 'adopted'"
    )
    replayed, verdicts = both_verdicts(config)
    [finding] = replayed.findings()
    assert finding.sentence() == f"leaf {leaf} (aggregate {pid}, version {version}): {report.first.reason}"
    assert verdicts[(pid, version)][0] == verdicts[(pid, version)][1]


def test_a_forged_outcome_leaving_out_a_ballot_is_caught_with_the_eventsourcing_recomputes_sentence(
    world: World, config: LedgerConfig
) -> None:
    w = world
    pid = question(w)
    _, closing = w.gov.tally(w.gov.proposal(pid))
    record = closing.payload()
    left_out = record["ballots"][0][0]
    forge_closed(w, pid, ballots=record["ballots"][1:])
    theirs, ours = both_verdicts(config)[1][(pid, w.gov.proposal(pid).version)]
    assert ours == theirs == f"the ballot {UUID(left_out)} was left out of the count"


def test_the_replay_follows_members_who_leave_and_leaves_them_off_the_roster(
    world: World, config: LedgerConfig
) -> None:
    w = world
    w.gov.leave_collective(w.collective, w.member("ben"), by=w.member("ben"))
    pid = w.gov.draft_proposal(w.collective, by=w.facilitator, category="research_question", title="Q", body="B")
    w.gov.open_proposal(pid, by=w.facilitator)
    roster = w.gov.tally(w.gov.proposal(pid))[1].payload()["roster"]
    forge_closed(w, pid, roster=sorted([*roster, [w.member("ben").hex, ["lived_experience"]]]))
    replayed, verdicts = both_verdicts(config)
    collective = replayed.world.collectives[w.collective]
    assert w.member("ben") in collective.left
    assert collective.members.keys() - collective.left == w.gov.collective(w.collective).active_members().keys()
    theirs, ours = verdicts[(pid, w.gov.proposal(pid).version)]
    assert theirs is not None and ours is not None


def test_a_forged_roster_naming_someone_never_admitted_is_caught_by_the_replay(
    world: World, config: LedgerConfig
) -> None:
    w = world
    pid = question(w)
    _, closing = w.gov.tally(w.gov.proposal(pid))
    record = closing.payload()
    stranger = UUID(int=7).hex
    forge_closed(w, pid, roster=[*record["roster"], [stranger, ["researchers"]]])
    reason = both_verdicts(config)[1][(pid, w.gov.proposal(pid).version)][1]
    assert reason == f"the roster counts {stranger}, who was not a member of the collective before the close"


def test_a_roster_counting_a_member_in_a_group_that_does_not_vote_is_caught_by_the_replay(
    world: World, config: LedgerConfig
) -> None:
    w = world
    pid = question(w)
    _, closing = w.gov.tally(w.gov.proposal(pid))
    record = closing.payload()
    femi = w.member("femi").hex  # a funder: informed on research questions, no vote
    forge_closed(w, pid, roster=sorted([*record["roster"], [femi, ["funders"]]]))
    reason = both_verdicts(config)[1][(pid, w.gov.proposal(pid).version)][1]
    assert reason == f"the roster counts {femi} in groups ['funders'], which do not all vote on this category"


# -- random worlds --------------------------------------------------------------------------------

NAMES = ("amara", "ben", "chloe", "dev", "erin", "femi", "sam")
CATEGORIES = ("research_question", "budget", "publication")
POSITIONS = ("agree", "abstain", "disagree", "block")
FORGERIES: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
    "outcome": lambda r: {"outcome": "blocked" if r["outcome"] != "blocked" else "adopted"},
    "figures": lambda r: {"figures": dict(r["figures"], agree=r["figures"].get("agree", 0) + 1)},
    "digest": lambda r: {"ballots_digest": "sha256:" + "0" * 64},
    "drop a ballot": lambda r: {"ballots": r["ballots"][1:]},
    "drop an objection": lambda r: {"objections": r["objections"][1:]},
    "stale": lambda r: {"stale_ballots": [*r["stale_ballots"], "f" * 32]},
    "explanation": lambda r: {"explanation": r["explanation"] + " (as agreed)"},
    "old version": lambda r: {"version_hash": "sha256:" + "1" * 64},
    "late": lambda r: {"at": "2027-06-01T00:00:00+00:00"},
}

step = st.one_of(
    st.tuples(st.just("vote"), st.sampled_from(NAMES), st.sampled_from(POSITIONS)),
    st.tuples(st.just("revise"), st.sampled_from(NAMES), st.integers(0, 9)),
    st.tuples(st.just("object"), st.sampled_from(NAMES), st.booleans()),
    st.tuples(st.just("resolve"), st.sampled_from(("withdraw", "integrate", "uphold", "overrule", "answer", "test"))),
    st.tuples(st.just("leave"), st.sampled_from(NAMES)),
    st.tuples(st.just("wait"), st.integers(1, 600)),
)
proposal_story = st.tuples(
    st.sampled_from(CATEGORIES), st.lists(step, max_size=12), st.sampled_from(sorted(FORGERIES)) | st.none()
)


def play(w: World, category: str, steps: list[tuple[Any, ...]], forgery: str | None) -> None:
    """One proposal's life, through the real use cases; refused steps write nothing and are skipped."""
    gov = w.gov
    pid = gov.draft_proposal(w.collective, by=w.facilitator, category=category, title="A question", body="Body.")
    gov.open_proposal(pid, by=w.facilitator)
    objections: list[UUID] = []
    for kind, *args in steps:
        try:
            if kind == "vote":
                gov.cast_ballot(pid, member_id=w.member(args[0]), position=args[1], reason="Because.")
            elif kind == "revise":
                gov.revise_proposal(
                    pid, by=w.member(args[0]), title=f"A question, take {args[1]}", body=f"Body {args[1]}."
                )
            elif kind == "object":
                objections.append(
                    gov.raise_objection(pid, member_id=w.member(args[0]), reason="No.", paramount=args[1])
                )
            elif kind == "resolve" and objections:
                oid, how = objections[-1], args[0]
                if how == "withdraw":
                    gov.withdraw_objection(oid, by=gov.objection(oid).member_id)
                elif how == "answer":
                    gov.answer_objection(oid, by=w.facilitator, answer="We will.")
                elif how == "test":
                    gov.test_objection(oid, by=w.facilitator, paramount=False, why="A concern.")
                else:
                    if how == "integrate":
                        gov.revise_proposal(pid, by=w.facilitator, title="Integrated", body=f"With {oid}.")
                    gov.resolve_objection(oid, by=w.facilitator, how=how, why="Decided.")
            elif kind == "leave" and args[0] not in ("sam", "dev"):
                gov.leave_collective(w.collective, w.member(args[0]), by=w.member(args[0]))
            elif kind == "wait":
                w.clock.advance(hours=args[0])
        except GovernanceError:
            pass
    w.clock.advance(days=8)  # past every minimum open time
    if forgery is None:
        gov.close_proposal(pid, by=w.facilitator)
    else:
        _, closing = gov.tally(gov.proposal(pid))
        record = closing.payload()
        forge_closed(w, pid, **FORGERIES[forgery](record))


@settings(max_examples=8, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(stories=st.lists(proposal_story, min_size=1, max_size=3))
def test_on_random_worlds_the_replay_and_the_eventsourcing_recompute_agree_on_every_outcome(
    make_config: Callable[[str], LedgerConfig], stories: list[tuple[str, list[tuple[Any, ...]], str | None]]
) -> None:
    config = make_config("sqlite")
    gov = Governance.open(config, KeysFolder(config.keys_dir).load(PASSPHRASE), create=True)
    try:
        w = build_world(gov)
        for category, steps, forgery in stories:
            play(w, category, steps, forgery)
    finally:
        gov.close()
    replayed, verdicts = both_verdicts(config)
    assert replayed.error is None, replayed.error
    assert len(verdicts) == len(stories)
    for (pid, version), (theirs, ours) in verdicts.items():
        assert (theirs is None) == (ours is None), (pid, version, theirs, ours)
        if theirs is not None and "cannot be recomputed" not in theirs:
            assert ours == theirs, "the same check fails with the same sentence"
    honest = sum(1 for _, _, forgery in stories if forgery is None)
    assert sum(1 for theirs, _ in verdicts.values() if theirs is None) >= honest
    report = verify_log(Ledger.recorder_only(config), outcomes=REPLAYED)
    classic = verify_log(Ledger.recorder_only(config), outcomes=OUTCOMES)
    located = [(p.leaf_index, p.aggregate_id, p.version) for p in report.problems]
    assert located == [(p.leaf_index, p.aggregate_id, p.version) for p in classic.problems]


def test_the_live_check_verifies_each_signature_again_and_names_a_record_no_key_opens(
    world: World, config: LedgerConfig
) -> None:
    w = world
    pid = question(w)
    w.gov.close_proposal(pid, by=w.facilitator)
    check = live.start(Ledger.recorder_only(config), {})  # no event key: nothing verifies
    reason = check(pid, w.gov.proposal(pid).version)
    assert reason is not None and reason.startswith("the log does not replay: leaf 0 (aggregate ")
    assert "signed by an unknown event key" in reason
