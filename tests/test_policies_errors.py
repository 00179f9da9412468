"""Every sentence a bad rule or a bad input gives, word for word: a person reads them, not a programmer."""

from __future__ import annotations

import json
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path

import pytest

from policies import (
    Ballot,
    BlockEffect,
    Member,
    Method,
    Objection,
    ObjectionStatus,
    Policy,
    PolicyError,
    Position,
    load_builtin,
    parse_policy,
)
from policies.errors import show_value
from tests.test_policies_rulefile import BAD

MINIMAL = 'name = "t"\nmethod = "consent"\ndescription = "d"\nblock_effect = "objection"\n'
WEIGHTED = 'name = "t"\nmethod = "majority"\ndescription = "d"\nblock_effect = "disagree"\n'
FIELDS = (
    "name, method, description, block_effect, quorum, group_quorum, abstain_counts_for_quorum, threshold, "
    "threshold_strict, concurrent_majority, equal_group_voice, group_weights, veto_groups, reason_required_for, "
    "min_open_hours, max_open_hours, allow_overrule, overrule_process, positions_private_until_close"
)

SENTENCES = [
    (MINIMAL + "min_open_hours = true\n", "field 'min_open_hours': must be a whole number, got true."),
    (MINIMAL + "min_open_hours = 1.5\n", "field 'min_open_hours': must be a whole number, got 1.5."),
    (MINIMAL + "quorum = -1\n", "field 'quorum': must be a fraction between 0 and 1 like \"2/3\", got -1."),
    (MINIMAL + 'quorum = "3/2"\n', 'field \'quorum\': must be a fraction between 0 and 1 like "2/3", got "3/2".'),
    (MINIMAL + "threshold = false\n", "field 'threshold': must be a fraction between 0 and 1 like \"2/3\", got false."),
    (
        WEIGHTED + '[group_weights]\nlived = "0"\n',
        'field \'group_weights.lived\': must be a positive fraction like "1/2" or a whole number, got "0".',
    ),
    (
        MINIMAL + 'quorom = "1/2"\n',
        f"field 'quorom': is not a policy field (did you mean 'quorum'?); the fields are {FIELDS}.",
    ),
    (MINIMAL + "colour = 1\n", f"field 'colour': is not a policy field; the fields are {FIELDS}."),
    ('name = "t"\nmethod = "consent"\ndescription = "d"\n', "field 'block_effect': is required."),
    (
        MINIMAL + 'reason_required_for = "block"\n',
        "field 'reason_required_for': must be a list of positions in quotes, got \"block\".",
    ),
    (
        MINIMAL + 'reason_required_for = ["block", "block"]\n',
        "field 'reason_required_for': lists \"block\" more than once.",
    ),
    (
        MINIMAL + 'reason_required_for = ["maybe"]\n',
        'field \'reason_required_for\': must be one of "agree", "abstain", "disagree", "block", got "maybe".',
    ),
    (MINIMAL.replace('name = "t"', "name = 5"), "field 'name': must be text in quotes, got 5."),
    (MINIMAL + "allow_overrule = {a = 1}\n", "field 'allow_overrule': must be true or false, got a table."),
    (MINIMAL + "allow_overrule = [1]\n", "field 'allow_overrule': must be true or false, got a list."),
    (
        MINIMAL + 'veto_groups = "' + "x" * 41 + '"\n',
        "field 'veto_groups': must be a list of group names in quotes, got \"" + "x" * 37 + '...".',
    ),
    (
        MINIMAL + 'veto_groups = "' + "é" * 40 + '"\n',
        "field 'veto_groups': must be a list of group names in quotes, got \"" + "é" * 40 + '".',
    ),
    (
        MINIMAL.replace('"consent"', '"sociocracy"', 1),
        'field \'method\': must be one of "consent", "consensus", "majority", "supermajority", "unanimity", '
        'got "sociocracy".',
    ),
]


@pytest.mark.parametrize(("text", "sentence"), SENTENCES)
def test_a_bad_rule_file_says_file_field_and_why_in_one_sentence(text: str, sentence: str) -> None:
    with pytest.raises(PolicyError) as raised:
        parse_policy(text, source="rules/t.toml")
    assert str(raised.value) == f"rules/t.toml: {sentence}"
    assert raised.value.args == (f"rules/t.toml: {sentence}",)
    assert raised.value.source == "rules/t.toml"


