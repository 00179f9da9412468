"""When a proposal closes, in plain words, from the times its read-model row records.

A page lists many proposals, so the words come from the row alone (``closes_at``
recorded when it opened, ``closed_at`` when it closed) and the time now, never
from the proposal's events. Days are calendar days in UTC, as every recorded time is.
"""

from __future__ import annotations

from datetime import UTC, datetime


def spoken_date(moment: datetime) -> str:
    """'23 December 2026': no leading zero, the month in full."""
    return f"{moment.day} {moment:%B %Y}"


def _moment(at: str) -> datetime:
    moment = datetime.fromisoformat(at)
    return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)


def closing_words(state: str, closes_at: str | None, closed_at: str | None, now: datetime) -> str:
    """'Closes in 21 days, on 23 December 2026', 'Closes today, at 14:00 UTC', 'Closed', ...

    ``state`` is the proposal's state as the read model holds it (draft, open, closed,
    withdrawn). An open proposal past its deadline takes no more responses: it reads as
    closed for responses, though a facilitator still has to record its outcome.
    """
    if state == "closed":
        return f"Closed on {spoken_date(_moment(closed_at))}" if closed_at else "Closed"
    if state == "withdrawn":
        return "Withdrawn"
    if state != "open":
        return "Not open for responses yet"
    if closes_at is None:
        return "Open until a facilitator closes it"
    closes, today = _moment(closes_at), now.astimezone(UTC)
    if closes <= today:
        return f"Closed for responses on {spoken_date(closes)}"
    days = (closes.date() - today.date()).days
    if days == 0:
        return f"Closes today, at {closes:%H:%M} UTC"
    if days == 1:
        return f"Closes tomorrow, on {spoken_date(closes)}"
    return f"Closes in {days} days, on {spoken_date(closes)}"
