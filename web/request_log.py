"""One JSON line per request: request id, method, endpoint, status, duration; and the request metrics.

The line names the Flask endpoint (``auth.invite``), never the path or query: a path
can hold an invitation token, a query a problem token, and nothing a member typed, no
cookie, no passphrase and no header but the request id is ever written. The request id
comes from ``X-Request-Id`` only when a proxy copro trusts sent it (web/proxies.py
marks such requests), so a stranger cannot write what they like into the log; otherwise
copro makes one. It is echoed in the response, so a member's "it failed at 10:02" can
be matched to the proxy's log and to ours.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import time
import uuid
from datetime import UTC, datetime
from typing import Any

from flask import Flask, Response, g, request

from web import metrics
from web.proxies import TRUSTED_MARK

LOGGER = "copro.requests"
HEADER = "X-Request-Id"
_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")
_FIELDS = ("request_id", "method", "endpoint", "status", "duration_ms")


class JSONFormatter(logging.Formatter):
    """A log record as one JSON object: time, level, logger, message, and the request fields it carries."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        line.update({k: getattr(record, k) for k in _FIELDS if hasattr(record, k)})
        if record.exc_info:
            line["error"] = record.exc_info[0].__name__ if record.exc_info[0] else "error"
        return json.dumps(line, ensure_ascii=False)


def use_json_logs(level: int = logging.INFO) -> None:
    """Send copro's log records to stderr as JSON lines (the WSGI entry does this; ``copro serve`` does not)."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JSONFormatter())
    for name in ("copro", "web", "ledger"):
        logger = logging.getLogger(name)
        logger.handlers = [handler]
        logger.setLevel(level)
        logger.propagate = False


def request_id() -> str:
    """This request's id: the trusted proxy's, if well-formed, else a new random one."""
    given = request.headers.get(HEADER, "")
    if request.environ.get(TRUSTED_MARK) and _ID.fullmatch(given):
        return given
    return uuid.uuid4().hex


def init_app(app: Flask) -> None:
    log = logging.getLogger(LOGGER)

    @app.before_request
    def start() -> None:
        g.request_started = time.perf_counter()
        g.request_id = request_id()

    @app.after_request
    def finish(response: Response) -> Response:
        started = g.get("request_started")
        if started is None:  # a request refused before our before_request ran (413 in body_limit)
            g.request_started, g.request_id = time.perf_counter(), request_id()
            started = g.request_started
        seconds = time.perf_counter() - started
        endpoint = request.endpoint or "unmatched"  # a 404: one label, not one per URL tried
        response.headers[HEADER] = g.request_id
        metrics.REQUEST_SECONDS.labels(endpoint, request.method).observe(seconds)
        metrics.REQUESTS.labels(endpoint, str(response.status_code)).inc()
        log.info(
            "request",
            extra={
                "request_id": g.request_id,
                "method": request.method,
                "endpoint": endpoint,
                "status": response.status_code,
                "duration_ms": round(seconds * 1000, 2),
            },
        )
        return response
