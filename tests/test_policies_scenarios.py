"""Decisions told as a collective would: who took part, what they said, what the rule decided."""

from __future__ import annotations

from collections.abc import Iterable
from fractions import Fraction
from typing import Any

import pytest

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
    load_builtin,
)

AGREE, ABSTAIN, DISAGREE, BLOCK = (
    Position.AGREE,
    Position.ABSTAIN,
    Position.DISAGREE,
    Position.BLOCK,
)


def people(prefix: str, number: int, *groups: str) -> list[Member]:
    """`number` members called prefix0, prefix1, ... in `groups`."""
    return [Member(f"{prefix}{i}", frozenset(groups)) for i in range(number)]


def votes(position: Position, members: Iterable[Member], reason: str = "because") -> list[Ballot]:
    return [Ballot(m.member_id, position, reason) for m in members]


def paramount(member: Member, status: ObjectionStatus, objection_id: str = "o1") -> Objection:
    return Objection(objection_id, member.member_id, paramount=True, status=status)


def policy(method: Method, block_effect: BlockEffect, **fields: Any) -> Policy:
    return Policy(
        name="test",
        method=method,
        description="A rule for a test.",
        block_effect=block_effect,
        **fields,
    )


# -- consent ----------------------------------------------------------------------------------


def test_one_block_stops_consent() -> None:
    circle = people("m", 10)
    ballots = votes(AGREE, circle[:9]) + votes(BLOCK, circle[9:])

    decision = decide(load_builtin("consent"), circle, ballots)

    assert decision.outcome is Outcome.OBJECTION_UNRESOLVED
    assert decision.rule == "block_effect"
    assert decision.explanation.startswith("Objection unresolved: 1 member blocked")
    assert "withdrawn or integrated" in decision.explanation
    assert decision.figures["blocks_unresolved"] == 1


def test_a_block_stops_consent_until_the_blockers_objection_is_withdrawn() -> None:
    circle = people("m", 10)
    blocker = circle[9]
    ballots = votes(AGREE, circle[:9]) + votes(BLOCK, [blocker])

    raised = decide(load_builtin("consent"), circle, ballots, [paramount(blocker, ObjectionStatus.RAISED)])
    withdrawn = decide(load_builtin("consent"), circle, ballots, [paramount(blocker, ObjectionStatus.WITHDRAWN)])

    assert raised.outcome is Outcome.OBJECTION_UNRESOLVED
    assert raised.rule == "objections"
    assert "1 paramount objection is still open (raised or answered)" in raised.explanation
    assert withdrawn.outcome is Outcome.ADOPTED
    assert withdrawn.rule == "method"
    assert withdrawn.explanation == (
        "Adopted by consent: 10 of 10 members took part (100%); 1 block was resolved through "
        "the objection process and every paramount objection (1) was resolved."
    )


def test_an_integrated_objection_lets_consent_pass() -> None:
    circle = people("m", 4)
    decision = decide(
        load_builtin("consent"),
        circle,
        votes(AGREE, circle),
        [paramount(circle[0], ObjectionStatus.INTEGRATED)],
    )
    assert decision.outcome is Outcome.ADOPTED


def test_an_upheld_objection_means_consent_is_not_adopted() -> None:
    circle = people("m", 6)
    decision = decide(
        load_builtin("consent"),
        circle,
        votes(AGREE, circle),
        [paramount(circle[2], ObjectionStatus.UPHELD)],
    )
    assert decision.outcome is Outcome.NOT_ADOPTED
    assert decision.rule == "objections"
    assert decision.explanation == ("Not adopted: 1 paramount objection was upheld, so the proposal does not pass.")


def test_an_answered_objection_is_still_open() -> None:
    circle = people("m", 6)
    objections = [
        paramount(circle[1], ObjectionStatus.ANSWERED, "o1"),
        paramount(circle[2], ObjectionStatus.RAISED, "o2"),
    ]
    decision = decide(load_builtin("consent"), circle, votes(AGREE, circle), objections)
    assert decision.outcome is Outcome.OBJECTION_UNRESOLVED
    assert "2 paramount objections are still open" in decision.explanation
    assert decision.figures["paramount_objections_unresolved"] == 2