def test_a_whole_number_or_a_plain_fraction_is_a_share() -> None:
    assert parse_policy(MINIMAL + 'quorum = "1"\n', source="t").quorum == Fraction(1)
    assert parse_policy(MINIMAL + "quorum = 1\n", source="t").quorum == Fraction(1)
    assert parse_policy(MINIMAL + "quorum = 0\n", source="t").quorum == Fraction(0)
    assert parse_policy(MINIMAL + 'quorum = "2/3"\n', source="t").quorum == Fraction(2, 3)


def test_an_unknown_builtin_is_named_with_the_ones_there_are() -> None:
    with pytest.raises(PolicyError) as raised:
        load_builtin("sociocracy")
    assert str(raised.value).endswith(
        "there is no built-in policy 'sociocracy'; the built-in policies are consensus, consent, "
        "lived-experience-veto, majority, majority-in-every-group, supermajority, unanimity."
    )


def test_a_bad_group_name_in_code_is_explained() -> None:
    with pytest.raises(PolicyError) as raised:
        Policy(
            name="t",
            method=Method.CONSENT,
            description="d",
            block_effect=BlockEffect.VETO_GROUP,
            veto_groups=frozenset({"lived experience"}),
        )
    assert str(raised.value) == (
        "<policy>: field 'veto_groups': group names are ASCII letters, digits, '_', '-' and '.', "
        'starting with a letter or digit, got "lived experience".'
    )


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (True, "true"),
        (False, "false"),
        (7, "7"),
        (Fraction(2, 3), '"2/3"'),
        ("x" * 40, '"' + "x" * 40 + '"'),
        ("x" * 41, '"' + "x" * 37 + '..."'),
        ("é", '"é"'),
        ({"a": 1}, "a table"),
        ([1], "a list"),
        (frozenset({1}), "a list"),
        (None, "a NoneType"),
        (b"x", "a list"),
    ],
)
def test_a_bad_value_is_shown_short_and_as_written(value: object, shown: str) -> None:
    assert show_value(value) == shown


def test_a_member_ballot_or_objection_of_the_wrong_type_is_refused_with_what_it_got() -> None:
    cases: list[tuple[Callable[[], object], str]] = [
        (lambda: Member(5), "member_id must be a non-empty string, got 5"),  # type: ignore[arg-type]
        (lambda: Member(""), "member_id must be a non-empty string, got ''"),
        (lambda: Member("m", "abc"), "groups must be a set of group names, got the string 'abc'"),  # type: ignore[arg-type]
        (lambda: Member("m", frozenset({""})), "groups must be non-empty strings, got [\"''\"]"),
        (lambda: Member("m", frozenset({3})), "groups must be non-empty strings, got ['3']"),  # type: ignore[arg-type]
        (lambda: Ballot("m", "agree"), "position must be a Position, got 'agree'"),  # type: ignore[arg-type]
        (
            lambda: Objection("o", "m", paramount=True, status="raised"),  # type: ignore[arg-type]
            "status must be an ObjectionStatus, got 'raised'",
        ),
        (
            lambda: Objection("o", "m", paramount=1, status=ObjectionStatus.RAISED),  # type: ignore[arg-type]
            "paramount must be a bool, got 1",
        ),
    ]
    for make, message in cases:
        with pytest.raises(TypeError) as raised:
            make()
        assert str(raised.value) == message


def test_a_members_groups_are_kept_as_a_frozen_set() -> None:
    member = Member("m", ["b", "a", "a"])  # type: ignore[arg-type]
    assert member.groups == frozenset({"a", "b"}) and isinstance(member.groups, frozenset)
    assert hash(member) == hash(Member("m", frozenset({"a", "b"})))
    assert Ballot("m", Position.AGREE).reason == ""


# Every bad rule file of tests/test_policies_rulefile.py, with its whole sentence (known_policy_errors.json;
# regenerate with ``python -m tests.test_policies_errors`` after a deliberate change of wording).
KNOWN_ERRORS = Path(__file__).with_name("known_policy_errors.json")


def sentence_for(text: str) -> str:
    try:
        parse_policy(text, source="policies/rules/x.toml")
    except PolicyError as e:
        return str(e)
    raise AssertionError(f"this rule file was accepted: {text!r}")


