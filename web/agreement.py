"""The power-sharing agreement: parties, the decision-rights matrix, who has signed; signing it."""

from __future__ import annotations

from uuid import UUID

from flask import Blueprint, url_for
from werkzeug.wrappers import Response

from ledger.governance.agreement import Agreement
from ledger.governance.collective import Collective
from ledger.governance.errors import NotFound
from web.ledger_words import said
from web.messages import _
from web.state import copro, login_required, member_of
from web.ui import act, page, require_understood

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
        raise NotFound(_("There is no such agreement."))

    def run() -> None:
        require_understood(_("your signature binds your group to this agreement, and you can not take it back"))
        copro.gov.sign_agreement(agreement_id, member_id=account.member_id)

    return act(
        run,
        done=url_for("agreement.show", collective_id=c.id),
        success=_("You have signed the agreement."),
        on_error=lambda e: _page(collective_id, e.status, said(e)),
        field_id=lambda e: f"understand-{agreement_id}" if e.status in (400, 422) else None,
        form=f"sign-{agreement_id}",
        echo=lambda: _signature(c, account.member_id, agreement_id),
    )


def _signature(c: Collective, me: UUID, agreement_id: UUID) -> str:
    """The member's own signature as now recorded: which group it commits."""
    group = copro.gov.read(Agreement, agreement_id, "agreement").signatures.get(me.hex, "")
    return _("Your signature is recorded: you signed for %(group)s.", group=c.groups.get(group, group))
