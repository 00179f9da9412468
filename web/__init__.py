"""The Flask + htmx front end: community members govern in their browser.

``create_app`` wires the ledger, sign-in, security headers and one blueprint per
area. Every page works without JavaScript; htmx only makes it smoother.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

from flask import Flask
from werkzeug.routing import IntegerConverter, Map

from ledger.log.config import LedgerConfig
from ledger.log.environment import secret_from_env
from ledger.log.errors import ConfigurationError
from ledger.log.files import private_folder, secure_data_folder
from ledger.log.keys import write_private
from web import diffs, operations, proxies, sessions


def _secret_key(data_dir: Path) -> str:
    """From COPRO_SECRET_KEY (or the file COPRO_SECRET_KEY_FILE names), else a random key kept in the data folder.

    Several web processes must share one key, so production gives it as a secret file.
    """
    from_env = secret_from_env("COPRO_SECRET_KEY")
    if from_env:
        return from_env
    path = data_dir / "web-secret"
    if not path.exists():
        private_folder(data_dir)
        write_private(path, secrets.token_urlsafe(48).encode())
    return path.read_text().strip()


class BoundedInt(IntegerConverter):
    """Every whole number in a path is 0 to 2^53 - 1: larger ones name nothing (404), never a database overflow."""

    def __init__(self, map: Map, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", 2**53 - 1)
        super().__init__(map, *args, **kwargs)


def _seconds(name: str, default: int) -> int:
    """A whole number of seconds from the environment, or ConfigurationError saying what to write."""
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    if not value.isdigit() or int(value) < 60:
        raise ConfigurationError(f"{name} is {value!r}; give a whole number of seconds, at least 60.")
    return int(value)


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    app = Flask(__name__)
    app.url_map.converters["int"] = BoundedInt
    cfg = dict(test_config or {})
    ledger_config: LedgerConfig = cfg.pop("LEDGER_CONFIG", None) or LedgerConfig.from_env()
    secure_data_folder(ledger_config.data_dir)  # under gunicorn too, not only through the copro command
    app.config.update(
        SECRET_KEY=cfg.pop("SECRET_KEY", None) or _secret_key(ledger_config.data_dir),
        MAX_CONTENT_LENGTH=64 * 1024,  # forms only: anything bigger is refused with 413
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=os.environ.get("COPRO_HTTPS") == "1",
        SESSION_COOKIE_NAME="copro_session",
        # Server-side sessions (web/sessions.py); docs/OPERATIONS.md says why these values.
        COPRO_SESSION_IDLE=_seconds("COPRO_SESSION_IDLE", sessions.IDLE_DEFAULT),
        COPRO_SESSION_MAX=_seconds("COPRO_SESSION_MAX", sessions.MAX_DEFAULT),
        COPRO_CLOCK=None,  # time.time; tests put a clock they can move here
        COPRO_TRUSTED_PROXIES=os.environ.get("COPRO_TRUSTED_PROXIES", ""),
        COPRO_READY_MAX_LAG=operations.max_lag(),
        WTF_CSRF_TIME_LIMIT=None,  # the token is kept in the server session and dies with it
        RATELIMIT_STORAGE_URI="memory://",
        RATELIMIT_HEADERS_ENABLED=True,
    )
    app.config.update(cfg)
    if app.config["COPRO_SESSION_IDLE"] > app.config["COPRO_SESSION_MAX"]:
        raise ConfigurationError("COPRO_SESSION_IDLE is longer than COPRO_SESSION_MAX; make the idle time shorter.")
    app.wsgi_app = proxies.wrap(app.wsgi_app, proxies.parse(app.config["COPRO_TRUSTED_PROXIES"]))  # type: ignore[method-assign,assignment]

    from web import body_limit, forms, i18n, metrics, plain_words, request_log, security, state, words

    request_log.init_app(app)  # first: its clock starts before any other hook runs
    body_limit.init_app(app)
    i18n.init_app(app)
    forms.init_app(app)

    state.copro.init_app(app, ledger_config)
    metrics.time_appends(state.copro.state_of(app).gov.recorder)
    app.add_template_filter(diffs.word_diff, "word_diff")
    plain_words.init_app(app)
    words.init_app(app, lambda: state.copro.gov.clock())
    security.init_app(app)

    from web import (
        agreement,
        audit,
        auth,
        contributions,
        details,
        discussion,
        errors,
        glossary,
        home,
        involvement,
        members,
        proposals,
        public_log,
        receipts,
        reflections,
        reminders,
        reports,
    )

    for module in (
        auth,
        home,
        glossary,
        proposals,
        reminders,
        discussion,
        involvement,
        agreement,
        reflections,
        contributions,
        members,
        details,
        reports,
        audit,
    ):
        app.register_blueprint(module.bp)
    app.register_blueprint(public_log.bp)
    app.register_blueprint(operations.bp)
    app.register_blueprint(receipts.bp)
    errors.init_app(app)
    return app
