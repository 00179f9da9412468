"""Reminders: a facilitator sees who in each group has not responded to an open proposal, and reminds them.

A reminder is recorded first (the domain command checks the sender's role), so it
shows on the reminded members' home pages whatever happens to the email after; then
each reminded member who gave an address gets one plain-text email naming no one.
"""

from __future__ import annotations

from uuid import UUID

from flask import Blueprint, current_app, flash, redirect, request, url_for
from werkzeug.wrappers import Response

from ledger.governance.deadlines import closing_words
from ledger.governance.errors import GovernanceError, NotAllowed, NotFound
from web import mail
from web.ledger_words import said
from web.messages import _, ngettext
from web.state import copro, login_required, member_of, refresh_views
from web.ui import page

bp = Blueprint("reminders", __name__, url_prefix="/c/<uuid:collective_id>/proposals/<uuid:proposal_id>/reminders")


def _page(collective_id: UUID, proposal_id: UUID, status: int = 200, error: str | None = None) -> Response:
    account, c = member_of(collective_id)
    model = copro.pages.reminders_page(c, proposal_id, account.member_id, copro.gov.clock())
    chosen = set(request.form.getlist("groups")) if request.method == "POST" else set()
    return page("reminders/index.html", status, error=error, chosen=chosen, **vars(model))


@bp.get("/")
@login_required
def index(collective_id: UUID, proposal_id: UUID) -> Response:
    return _page(collective_id, proposal_id)


def _settings() -> mail.MailSettings | None:
    """The operator's settings; a test app may hand its own (``COPRO_MAIL_ENVIRON``) instead of the process's."""
    environ = current_app.config.get("COPRO_MAIL_ENVIRON")
    return mail.load_settings(copro.gov.config.data_dir, environ)


def _email(collective_id: UUID, proposal_id: UUID, groups: list[str]) -> str:
    """Email the reminded members who gave an address; what happened, in one sentence."""
    try:
        settings = _settings()
    except mail.MailConfigError as e:
        current_app.logger.warning("reminder email not sent: %s", e)  # the operator's file paths stay in the log
        return _("No email was sent: the mail settings cannot be used, and the operator should check the server log.")
    if settings is None:
        return _("No email was sent, as this copro has no mail server set up.")
    _account, c = member_of(collective_id)
    proposal = copro.gov.proposal(proposal_id)
    link = url_for("proposals.detail", collective_id=c.id, proposal_id=proposal_id, _external=True)
    closing = closing_words(proposal.state.value, proposal.closes_at, None, copro.gov.clock())
    messages = [
        mail.reminder_message(
            settings, to=address, collective=c.name, title=proposal.current.title, closing=closing, link=link
        )
        for _member, address in copro.pages.reminder_recipients(c, proposal_id, groups)
    ]
    if not messages:
        return _("No one we reminded gave us an email address, so we sent no email.")
    try:
        mail.send(settings, messages)
    except mail.MailError as e:
        current_app.logger.warning("reminder email not sent: %s", e)
        return _("The email could not be sent: %(why)s", why=e)
    return ngettext("%(num)s email was sent.", "%(num)s emails were sent.", len(messages))


@bp.post("/")
@login_required
def send(collective_id: UUID, proposal_id: UUID) -> Response:
    account, c = member_of(collective_id)
    groups = request.form.getlist("groups")[:20]
    try:
        copro.gov.send_reminder(proposal_id, by=account.member_id, groups=groups)
    except (NotAllowed, NotFound):
        raise  # the error page says why, with 403 or 404: this person has no reminders page to return to
    except GovernanceError as e:
        return _page(collective_id, proposal_id, e.status, said(e))
    refresh_views()
    names = ", ".join(c.groups.get(g, g) for g in sorted(set(groups)))
    emailed = _email(collective_id, proposal_id, groups)
    flash(
        _(
            "Reminder sent to %(groups)s: it shows on their home pages until they respond. %(emailed)s",
            groups=names,
            emailed=emailed,
        ),
        "status",
    )
    return redirect(url_for("reminders.index", collective_id=c.id, proposal_id=proposal_id), code=303)