def test_a_concern_that_is_not_paramount_does_not_stop_consent() -> None:
    circle = people("m", 6)
    concern = Objection("c1", "m3", paramount=False, status=ObjectionStatus.RAISED)
    decision = decide(load_builtin("consent"), circle, votes(AGREE, circle), [concern])
    assert decision.outcome is Outcome.ADOPTED
    assert decision.figures["concerns"] == 1


def test_disagreeing_does_not_stop_consent() -> None:
    circle = people("m", 6)
    ballots = votes(AGREE, circle[:2]) + votes(DISAGREE, circle[2:])
    decision = decide(load_builtin("consent"), circle, ballots)
    assert decision.outcome is Outcome.ADOPTED
    assert "no one blocked and no paramount objection was raised" in decision.explanation


def test_an_overruled_objection_counts_only_where_the_agreement_allows_overruling() -> None:
    circle = people("m", 5)
    ballots = votes(AGREE, circle[:4]) + votes(BLOCK, circle[4:])
    overruled = [paramount(circle[4], ObjectionStatus.OVERRULED)]
    strict = policy(Method.CONSENT, BlockEffect.OBJECTION)
    overrulable = policy(
        Method.CONSENT,
        BlockEffect.OBJECTION,
        allow_overrule=True,
        overrule_process="a two-thirds vote of the steering group",
    )

    not_allowed = decide(strict, circle, ballots, overruled)
    allowed = decide(overrulable, circle, ballots, overruled)
    still_open = decide(overrulable, circle, ballots, [paramount(circle[4], ObjectionStatus.RAISED)])

    assert not_allowed.outcome is Outcome.OBJECTION_UNRESOLVED
    assert not_allowed.rule == "allow_overrule"
    assert "this policy does not allow overruling" in not_allowed.explanation
    assert allowed.outcome is Outcome.ADOPTED
    assert "or overruled by a two-thirds vote of the steering group" in still_open.explanation


def test_objections_from_people_not_on_the_roster_are_ignored() -> None:
    circle = people("m", 4)
    outsider = Objection("x", "visitor", paramount=True, status=ObjectionStatus.RAISED)
    decision = decide(load_builtin("consent"), circle, votes(AGREE, circle), [outsider])
    assert decision.outcome is Outcome.ADOPTED
    assert decision.figures["objections_ignored"] == 1


def test_objections_do_not_decide_a_majority_vote_unless_blocks_are_objections() -> None:
    circle = people("m", 5)
    open_objection = [paramount(circle[0], ObjectionStatus.RAISED)]
    majority = decide(load_builtin("majority"), circle, votes(AGREE, circle), open_objection)
    as_objection = decide(policy(Method.MAJORITY, BlockEffect.OBJECTION), circle, votes(AGREE, circle), open_objection)
    assert majority.outcome is Outcome.ADOPTED
    assert as_objection.outcome is Outcome.OBJECTION_UNRESOLVED


# -- quorum -----------------------------------------------------------------------------------


def test_too_few_members_taking_part_means_no_quorum() -> None:
    circle = people("m", 24)
    decision = decide(load_builtin("majority"), circle, votes(AGREE, circle[:5]))
    assert decision.outcome is Outcome.NO_QUORUM
    assert decision.rule == "quorum"
    assert decision.explanation == (
        "Not adopted (no quorum): 5 of 24 members took part (21%); this decision needs 50% of members to take part."
    )
    assert decision.figures["quorum_needed"] == 12


def test_quorum_is_reached_at_exactly_the_share() -> None:
    circle = people("m", 24)
    decision = decide(load_builtin("majority"), circle, votes(AGREE, circle[:12]))
    assert decision.outcome is Outcome.ADOPTED


