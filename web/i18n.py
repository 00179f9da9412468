"""Every member in their language: Flask-Babel catalogues, the locale of each request, the switch.

The locale is the member's own choice first (the ``copro_lang`` cookie the switch sets), then the
best match of the browser's ``Accept-Language`` among the languages we ship, then English. The
switch is a plain link (no JavaScript): it sets the cookie and sends the member back to the page
they were on, and only ever to a path on this site, so it cannot be used as an open redirect.

The compiled catalogues (``.mo``) are committed next to their ``.po`` sources, so a fresh clone
works with no build step; tests/test_languages.py checks that they match.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, Flask, current_app, redirect, request
from flask_babel import Babel, get_locale
from werkzeug.wrappers import Response

LANGUAGES = ("en", "cy")
DEFAULT = "en"
COOKIE = "copro_lang"
# The name of each language in itself, as its speakers look for it.
NAMES = {"en": "English", "cy": "Cymraeg"}
KEEP_CHOICE = 365 * 24 * 3600

bp = Blueprint("language", __name__)


def select_locale() -> str:
    """The member's choice, else the browser's best match, else English."""
    chosen = request.cookies.get(COOKIE, "")
    if chosen in LANGUAGES:
        return chosen
    return request.accept_languages.best_match(LANGUAGES) or DEFAULT


def current_language() -> str:
    locale = get_locale()
    return locale.language if locale is not None else DEFAULT


def same_site_path(target: str) -> str:
    """`target` if it is a path on this site (with its query), else the home page."""
    if not target.startswith("/") or target.startswith("//") or "\\" in target or any(ord(ch) < 32 for ch in target):
        return "/"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return "/"
    return parts.path + (f"?{parts.query}" if parts.query else "")


@bp.get("/language/<code>")
def switch(code: str) -> Response:
    """Keep the chosen language in a cookie and go back to the same page (303, a plain GET)."""
    back = same_site_path(request.args.get("next", "/"))
    response = redirect(back, code=303)
    if code in LANGUAGES:
        response.set_cookie(
            COOKIE,
            code,
            max_age=KEEP_CHOICE,
            httponly=True,
            samesite="Lax",
            secure=bool(current_app.config.get("SESSION_COOKIE_SECURE")),
        )
    return response


def _here() -> str:
    return request.full_path.rstrip("?") if request.query_string else request.path


def _language_context() -> dict[str, Any]:
    lang = current_language()
    others = [(code, NAMES[code]) for code in LANGUAGES if code != lang]
    return {"lang": lang, "other_languages": others, "here": _here()}


def _vary(response: Response) -> Response:
    """A page's language depends on these headers: caches must not hand one member's language to another."""
    response.vary.add("Accept-Language")
    response.vary.add("Cookie")
    return response


def init_app(app: Flask) -> None:
    Babel(app, locale_selector=select_locale, default_translation_directories="translations")
    app.jinja_env.policies["ext.i18n.trimmed"] = True  # whitespace inside {% trans %} never reaches a msgid
    app.context_processor(_language_context)
    app.after_request(_vary)
    app.register_blueprint(bp)
