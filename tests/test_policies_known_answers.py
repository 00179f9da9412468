"""Known answers: every rule over every situation gives exactly the recorded outcome, rule, explanation and figures.

A Closed event records the explanation and the figures, and `copro verify` recomputes
them and compares every character. So the wording and the numbers are part of the
ledger format: a change to either makes every ledger written before it fail to verify.
These answers pin them. They were computed once by this code and read through by a
person (tests/known_decisions.json); a deliberate change of wording is a format change
and regenerates the file with ``python -m tests.test_policies_known_answers``.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest

from policies import (
    Ballot,
    BlockEffect,
    Member,
    Method,
    Objection,
    ObjectionStatus,
    Policy,
    Position,
    decide,
    load_builtin,
)

ANSWERS = Path(__file__).with_name("known_decisions.json")

AGREE, ABSTAIN, DISAGREE, BLOCK = Position.AGREE, Position.ABSTAIN, Position.DISAGREE, Position.BLOCK
RAISED, ANSWERED, WITHDRAWN, INTEGRATED, UPHELD, OVERRULED = (
    ObjectionStatus.RAISED,
    ObjectionStatus.ANSWERED,
    ObjectionStatus.WITHDRAWN,
    ObjectionStatus.INTEGRATED,
    ObjectionStatus.UPHELD,
    ObjectionStatus.OVERRULED,
)

# Nine members in three groups; "le3" is in two of them.
ROSTER = (
    [Member(f"le{i}", frozenset({"lived_experience"})) for i in range(3)]
    + [Member("le3", frozenset({"lived_experience", "practitioners"}))]
    + [Member(f"r{i}", frozenset({"researchers"})) for i in range(3)]
    + [Member(f"p{i}", frozenset({"practitioners"})) for i in range(2)]
)
LE = [m.member_id for m in ROSTER if "lived_experience" in m.groups]
R = [m.member_id for m in ROSTER if "researchers" in m.groups]
P = [m.member_id for m in ROSTER if "practitioners" in m.groups and "lived_experience" not in m.groups]
EVERYONE = [m.member_id for m in ROSTER]


def custom(name: str, method: Method, block_effect: BlockEffect, **fields: Any) -> Policy:
    return Policy(name=name, method=method, description=f"{name}, for a test.", block_effect=block_effect, **fields)


BUILTINS = (
    "consent",
    "consensus",
    "majority",
    "majority-in-every-group",
    "supermajority",
    "unanimity",
    "lived-experience-veto",
)

POLICIES: dict[str, Callable[[], Policy]] = {
    **{name: functools.partial(load_builtin, name) for name in BUILTINS},
    "strict-two-thirds": lambda: custom(
        "strict-two-thirds",
        Method.SUPERMAJORITY,
        BlockEffect.DISAGREE,
        quorum=Fraction(1, 3),
        threshold=Fraction(2, 3),
        threshold_strict=True,
    ),
    "weighted": lambda: custom(
        "weighted",
        Method.MAJORITY,
        BlockEffect.DISAGREE,
        quorum=Fraction(1, 3),
        group_weights={"lived_experience": Fraction(1, 2), "researchers": Fraction(1, 4)},
    ),
    "overrulable-consent": lambda: custom(
        "overrulable-consent",
        Method.CONSENT,
        BlockEffect.OBJECTION,
        quorum=Fraction(1, 2),
        allow_overrule=True,
        overrule_process="two-thirds of the steering group",
    ),
    "abstentions-not-counted": lambda: custom(
        "abstentions-not-counted",
        Method.MAJORITY,
        BlockEffect.VETO,
        quorum=Fraction(1, 2),
        group_quorum=Fraction(1, 3),
        abstain_counts_for_quorum=False,
    ),
    "consensus-blocks-disagree": lambda: custom(
        "consensus-blocks-disagree", Method.CONSENSUS, BlockEffect.DISAGREE, quorum=Fraction(1, 4)
    ),
}


def ballots(*pairs: tuple[list[str], Position]) -> list[Ballot]:
    return [Ballot(m, position) for members, position in pairs for m in members]


def objection(oid: str, member: str, status: ObjectionStatus, paramount: bool = True) -> Objection:
    return Objection(oid, member, paramount=paramount, status=status)


BACKING = [*LE[:3], *R, *P]  # everyone but le3

SITUATIONS: dict[str, tuple[list[Ballot], list[Objection]]] = {
    "nobody responded": ([], []),
    "one agreed": (ballots((LE[:1], AGREE)), []),
    "everyone agreed": (ballots((EVERYONE, AGREE)), []),
    "everyone abstained": (ballots((EVERYONE, ABSTAIN)), []),
    "all agreed but one abstained": (ballots((EVERYONE[:-1], AGREE), (EVERYONE[-1:], ABSTAIN)), []),
    "a majority agreed, some disagreed": (ballots((EVERYONE[:6], AGREE), (EVERYONE[6:], DISAGREE)), []),
    "a tie": (ballots((EVERYONE[:4], AGREE), (EVERYONE[4:8], DISAGREE)), []),
    "two thirds exactly": (ballots((EVERYONE[:6], AGREE), (EVERYONE[6:], DISAGREE)), []),
    "researchers all disagreed": (ballots((LE, AGREE), (P, AGREE), (R, DISAGREE)), []),
    "lived experience stayed away": (ballots((R, AGREE), (P, AGREE)), []),
    "only researchers took part": (ballots((R, AGREE)), []),
    "abstentions and a few votes": (ballots((EVERYONE[:2], AGREE), (EVERYONE[2:7], ABSTAIN)), []),
    "a lived-experience member blocked": (ballots((BACKING, AGREE), (["le3"], BLOCK)), []),
    "a researcher blocked": (ballots(([*LE, *R[:2], *P], AGREE), (R[2:], BLOCK)), []),
    "two blocked": (ballots((BACKING[:-1], AGREE), (["le3", P[-1]], BLOCK)), []),
    "a block whose objection was withdrawn": (
        ballots((BACKING, AGREE), (["le3"], BLOCK)),
        [objection("o1", "le3", WITHDRAWN)],
    ),
    "a block whose objection was overruled": (
        ballots((BACKING, AGREE), (["le3"], BLOCK)),
        [objection("o1", "le3", OVERRULED)],
    ),
    "a paramount objection stands": (ballots((EVERYONE, AGREE)), [objection("o1", "r0", RAISED)]),
    "a paramount objection was answered": (ballots((EVERYONE, AGREE)), [objection("o1", "r0", ANSWERED)]),
    "a paramount objection was upheld": (ballots((EVERYONE, AGREE)), [objection("o1", "r0", UPHELD)]),
    "a paramount objection was integrated": (ballots((EVERYONE, AGREE)), [objection("o1", "r0", INTEGRATED)]),
    "two objections were overruled": (
        ballots((EVERYONE, AGREE)),
        [objection("o1", "r0", OVERRULED), objection("o2", "p0", OVERRULED)],
    ),
    "a concern, not paramount": (ballots((EVERYONE, AGREE)), [objection("o1", "p1", RAISED, paramount=False)]),
    "outsiders voted and objected": (
        ballots((EVERYONE[:5], AGREE), (["x0", "x1"], DISAGREE)),
        [objection("o9", "x0", RAISED)],
    ),
    "some disagreed under consensus": (ballots((EVERYONE[:7], AGREE), (EVERYONE[7:], DISAGREE)), []),
    "agree and abstain only": (ballots((EVERYONE[:3], AGREE), (EVERYONE[3:], ABSTAIN)), []),
    "disagree and abstain only": (ballots((EVERYONE[:3], DISAGREE), (EVERYONE[3:], ABSTAIN)), []),
}


def answer(policy: str, situation: str) -> dict[str, Any]:
    given, objections = SITUATIONS[situation]
    d = decide(POLICIES[policy](), ROSTER, given, objections)
    return {
        "outcome": d.outcome.value,
        "rule": d.rule,
        "explanation": d.explanation,
        "figures": {k: str(v) for k, v in sorted(d.figures.items())},
    }


def all_answers() -> dict[str, dict[str, Any]]:
    return {f"{p} / {s}": answer(p, s) for p in POLICIES for s in SITUATIONS}


KNOWN: dict[str, dict[str, Any]] = json.loads(ANSWERS.read_text(encoding="utf-8")) if ANSWERS.exists() else {}


def test_the_known_answers_cover_every_rule_and_situation() -> None:
    assert sorted(KNOWN) == sorted(f"{p} / {s}" for p in POLICIES for s in SITUATIONS)


@pytest.mark.parametrize("key", sorted(KNOWN))
def test_a_rule_gives_its_known_answer(key: str) -> None:
    policy, _, situation = key.partition(" / ")
    assert answer(policy, situation) == KNOWN[key]


def write_answers() -> None:
    """One answer a line, so a change of wording shows as a readable diff."""
    text = functools.partial(json.dumps, ensure_ascii=False)
    lines = [f"{text(k)}: {text(v)}" for k, v in all_answers().items()]
    ANSWERS.write_text("{\n" + ",\n".join(sorted(lines)) + "\n}\n", encoding="utf-8")


if __name__ == "__main__":
    write_answers()


# -- close to a rule: the percentage shown never lands on the wrong side of it ----------------------------


def crowd(prefix: str, number: int, *groups: str) -> list[Member]:
    return [Member(f"{prefix}{i:03d}", frozenset(groups)) for i in range(number)]


def say(position: Position, members: list[Member]) -> list[Ballot]:
    return [Ballot(m.member_id, position) for m in members]


@pytest.mark.parametrize(
    ("value", "rule", "shown"),
    [
        (Fraction(4996, 10000), Fraction(1, 2), "49.96%"),
        (Fraction(1, 2) + Fraction(1, 10**8), Fraction(1, 2), "50.001%"),
        (Fraction(1, 2) - Fraction(1, 10**8), Fraction(1, 2), "49.999%"),
        (Fraction(1, 2) + Fraction(6, 10**7), Fraction(1, 2), "50.001%"),
        (Fraction(2, 3) - Fraction(1, 10**8), Fraction(2, 3), "66.666%"),
        (Fraction(2, 3), None, "67%"),
    ],
)
def test_a_percentage_too_close_to_its_rule_is_cut_towards_its_own_side(
    value: Fraction, rule: Fraction | None, shown: str
) -> None:
    from policies.wording import percent

    assert percent(value, rule=rule) == shown


def test_an_empty_roster_never_has_quorum() -> None:
    d = decide(load_builtin("consent"), [], [])
    assert (d.outcome.value, d.rule) == ("no_quorum", "quorum")
    assert d.explanation == "Not adopted (no quorum): there are no eligible members."


def test_near_the_quorum_the_share_taking_part_is_not_rounded_up_to_it() -> None:
    members = crowd("m", 200)
    d = decide(load_builtin("consensus"), members, say(AGREE, members[:133]))
    assert "133 of 200 members took part (66.5%)" in d.explanation


def test_near_the_threshold_the_agree_share_is_not_rounded_up_to_it() -> None:
    members = crowd("m", 200)
    d = decide(load_builtin("supermajority"), members, say(AGREE, members[:133]) + say(DISAGREE, members[133:]))
    assert d.outcome.value == "not_adopted" and "133 of 200 votes were agree (66.5%)" in d.explanation


def test_near_a_group_quorum_and_a_group_majority_the_shares_are_not_rounded_up() -> None:
    lived, others = crowd("le", 200, "lived_experience"), crowd("r", 4, "researchers")
    policy = load_builtin("majority-in-every-group")
    short = decide(policy, lived + others, say(AGREE, lived[:99] + others))
    assert "99 of 200 lived_experience members took part (49.5%)" in short.explanation
    split = decide(policy, lived + others, say(AGREE, lived[:99] + others) + say(DISAGREE, lived[99:]))
    assert split.rule == "concurrent_majority" and "99 of 200 votes were agree (49.5%)" in split.explanation


def test_just_over_the_quorum_the_share_taking_part_is_not_rounded_down_to_it() -> None:
    members = crowd("m", 201)
    d = decide(load_builtin("consent"), members, say(AGREE, members[:101]))
    assert d.outcome.value == "adopted" and "101 of 201 members took part (50.2%)" in d.explanation


def test_a_weighted_share_near_the_threshold_is_not_rounded_up_to_it() -> None:
    lived, research = crowd("le", 200, "lived_experience"), crowd("r", 200, "researchers")
    policy = POLICIES["weighted"]()
    d = decide(
        policy, lived + research, say(AGREE, lived[:99] + research[:99]) + say(DISAGREE, lived[99:] + research[99:])
    )
    assert d.outcome.value == "not_adopted" and "the agree share is 49.5%" in d.explanation


def test_three_groups_short_of_quorum_are_listed_with_commas_and_a_final_and() -> None:
    members = crowd("a", 2, "a") + crowd("b", 2, "b") + crowd("c", 2, "c") + crowd("d", 2, "d")
    policy = custom("four-groups", Method.MAJORITY, BlockEffect.DISAGREE, group_quorum=Fraction(1, 2))
    d = decide(policy, members, say(AGREE, members[6:]))
    assert d.rule == "group_quorum"
    assert "0 of 2 a members took part (0%), 0 of 2 b members took part (0%) and 0 of 2 c members" in d.explanation


def test_a_veto_group_with_no_one_on_the_roster_blocks_nothing() -> None:
    members = crowd("r", 4, "researchers")
    d = decide(load_builtin("lived-experience-veto"), members, say(AGREE, members[:3]) + say(BLOCK, members[3:]))
    assert d.rule != "veto_groups"


def test_a_veto_is_explained_even_when_another_veto_group_has_no_one_on_the_roster() -> None:
    members = crowd("a", 3, "a")
    policy = custom("two-veto-groups", Method.MAJORITY, BlockEffect.VETO_GROUP, veto_groups=frozenset({"a", "b"}))
    d = decide(policy, members, say(AGREE, members[:2]) + say(BLOCK, members[2:]))
    assert (
        d.explanation
        == "Blocked: 1 a member blocked; under this policy a block from a member of a and b stops the proposal."
    )