def test_lived_experience_group_below_quorum_means_no_quorum() -> None:
    lived = people("le", 6, "lived_experience")
    researchers = people("r", 6, "researchers")
    ballots = votes(AGREE, lived[:2]) + votes(AGREE, researchers)

    decision = decide(load_builtin("majority-in-every-group"), lived + researchers, ballots)

    assert decision.outcome is Outcome.NO_QUORUM
    assert decision.rule == "group_quorum"
    assert decision.explanation == (
        "Not adopted (no quorum): 2 of 6 lived_experience members took part (33%); "
        "this decision needs 50% of every group to take part."
    )
    assert decision.figures["group:lived_experience:took_part"] == 2
    assert decision.figures["group:lived_experience:quorum_needed"] == 3


def test_every_group_short_of_quorum_is_named() -> None:
    carers = people("c", 4, "carers")
    lived = people("le", 6, "lived_experience")
    researchers = people("r", 10, "researchers")
    ballots = votes(AGREE, carers[:1] + lived[:2] + researchers)
    decision = decide(load_builtin("majority-in-every-group"), carers + lived + researchers, ballots)
    assert decision.explanation.startswith(
        "Not adopted (no quorum): 1 of 4 carers members took part (25%) and "
        "2 of 6 lived_experience members took part (33%)"
    )


def test_a_member_in_two_groups_counts_in_each_group_and_once_overall() -> None:
    both = Member("peer-researcher", frozenset({"lived_experience", "researchers"}))
    lived = people("le", 1, "lived_experience")
    researchers = people("r", 1, "researchers")
    roster = [both, *lived, *researchers]

    decision = decide(load_builtin("majority-in-every-group"), roster, votes(AGREE, [both, *researchers]))

    assert decision.outcome is Outcome.ADOPTED
    assert decision.figures["took_part"] == 2
    assert decision.figures["eligible"] == 3
    assert decision.figures["group:lived_experience:took_part"] == 1
    assert decision.figures["group:lived_experience:eligible"] == 2
    assert decision.figures["group:researchers:took_part"] == 2
    assert decision.figures["group:researchers:agree"] == 2


def test_abstaining_does_not_count_as_taking_part_when_the_policy_says_so() -> None:
    circle = people("m", 4)
    ballots = votes(AGREE, circle[:1]) + votes(ABSTAIN, circle[1:])
    counts = policy(Method.MAJORITY, BlockEffect.DISAGREE, quorum=Fraction(1, 2))
    does_not = policy(
        Method.MAJORITY,
        BlockEffect.DISAGREE,
        quorum=Fraction(1, 2),
        abstain_counts_for_quorum=False,
    )
    assert decide(counts, circle, ballots).outcome is Outcome.ADOPTED
    decision = decide(does_not, circle, ballots)
    assert decision.outcome is Outcome.NO_QUORUM
    assert "1 of 4 members took part (25%) (abstentions do not count as taking part)" in (decision.explanation)


def test_a_decision_no_one_took_part_in_is_never_made() -> None:
    circle = people("m", 3)
    decision = decide(policy(Method.CONSENT, BlockEffect.VETO), circle, [])
    assert decision.outcome is Outcome.NO_QUORUM
    assert decision.explanation == (
        "Not adopted (no quorum): 0 of 3 members took part (0%); this decision needs at least one member to take part."
    )


def test_an_empty_roster_has_no_quorum() -> None:
    decision = decide(load_builtin("consent"), [], [Ballot("someone", AGREE)])
    assert decision.outcome is Outcome.NO_QUORUM
    assert decision.explanation == "Not adopted (no quorum): there are no eligible members."
    assert decision.figures["ballots_ignored"] == 1


# -- majority and supermajority ---------------------------------------------------------------


def test_a_tie_is_not_a_majority() -> None:
    circle = people("m", 12)
    decision = decide(load_builtin("majority"), circle, votes(AGREE, circle[:6]) + votes(DISAGREE, circle[6:]))
    assert decision.outcome is Outcome.NOT_ADOPTED
    assert decision.rule == "threshold"
    assert decision.explanation == (
        "Not adopted: 6 of 12 votes were agree (50%); this decision needs more than 1/2 of the "
        "votes, not counting abstentions."
    )


def test_one_more_agree_than_disagree_is_a_majority() -> None:
    circle = people("m", 12)
    ballots = votes(AGREE, circle[:7]) + votes(DISAGREE, circle[7:])
    assert decide(load_builtin("majority"), circle, ballots).outcome is Outcome.ADOPTED


