"""Helpers shared by the blueprints: htmx detection, rendering, acting on the domain."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any
from uuid import UUID

from flask import abort, flash, make_response, redirect, render_template, request
from werkzeug.wrappers import Response

from ledger.governance.errors import GovernanceError
from web.state import refresh_views


def is_htmx() -> bool:
    return request.headers.get("HX-Request") == "true" and request.headers.get("HX-Boosted") != "true"


def page(template: str, status: int = 200, **context: Any) -> Response:
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
) -> Response:
    """Run one domain command. On success: the htmx partial, or redirect (PRG) with a message.
    On a rule the person ran into: their page again with the reason, and the right status."""
    try:
        command()
    except GovernanceError as e:
        return on_error(e)
    refresh_views()
    if partial is not None and is_htmx():
        response = partial()
        response.headers["HX-Trigger"] = json.dumps({"copro:status": success})
        return response
    flash(success, "status")
    return redirect(done, code=303)


def bounded_int(value: str, *, low: int, high: int, what: str) -> int:
    """A whole number from a query parameter, within [low, high], or 400 with a sentence."""
    text = value.strip()
    if not text.isascii() or not text.isdigit() or len(text) > 19 or not low <= int(text) <= high:
        raise BadParameter(f"There is no such {what}. Go back to the first page and follow the links from there.")
    return int(text)


class BadParameter(GovernanceError):
    """A number or choice in the address that names nothing (400)."""

    status = 400


def form(name: str, limit: int = 20000) -> str:
    value = request.form.get(name, "")
    return value[: limit + 1]