def test_every_bad_rule_file_has_its_known_sentence() -> None:
    known = json.loads(KNOWN_ERRORS.read_text(encoding="utf-8"))
    assert sorted(k for k in known if not k.startswith("in code: ")) == sorted(text for text, _, _ in BAD)
    for text, _, _ in BAD:
        assert sentence_for(text) == known[text], text


# A policy built in code is checked like a file: each wrong field, and its whole sentence.
M, SM, CS, CN = Method.MAJORITY, Method.SUPERMAJORITY, Method.CONSENT, Method.CONSENSUS
OBJ, VETO, DIS, VG = BlockEffect.OBJECTION, BlockEffect.VETO, BlockEffect.DISAGREE, BlockEffect.VETO_GROUP
IN_CODE: dict[str, dict[str, object]] = {
    "name not text": {"name": 5},
    "name empty": {"name": "  "},
    "name with a line break": {"name": "two\nlines"},
    "name with a surrogate": {"name": "bad \ud800"},
    "description empty": {"description": ""},
    "description not text": {"description": None},
    "overrule_process not text": {"overrule_process": 3},
    "overrule_process with a surrogate": {"overrule_process": "\udfff", "allow_overrule": True},
    "method not a method": {"method": "majority"},
    "block_effect not an effect": {"block_effect": "veto"},
    "quorum above one": {"quorum": Fraction(3, 2)},
    "quorum a float": {"quorum": 0.5},
    "group_quorum negative": {"group_quorum": Fraction(-1, 2)},
    "abstain_counts_for_quorum not a bool": {"abstain_counts_for_quorum": 1},
    "majority threshold other than half": {"method": M, "block_effect": DIS, "threshold": Fraction(2, 3)},
    "majority at least half": {"method": M, "block_effect": DIS, "threshold_strict": False},
    "threshold_strict not a bool": {"method": M, "block_effect": DIS, "threshold_strict": "yes"},
    "threshold above one": {"method": SM, "block_effect": DIS, "threshold": Fraction(4, 3)},
    "supermajority without threshold": {"method": SM, "block_effect": DIS},
    "supermajority of a half": {"method": SM, "block_effect": DIS, "threshold": Fraction(1, 2)},
    "more than all": {"method": SM, "block_effect": DIS, "threshold": Fraction(1), "threshold_strict": True},
    "threshold under consensus": {"method": CN, "block_effect": DIS, "threshold": Fraction(2, 3)},
    "threshold_strict under consensus": {"method": CN, "block_effect": DIS, "threshold_strict": True},
    "concurrent_majority not a bool": {"method": M, "block_effect": DIS, "concurrent_majority": "no"},
    "equal_group_voice not a bool": {"method": M, "block_effect": DIS, "equal_group_voice": 0},
    "group_weights not a table": {"method": M, "block_effect": DIS, "group_weights": [1]},
    "a weight of zero": {"method": M, "block_effect": DIS, "group_weights": {"a": Fraction(0)}},
    "a weight as an integer": {"method": M, "block_effect": DIS, "group_weights": {"a": 1}},
    "a weight for a bad group name": {"method": M, "block_effect": DIS, "group_weights": {"a b": Fraction(1)}},
    "concurrent majority under consensus": {"method": CN, "block_effect": DIS, "concurrent_majority": True},
    "equal voice under consensus": {"method": CN, "block_effect": DIS, "equal_group_voice": True},
    "weights under consensus": {"method": CN, "block_effect": DIS, "group_weights": {"a": Fraction(1)}},
    "weights with equal voice": {
        "method": M,
        "block_effect": DIS,
        "equal_group_voice": True,
        "group_weights": {"a": Fraction(1)},
    },
    "veto_groups not a set": {"method": M, "block_effect": VG, "veto_groups": ["a"]},
    "veto group badly named": {"method": M, "block_effect": VG, "veto_groups": frozenset({"-a"})},
    "veto_group without groups": {"method": M, "block_effect": VG},
    "veto groups without veto_group": {"method": M, "block_effect": DIS, "veto_groups": frozenset({"a"})},
    "consent with blocks as disagree": {"method": CS, "block_effect": DIS},
    "reasons not a set": {"reason_required_for": [Position.BLOCK]},
    "reasons not positions": {"reason_required_for": frozenset({"block"})},
    "min_open_hours negative": {"min_open_hours": -1},
    "min_open_hours a bool": {"min_open_hours": True},
    "max_open_hours zero": {"max_open_hours": 0},
    "max_open_hours beyond ten years": {"max_open_hours": 24 * 366 * 10 + 1},
    "max below min": {"min_open_hours": 10, "max_open_hours": 9},
    "allow_overrule not a bool": {"allow_overrule": "yes"},
    "overrule without a process": {"allow_overrule": True, "overrule_process": "  "},
    "a process without overrule": {"overrule_process": "the steering group"},
}


