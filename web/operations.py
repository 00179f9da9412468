"""The operator's endpoints: ``/healthz`` (the process is up), ``/readyz`` (it can serve), ``/metrics``.

``/healthz`` touches nothing, so a slow database never gets a healthy process restarted.
``/readyz`` says whether to send it traffic: the database answers within two seconds,
the keys are loaded, and the views are no more than ``COPRO_READY_MAX_LAG`` seconds
behind the log (a stopped projection worker shows here). Each failed check is a
sentence in the answer, so the probe's log says what to fix. ``/metrics`` is for
Prometheus on the internal network: the Caddyfile does not pass it on to the internet.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime

from flask import Blueprint, Response, current_app, jsonify

from ledger.governance.readiness import database_problem, projection_lag
from ledger.log.errors import ConfigurationError
from web import metrics, sessions
from web.state import copro

bp = Blueprint("operations", __name__)
MAX_LAG_ENV = "COPRO_READY_MAX_LAG"
MAX_LAG_DEFAULT = 60


def max_lag(value: str | None = None) -> int:
    """The seconds of projection lag ``/readyz`` allows: ``COPRO_READY_MAX_LAG``, a whole number of at least 1."""
    text = (os.environ.get(MAX_LAG_ENV, "") if value is None else value).strip()
    if not text:
        return MAX_LAG_DEFAULT
    if not text.isdigit() or int(text) < 1:
        raise ConfigurationError(f"{MAX_LAG_ENV} is {text!r}; give a whole number of seconds, at least 1.")
    return int(text)


def _plain(text: str, status: int) -> Response:
    return Response(text + "\n", status=status, mimetype="text/plain")


@bp.get("/healthz")
def healthz() -> Response:
    return _plain("ok", 200)


@bp.get("/readyz")
def readyz() -> Response:
    state = copro.state_of(current_app)
    checks: dict[str, str] = {}
    problem = database_problem(state.gov.config)
    checks["database"] = problem or "ok"
    keys = state.gov.keys
    checks["keys"] = "ok" if keys is not None and keys.event is not None else "The ledger's keys are not loaded."
    if problem is None:
        allowed = current_app.config["COPRO_READY_MAX_LAG"]
        lag = projection_lag(state.views, datetime.fromtimestamp(sessions.clock(current_app)(), UTC))
        checks["projections"] = (
            "ok"
            if lag <= allowed
            else f"The views are {lag:.0f} s behind the log (more than {allowed} s); "
            "is 'copro project --follow' running?"
        )
    else:
        checks["projections"] = "not checked: the database does not answer."
    failed = [sentence for sentence in checks.values() if sentence != "ok"]
    body = {"ready": not failed, "checks": checks}
    if failed:
        body["problem"] = failed[0]
    response = jsonify(body)
    response.status_code = 503 if failed else 200
    return response


@bp.get("/metrics")
def metrics_page() -> Response:
    text, content_type = metrics.exposition(copro.state_of(current_app).views)
    return Response(text, status=200, content_type=content_type)
