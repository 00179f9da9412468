"""What ``/readyz`` and ``/metrics`` ask of the ledger: is the database there, how far behind are the views.

Lags are measured in seconds of waiting, not in events: "the oldest event the views
have not applied was recorded 40 s ago" is what an operator can act on (the worker is
down), whereas "12 events behind" is normal for a second after a meeting's burst.
Both read only the database: any web process answers the same, whichever applied what.
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from typing import Any, cast

from ledger.governance.views import GovernanceViews
from ledger.log.application import Ledger
from ledger.log.config import LedgerConfig

PING_TIMEOUT = 2  # seconds: a probe that waits longer than its caller's timeout tells nothing


def database_problem(config: LedgerConfig, timeout: int = PING_TIMEOUT) -> str | None:
    """None if a fresh connection answers within ``timeout`` seconds, else one sentence (no password)."""
    if config.database_url is None:
        try:
            lite = sqlite3.connect(f"file:{config.sqlite_path}?mode=ro", uri=True, timeout=timeout)
            try:
                lite.execute("SELECT 1 FROM copro_meta LIMIT 1").fetchall()
            finally:
                lite.close()
        except sqlite3.Error as e:
            return f"The SQLite ledger {config.sqlite_path} cannot be read ({e})."
        return None
    import psycopg

    try:
        with config.connect_postgres(timeout=timeout, statement_timeout=timeout) as con:
            con.execute("SELECT 1 FROM copro_meta LIMIT 1").fetchall()
    except psycopg.Error as e:
        first = (str(e).strip().splitlines() or ["no answer"])[0]
        return f"The {config.describe()} does not answer ({first})."
    return None


def _recorded_at(ledger: Ledger, leaf: int) -> datetime | None:
    """When the event at ``leaf`` was written (its eventsourcing timestamp), or None past the end."""
    notes = ledger.recorder.select_notifications(start=leaf + 1, limit=1)
    if not notes:
        return None
    event: Any = ledger.mapper.to_domain_event(notes[0])
    return cast(datetime, event.timestamp)


def _waited(ledger: Ledger, leaf: int, now: datetime | None) -> float:
    recorded = _recorded_at(ledger, leaf)
    if recorded is None:
        return 0.0
    return max(0.0, ((now or datetime.now(UTC)) - recorded).total_seconds())


def projection_lag(views: GovernanceViews, now: datetime | None = None) -> float:
    """Seconds the oldest event not yet in the views has waited; 0 when they hold the whole log."""
    applied = views.view.max_tracking_id(views.ledger.name) or 0  # notification ids are leaf + 1
    return _waited(views.ledger, applied, now)


def checkpoint_age(ledger: Ledger, now: datetime | None = None) -> float:
    """Seconds the oldest event no checkpoint covers has waited; 0 when the newest checkpoint covers the log.

    Checkpoints store no time of their own (the note is C2SP text, signed), so the age
    is read from the events they leave out: what an auditor's copy is missing, and since when.
    """
    stored = ledger.merkle_log.checkpoints()
    covered = stored[-1][0] if stored else 0
    return _waited(ledger, covered, now)
