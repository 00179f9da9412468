"""Properties every decision keeps, whatever the roster, the ballots and the objections.

The expectations here are computed independently of policies/decide.py, from the inputs and
the policy's fields, so that a mistake in `decide` is not repeated in its test.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from fractions import Fraction
from typing import Any

from hypothesis import assume, given
from hypothesis import strategies as st

from policies import (
    Ballot,
    BlockEffect,
    Member,
    Method,
    Objection,
    ObjectionStatus,
    Outcome,
    Policy,
    Position,
    decide,
)

GROUPS = ("carers", "lived_experience", "researchers")
SHARES = (Fraction(0), Fraction(1, 4), Fraction(1, 3), Fraction(1, 2), Fraction(2, 3), Fraction(1))
SUPERMAJORITIES = (Fraction(3, 5), Fraction(2, 3), Fraction(3, 4), Fraction(1))
THRESHOLD_METHODS = (Method.MAJORITY, Method.SUPERMAJORITY)


@dataclass(frozen=True)
class Case:
    policy: Policy
    roster: list[Member]
    ballots: list[Ballot]
    objections: list[Objection]


@st.composite
def policies(draw: st.DrawFn, methods: Sequence[Method] = tuple(Method)) -> Policy:
    method = draw(st.sampled_from(methods))
    effects = (BlockEffect.OBJECTION, BlockEffect.VETO) if method is Method.CONSENT else tuple(BlockEffect)
    fields: dict[str, Any] = {
        "block_effect": draw(st.sampled_from(effects)),
        "quorum": draw(st.sampled_from(SHARES)),
        "group_quorum": draw(st.sampled_from(SHARES)),
        "abstain_counts_for_quorum": draw(st.booleans()),
    }
    if fields["block_effect"] is BlockEffect.VETO_GROUP:
        fields["veto_groups"] = frozenset(draw(st.sets(st.sampled_from(GROUPS), min_size=1)))
    if method is Method.SUPERMAJORITY:
        fields["threshold"] = draw(st.sampled_from(SUPERMAJORITIES))
        fields["threshold_strict"] = fields["threshold"] != 1 and draw(st.booleans())
    if method in THRESHOLD_METHODS:
        fields["concurrent_majority"] = draw(st.booleans())
        voice = draw(st.sampled_from(("headcount", "equal", "weights")))
        if voice == "equal":
            fields["equal_group_voice"] = True
        elif voice == "weights":
            weights = st.sampled_from((Fraction(1, 4), Fraction(1, 2), Fraction(1), Fraction(2)))
            fields["group_weights"] = draw(st.dictionaries(st.sampled_from(GROUPS), weights, min_size=1))
    if draw(st.booleans()):
        fields.update(allow_overrule=True, overrule_process="a vote of the steering group")
    return Policy(name="random", method=method, description="A random rule.", **fields)


@st.composite
def cases(draw: st.DrawFn, methods: Sequence[Method] = tuple(Method)) -> Case:
    policy = draw(policies(methods))
    size = draw(st.integers(0, 14))
    roster = [Member(f"m{i}", frozenset(draw(st.sets(st.sampled_from(GROUPS))))) for i in range(size)]
    ballots = []
    for member in roster:
        position = draw(st.none() | st.sampled_from(Position))
        if position is not None:
            reason = draw(st.sampled_from(("", "it helps", "we can do better")))
            ballots.append(Ballot(member.member_id, position, reason))
    for i in range(draw(st.integers(0, 2))):
        ballots.append(Ballot(f"outsider{i}", draw(st.sampled_from(Position))))
    voters = [m.member_id for m in roster] + ["outsider0"]
    objections = [
        Objection(
            f"o{i}",
            draw(st.sampled_from(voters)),
            draw(st.booleans()),
            draw(st.sampled_from(ObjectionStatus)),
        )
        for i in range(draw(st.integers(0, 3)))
    ]
    return Case(policy, roster, ballots, objections)


def run(case: Case) -> Any:
    return decide(case.policy, case.roster, case.ballots, case.objections)


# -- independent expectations -------------------------------------------------------------------


def positions(case: Case) -> dict[str, Position]:
    on_roster = {m.member_id for m in case.roster}
    return {b.member_id: b.position for b in case.ballots if b.member_id in on_roster}


def took_part(case: Case, members: Sequence[Member]) -> int:
    said = positions(case)
    counts = (
        {Position.AGREE, Position.ABSTAIN, Position.DISAGREE, Position.BLOCK}
        if case.policy.abstain_counts_for_quorum
        else {Position.AGREE, Position.DISAGREE, Position.BLOCK}
    )
    return sum(1 for m in members if said.get(m.member_id) in counts)


def group_members(case: Case, group: str) -> list[Member]:
    return [m for m in case.roster if group in m.groups]


def has_quorum(case: Case) -> bool:
    eligible, taking_part = len(case.roster), took_part(case, case.roster)
    overall = eligible > 0 and taking_part >= 1 and taking_part >= case.policy.quorum * eligible
    every_group = all(
        took_part(case, group_members(case, g)) >= case.policy.group_quorum * len(group_members(case, g))
        for g in GROUPS
        if group_members(case, g)
    )
    return overall and every_group


def meets(policy: Policy, agree: int, against: int) -> bool:
    threshold = policy.threshold
    assert threshold is not None
    share = Fraction(agree, agree + against)
    return share > threshold if policy.threshold_strict else share >= threshold


def standing_objections(case: Case) -> bool:
    """A block or paramount objection that, under consent, must stop the proposal."""
    on_roster = {m.member_id for m in case.roster}
    resolved = {ObjectionStatus.WITHDRAWN, ObjectionStatus.INTEGRATED}
    if case.policy.allow_overrule:
        resolved.add(ObjectionStatus.OVERRULED)
    paramount = [o for o in case.objections if o.paramount and o.member_id in on_roster]
    if any(o.status not in resolved for o in paramount):
        return True
    resolved_objectors = {o.member_id for o in paramount}
    blockers = {m for m, p in positions(case).items() if p is Position.BLOCK}
    if case.policy.block_effect is BlockEffect.VETO:
        return bool(blockers)
    return bool(blockers - resolved_objectors)


# -- properties ---------------------------------------------------------------------------------


@given(cases(), st.randoms(use_true_random=False))
def test_the_decision_does_not_depend_on_the_order_of_anything(case: Case, random: Any) -> None:
    shuffled = Case(
        case.policy,
        random.sample(case.roster, len(case.roster)),
        random.sample(case.ballots, len(case.ballots)),
        random.sample(case.objections, len(case.objections)),
    )
    assert run(shuffled) == run(case)


@given(cases(), st.data())
def test_one_more_agree_never_undoes_a_majority(case: Case, data: st.DataObject) -> None:
    assume(case.policy.method in THRESHOLD_METHODS)
    said = positions(case)
    movable = [m.member_id for m in case.roster if said.get(m.member_id) in (None, Position.ABSTAIN, Position.DISAGREE)]
    assume(movable)
    convert = data.draw(st.sampled_from(movable))
    ballots = [b for b in case.ballots if b.member_id != convert]
    ballots.append(Ballot(convert, Position.AGREE))

    before, after = run(case), run(replace(case, ballots=ballots))

    if before.outcome is Outcome.ADOPTED:
        assert after.outcome is Outcome.ADOPTED, (before.explanation, after.explanation)


@given(cases(methods=(Method.CONSENT,)))
def test_consent_passes_exactly_when_quorum_is_met_and_nothing_stands_against_it(
    case: Case,
) -> None:
    decision = run(case)
    if standing_objections(case):
        assert decision.outcome is not Outcome.ADOPTED
    expected = has_quorum(case) and not standing_objections(case)
    assert (decision.outcome is Outcome.ADOPTED) == expected, decision.explanation


@given(cases())
def test_no_quorum_exactly_when_the_overall_or_a_group_quorum_is_missed(case: Case) -> None:
    decision = run(case)
    assert (decision.outcome is Outcome.NO_QUORUM) == (not has_quorum(case)), decision.explanation


@given(cases())
def test_an_adopted_proposal_reached_quorum_in_every_group_with_members(case: Case) -> None:
    decision = run(case)
    if decision.outcome is Outcome.ADOPTED:
        for group in GROUPS:
            members = group_members(case, group)
            if members:
                assert took_part(case, members) >= case.policy.group_quorum * len(members)


@given(cases(methods=THRESHOLD_METHODS))
def test_concurrent_majority_holds_in_every_group_that_voted(case: Case) -> None:
    case = replace(case, policy=replace(case.policy, concurrent_majority=True))
    decision = run(case)
    if decision.outcome is Outcome.ADOPTED:
        said = positions(case)
        for group in GROUPS:
            members = [said.get(m.member_id) for m in group_members(case, group)]
            agree = members.count(Position.AGREE)
            against = members.count(Position.DISAGREE) + members.count(Position.BLOCK)
            if agree + against:
                assert meets(case.policy, agree, against), (group, decision.explanation)


@given(cases(methods=THRESHOLD_METHODS))
def test_a_headcount_majority_adopts_exactly_when_the_share_meets_the_threshold(
    case: Case,
) -> None:
    policy = replace(
        case.policy,
        block_effect=BlockEffect.DISAGREE,
        group_quorum=Fraction(0),
        veto_groups=frozenset(),
        equal_group_voice=False,
        group_weights={},
        concurrent_majority=False,
    )
    case = replace(case, policy=policy)
    said = list(positions(case).values())
    agree = said.count(Position.AGREE)
    against = said.count(Position.DISAGREE) + said.count(Position.BLOCK)
    expected = has_quorum(case) and agree + against > 0 and meets(policy, agree, against)
    assert (run(case).outcome is Outcome.ADOPTED) == expected


@given(cases(methods=(Method.CONSENSUS, *THRESHOLD_METHODS, Method.UNANIMITY)), st.data())
def test_a_veto_group_block_always_stops_the_proposal(case: Case, data: st.DataObject) -> None:
    veto_groups = frozenset(data.draw(st.sets(st.sampled_from(GROUPS), min_size=1)))
    policy = replace(case.policy, block_effect=BlockEffect.VETO_GROUP, veto_groups=veto_groups)
    case = replace(case, policy=policy)
    said = positions(case)
    vetoed = any(said.get(m.member_id) is Position.BLOCK and m.groups & case.policy.veto_groups for m in case.roster)
    decision = run(case)
    if vetoed:
        assert decision.outcome in (Outcome.BLOCKED, Outcome.NO_QUORUM)


@given(cases())
def test_figures_and_explanations_are_exact(case: Case) -> None:
    decision = run(case)
    assert all(type(value) in (int, str) for value in decision.figures.values())
    assert decision.explanation.endswith(".")
    assert "None" not in decision.explanation
    assert decision.figures["eligible"] == len(case.roster)
