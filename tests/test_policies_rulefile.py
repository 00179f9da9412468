"""Rule files: the shipped ones parse and keep their hashes; a bad one says file, field and why."""

from __future__ import annotations

import ast
import hashlib
import json
import sys
import unicodedata
from fractions import Fraction
from pathlib import Path

import pytest
import rfc8785
from hypothesis import given
from hypothesis import strategies as st

from policies import (
    BlockEffect,
    Method,
    Policy,
    PolicyError,
    Position,
    builtin_names,
    canonical_json,
    load_builtin,
    load_policy,
    parse_policy,
    policy_document,
    policy_hash,
)

RULES = Path(__file__).resolve().parent.parent / "policies" / "rules"

#: Checked when pinned by an independent computation: the canonical document built by hand
#: from each TOML file per the spec in policies/canonical.py, serialised with `rfc8785`.
KNOWN_HASHES = {
    "consensus": "sha256:dc02e79f6361d91548dab91418f6397806343cb76ed93cd017e0b0c5b930b1b5",
    "consent": "sha256:16868594ff924faa1f3f8278c746a981ce74d9229beb7751ca596a6e9b865ab3",
    "lived-experience-veto": "sha256:c6dced2e250b4cb87ede1d168b9e6835cf241f4568a14675a3fb7961c75fdd57",
    "majority": "sha256:eeec85be357204a9af039d3d6624a56fbc3c95063cafcaef868415a37e98d07a",
    "majority-in-every-group": ("sha256:36cf851a2b5207fe9e59d8befc8a2ba3f04706c726396960e4153c3881e5b7a1"),
    "supermajority": "sha256:78f8b13fb06c6387215f827d8ca19ce16415b93e6fff9bdc4ee5b4d1d120dc3d",
    "unanimity": "sha256:d6522b85420dfff3d7f6a27e681ff4d8ed141195a24c4049c973f24c1a0ff1f0",
}

MINIMAL = """\
name = "test"
method = "majority"
description = "A rule for a test."
block_effect = "disagree"
"""


# -- the shipped rules ------------------------------------------------------------------------


def test_every_shipped_rule_file_is_a_builtin() -> None:
    assert builtin_names() == tuple(sorted(p.stem for p in RULES.glob("*.toml")))
    assert set(builtin_names()) == set(KNOWN_HASHES)


@pytest.mark.parametrize("name", sorted(KNOWN_HASHES))
def test_shipped_rule_parses_with_its_own_name_and_a_plain_description(name: str) -> None:
    policy = load_builtin(name)
    assert policy.name == name
    assert len(policy.description.split()) >= 20
    assert policy == load_policy(RULES / f"{name}.toml")


@pytest.mark.parametrize("name", sorted(KNOWN_HASHES))
def test_shipped_rule_hash_is_stable(name: str) -> None:
    assert policy_hash(load_builtin(name)) == KNOWN_HASHES[name]


@pytest.mark.parametrize("name", sorted(KNOWN_HASHES))
def test_canonical_json_is_rfc8785(name: str) -> None:
    document = policy_document(load_builtin(name))
    assert canonical_json(document) == rfc8785.dumps(document)
    assert policy_hash(load_builtin(name)) == ("sha256:" + hashlib.sha256(rfc8785.dumps(document)).hexdigest())


def test_the_shipped_rules_cover_every_method_and_the_co_production_specifics() -> None:
    shipped = [load_builtin(name) for name in builtin_names()]
    assert {p.method for p in shipped} == set(Method)
    assert any(p.group_quorum and p.concurrent_majority and p.equal_group_voice for p in shipped)
    assert any(p.block_effect is BlockEffect.VETO_GROUP for p in shipped)
    assert load_builtin("supermajority").threshold == Fraction(2, 3)


def test_canonical_document_spells_fractions_and_sets_as_documented() -> None:
    document = policy_document(load_builtin("lived-experience-veto"))
    assert document["threshold"] == "2/3"
    assert document["quorum"] == "1/2"
    assert document["veto_groups"] == ["lived_experience"]
    assert document["reason_required_for"] == ["block", "disagree"]
    assert document["schema"] == "copro.policy/1"
    assert "max_open_hours" in document
    assert "threshold" not in policy_document(load_builtin("consent"))