def test_three_quarters_agreeing_passes_a_two_thirds_supermajority() -> None:
    circle = people("m", 12)
    ballots = votes(AGREE, circle[:9]) + votes(DISAGREE, circle[9:])

    decision = decide(load_builtin("supermajority"), circle, ballots)

    assert decision.outcome is Outcome.ADOPTED
    assert decision.rule == "threshold"
    assert decision.explanation == (
        "Adopted: 9 of 12 votes were agree (75%); this decision needs at least 2/3 of the votes, "
        "not counting abstentions; 12 of 12 members took part (100%)."
    )
    assert decision.figures["agree_share"] == "3/4"


def test_exactly_two_thirds_passes_a_supermajority_of_at_least_two_thirds() -> None:
    circle = people("m", 12)
    ballots = votes(AGREE, circle[:8]) + votes(DISAGREE, circle[8:])
    assert decide(load_builtin("supermajority"), circle, ballots).outcome is Outcome.ADOPTED


def test_just_under_two_thirds_is_not_shown_rounded_up_to_it() -> None:
    circle = people("m", 300)
    ballots = votes(AGREE, circle[:199]) + votes(DISAGREE, circle[199:])
    decision = decide(load_builtin("supermajority"), circle, ballots)
    assert decision.outcome is Outcome.NOT_ADOPTED
    assert "199 of 300 votes were agree (66%)" in decision.explanation


def test_abstentions_never_count_against_a_majority() -> None:
    circle = people("m", 12)
    ballots = votes(AGREE, circle[:3]) + votes(DISAGREE, circle[3:5]) + votes(ABSTAIN, circle[5:])
    decision = decide(load_builtin("majority"), circle, ballots)
    assert decision.outcome is Outcome.ADOPTED
    assert "3 of 5 votes were agree (60%)" in decision.explanation


def test_only_abstentions_adopt_nothing() -> None:
    circle = people("m", 4)
    decision = decide(load_builtin("majority"), circle, votes(ABSTAIN, circle))
    assert decision.outcome is Outcome.NOT_ADOPTED
    assert decision.explanation.startswith("Not adopted: no one voted for or against (4 members abstained)")


def test_a_block_counts_as_disagree_under_majority() -> None:
    circle = people("m", 4)
    ballots = votes(AGREE, circle[:2]) + votes(BLOCK, circle[2:3]) + votes(ABSTAIN, circle[3:])
    decision = decide(load_builtin("majority"), circle, ballots)
    assert decision.outcome is Outcome.ADOPTED
    assert "2 of 3 votes were agree (67%; blocks count as disagree)" in decision.explanation


def test_equal_group_voice_stops_a_large_group_outvoting_small_ones() -> None:
    lived = people("le", 4, "lived_experience")
    carers = people("c", 3, "carers")
    researchers = people("r", 10, "researchers")
    ballots = votes(DISAGREE, lived) + votes(AGREE, carers[:1]) + votes(DISAGREE, carers[1:])
    ballots += votes(AGREE, researchers)
    roster = lived + carers + researchers
    equal_voice = policy(Method.MAJORITY, BlockEffect.DISAGREE, equal_group_voice=True)

    headcount = decide(load_builtin("majority"), roster, ballots)
    by_group = decide(equal_voice, roster, ballots)

    assert headcount.outcome is Outcome.ADOPTED
    assert by_group.outcome is Outcome.NOT_ADOPTED
    assert by_group.rule == "threshold"
    assert by_group.explanation.startswith(
        "Not adopted: with each group's voice counting equally, the agree share is 44% "
        "(carers 1 of 3; lived_experience 0 of 4; researchers 10 of 10)"
    )
    assert by_group.figures["agree_share"] == "4/9"


