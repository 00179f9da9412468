"""Reminders: a facilitator sees who in each group has not responded to an open proposal, and reminds them.

A reminder is recorded first (the domain command checks the sender's role), so it
shows on the reminded members' home pages whatever happens to the email after; then
each reminded member who gave an address gets one plain-text email naming no one.

The email is in Welsh and English, Welsh first, in one message: copro does not keep the language a
member reads in (the page language is the browser's or a cookie's, never stored with the member),
so at send time the server cannot know it, and a bilingual message is what Welsh public bodies
send when they do not know. Each part is said through the catalogue, as the pages are.
"""

from __future__ import annotations

from uuid import UUID

from flask import Blueprint, current_app, flash, redirect, request, url_for
from flask_babel import force_locale
from werkzeug.wrappers import Response

from ledger.governance.errors import GovernanceError, NotAllowed, NotFound
from web import mail
from web.ledger_words import said
from web.messages import _, ngettext
from web.state import copro, login_required, member_of, refresh_views
from web.ui import page
from web.words import closing_words

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


EMAIL_LANGUAGES = ("cy", "en")  # Welsh first, then English: see the module's docstring


def _reminder_in(lang: str, *, collective: str, title: str, times: dict[str, object], link: str) -> tuple[str, str]:
    """(the subject's first word, the body) of the reminder in `lang`, with the closing time said in it."""
    with force_locale(lang):
        subject = _("Reminder")
        body = "\n".join(
            (
                _("Hello,"),
                "",
                _(
                    "A facilitator of %(collective)s asks you to give your view on “%(title)s”.",
                    collective=collective,
                    title=title,
                ),
                closing_words(times, copro.gov.clock()) + ".",
                "",
                _("Read it and give your position here:"),
                link,
                "",
                _(
                    "You get this email because you gave this address on your details page in copro. "
                    "To stop these emails, remove it there."
                ),
            )
        )
    return subject, body


def bilingual_reminder(*, collective: str, title: str, times: dict[str, object], link: str) -> tuple[str, str]:
    """(subject, body) in each of EMAIL_LANGUAGES, one after the other."""
    parts = [_reminder_in(lang, collective=collective, title=title, times=times, link=link) for lang in EMAIL_LANGUAGES]
    # One title, after the words in each language: a subject over 78 characters is folded, and
    # Python's folding can drop the space between two encoded words ("responseto").
    subject = " / ".join(s for s, _body in parts) + f": “{title}”"
    body = "\n\n----------\n\n".join(b for _subject, b in parts) + "\n"
    return subject, body


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
    times: dict[str, object] = {"state": proposal.state.value, "closes_at": proposal.closes_at, "closed_at": None}
    subject, body = bilingual_reminder(collective=c.name, title=proposal.current.title, times=times, link=link)
    messages = [
        mail.reminder_message(settings, to=address, subject=subject, body=body)
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
