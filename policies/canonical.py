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
   ========================= ===========================================================

   A fraction string is "numerator/denominator" in lowest terms with a positive
   denominator, always with the slash: "0/1", "1/2", "2/3", "1/1".
   Lists are sorted by Unicode code point (all list items are ASCII).
2. Serialise it as JSON with object keys sorted, no whitespace, strings escaped only where
   JSON requires it (`"`, `\\`, and control characters below U+0020, written as \\b \\f
   \\n \\r \\t or \\u00xx with lowercase hex), everything else written as UTF-8.
   For these inputs (strings, integers below 2**53, booleans, lists, and objects whose
   keys are ASCII) this is exactly RFC 8785 (JCS).
3. The hash is "sha256:" followed by the lowercase hex SHA-256 of those bytes.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from fractions import Fraction

from policies.model import THRESHOLD_METHODS, Policy

__all__ = ["SCHEMA", "canonical_json", "fraction_text", "policy_document", "policy_hash"]

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
    return document


def canonical_json(document: JsonValue) -> bytes:
    """Canonical UTF-8 JSON bytes (sorted keys, no whitespace); RFC 8785 for our inputs."""
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode(
        "utf-8"
    )


def policy_hash(policy: Policy) -> str:
    """The policy's content hash: "sha256:" + hex SHA-256 of its canonical JSON."""
    return "sha256:" + hashlib.sha256(canonical_json(policy_document(policy))).hexdigest()