def test_group_weights_set_each_groups_share_of_the_say() -> None:
    lived = people("le", 4, "lived_experience")
    researchers = people("r", 4, "researchers")
    funders = people("f", 2, "funders")
    ballots = votes(AGREE, lived[:3]) + votes(DISAGREE, lived[3:]) + votes(DISAGREE, researchers)
    ballots += votes(AGREE, funders)
    weighted = policy(
        Method.MAJORITY,
        BlockEffect.DISAGREE,
        group_weights={"lived_experience": Fraction(3, 4), "researchers": Fraction(1, 4)},
    )

    decision = decide(weighted, lived + researchers + funders, ballots)

    # 3/4 * 3/4 + 1/4 * 0 = 9/16; funders hold no weight in this agreement.
    assert decision.outcome is Outcome.ADOPTED
    assert decision.figures["agree_share"] == "9/16"
    assert decision.figures["group:funders:weight"] == "0/1"
    assert "lived_experience 3 of 4, weight 3/4; researchers 0 of 4, weight 1/4" in decision.explanation


def test_concurrent_majority_fails_when_one_group_is_outvoted() -> None:
    lived = people("le", 5, "lived_experience")
    carers = people("c", 3, "carers")
    researchers = people("r", 6, "researchers")
    ballots = votes(AGREE, lived[:2]) + votes(DISAGREE, lived[2:]) + votes(AGREE, carers + researchers)

    decision = decide(load_builtin("majority-in-every-group"), lived + carers + researchers, ballots)

    assert decision.outcome is Outcome.NOT_ADOPTED
    assert decision.rule == "concurrent_majority"
    assert decision.explanation == (
        "Not adopted: in lived_experience, 2 of 5 votes were agree (40%); this decision needs "
        "more than 1/2 of the votes in every group, not counting abstentions."
    )


def test_majority_in_every_group_adopts_when_every_group_agrees() -> None:
    lived = people("le", 5, "lived_experience")
    researchers = people("r", 6, "researchers")
    ballots = votes(AGREE, lived[:3]) + votes(DISAGREE, lived[3:4]) + votes(AGREE, researchers[:4])
    decision = decide(load_builtin("majority-in-every-group"), lived + researchers, ballots)
    assert decision.outcome is Outcome.ADOPTED
    assert decision.explanation.endswith("8 of 11 members took part (73%) and every group reached quorum.")


def test_a_group_that_only_abstained_is_not_held_to_the_threshold() -> None:
    lived = people("le", 2, "lived_experience")
    researchers = people("r", 2, "researchers")
    ballots = votes(ABSTAIN, lived) + votes(AGREE, researchers)
    decision = decide(load_builtin("majority-in-every-group"), lived + researchers, ballots)
    assert decision.outcome is Outcome.ADOPTED


# -- blocks and vetoes ------------------------------------------------------------------------


def test_a_lived_experience_block_is_a_veto() -> None:
    lived = people("le", 3, "lived_experience")
    researchers = people("r", 6, "researchers")
    ballots = votes(AGREE, lived[:2] + researchers) + votes(BLOCK, lived[2:])

    decision = decide(load_builtin("lived-experience-veto"), lived + researchers, ballots)

    assert decision.outcome is Outcome.BLOCKED
    assert decision.rule == "veto_groups"
    assert decision.explanation == (
        "Blocked: 1 lived_experience member blocked; under this policy a block from a member of "
        "lived_experience stops the proposal."
    )


def test_a_block_from_outside_the_veto_group_counts_as_disagree() -> None:
    lived = people("le", 3, "lived_experience")
    researchers = people("r", 6, "researchers")
    ballots = votes(AGREE, lived + researchers[:4]) + votes(BLOCK, researchers[4:])
    decision = decide(load_builtin("lived-experience-veto"), lived + researchers, ballots)
    assert decision.outcome is Outcome.ADOPTED
    assert "7 of 9 votes were agree (78%; blocks count as disagree)" in decision.explanation
    assert decision.figures["veto_blocks"] == 0


def test_any_block_stops_consensus() -> None:
    circle = people("m", 6)
    ballots = votes(AGREE, circle[:5]) + votes(BLOCK, circle[5:])
    decision = decide(load_builtin("consensus"), circle, ballots)
    assert decision.outcome is Outcome.BLOCKED
    assert decision.rule == "block_effect"
    assert decision.explanation == ("Blocked: 1 member blocked, and under this policy any block stops the proposal.")


