"""Template helpers that put member-facing words in plain language (see policies.plain).

The recorded outcome text stays as it was signed; these helpers derive the plain version
at display time, so changing a sentence here never touches the log.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask

import policies
from policies.plain import group_name, plain_outcome, plain_rule


def outcome_words(result: Any, policy: policies.Policy | None = None, names: Mapping[str, str] | None = None) -> str:
    """Plain words for a recorded result (the Closed event's mapping) or a preview `Decision`."""
    if isinstance(result, Mapping):
        return plain_outcome(result["outcome"], result["rule"], result["figures"], policy, names)
    return plain_outcome(result.outcome, result.rule, result.figures, policy, names)


def rule_words(policy: policies.Policy, names: Mapping[str, str] | None = None) -> str:
    """Plain words for what a rule asks."""
    return plain_rule(policy, names)


def init_app(app: Flask) -> None:
    """Make the helpers available in every template."""
    app.add_template_global(outcome_words, "outcome_words")
    app.add_template_global(rule_words, "rule_words")
    app.add_template_filter(group_name, "group_name")
