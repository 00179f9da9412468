"""Every sentence a bad rule or a bad input gives, word for word: a person reads them, not a programmer."""

from __future__ import annotations

import json
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
    "min_open_hours, max_open_hours, allow_overrule, overrule_process"
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
    cases = [
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
    assert sorted(known) == sorted(text for text, _, _ in BAD)
    for text, _, _ in BAD:
        assert sentence_for(text) == known[text], text


if __name__ == "__main__":
    answers = {text: sentence_for(text) for text, _, _ in BAD}
    KNOWN_ERRORS.write_text(json.dumps(answers, indent=1, ensure_ascii=False, sort_keys=True) + "\n", encoding="utf-8")
