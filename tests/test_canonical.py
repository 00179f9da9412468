"""Canonical JSON: one encoder, writing exactly RFC 8785's bytes, refusing what JCS cannot hold exactly.

The known answers are RFC 8785's own published examples; the ``rfc8785`` package (a test
dependency only) cross-checks the encoder on arbitrary values.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
import rfc8785
from hypothesis import given
from hypothesis import strategies as st

from ledger.log.canonical import CanonicalJSONError, canonical_dumps, strict_loads
from ledger.log.transcoding import to_jsonable
from policies.canonical import canonical_json

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53) + 1, 2**53 - 1) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)
# Keys from the ranges where UTF-16 order and code point order disagree (U+E000..U+FFFF against
# the supplementary planes), so the sorting path is exercised on every example, not by chance.
wide_keys = st.text(
    st.characters(min_codepoint=0xE000, max_codepoint=0xFFFF) | st.characters(min_codepoint=0x10000), max_size=3
)

# RFC 8785 section 3.2.3, "Sorting of Object Properties": the input and the published output.
RFC8785_SORTING_INPUT = {
    "\u20ac": "Euro Sign",
    "\r": "Carriage Return",
    "\ufb33": "Hebrew Letter Dalet With Dagesh",
    "1": "One",
    "\U0001f600": "Emoji: Grinning Face",
    "\u0080": "Control",
    "\u00f6": "Latin Small Letter O With Diaeresis",
}
RFC8785_SORTING_OUTPUT = (
    '{"\\r":"Carriage Return","1":"One","\u0080":"Control","\u00f6":"Latin Small Letter O With Diaeresis",'
    '"\u20ac":"Euro Sign","\U0001f600":"Emoji: Grinning Face","\ufb33":"Hebrew Letter Dalet With Dagesh"}'
).encode()

# RFC 8785 section 3.2.2: the example's "string" and "literals" members, and their published output.
RFC8785_STRING = "\u20ac$\u000f\u000aA'\u0042\u0022\u005c\\\"/"
RFC8785_STRING_OUTPUT = '{"literals":[null,true,false],"string":"\u20ac$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}'.encode()


def test_keys_sort_by_utf16_code_units_as_in_rfc8785_section_3_2_3() -> None:
    assert canonical_json(RFC8785_SORTING_INPUT) == RFC8785_SORTING_OUTPUT


def test_strings_and_literals_are_written_as_in_rfc8785_section_3_2_2() -> None:
    assert canonical_json({"string": RFC8785_STRING, "literals": [None, True, False]}) == RFC8785_STRING_OUTPUT


def test_the_numbers_of_rfc8785_section_3_2_2_are_refused_because_nothing_signed_is_a_float() -> None:
    with pytest.raises(CanonicalJSONError, match="floats"):
        canonical_json({"numbers": [333333333.33333329, 1e30, 4.50, 2e-3, 1e-27]})


@pytest.mark.parametrize(
    ("value", "published"),
    # RFC 8785 appendix B: the IEEE 754 values that are integers within 2**53, and their text.
    [(0, b"0"), (9007199254740991, b"9007199254740991"), (-9007199254740991, b"-9007199254740991")],
)
def test_integers_are_written_as_in_rfc8785_appendix_b(value: int, published: bytes) -> None:
    assert canonical_json(value) == published


@pytest.mark.parametrize("bad", [9007199254740992, -9007199254740992, {"a": [2**60]}, 1.5, float("nan")])
def test_the_one_encoder_refuses_numbers_jcs_cannot_hold_exactly(bad: object) -> None:
    with pytest.raises(CanonicalJSONError):
        canonical_json(bad)


@pytest.mark.parametrize(
    ("bad", "said"),
    [({1: "a"}, "keys must be text"), (b"bytes", "not a JSON value"), ({"a": {"\ud800": 1}}, "lone surrogate")],
)
def test_the_one_encoder_refuses_what_is_not_json_with_a_sentence(bad: object, said: str) -> None:
    with pytest.raises(CanonicalJSONError, match=said):
        canonical_json(bad)


@given(json_values)
def test_the_encoder_writes_exactly_what_the_rfc8785_reference_writes(value: object) -> None:
    plain = to_jsonable(value, {})
    assert canonical_json(plain) == rfc8785.dumps(plain)


@given(st.dictionaries(wide_keys, st.integers(0, 9) | st.dictionaries(wide_keys, st.none(), max_size=3), max_size=5))
def test_keys_beyond_the_basic_plane_sort_exactly_as_the_rfc8785_reference_sorts_them(value: Any) -> None:
    assert canonical_json(value) == rfc8785.dumps(value)


def test_the_log_and_the_policies_write_through_the_same_encoder() -> None:
    value: Any = {"\ufb01": 1, "\U0001f600": 2, "b": [True, None, "x"]}
    assert canonical_dumps(value) == canonical_json(value) == rfc8785.dumps(value)


def test_text_is_nfc_normalised() -> None:
    assert canonical_dumps({"name": "Cafe\u0301"}) == canonical_dumps({"name": "Caf\u00e9"})


@pytest.mark.parametrize("bad", [1.5, float("nan"), 2**53, {"a": [2**60]}])
def test_values_jcs_cannot_hold_exactly_are_refused(bad: object) -> None:
    with pytest.raises(CanonicalJSONError):
        canonical_dumps(bad)


def test_duplicate_keys_and_nan_are_refused_on_input() -> None:
    with pytest.raises(CanonicalJSONError, match="duplicate"):
        strict_loads('{"a": 1, "a": 2}')
    with pytest.raises(CanonicalJSONError):
        strict_loads('{"a": NaN}')


def test_a_duplicate_key_deep_inside_is_refused_and_named() -> None:
    with pytest.raises(CanonicalJSONError, match="duplicate key 'b'"):
        strict_loads(b'{"a": [{"c": 1}, {"b": 1, "d": 2, "b": 3}]}')


@pytest.mark.parametrize(
    "data",
    [
        b'{"a": [1, "\xc3\xa9"]}',
        '{"a": [1, "é"]}'.encode("utf-16"),
        '{"a": [1, "é"]}'.encode("utf-32-le"),
        bytearray(b'{"a": [1, "\xc3\xa9"]}'),
    ],
)
def test_the_one_shared_decoder_reads_what_json_loads_reads(data: bytes) -> None:
    assert strict_loads(data) == json.loads(data) == {"a": [1, "é"]}
    assert strict_loads(data) == strict_loads(data), "the cached decoder keeps no state between calls"


@pytest.mark.parametrize("bad", ['\ufeff{"a": 1}', b'{"a": 1} x', b"", "[1,]"])
def test_what_json_loads_refuses_strict_loads_refuses(bad: str | bytes) -> None:
    with pytest.raises(json.JSONDecodeError):
        json.loads(bad)
    with pytest.raises(json.JSONDecodeError):
        strict_loads(bad)