# -- the hash is of the meaning, not the bytes ------------------------------------------------


def test_comments_key_order_and_written_out_defaults_do_not_change_the_hash() -> None:
    shuffled = "\n".join(reversed(MINIMAL.splitlines())) + "\n"
    explicit = MINIMAL + (
        "# the defaults, written out\n"
        'quorum = 0\ngroup_quorum = "0/1"\nthreshold = "2/4"\nthreshold_strict = true\n'
        'reason_required_for = ["block", "disagree"]\nallow_overrule = false\n'
    )
    hashes = {policy_hash(parse_policy(text, source="t.toml")) for text in (MINIMAL, shuffled, explicit)}
    assert len(hashes) == 1


def test_any_change_of_meaning_changes_the_hash() -> None:
    base = policy_hash(parse_policy(MINIMAL, source="t.toml"))
    changed = [
        MINIMAL.replace("A rule for a test.", "A rule for a test!"),
        MINIMAL + 'quorum = "1/2"\n',
        MINIMAL + "abstain_counts_for_quorum = false\n",
        MINIMAL + "max_open_hours = 48\n",
        MINIMAL + 'reason_required_for = ["block"]\n',
    ]
    hashes = {policy_hash(parse_policy(text, source="t.toml")) for text in changed}
    assert base not in hashes
    assert len(hashes) == len(changed)


def test_text_is_nfc_normalised_before_hashing() -> None:
    composed = MINIMAL.replace("A rule for a test.", "Décision")
    decomposed = MINIMAL.replace("A rule for a test.", unicodedata.normalize("NFD", "Décision"))
    assert composed != decomposed
    assert policy_hash(parse_policy(composed, source="t.toml")) == policy_hash(
        parse_policy(decomposed, source="t.toml")
    )


_text = st.text(min_size=1).filter(lambda s: s.strip() != "")


@given(
    name=_text.filter(lambda s: not any(unicodedata.category(c) == "Cc" for c in s)),
    description=_text,
    process=_text,
    weights=st.dictionaries(
        st.from_regex(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,10}", fullmatch=True),
        st.fractions(min_value=Fraction(1, 1000), max_value=10),
        max_size=4,
    ),
)
def test_canonical_json_is_rfc8785_for_any_text(
    name: str, description: str, process: str, weights: dict[str, Fraction]
) -> None:
    policy = Policy(
        name=name,
        method=Method.SUPERMAJORITY,
        description=description,
        block_effect=BlockEffect.DISAGREE,
        threshold=Fraction(3, 4),
        group_weights=weights,
        allow_overrule=True,
        overrule_process=process,
    )
    document = policy_document(policy)
    assert canonical_json(document) == rfc8785.dumps(document)
    assert json.loads(canonical_json(document)) == document


# -- bad rule files ---------------------------------------------------------------------------


def _error(text: str) -> PolicyError:
    with pytest.raises(PolicyError) as caught:
        parse_policy(text, source="policies/rules/x.toml")
    return caught.value


def test_a_decimal_threshold_is_refused_with_file_field_and_reason() -> None:
    error = _error(MINIMAL.replace("majority", "supermajority") + "threshold = 1.5\n")
    assert error.source == "policies/rules/x.toml"
    assert error.field == "threshold"
    assert str(error) == (
        "policies/rules/x.toml: field 'threshold': must be a fraction between 0 and 1 like \"2/3\", got 1.5."
    )


def _without(field: str) -> str:
    return "".join(line + "\n" for line in MINIMAL.splitlines() if not line.startswith(field))


