"""The power-sharing agreement: parties, the decision-rights matrix, who has signed; signing it."""

from __future__ import annotations

from uuid import UUID

from flask import Blueprint, url_for
from werkzeug.wrappers import Response

from ledger.governance.errors import NotFound
from web.state import copro, login_required, member_of
from web.ui import act, page

bp = Blueprint("agreement", __name__, url_prefix="/c/<uuid:collective_id>/agreement")


def _page(collective_id: UUID, status: int = 200, error: str | None = None) -> Response:
    account, c = member_of(collective_id)
    model = copro.pages.agreements_page(c, account.member_id)
    return page(
        "agreement/show.html",
        status,
        c=c,
        agreements=model.agreements,
        signers=model.signers,
        me=account.member_id,
        my_groups=model.my_groups,
        roles=model.roles,
        error=error,
    )


@bp.get("/")
@login_required
def show(collective_id: UUID) -> Response:
    return _page(collective_id)


@bp.post("/<uuid:agreement_id>/sign")
@login_required
def sign(collective_id: UUID, agreement_id: UUID) -> Response:
    account, c = member_of(collective_id)
    if agreement_id not in copro.views.listing(c.id, "Agreement"):
        raise NotFound("There is no such agreement.")
    return act(
        lambda: copro.gov.sign_agreement(agreement_id, member_id=account.member_id),
        done=url_for("agreement.show", collective_id=c.id),
        success="You have signed the agreement.",
        on_error=lambda e: _page(collective_id, e.status, e.message),
    )
