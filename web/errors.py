"""Errors as pages a person can act on: what went wrong and what to do, with the right status."""

from __future__ import annotations

import json
import logging

import psycopg
from eventsourcing.persistence import InterfaceError, OperationalError
from flask import Flask, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

from ledger.governance.errors import GovernanceError
from web.ledger_words import said
from web.messages import N_, _

# English source text (N_ marks it for the catalogue); each is translated when a page shows it.
MESSAGES = {
    400: N_("Something in that request was not right. Go back, check the form and try again."),
    403: N_("Your role does not allow this. Ask a steward if you think it should."),
    404: N_("There is nothing here, or it is not part of a collective you belong to."),
    405: N_("That page cannot be used that way."),
    413: N_("That was too much to send at once. Shorten the text and try again."),
    429: N_("Too many attempts in a short time. Wait a minute, then try again."),
}


DATABASE_DOWN = "The ledger's database cannot be reached just now; nothing was recorded. Try again in a minute."
RETRY_AFTER_SECONDS = 30
DATABASE_ERRORS = (OperationalError, InterfaceError, psycopg.OperationalError, psycopg.InterfaceError)
log = logging.getLogger(__name__)


def render_error(status: int, message: str) -> Response:
    response = Response(
        render_template("errors/error.html", status=status, message=message), status, mimetype="text/html"
    )
    return response


def init_app(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(e: CSRFError) -> Response:
        return render_error(400, _("This form has expired or was not sent from copro. Reload the page and try again."))

    @app.errorhandler(GovernanceError)
    def governance_error(e: GovernanceError) -> Response:
        return render_error(e.status, said(e))

    # The database down, restarting or out of connections: a 503 saying nothing was recorded, never a 500.
    # It is true: a request's writes are one transaction, and the storage layer waits a bounded time
    # (ledger.log.storage.postgres), so the person hears this within seconds.
    @app.errorhandler(OperationalError)
    @app.errorhandler(InterfaceError)
    @app.errorhandler(psycopg.OperationalError)
    @app.errorhandler(psycopg.InterfaceError)
    def database_unreachable(e: Exception) -> Response:
        first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        log.warning("database unreachable, answered 503: %s: %s", type(e).__name__, first)
        if request.path.endswith(".json"):
            response = Response(json.dumps({"error": DATABASE_DOWN}), 503, mimetype="application/json")
        else:
            response = render_error(503, DATABASE_DOWN)
        response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response

    @app.errorhandler(HTTPException)
    def http_error(e: HTTPException) -> Response:
        # An error outside a view (loading the session, say) reaches Flask as a 500 wrapping it.
        original = getattr(e, "original_exception", None)
        if isinstance(original, DATABASE_ERRORS):
            return database_unreachable(original)
        code = e.code or 500
        message = _(MESSAGES[code]) if code in MESSAGES else (e.description or _("Something went wrong."))
        if request.path.endswith(".json"):  # a machine asked: answer in its language, with the same sentence
            return Response(json.dumps({"error": message}), code, mimetype="application/json")
        return render_error(code, message)