BAD = [
    # (what the file says, field, words the reason must contain)
    (MINIMAL + "quorum = 0.5\n", "quorum", 'like "2/3", got 0.5'),
    (MINIMAL + 'quorum = "0.5"\n', "quorum", 'got "0.5"'),
    (MINIMAL + 'quorum = "3/2"\n', "quorum", "between 0 and 1"),
    (MINIMAL + "quorum = 2\n", "quorum", "got 2"),
    (MINIMAL + "quorum = true\n", "quorum", "got true"),
    (MINIMAL + 'group_quorum = "1/0"\n', "group_quorum", 'got "1/0"'),
    (MINIMAL + 'quorom = "1/2"\n', "quorom", "did you mean 'quorum'"),
    (MINIMAL.replace('"majority"', '"sociocracy"'), "method", '"consent", "consensus"'),
    (_without("block_effect"), "block_effect", "is required"),
    (_without("description"), "description", "is required"),
    (MINIMAL.replace('"A rule for a test."', '"  "'), "description", "must not be empty"),
    (MINIMAL.replace('"test"', "3"), "name", "must be text in quotes, got 3"),
    (MINIMAL + "min_open_hours = 100\nmax_open_hours = 10\n", "max_open_hours", "at least min"),
    (MINIMAL + "min_open_hours = -1\n", "min_open_hours", "got -1"),
    (MINIMAL + "min_open_hours = 1.5\n", "min_open_hours", "whole number"),
    (MINIMAL + "max_open_hours = 0\n", "max_open_hours", "from 1"),
    (MINIMAL + 'veto_groups = ["carers"]\n', "veto_groups", 'only applies when block_effect is "veto_group"'),
    (MINIMAL.replace('"disagree"', '"veto_group"'), "veto_groups", "at least one group"),
    (
        MINIMAL.replace('"disagree"', '"veto_group"') + 'veto_groups = "carers"\n',
        "veto_groups",
        "must be a list of group names",
    ),
    (
        MINIMAL.replace('"disagree"', '"veto_group"') + 'veto_groups = ["lived experience"]\n',
        "veto_groups",
        "ASCII letters",
    ),
    (
        MINIMAL.replace('"disagree"', '"veto_group"') + 'veto_groups = ["carers", "carers"]\n',
        "veto_groups",
        'lists "carers" more than once',
    ),
    (MINIMAL.replace('"disagree"', '"shrug"'), "block_effect", '"veto_group", got "shrug"'),
    (
        MINIMAL.replace('"majority"', '"consent"').replace('"disagree"', '"veto_group"') + 'veto_groups = ["carers"]\n',
        "block_effect",
        "under consent a block must be able to stop the proposal",
    ),
    (MINIMAL.replace('"majority"', '"consent"'), "block_effect", 'use "objection" or "veto"'),
    (
        MINIMAL.replace('"majority"', '"consensus"') + 'threshold = "2/3"\n',
        "threshold",
        'only applies to methods "majority" and "supermajority"',
    ),
    (MINIMAL + 'threshold = "2/3"\n', "threshold", 'use method "supermajority"'),
    (MINIMAL + "threshold_strict = false\n", "threshold_strict", "must be true"),
    (MINIMAL.replace('"majority"', '"supermajority"'), "threshold", "is required"),
    (
        MINIMAL.replace('"majority"', '"supermajority"') + 'threshold = "1/2"\n',
        "threshold",
        'above "1/2"',
    ),
    (
        MINIMAL.replace('"majority"', '"supermajority"') + "threshold = 1\nthreshold_strict = true\n",
        "threshold_strict",
        "nothing is more than all",
    ),
    (MINIMAL + 'threshold_strict = "yes"\n', "threshold_strict", 'true or false, got "yes"'),
    (
        MINIMAL + "equal_group_voice = true\n[group_weights]\ncarers = 1\n",
        "group_weights",
        "cannot be combined with equal_group_voice",
    ),
    (MINIMAL + "[group_weights]\ncarers = 0\n", "group_weights.carers", "positive fraction"),
    (MINIMAL + "[group_weights]\ncarers = 0.5\n", "group_weights.carers", "got 0.5"),
    (MINIMAL + 'group_weights = ["carers"]\n', "group_weights", "table of group = weight"),
    (
        MINIMAL.replace('"majority"', '"consensus"') + "[group_weights]\ncarers = 1\n",
        "group_weights",
        "only applies to methods",
    ),
    (
        MINIMAL.replace('"majority"', '"unanimity"') + "concurrent_majority = true\n",
        "concurrent_majority",
        "only applies to methods",
    ),
    (MINIMAL + 'reason_required_for = ["maybe"]\n', "reason_required_for", 'got "maybe"'),
    (MINIMAL + 'reason_required_for = "block"\n', "reason_required_for", "must be a list"),
    (MINIMAL + "allow_overrule = true\n", "overrule_process", "must name the process"),
    (MINIMAL + 'overrule_process = "a vote"\n', "overrule_process", "only applies when allow"),
]


