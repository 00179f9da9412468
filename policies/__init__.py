"""Decision rules for copro: pure, deterministic functions and the TOML rule files they read.

An auditor's offline verifier runs exactly this package, so it depends on the standard
library only and never on the ledger, the web app, a clock or randomness.

    policy = load_builtin("consent")
    decision = decide(policy, roster, ballots, objections)
    decision.outcome, decision.rule, decision.explanation
    policy_hash(policy)  # recorded with the outcome
"""

from policies.canonical import canonical_json, policy_document, policy_hash
from policies.decide import decide
from policies.errors import PolicyError
from policies.model import (
    Ballot,
    BlockEffect,
    Decision,
    Member,
    Method,
    Objection,
    ObjectionStatus,
    Outcome,
    Policy,
    Position,
)
from policies.rulefile import builtin_names, load_builtin, load_policy, parse_policy

__all__ = [
    "Ballot",
    "BlockEffect",
    "Decision",
    "Member",
    "Method",
    "Objection",
    "ObjectionStatus",
    "Outcome",
    "Policy",
    "PolicyError",
    "Position",
    "builtin_names",
    "canonical_json",
    "decide",
    "load_builtin",
    "load_policy",
    "parse_policy",
    "policy_document",
    "policy_hash",
]
