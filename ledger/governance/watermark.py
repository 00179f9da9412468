"""How far into the log this process has looked: one query tells a command whether what it checks changed.

eventsourcing's aggregate cache with fast-forward asks the store, for every cached
aggregate a command reads, whether events were stored after the cached version: on
PostgreSQL a round trip each (a vote reads the proposal and the collective, at least).
The log answers that for every aggregate at once. Its notification ids are dense and
in commit order (``ledger.log.storage``: each engine numbers a row ``MAX + 1`` under
its write lock, and a rolled-back insert leaves no hole), so the rows after the last
id this process has seen are exactly everything stored since, by anyone: one query
(usually empty) instead of one per aggregate.

:class:`LogWatermark` keeps that last id (``seen``) and, for each aggregate a command
has checked rights against ("tracked"), the latest version the store is known to hold
as of ``seen``. A tracked aggregate whose cached copy is older than that is read again
through the library (fast-forwarded, every new event signature-checked as always); one
that is as new is used as cached. The rows are used only for their aggregate id and
version, never decoded or trusted as content: a row that should not be there makes a
command read, and verify, that aggregate again; a row missing from the log is missing
from the library's own fast-forward query too. Like that query, this is correct only
while every writer goes through the log, which the leaf numbering itself enforces.

A process's own saves move ``seen`` on when their ids follow it directly (nothing
else was written in between), so a process working alone never reads its own writes
back.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any
from uuid import UUID

from eventsourcing.persistence import ApplicationRecorder, Recording

PAGE = 500  # rows per query when catching up after a long pause


def _uuid(value: Any) -> UUID:
    return value if isinstance(value, UUID) else UUID(str(value))


class LogWatermark:
    """The last notification id this process has taken into account, and the versions it implies.

    Thread-safe: catching up, tracking an aggregate just read, and moving on after a save
    hold one lock, so ``seen`` never passes a row that a tracked aggregate has not been
    checked against.
    """

    def __init__(self, limit: int) -> None:
        self.seen: int | None = None
        self._latest: dict[UUID, int] = {}
        self._limit = limit
        self._lock = threading.RLock()

    def catch_up(self, recorder: ApplicationRecorder) -> int:
        """Take in every row stored since ``seen``; returns how many rows that was (0: nothing changed).

        The first call only learns where the log ends: nothing is tracked before it.
        """
        with self._lock:
            if self.seen is None:
                self.seen = recorder.max_notification_id() or 0
                return 0
            taken = 0
            while True:
                rows = recorder.select_notifications(start=self.seen + 1, limit=PAGE)
                for row in rows:
                    aggregate_id = _uuid(row.originator_id)
                    known = self._latest.get(aggregate_id)
                    if known is not None and row.originator_version > known:
                        self._latest[aggregate_id] = row.originator_version
                if rows:
                    self.seen = rows[-1].id
                taken += len(rows)
                if len(rows) < PAGE:
                    return taken

    def latest(self, aggregate_id: UUID) -> int | None:
        """The version the store holds as of ``seen``, for a tracked aggregate; None if not tracked."""
        return self._latest.get(aggregate_id)

    @contextmanager
    def reading(self) -> Iterator[None]:
        """Hold ``seen`` still while an aggregate is read from the store and then :meth:`track` -ed.

        The read happens after ``seen`` was reached, so it includes every event up to it;
        anything later is in a row after ``seen``, which the next :meth:`catch_up` takes in.
        """
        with self._lock:
            yield

    def track(self, aggregate_id: UUID, version: int) -> None:
        """Remember ``version`` as what the store holds (read under :meth:`reading`)."""
        with self._lock:
            if aggregate_id not in self._latest and len(self._latest) >= self._limit:
                self._latest.clear()  # forgotten aggregates are only read through the library again
            self._latest[aggregate_id] = max(version, self._latest.get(aggregate_id, 0))

    def saved(self, recordings: Iterable[Recording[UUID]]) -> None:
        """This process stored these events: tracked aggregates move on, and ``seen`` if nothing came between."""
        with self._lock:
            ids = []
            for recording in recordings:
                note = recording.notification
                aggregate_id = _uuid(note.originator_id)
                if aggregate_id in self._latest:
                    self._latest[aggregate_id] = max(self._latest[aggregate_id], note.originator_version)
                ids.append(note.id)
            ids.sort()
            if self.seen is not None and ids and ids == list(range(self.seen + 1, self.seen + 1 + len(ids))):
                self.seen = ids[-1]
