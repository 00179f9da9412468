"""A comment in a proposal's discussion thread: one member's words, signed and sealed with their key.

Each comment is its own aggregate (no hot proposal stream: a busy thread never contends
with the votes). The words are sealed like every other free text a person writes in their
own name, so erasing the person erases what they said, and the log still verifies.
"""

from __future__ import annotations

from uuid import UUID

from eventsourcing.domain import Aggregate, event

from ledger.log.sealed import Sealed
from ledger.log.vocabulary import named


@named("Comment")
class Comment(Aggregate):
    @event("Posted")
    def __init__(self, id: UUID, collective_id: UUID, proposal_id: UUID, author_id: UUID, text: Sealed) -> None:
        self.collective_id = collective_id
        self.proposal_id = proposal_id
        self.author_id = author_id
        self.text = text
