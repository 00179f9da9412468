"""A small aggregate for the foundation tests: enough to fill a log with real signed events."""

from __future__ import annotations

from eventsourcing.domain import Aggregate, event

from ledger.log.sealed import Sealed
from ledger.log.vocabulary import named


@named("Diary", vocabulary="copro-test/1")
class Diary(Aggregate):
    @event("Opened")
    def __init__(self, title: str) -> None:
        self.title = title
        self.entries: list[str] = []
        self.author: Sealed | None = None

    @event("Written")
    def write(self, text: str) -> None:
        self.entries.append(text)

    @event("Signed")
    def sign(self, author: Sealed) -> None:
        self.author = author