def code_sentence(label: str) -> str:
    fields: dict[str, object] = {"name": "t", "method": CS, "description": "d", "block_effect": OBJ}
    fields.update(IN_CODE[label])
    try:
        Policy(**fields)  # type: ignore[arg-type]
    except PolicyError as e:
        return str(e)
    raise AssertionError(f"this policy was accepted: {label}")


def test_every_policy_built_wrong_in_code_has_its_known_sentence() -> None:
    known = json.loads(KNOWN_ERRORS.read_text(encoding="utf-8"))
    assert sorted(k for k in known if k.startswith("in code: ")) == sorted(f"in code: {k}" for k in IN_CODE)
    for label in IN_CODE:
        assert code_sentence(label) == known[f"in code: {label}"], label


def test_a_policy_built_in_code_keeps_its_text_nfc_and_its_weights_read_only() -> None:
    policy = Policy(
        name="Cafe\u0301",
        method=M,
        description="d",
        block_effect=DIS,
        group_weights={"a": Fraction(1)},
        overrule_process="",
    )
    assert policy.name == "Caf\u00e9"
    assert dict(policy.group_weights) == {"a": Fraction(1)}
    with pytest.raises(TypeError):
        policy.group_weights["b"] = Fraction(1)  # type: ignore[index]
    assert policy.threshold == Fraction(1, 2) and policy.threshold_strict is True
    assert (
        Policy(name="t", method=SM, description="d", block_effect=DIS, threshold=Fraction(2, 3)).threshold_strict
        is False
    )
    assert policy.requires_reason(Position.BLOCK) and not policy.requires_reason(Position.AGREE)
    assert hash(policy) == hash(
        Policy(name="Café", method=M, description="d", block_effect=DIS, group_weights={"a": Fraction(1)})
    )
    assert hash(policy) != hash(
        Policy(name="Café", method=M, description="d", block_effect=DIS, group_weights={"a": Fraction(2)})
    )


if __name__ == "__main__":
    answers = {text: sentence_for(text) for text, _, _ in BAD}
    answers.update({f"in code: {label}": code_sentence(label) for label in IN_CODE})
    KNOWN_ERRORS.write_text(json.dumps(answers, indent=1, ensure_ascii=False, sort_keys=True) + "\n", encoding="utf-8")


def test_the_edges_of_what_a_policy_accepts() -> None:
    def build(**fields: object) -> Policy:
        base: dict[str, object] = {"name": "t", "method": M, "description": "d", "block_effect": DIS}
        return Policy(**{**base, **fields})  # type: ignore[arg-type]

    assert build(min_open_hours=5, max_open_hours=5).max_open_hours == 5
    assert build(max_open_hours=24 * 366 * 10).max_open_hours == 24 * 366 * 10
    assert build(name="private use \ue000").name == "private use \ue000"
    bad_groups: tuple[dict[str, object], ...] = (
        {"group_weights": {"a": Fraction(1), 2: Fraction(1)}},
        {"veto_groups": frozenset({"a", 2})},
    )
    for fields in bad_groups:
        if "veto_groups" in fields:
            fields["block_effect"] = VG
        with pytest.raises(PolicyError, match="group names are ASCII letters"):
            build(**fields)


def test_an_unknown_builtin_names_where_it_looked() -> None:
    with pytest.raises(PolicyError) as raised:
        load_builtin("sociocracy")
    assert str(raised.value) == (
        "policies/rules/sociocracy.toml: there is no built-in policy 'sociocracy'; the built-in policies are "
        "consensus, consent, lived-experience-veto, majority, majority-in-every-group, supermajority, unanimity."
    )


def test_a_value_of_another_kind_is_named_by_its_type() -> None:
    assert show_value(complex(1, 1)) == "a complex"
