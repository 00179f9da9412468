"""Helpers shared by the blueprints: htmx detection, rendering, acting on the domain."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any
from uuid import UUID

from flask import abort, make_response, render_template, request
from werkzeug.wrappers import Response

from ledger.governance.errors import GovernanceError, Invalid
from web import forms
from web.errors import DATABASE_ERRORS
from web.ledger_words import said
from web.messages import _
from web.state import refresh_views


def is_htmx() -> bool:
    return request.headers.get("HX-Request") == "true" and request.headers.get("HX-Boosted") != "true"


def page(template: str, status: int = 200, **context: Any) -> Response:
    """A full page or partial; a page shown for a refused form answers with the refusal's status."""
    problem = forms.current()
    if problem is not None and status == 200:
        status = problem.status
    return make_response(render_template(template, **context), status)


def parse_id(value: str) -> UUID:
    """A UUID from the URL, or 404: a malformed id names nothing."""
    try:
        return UUID(value)
    except ValueError:
        abort(404)


def act(
    command: Callable[[], Any],
    *,
    done: str,
    success: str,
    on_error: Callable[[GovernanceError], Response],
    partial: Callable[[], Response] | None = None,
    field_id: str | Callable[[GovernanceError], str | None] | None = None,
    form: str = "",
    keep: tuple[str, ...] = (),
    back: str | None = None,
    echo: str | Callable[[], str] | None = None,
) -> Response:
    """Run one domain command. On success: the htmx partial, or redirect (PRG) to ``#confirmation``.
    On a rule the person ran into: a browser is sent back (PRG) to the page with the error summary;
    htmx and scripts get their page again with the reason, and the right status, directly.

    ``field_id`` is the id of the input the refusal is about (the summary links there), ``form``
    names the form so the page knows which one to open and refill, ``keep`` the inputs to refill,
    ``echo`` the member's own new words or signature, shown right below the confirmation."""
    try:
        command()
    except GovernanceError as e:
        target = field_id(e) if callable(field_id) else field_id
        problem = forms.problem_from(e.status, said(e), field_id=target, form=form, keep=keep)
        if forms.wants_redirect():
            return forms.refuse(problem, back or done)
        forms.show(problem)
        return on_error(e)
    try:
        refresh_views()
    except DATABASE_ERRORS as e:  # the command committed: its answer must say so; the views catch up later
        logging.getLogger(__name__).warning("views not refreshed, database unreachable: %s", type(e).__name__)
    if partial is not None and is_htmx():
        response = partial()
        response.headers["HX-Trigger"] = json.dumps({"copro:status": success})
        return response
    return forms.confirm(success, done, echo=echo() if callable(echo) else echo)


def require_understood(what: str) -> None:
    """An irreversible act goes ahead only with its "I understand" box ticked (checked here, not in the browser)."""
    if request.form.get("understand") != "yes":
        raise NotUnderstood(_("Tick the box to say you understand that %(what)s, then try again.", what=what))


def bounded_int(value: str, *, low: int, high: int, what: str) -> int:
    """A whole number from a query parameter, within [low, high], or 400 with a sentence."""
    text = value.strip()
    if not text.isascii() or not text.isdigit() or len(text) > 19 or not low <= int(text) <= high:
        raise BadParameter(
            _("There is no such %(what)s. Go back to the first page and follow the links from there.", what=what)
        )
    return int(text)


class NotUnderstood(Invalid):
    """An irreversible act whose "I understand" box was not ticked (422, like any invalid input)."""


class BadParameter(GovernanceError):
    """A number or choice in the address that names nothing (400)."""

    status = 400


def form(name: str, limit: int = 20000) -> str:
    value = request.form.get(name, "")
    return value[: limit + 1]
