"""Request bodies are never read past the limit, whether or not they say how long they are.

A body with ``Content-Length`` over the limit is refused by Flask before it is read.
A chunked body (``Transfer-Encoding: chunked``, no length) is another matter: Werkzeug
reads it up to the limit and then quietly stops, so a form would be parsed from a
truncated body. This middleware reads such a body itself, at most one byte past the
limit, under any WSGI server: within the limit it hands the application an ordinary
body with a length; over it, the application answers 413 without reading any further
and without acting on anything.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from typing import Any

from flask import Flask, abort, request

TOO_LARGE = "copro.body_too_large"


class BodyLimit:
    """WSGI middleware: give every request body a length, or mark it as too large."""

    def __init__(self, app: Any, limit: int) -> None:
        self.app = app
        self.limit = limit

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        if not environ.get("CONTENT_LENGTH") and _is_streamed(environ):
            data = _read_at_most(environ["wsgi.input"], self.limit + 1)
            if len(data) > self.limit:
                environ[TOO_LARGE] = True
                data = b""
            environ["wsgi.input"] = io.BytesIO(data)
            environ["CONTENT_LENGTH"] = str(len(data))
            environ.pop("wsgi.input_terminated", None)
            environ.pop("HTTP_TRANSFER_ENCODING", None)
        return self.app(environ, start_response)  # type: ignore[no-any-return]


def _is_streamed(environ: dict[str, Any]) -> bool:
    return "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower() or bool(environ.get("wsgi.input_terminated"))


def _read_at_most(stream: Any, n: int) -> bytes:
    parts: list[bytes] = []
    left = n
    while left > 0:
        piece = stream.read(min(left, 65536))
        if not piece:
            break
        parts.append(piece)
        left -= len(piece)
    return b"".join(parts)


def init_app(app: Flask) -> None:
    limit = int(app.config["MAX_CONTENT_LENGTH"])
    app.wsgi_app = BodyLimit(app.wsgi_app, limit)  # type: ignore[method-assign]

    @app.before_request
    def refuse_too_large() -> None:
        if request.environ.get(TOO_LARGE):
            abort(413)