# -- consensus and unanimity ------------------------------------------------------------------


def test_one_disagreement_means_there_is_no_consensus() -> None:
    circle = people("m", 6)
    ballots = votes(AGREE, circle[:5]) + votes(DISAGREE, circle[5:])
    decision = decide(load_builtin("consensus"), circle, ballots)
    assert decision.outcome is Outcome.NOT_ADOPTED
    assert decision.rule == "method"
    assert decision.explanation.startswith("Not adopted: 1 of 6 members who voted disagreed")


def test_agreeing_and_standing_aside_is_consensus() -> None:
    circle = people("m", 6)
    ballots = votes(AGREE, circle[:4]) + votes(ABSTAIN, circle[4:])
    decision = decide(load_builtin("consensus"), circle, ballots)
    assert decision.outcome is Outcome.ADOPTED
    assert "all 6 members who voted agreed or abstained (4 agreed, 2 abstained)" in decision.explanation


def test_consensus_needs_someone_to_agree() -> None:
    circle = people("m", 3)
    decision = decide(load_builtin("consensus"), circle, votes(ABSTAIN, circle))
    assert decision.outcome is Outcome.NOT_ADOPTED


def test_unanimity_needs_every_eligible_member_to_agree() -> None:
    circle = people("m", 12)
    missing_one = decide(load_builtin("unanimity"), circle, votes(AGREE, circle[:11]))
    everyone = decide(load_builtin("unanimity"), circle, votes(AGREE, circle))
    assert missing_one.outcome is Outcome.NOT_ADOPTED
    assert missing_one.explanation == (
        "Not adopted: 11 of 12 eligible members agreed; unanimity needs every eligible member to agree."
    )
    assert everyone.outcome is Outcome.ADOPTED
    assert everyone.explanation == "Adopted unanimously: all 12 eligible members agreed."


# -- the inputs -------------------------------------------------------------------------------


def test_ballots_from_people_not_on_the_roster_are_ignored_and_counted() -> None:
    circle = people("m", 3)
    outsiders = [Ballot(f"x{i}", AGREE) for i in range(3)]
    ballots = [*votes(DISAGREE, circle[:2]), *outsiders]
    decision = decide(load_builtin("majority"), circle, ballots)
    assert decision.outcome is Outcome.NOT_ADOPTED
    assert decision.figures["ballots_ignored"] == 3


def test_the_decision_never_depends_on_reasons_which_may_be_erased() -> None:
    circle = people("m", 3)
    with_reasons = [Ballot("m0", AGREE, "good"), Ballot("m1", DISAGREE, "costly"), Ballot("m2", BLOCK, "unsafe")]
    erased = [Ballot(b.member_id, b.position) for b in with_reasons]
    for name in ("consent", "majority", "lived-experience-veto"):
        assert decide(load_builtin(name), circle, with_reasons) == decide(load_builtin(name), circle, erased)


@pytest.mark.parametrize(
    ("roster", "ballots", "objections", "message"),
    [
        ([Member("m0"), Member("m0")], [], [], "roster member 'm0' appears more than once"),
        ([Member("m0")], [Ballot("m0", AGREE), Ballot("m0", BLOCK)], [], "ballot from member 'm0'"),
        (
            [Member("m0")],
            [],
            [Objection("o", "m0", True, ObjectionStatus.RAISED)] * 2,
            "objection 'o' appears more than once",
        ),
    ],
)
def test_duplicates_are_refused_rather_than_resolved_by_order(
    roster: list[Member], ballots: list[Ballot], objections: list[Objection], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        decide(load_builtin("consent"), roster, ballots, objections)


def test_figures_hold_only_whole_numbers_and_fraction_text() -> None:
    lived = people("le", 3, "lived_experience")
    researchers = people("r", 3, "researchers")
    decision = decide(
        load_builtin("majority-in-every-group"),
        lived + researchers,
        votes(AGREE, lived + researchers),
    )
    assert all(type(value) in (int, str) for value in decision.figures.values())
    assert list(decision.figures) == sorted(decision.figures)
