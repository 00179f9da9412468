"""Security for every response: CSRF, a strict CSP, no framing, a rate limit on setting passphrases.

The limiter caps how often one address may post an invitation form (each post can cost an
argon2 hash). It counts in memory, per process, which is enough for that: an invitation
token is signed and carries 128 random bits, so nothing is gained by guessing at it.
Sign-in, where guessing is the attack, is throttled in the side store (web/throttle.py),
shared by every process. Both key on the client address that web/proxies.py settles.
"""

from __future__ import annotations

from flask import Flask, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_wtf.csrf import CSRFProtect
from werkzeug.wrappers import Response

csrf = CSRFProtect()
limiter = Limiter(key_func=get_remote_address, default_limits=[])

CSP = "; ".join(
    [
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self'",
        "connect-src 'self'",
        "form-action 'self'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
    ]
)


def init_app(app: Flask) -> None:
    csrf.init_app(app)
    limiter.init_app(app)

    @app.after_request
    def headers(response: Response) -> Response:
        response.headers["Content-Security-Policy"] = CSP
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "same-origin"
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["Cross-Origin-Opener-Policy"] = "same-origin"
        if request.path.startswith("/log/") and "Cache-Control" in response.headers:
            pass  # the served log sets its own: tlog-tiles' caching rules (web/public_log.py)
        elif request.path.startswith("/static/"):
            response.headers["Cache-Control"] = "public, max-age=3600"
        else:
            response.headers["Cache-Control"] = "no-store"
        response.vary.add("HX-Request")
        return response
