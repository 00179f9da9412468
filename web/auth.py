"""Accepting an invitation, signing in and out."""

from __future__ import annotations

from urllib.parse import urlparse

from flask import Blueprint, redirect, request, url_for
from werkzeug.wrappers import Response

from web import passphrases, sessions
from web.accounts import AccountError, InvitationGone, TooManyAttempts
from web.messages import _
from web.security import limiter
from web.state import copro, current_account, now
from web.ui import form, page

bp = Blueprint("auth", __name__)


def _safe_next(target: str | None) -> str | None:
    """A path on this site to return to after signing in, or None: never another site, never a header break."""
    if not target or len(target) > 2000 or not target.startswith("/") or target.startswith(("//", "/\\")):
        return None
    if any(ord(ch) < 0x20 or ord(ch) == 0x7F or ch == "\\" for ch in target):
        return None
    parts = urlparse(target)
    return target if not parts.scheme and not parts.netloc else None


@bp.route("/invite/<token>", methods=["GET", "POST"])
@limiter.limit("20 per minute", methods=["POST"])
def invite(token: str) -> Response:
    accounts = copro.accounts
    try:
        member_id, _collective = accounts.check_invitation(token)
    except AccountError as e:
        return page("auth/invite_invalid.html", 410 if isinstance(e, InvitationGone) else 400, message=str(e))
    name = copro.gov.member_name(member_id)
    if request.method == "POST":
        passphrase = form("passphrase", 1000)
        if passphrases.normalise(passphrase) != passphrases.normalise(form("confirm", 1000)):
            return page(
                "auth/invite.html",
                422,
                token=token,
                name=name,
                username=form("username", 40),
                error=_("The two passphrases are different. Type the same passphrase twice."),
            )
        try:
            account = accounts.accept(token, form("username", 40), passphrase, known_names=[name])
        except AccountError as e:
            return page("auth/invite.html", 422, token=token, name=name, username=form("username", 40), error=str(e))
        sessions.begin(account.member_id.hex)
        return redirect(url_for("home.collective", collective_id=account.collective_id), code=303)
    return page("auth/invite.html", token=token, name=name, username="", error=None)


@bp.route("/signin", methods=["GET", "POST"])
def signin() -> Response:
    """Sign in. Throttled per account and per address in the side store (web/throttle.py), not per process."""
    target = _safe_next(request.values.get("next"))
    if request.method == "POST":
        username = form("username", 40)
        try:
            account = copro.accounts.authenticate(
                username, form("passphrase", 1000), address=request.remote_addr or "", now=now()
            )
        except TooManyAttempts as e:
            response = page("auth/signin.html", 429, error=str(e), username=username, next=target)
            response.headers["Retry-After"] = str(max(1, round(e.wait)))
            return response
        except AccountError as e:
            return page("auth/signin.html", 401, error=str(e), username=username, next=target)
        sessions.begin(account.member_id.hex)
        return redirect(target or url_for("home.collective", collective_id=account.collective_id), code=303)
    if current_account() is not None and target is None:
        return redirect(url_for("home.index"))
    return page("auth/signin.html", error=None, username="", next=target)


@bp.post("/signout")
def signout() -> Response:
    sessions.end()
    return redirect(url_for("auth.signin", signed_out=1), code=303)
