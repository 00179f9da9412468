"""The steward's GRIPP2 narrative: the written part of a report's involvement section, as signed events.

GRIPP2 short form asks for the aim of involvement, its methods, its results (good and
bad), how far it influenced the work, and a critical reflection; NIHR adds equality,
diversity and inclusion as a heading of its own. The ledger supplies the figures; this
is the text a steward writes around them. It is the collective's public report text,
so it is plain (like the agreement's ground rules): it must outlive any one person's
erasure. One per collective, id ``uuid5(collective_id, "narrative")``; each revision
is a new event, so a report reads the narrative as it stood at its period's end.
"""

from __future__ import annotations

from collections.abc import Mapping
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate, event

from ledger.governance.errors import Conflict, Invalid
from ledger.log.vocabulary import named

PARTS = ("aim", "methods", "results", "influence", "reflection", "equality")


@named("Narrative")
class Narrative(Aggregate):
    @staticmethod
    def check_not_empty(texts: Mapping[str, str]) -> None:
        if not any(texts.get(p) for p in PARTS):
            raise Invalid("The narrative is empty: write at least one part, then save it.")

    @staticmethod
    def create_id(collective_id: UUID, **_: object) -> UUID:
        return narrative_id(collective_id)

    @event("Written")
    def __init__(
        self,
        collective_id: UUID,
        by: UUID,
        aim: str,
        methods: str,
        results: str,
        influence: str,
        reflection: str,
        equality: str,
    ) -> None:
        self.collective_id = collective_id
        self.by = by
        self.texts = {
            "aim": aim,
            "methods": methods,
            "results": results,
            "influence": influence,
            "reflection": reflection,
            "equality": equality,
        }

    def revise(self, by: UUID, texts: Mapping[str, str]) -> None:
        if {p: texts.get(p, "") for p in PARTS} == self.texts:
            raise Conflict("This changes nothing in the narrative; edit a part, then save it.")
        self._revised(by=by, **{p: texts.get(p, "") for p in PARTS})

    @event("Revised")
    def _revised(
        self, by: UUID, aim: str, methods: str, results: str, influence: str, reflection: str, equality: str
    ) -> None:
        self.by = by
        self.texts = {
            "aim": aim,
            "methods": methods,
            "results": results,
            "influence": influence,
            "reflection": reflection,
            "equality": equality,
        }


def narrative_id(collective_id: UUID) -> UUID:
    """FORMAT.md §8: one narrative per collective."""
    return uuid5(collective_id, "narrative")
