"""Governance errors: each is a rule a person ran into, said so they know what to do.

``status`` is the HTTP status the web maps it to; the CLI exits 2 for all of them.

A refusal that carries values (a name, a state, a number) is raised with a `Said`: English source
text with named ``%(name)s`` placeholders, marked with `N_`, and the values. ``message`` (and
``str()``) is the English sentence, as the CLI prints it; the web translates ``said``'s template and
fills the values in (web/ledger_words.py), so a member reads it in their own language. `ledger`
cannot import Babel, so it hands over the parts rather than a finished string.
"""

from __future__ import annotations

from ledger.log.errors import CoproError
from policies.said import N_, Said, english, say

__all__ = ["N_", "Conflict", "GovernanceError", "Invalid", "NotAllowed", "NotFound", "key_word", "say"]


def key_word(key: object) -> Said:
    """A key the ledger records (``open``, ``agree``, ``steward``) as a word the web translates when it knows it."""
    return Said(str(getattr(key, "value", key)))


class GovernanceError(CoproError):
    status = 400

    def __init__(self, message: str | Said) -> None:
        self.said: Said | None = message if isinstance(message, Said) else None
        super().__init__(english(message) if isinstance(message, Said) else message)


class NotFound(GovernanceError):
    """No such thing, or not one the person may know about (the web answers 404)."""

    status = 404


class NotAllowed(GovernanceError):
    """The person is a member but their role or group does not allow this (403)."""

    status = 403


class Conflict(GovernanceError):
    """The thing is not in a state that allows this any more (409)."""

    status = 409


class Invalid(GovernanceError):
    """The input itself is wrong: empty, too long, an unknown choice (422)."""

    status = 422
