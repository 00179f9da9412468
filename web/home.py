"""The home page: what is waiting for me."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any
from uuid import UUID

from flask import Blueprint, redirect, url_for
from werkzeug.wrappers import Response

from ledger.governance.collective import Collective, Role
from web.state import copro, current_account, login_required, member_of, roles_of
from web.ui import page

bp = Blueprint("home", __name__)


@bp.get("/")
def index() -> Response:
    account = current_account()
    if account is None:
        return redirect(url_for("auth.signin"))
    return redirect(url_for("home.collective", collective_id=account.collective_id))


@bp.get("/c/<uuid:collective_id>/")
@login_required
def collective(collective_id: UUID) -> Response:
    account, c = member_of(collective_id)
    return page("home/index.html", c=c, waiting=waiting_for(c, account.member_id), roles=roles_of(c, account.member_id))


def waiting_for(c: Collective, me: UUID) -> dict[str, list[Any]]:
    gov, views = copro.gov, copro.views
    mine = c.groups_of(me)
    facilitator = c.has_role(me, Role.FACILITATOR)
    agreement = gov.agreement_in_force(c.id)
    respond, to_open, to_close, objections = [], [], [], []
    for p in views.proposals(c.id):
        pid = p["id"]
        if p["state"] == "draft" and facilitator and agreement is not None:
            to_open.append(p)
        if p["state"] != "open":
            continue
        proposal = gov.proposal(pid)
        if proposal.agreement_id is None:  # an open proposal always has its rule; never trust the view alone
            continue
        voting = gov.agreement(proposal.agreement_id).voting_groups(proposal.category)
        if mine & voting and not views.responded(pid, me) and not proposal.past_deadline(gov.clock()):
            respond.append(p)
        if facilitator:
            to_close.append(dict(p, time_up=proposal.past_deadline(gov.clock())))
        for oid in proposal.objection_ids:
            o = gov.objection(oid)
            if o.status.value in ("raised", "answered") and (facilitator or proposal.versions[0].author_id == me.hex):
                objections.append({"proposal": p, "objection": o})
    to_sign = []
    for aid in views.listing(c.id, "Agreement"):
        a = gov.agreement(aid)
        if a.superseded_by is None and not a.in_force and set(a.parties) & mine and me.hex not in a.signatures:
            to_sign.append(a)
    reviews: list[dict[str, Any]] = []
    if agreement is not None and date.fromisoformat(agreement.review_date) <= gov.clock().date() + timedelta(days=60):
        reviews.append({"what": "The power-sharing agreement", "due": agreement.review_date})
    for rid in views.listing(c.id, "Reflection"):
        r: Any = gov.repository.get(rid)
        for i, action in enumerate(r.actions):
            if action["done_by"] is None:
                reviews.append({"what": gov.reveal(action["text"]), "due": None, "reflection": rid, "index": i})
    return {
        "respond": respond,
        "objections": objections,
        "to_sign": to_sign,
        "reviews": reviews,
        "to_open": to_open,
        "to_close": to_close,
    }
