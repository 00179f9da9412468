"""Canonical JSON: our fast encoder writes exactly RFC 8785's bytes, and refuses what JCS cannot hold."""

from __future__ import annotations

import json

import pytest
import rfc8785
from hypothesis import given
from hypothesis import strategies as st

from ledger.log.canonical import CanonicalJSONError, canonical_dumps, jcs, strict_loads, to_jsonable

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53) + 1, 2**53 - 1) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)


@given(json_values)
def test_fast_encoder_matches_the_rfc8785_reference(value: object) -> None:
    plain = to_jsonable(value, {})
    assert jcs(plain) == rfc8785.dumps(plain)


def test_keys_sort_by_utf16_units_as_rfc8785_requires() -> None:
    # U+1F600 (surrogates D83D DE00) sorts before U+FB01 in UTF-16, after it by code point.
    value = {"\ufb01": 1, "\U0001f600": 2}
    assert canonical_dumps(value) == rfc8785.dumps(value)
    assert canonical_dumps(value).index("\U0001f600".encode()) < canonical_dumps(value).index("\ufb01".encode())


def test_rfc8785_published_example_keys_order() -> None:
    # RFC 8785 section 3.2.3: the property-sorting example, values shortened to ints.
    value = {"\u20ac": 1, "\r": 2, "\ufb33": 3, "1": 4, "\U0001f600": 5, "\u0080": 6, "\u00f6": 7}
    out = jcs(value)  # not canonical_dumps: NFC would decompose U+FB33
    order = [k for k, _ in json.loads(out, object_pairs_hook=lambda pairs: pairs)]
    assert order == ["\r", "1", "\u0080", "\u00f6", "\u20ac", "\U0001f600", "\ufb33"]
    assert out == rfc8785.dumps(value)


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