@pytest.mark.parametrize(("text", "field", "words"), BAD, ids=[f"{b[1]}-{i}" for i, b in enumerate(BAD)])
def test_a_bad_field_is_refused_naming_the_file_the_field_and_why(text: str, field: str, words: str) -> None:
    error = _error(text)
    assert (error.source, error.field) == ("policies/rules/x.toml", field)
    assert words in error.reason
    assert str(error) == f"policies/rules/x.toml: field '{field}': {error.reason}."
    assert isinstance(error, ValueError)


def test_a_file_that_is_not_toml_is_refused_naming_the_file() -> None:
    error = _error('name = "unterminated\n')
    assert error.field is None
    assert str(error).startswith("policies/rules/x.toml: is not valid TOML (")


def test_a_file_that_is_not_utf8_is_refused_naming_the_file(tmp_path: Path) -> None:
    path = tmp_path / "latin1.toml"
    path.write_bytes(MINIMAL.replace("A rule", "Une r\xe8gle").encode("latin-1"))
    with pytest.raises(PolicyError, match=r"latin1\.toml: is not UTF-8 text"):
        load_policy(path)


def test_load_policy_names_the_file_it_read(tmp_path: Path) -> None:
    path = tmp_path / "ours.toml"
    path.write_text(MINIMAL + "quorum = 1.5\n", encoding="utf-8")
    with pytest.raises(PolicyError) as caught:
        load_policy(path)
    assert caught.value.source == str(path)


@pytest.mark.parametrize("name", ["no-such-rule", "../pyproject", "consent.toml", ""])
def test_an_unknown_builtin_is_refused_with_the_list_of_builtins(name: str) -> None:
    with pytest.raises(PolicyError, match="the built-in policies are consensus, consent"):
        load_builtin(name)


def test_a_policy_built_in_code_is_checked_like_a_file() -> None:
    with pytest.raises(PolicyError) as caught:
        Policy(
            name="code",
            method=Method.MAJORITY,
            description="Built in code.",
            block_effect=BlockEffect.DISAGREE,
            quorum=0.5,  # type: ignore[arg-type]
        )
    assert str(caught.value) == ("<policy>: field 'quorum': must be a fraction between 0 and 1 like \"2/3\", got 0.5.")


def test_defaults_are_filled_in_from_the_method() -> None:
    majority = parse_policy(MINIMAL, source="t.toml")
    supermajority = parse_policy(
        MINIMAL.replace('"majority"', '"supermajority"') + 'threshold = "3/4"\n', source="t.toml"
    )
    assert (majority.threshold, majority.threshold_strict) == (Fraction(1, 2), True)
    assert (supermajority.threshold, supermajority.threshold_strict) == (Fraction(3, 4), False)
    assert majority.reason_required_for == {Position.DISAGREE, Position.BLOCK}
    assert majority.max_open_seconds is None
    assert load_builtin("consent").min_open_seconds == 72 * 3600


# -- the package stays pure -------------------------------------------------------------------

ALLOWED_IMPORTS = {
    "__future__", "collections", "dataclasses", "difflib", "enum", "fractions", "hashlib",
    "importlib", "json", "math", "os", "re", "tomllib", "types", "typing", "unicodedata",
    "policies",
}  # fmt: skip


@pytest.mark.parametrize("module", sorted(p.name for p in RULES.parent.glob("*.py")))
def test_policies_import_only_the_standard_library_and_themselves(module: str) -> None:
    tree = ast.parse((RULES.parent / module).read_text(encoding="utf-8"))
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            imported.add(node.module.split(".")[0])
    assert imported <= ALLOWED_IMPORTS, imported - ALLOWED_IMPORTS
    assert imported - {"policies"} <= set(sys.stdlib_module_names) | {"__future__"}
    assert "float(" not in (RULES.parent / module).read_text(encoding="utf-8")
