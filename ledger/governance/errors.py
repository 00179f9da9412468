"""Governance errors: each is a rule a person ran into, said so they know what to do.

``status`` is the HTTP status the web maps it to; the CLI exits 2 for all of them.
"""

from __future__ import annotations

from ledger.log.errors import CoproError


class GovernanceError(CoproError):
    status = 400


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
