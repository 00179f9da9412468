"""Template helpers that put member-facing words in plain language (see policies.plain).

The recorded outcome text stays as it was signed; these helpers derive the plain version
at display time, so changing a sentence here never touches the log. `policies` keeps each
sentence as English source text and values (policies/said.py); here they are translated into
the request's language with the message catalogue, and the values filled in after.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask
from flask_babel import get_translations

import policies
from policies.plain import group_name, outcome_sentences, rule_sentences
from policies.said import Said, render


def _say(sentences: list[Said]) -> str:
    """The sentences in the request's language (English when the catalogue has no entry)."""
    catalogue = get_translations()
    return " ".join(
        render(s, lambda text: str(catalogue.ugettext(text)), lambda a, b, n: str(catalogue.ungettext(a, b, n)))
        for s in sentences
    )


def outcome_words(result: Any, policy: policies.Policy | None = None, names: Mapping[str, str] | None = None) -> str:
    """Plain words for a recorded result (the Closed event's mapping) or a preview `Decision`."""
    if isinstance(result, Mapping):
        return _say(outcome_sentences(result["outcome"], result["rule"], result["figures"], policy, names))
    return _say(outcome_sentences(result.outcome, result.rule, result.figures, policy, names))


def rule_words(policy: policies.Policy, names: Mapping[str, str] | None = None) -> str:
    """Plain words for what a rule asks."""
    return _say(rule_sentences(policy, names))


def init_app(app: Flask) -> None:
    """Make the helpers available in every template."""
    app.add_template_global(outcome_words, "outcome_words")
    app.add_template_global(rule_words, "rule_words")
    app.add_template_filter(group_name, "group_name")
