"""Words and numbers for members in their own language, for values the ledger records as keys.

The ledger records keys ("open", "agree", "decide") and moments in ISO form; it never says them
to people. These helpers say them in the request's locale, through the message catalogues
(web/translations) and Babel's formatting of dates and numbers. ``N_`` marks English source text
for extraction where it is defined (module constants), and ``_()`` translates it where it is shown.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, date, datetime
from typing import Any

from babel.numbers import format_currency
from flask import Flask
from flask_babel import format_date, format_decimal, format_time, get_locale

from web.messages import N_, _

__all__ = ["closing_words", "init_app", "moment", "number"]


STATES = {
    "draft": N_("draft"),
    "open": N_("open"),
    "closed": N_("closed"),
    "withdrawn": N_("withdrawn"),
}
OUTCOMES = {
    "adopted": N_("adopted"),
    "not_adopted": N_("not adopted"),
    "no_quorum": N_("no quorum"),
    "blocked": N_("blocked"),
    "objection_unresolved": N_("objection unresolved"),
}
POSITIONS = {"agree": N_("agree"), "abstain": N_("abstain"), "disagree": N_("disagree"), "block": N_("block")}
OBJECTION_STATUSES = {
    "raised": N_("raised"),
    "answered": N_("answered"),
    "withdrawn": N_("withdrawn"),
    "integrated": N_("integrated"),
    "upheld": N_("upheld"),
    "overruled": N_("overruled"),
    "tested": N_("tested"),
}
RIGHTS = {"decide": N_("decide"), "consent": N_("consent"), "consult": N_("consult"), "inform": N_("inform")}
ROLES = {
    "steward": N_("steward"),
    "facilitator": N_("facilitator"),
    "secretary": N_("secretary"),
    "member": N_("member"),
}
KINDS = {
    "payment": N_("payment"),
    "voucher": N_("voucher"),
    "expenses": N_("expenses"),
    "credit": N_("credit"),
    "training": N_("training"),
}
RECOGNITION = {
    "none": N_("none"),
    "offered": N_("offered"),
    "accepted": N_("accepted"),
    "declined": N_("declined"),
    "paid": N_("paid"),
}
SUBJECTS = {"period": N_("period"), "proposal": N_("decision"), "agreement": N_("agreement")}
REVIEWS = {"renew": N_("renew"), "amend": N_("amend"), "retire": N_("retire")}
CATEGORIES = {"governance": N_("governance")}


def _say(table: Mapping[str, str], key: Any) -> str:
    """The translated word for `key`, or the key with its underscores as spaces when it has none."""
    text = str(getattr(key, "value", key) or "")
    return _(table[text]) if text in table else text.replace("_", " ")


def number(value: int | float) -> str:
    """A number as the member's locale writes it (digit groups and all)."""
    return str(format_decimal(value))


def money(minor: int, currency: str) -> str:
    """An amount in pence (or cents) with its currency, as the member's locale writes it."""
    locale = get_locale()
    return str(format_currency(minor / 100, currency or "GBP", locale=str(locale) if locale else "en"))


def _as_datetime(at: str | datetime) -> datetime:
    value = datetime.fromisoformat(at) if isinstance(at, str) else at
    return value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)


def spoken_day(at: str | datetime | date) -> str:
    """'23 December 2026' / '23 Rhagfyr 2026'."""
    day = at if isinstance(at, date) and not isinstance(at, datetime) else _as_datetime(at).date()
    return str(format_date(day, "d MMMM y"))


def moment(at: str | datetime | None, fallback: str | None = None, *, seconds: bool = False) -> str:
    """A recorded time as people read it: '06 November 2026 at 10:00 UTC', in the member's language."""
    if at is None or at == "":
        return fallback or ""
    when = _as_datetime(at)
    return _(
        "%(date)s at %(time)s UTC",
        date=str(format_date(when.date(), "dd MMMM y")),
        time=str(format_time(when, "HH:mm:ss" if seconds else "HH:mm")),
    )


def day(value: str | date | None) -> str:
    """A calendar day (an ISO date) in the member's language; anything else as it was."""
    if not value:
        return ""
    try:
        return spoken_day(date.fromisoformat(value) if isinstance(value, str) else value)
    except ValueError:
        return str(value)


def closing_words(row: Mapping[str, Any], now: datetime) -> str:
    """When a proposal closes, in words (ledger.governance.deadlines.closing_words, translated).

    ``row`` holds the proposal's ``state``, ``closes_at`` and ``closed_at``, as a listing row or the
    proposal page's times do; when it lacks them its ready-made English ``closing`` is kept."""
    if "state" not in row or "closes_at" not in row:
        return str(row.get("closing", ""))
    state, closes_at, closed_at = str(row["state"]), row["closes_at"], row.get("closed_at")
    if state == "closed":
        return _("Closed on %(day)s", day=spoken_day(closed_at)) if closed_at else _("Closed")
    if state == "withdrawn":
        return _("Withdrawn")
    if state != "open":
        return _("Not open for responses yet")
    if closes_at is None:
        return _("Open until a facilitator closes it")
    closes, today = _as_datetime(closes_at), now.astimezone(UTC)
    if closes <= today:
        return _("Closed for responses on %(day)s", day=spoken_day(closes))
    days = (closes.date() - today.date()).days
    if days == 0:
        return _("Closes today, at %(time)s UTC", time=str(format_time(closes, "HH:mm")))
    if days == 1:
        return _("Closes tomorrow, on %(day)s", day=spoken_day(closes))
    return _("Closes in %(days)s days, on %(day)s", days=number(days), day=spoken_day(closes))


def reason_needed(positions: Iterable[Any]) -> str:
    """'block or disagree': the positions that need a reason, in words."""
    words = sorted(_say(POSITIONS, p) for p in positions)
    return _(" or ").join(words)


def names_of(names: Mapping[str, str], keys: Iterable[str]) -> str:
    """Display names of group keys, joined with commas."""
    return ", ".join(names.get(k, k) for k in keys)


def init_app(app: Flask, clock: Callable[[], datetime]) -> None:
    """Make the helpers available in every template; `clock` is the ledger's (closing times are relative to it)."""
    for name, table in (
        ("state_name", STATES),
        ("outcome_name", OUTCOMES),
        ("position_name", POSITIONS),
        ("objection_status", OBJECTION_STATUSES),
        ("step_name", OBJECTION_STATUSES),
        ("right_name", RIGHTS),
        ("kind_name", KINDS),
        ("recognition_name", RECOGNITION),
        ("subject_name", SUBJECTS),
        ("review_name", REVIEWS),
        ("category_name", CATEGORIES),
    ):
        app.add_template_global(lambda key, _table=table: _say(_table, key), name)
    app.add_template_filter(lambda key: _say(ROLES, key), "role_name")
    for helper in (number, money, moment, day, reason_needed, names_of):
        app.add_template_global(helper, helper.__name__)
    app.add_template_global(lambda row: closing_words(row, clock()), "closing_words")
