"""Something in it for everyone: time given, and the recognition offered, accepted, declined, paid."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from flask import Blueprint, url_for
from werkzeug.wrappers import Response

from ledger.governance.errors import GovernanceError, Invalid, NotFound
from web.ledger_words import said
from web.messages import N_, _
from web.state import copro, login_required, member_of, roles_of
from web.ui import act, form, page, require_understood

bp = Blueprint("contributions", __name__, url_prefix="/c/<uuid:collective_id>/contributions")


def _page(collective_id: UUID, status: int = 200, error: str | None = None) -> Response:
    account, c = member_of(collective_id)
    return page(
        "contributions/index.html",
        status,
        c=c,
        items=copro.pages.contributions_page(c, account.member_id),
        error=error,
        me=account.member_id,
        roles=roles_of(c, account.member_id),
        today=copro.gov.clock().date().isoformat(),
    )


NUMBER_FIELDS = {"minutes": N_("minutes"), "amount_minor": N_("amount")}


def _int(name: str) -> int:
    try:
        return int(form(name, 12) or "0")
    except ValueError:
        raise Invalid(_("The %(what)s must be a whole number.", what=_(NUMBER_FIELDS.get(name, name)))) from None


@bp.get("/")
@login_required
def index(collective_id: UUID) -> Response:
    return _page(collective_id)


@bp.post("/")
@login_required
def log(collective_id: UUID) -> Response:
    account, c = member_of(collective_id)

    def run() -> None:
        try:
            on = date.fromisoformat(form("on", 10))
        except ValueError:
            raise Invalid(_("Write the date as year, month and day, like 2026-11-25.")) from None
        copro.gov.log_contribution(
            c.id,
            by=account.member_id,
            member_id=account.member_id,
            activity=form("activity", 200),
            minutes=_int("minutes"),
            on=on,
        )

    return act(
        run,
        done=url_for("contributions.index", collective_id=c.id),
        success=_("Your time is recorded."),
        on_error=lambda e: _page(collective_id, e.status, said(e)),
        field_id=_log_field,
        form="log",
        keep=("activity", "minutes", "on"),
        echo=f"You gave {form('minutes', 12)} minutes on {form('on', 10)}: “{form('activity', 200).strip()}”",
    )


def _log_field(e: GovernanceError) -> str | None:
    """Which input of the time form a refusal is about (the summary links to it)."""
    if e.status not in (400, 422):
        return None
    return "minutes" if "minute" in e.message else "on" if "date" in e.message else "activity"


@bp.post("/<uuid:contribution_id>/<step>")
@login_required
def step(collective_id: UUID, contribution_id: UUID, step: str) -> Response:
    account, c = member_of(collective_id)
    gov, me = copro.gov, account.member_id
    if contribution_id not in copro.views.listing(c.id, "Contribution"):
        raise NotFound(_("We can not find that piece of work."))
    steps = {
        "offer": (
            lambda: gov.offer_recognition(
                contribution_id,
                by=me,
                kind=form("kind", 20),
                amount_minor=_int("amount_minor"),
                currency=form("currency", 3),
                rate_table=form("rate_table", 60),
            ),
            _("Recognition offered."),
        ),
        "accept": (lambda: gov.respond_to_recognition(contribution_id, by=me, accept=True), _("Thank you: accepted.")),
        "decline": (lambda: _decline(contribution_id, me), _("Declined; that is recorded.")),
        "paid": (lambda: gov.mark_paid(contribution_id, by=me, reference=form("reference", 120)), _("Marked as paid.")),
    }
    if step not in steps:
        raise NotFound(_("There is no such step."))
    run, success = steps[step]
    fields = {
        "offer": f"amount-{contribution_id}",
        "paid": f"ref-{contribution_id}",
        "decline": f"decline-{contribution_id}",
    }
    return act(
        run,
        done=url_for("contributions.index", collective_id=c.id),
        success=success,
        on_error=lambda e: _page(collective_id, e.status, said(e)),
        field_id=lambda e: fields.get(step) if e.status in (400, 422) else None,
        form=f"{step}-{contribution_id}",
        keep=("amount_minor", "currency", "rate_table", "reference", "reason"),
    )


def _decline(contribution_id: UUID, me: UUID) -> None:
    require_understood(_("a declined recognition cannot be accepted later"))
    copro.gov.respond_to_recognition(contribution_id, by=me, accept=False, reason=form("reason", 4000))
