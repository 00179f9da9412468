"""Form errors and confirmations a member can find: the GOV.UK error summary, and Post/Redirect/Get.

A refused form answers a browser with a 303 to the page it came from, carrying a one-time
``?problem=<token>``; that GET shows the error summary at the top, each field's message beside it,
the member's input kept, and the refusal's own 4xx status. Reloading it repeats a GET, never the
POST, and a token shows its problem once only. htmx partial requests, scripts and any caller that
does not ask for HTML keep the direct 4xx answer, as before.

A command that worked redirects to the page with ``#confirmation``: the message (and the member's
own new objection or signature, repeated right below it) is where the browser lands.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from flask import Flask, flash, g, redirect, request, session
from werkzeug.wrappers import Response

PROBLEMS = "copro_problems"
KEEP_AT_MOST = 5  # a member with several tabs open keeps a few pending refusals, never an unbounded pile
VALUE_LIMIT = 20000


@dataclass(frozen=True)
class Problem:
    """Why a form was refused: its status, and one message per field id (``None`` for the whole form)."""

    status: int
    errors: tuple[tuple[str | None, str], ...]
    values: Mapping[str, str | list[str]] = field(default_factory=dict)
    form: str = ""

    def message_for(self, field_id: str) -> str | None:
        """The message for one field, or None: what ``aria-invalid`` and the inline message read."""
        return next((message for fid, message in self.errors if fid == field_id), None)

    def kept(self, name: str, default: str = "") -> str:
        value = self.values.get(name, default)
        return value[0] if isinstance(value, list) and value else value if isinstance(value, str) else default

    def kept_all(self, name: str) -> list[str]:
        value = self.values.get(name, [])
        return value if isinstance(value, list) else [value]

    def to_json(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "errors": [list(e) for e in self.errors],
            "values": dict(self.values),
            "form": self.form,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Problem:
        return cls(
            status=int(data["status"]),
            errors=tuple((e[0], str(e[1])) for e in data["errors"]),
            values=dict(data.get("values", {})),
            form=str(data.get("form", "")),
        )


def problem_from(status: int, message: str, *, field_id: str | None, form: str, keep: Iterable[str] = ()) -> Problem:
    """A refusal of the current POST, keeping the named inputs exactly as the member sent them."""
    values: dict[str, str | list[str]] = {}
    for name in keep:
        sent = [v[:VALUE_LIMIT] for v in request.form.getlist(name)[:20]]
        values[name] = sent if len(sent) > 1 else (sent[0] if sent else "")
    return Problem(status, ((field_id, message),), values, form)


def current() -> Problem | None:
    """The refusal this request shows: set by the POST that was refused, or taken from the session by its GET."""
    problem: Problem | None = g.get("problem")
    return problem


def show(problem: Problem) -> None:
    g.problem = problem


def wants_redirect() -> bool:
    """A browser navigating (asks for HTML, not an htmx partial): it gets Post/Redirect/Get."""
    if request.headers.get("HX-Request") == "true":
        return False
    return "text/html" in request.headers.get("Accept", "")


def _with_query(url: str, **query: str) -> str:
    parts = urlsplit(url)
    extra = "&".join(f"{k}={v}" for k, v in query.items())
    return urlunsplit((parts.scheme, parts.netloc, parts.path, f"{parts.query}&{extra}" if parts.query else extra, ""))


def refuse(problem: Problem, back: str) -> Response:
    """Keep the refusal for one GET of `back` and send the browser there (303): reload never resubmits."""
    token = secrets.token_urlsafe(12)
    pending: dict[str, Any] = dict(session.get(PROBLEMS, {}))
    pending[token] = {**problem.to_json(), "path": urlsplit(back).path}
    session[PROBLEMS] = dict(list(pending.items())[-KEEP_AT_MOST:])
    return redirect(_with_query(back, problem=token) + "#error-summary", code=303)


def confirm(message: str, done: str, *, echo: str | None = None) -> Response:
    """Say what was done where the browser lands (``#confirmation``), with the member's own words below it."""
    flash(message, "status")
    if echo:
        flash(echo, "echo")
    return redirect(done + "#confirmation", code=303)


def _take_problem() -> None:
    token = request.args.get("problem", "")
    if request.method != "GET" or not token:
        return
    pending: dict[str, Any] = dict(session.get(PROBLEMS, {}))
    if token not in pending or pending[token].get("path") != request.script_root + request.path:
        return  # shown once already, never ours, or another page's: the page as it is now
    data = pending.pop(token)
    session[PROBLEMS] = pending
    g.problem = Problem.from_json(data)


def init_app(app: Flask) -> None:
    app.before_request(_take_problem)

    @app.context_processor
    def problem_context() -> dict[str, Any]:
        return {"problem": current()}
