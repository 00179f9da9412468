"""A policy's identity: its canonical JSON and content hash.

A proposal records the hash of the policy that decided it, and an auditor recomputes it, so
the hash is of the policy's *meaning*, not of the file's bytes: comments, layout, key order
and defaults written out or left implicit do not change it.

How to reproduce `policy_hash` in another language
--------------------------------------------------
1. Build one JSON object with these keys (every key always present unless said otherwise):

   ========================= ===========================================================
   key                       value
   ========================= ===========================================================
   schema                    the string "copro.policy/1"
   name                      string (NFC)
   method                    "consent", "consensus", "majority", "supermajority" or
                             "unanimity"
   description               string (NFC)
   block_effect              "veto", "objection", "disagree" or "veto_group"
   quorum                    fraction string (below)
   group_quorum              fraction string
   abstain_counts_for_quorum boolean
   threshold                 fraction string; majority ("1/2") and supermajority only,
                             omitted otherwise
   threshold_strict          boolean; majority (true) and supermajority only
   concurrent_majority       boolean
   equal_group_voice         boolean
   group_weights             object: group name -> fraction string (may be empty)
   veto_groups               list of group names, sorted
   reason_required_for       list of position strings, sorted
   min_open_hours            integer
   max_open_hours            integer; omitted when there is no limit
   allow_overrule            boolean
   overrule_process          string (NFC; "" when overruling is not allowed)
   positions_private_until_close
                             boolean; written only when true, so a policy without it
                             keeps the hash it had before the field existed
   ========================= ===========================================================

   A fraction string is "numerator/denominator" in lowest terms with a positive
   denominator, always with the slash: "0/1", "1/2", "2/3", "1/1".
   Lists are sorted by Unicode code point (all list items are ASCII).
2. Serialise it as JSON with object keys sorted, no whitespace, strings escaped only where
   JSON requires it (`"`, `\\`, and control characters below U+0020, written as \\b \\f
   \\n \\r \\t or \\u00xx with lowercase hex), everything else written as UTF-8.
   For these inputs (strings, integers below 2**53, booleans, lists, and objects whose
   keys are ASCII) this is exactly RFC 8785 (JCS), and `canonical_json` below writes it:
   the one RFC 8785 encoder of copro, which also writes every signed record's payload.
3. The hash is "sha256:" followed by the lowercase hex SHA-256 of those bytes.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from fractions import Fraction
from typing import Any

from policies.model import THRESHOLD_METHODS, Policy

__all__ = [
    "MAX_SAFE_INTEGER",
    "SCHEMA",
    "CanonicalJSONError",
    "canonical_json",
    "fraction_text",
    "policy_document",
    "policy_hash",
]

#: Names the meaning of the fields below; a change in meaning gets a new schema.
SCHEMA = "copro.policy/1"

JsonValue = str | int | bool | Sequence["JsonValue"] | Mapping[str, "JsonValue"]


def fraction_text(value: Fraction) -> str:
    """A fraction as "n/d" in lowest terms, e.g. "2/3", "0/1", "1/1"."""
    return f"{value.numerator}/{value.denominator}"


def policy_document(policy: Policy) -> dict[str, JsonValue]:
    """The policy as a JSON-ready object: the input to `canonical_json`."""
    document: dict[str, JsonValue] = {
        "schema": SCHEMA,
        "name": policy.name,
        "method": policy.method.value,
        "description": policy.description,
        "block_effect": policy.block_effect.value,
        "quorum": fraction_text(policy.quorum),
        "group_quorum": fraction_text(policy.group_quorum),
        "abstain_counts_for_quorum": policy.abstain_counts_for_quorum,
        "concurrent_majority": policy.concurrent_majority,
        "equal_group_voice": policy.equal_group_voice,
        "group_weights": {g: fraction_text(w) for g, w in sorted(policy.group_weights.items())},
        "veto_groups": sorted(policy.veto_groups),
        "reason_required_for": sorted(p.value for p in policy.reason_required_for),
        "min_open_hours": policy.min_open_hours,
        "allow_overrule": policy.allow_overrule,
        "overrule_process": policy.overrule_process,
    }
    if policy.method in THRESHOLD_METHODS and policy.threshold is not None:
        document["threshold"] = fraction_text(policy.threshold)
        document["threshold_strict"] = bool(policy.threshold_strict)
    if policy.max_open_hours is not None:
        document["max_open_hours"] = policy.max_open_hours
    if policy.positions_private_until_close:
        document["positions_private_until_close"] = True
    return document


#: The largest integer JCS writes exactly: RFC 8785 numbers are IEEE 754 doubles.
MAX_SAFE_INTEGER = 2**53 - 1


class CanonicalJSONError(ValueError):
    """A value cannot be written as canonical JSON."""


# For the values canonical_json accepts (no floats, integers within 2**53), the standard
# library's encoder with sorted keys writes exactly the JCS bytes: the same escapes
# (\b \f \n \r \t, \u00xx in lowercase hex below U+0020, only '"' and '\' else), UTF-8
# for everything above, integers in plain decimal. Only its key order can differ.
_encoder = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def canonical_json(value: Any) -> bytes:
    """RFC 8785 (JCS) bytes of plain JSON values: the one canonical encoder of copro.

    Everything copro signs or hashes goes through here: the payload of every record in
    the log, policy hashes, outcome hashes. It lives in ``policies/`` because that package
    imports nothing but the standard library, so an offline verifier can trust it without
    eventsourcing or any JSON library of ours.

    Accepted values are None, booleans, integers with magnitude below 2**53, text, lists
    (tuples too) and objects with text keys. Floats are refused rather than formatted:
    nothing copro signs is a float, and a refusal cannot round. Text is written as given
    (RFC 8785 does not normalise it; ``ledger.log.canonical`` normalises to NFC first).

    Object keys are sorted by their UTF-16 code units, as RFC 8785 section 3.2.3 says.
    That is also code point order unless a key holds a character at or above U+D800, so
    such values alone take the slower path that sorts by UTF-16 (``_write``).
    """
    try:
        if _keys_sort_by_code_point(value):
            return _encoder.encode(value).encode("utf-8")
        out: list[str] = []
        _write(value, out)
        return "".join(out).encode("utf-8")
    except UnicodeEncodeError:
        raise CanonicalJSONError("text holds a lone surrogate, which is not Unicode and cannot be UTF-8") from None


def _keys_sort_by_code_point(value: Any) -> bool:
    """Check that ``value`` is plain JSON JCS can hold exactly; False if a key needs UTF-16 sorting."""
    if isinstance(value, str) or value is None or value is True or value is False:
        return True
    if isinstance(value, int):
        if not -MAX_SAFE_INTEGER <= value <= MAX_SAFE_INTEGER:
            raise CanonicalJSONError(f"integer {value} is too large for canonical JSON (limit 2**53)")
        return True
    if isinstance(value, dict):
        simple = True
        for key, item in value.items():
            if not isinstance(key, str):
                raise CanonicalJSONError(f"object keys must be text, got {type(key).__name__}")
            if not key.isascii() and max(map(ord, key)) >= 0xD800:
                simple = False
            if not _keys_sort_by_code_point(item):
                simple = False
        return simple
    if isinstance(value, (list, tuple)):
        simple = True
        for item in value:
            if not _keys_sort_by_code_point(item):
                simple = False
        return simple
    if isinstance(value, float):
        raise CanonicalJSONError("floats are not allowed in signed or hashed JSON; use integers or strings")
    raise CanonicalJSONError(f"{type(value).__name__} is not a JSON value")


def _utf16_units(key: str) -> bytes:
    return key.encode("utf-16-be", "surrogatepass")


def _write(value: Any, out: list[str]) -> None:
    """Append the JCS text of an already checked value, sorting object keys by UTF-16 code units."""
    if isinstance(value, dict):
        out.append("{")
        for i, key in enumerate(sorted(value, key=_utf16_units)):
            if i:
                out.append(",")
            out.append(_encoder.encode(key))
            out.append(":")
            _write(value[key], out)
        out.append("}")
    elif isinstance(value, (list, tuple)):
        out.append("[")
        for i, item in enumerate(value):
            if i:
                out.append(",")
            _write(item, out)
        out.append("]")
    else:
        out.append(_encoder.encode(value))


def policy_hash(policy: Policy) -> str:
    """The policy's content hash: "sha256:" + hex SHA-256 of its canonical JSON."""
    return "sha256:" + hashlib.sha256(canonical_json(policy_document(policy))).hexdigest()
