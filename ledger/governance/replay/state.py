"""Plain typed state folded from event payloads: what the log says, with nothing of eventsourcing.

Each value keeps its history where an outcome's check reads it at a past version
(ballots and objections by version, a proposal's texts, a member's groups over time).
The ballot and objection values read at one version satisfy ``tally``'s protocols, so
counting runs the very code that closed the proposal.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID

from policies import ObjectionStatus


@dataclass
class Aggregate:
    """What every aggregate has: its id, kind (``Ballot``) and the version reached so far."""

    id: UUID
    kind: str
    version: int = 1


@dataclass(frozen=True)
class RoleTerm:
    role: str
    starts: str
    ends: str | None


@dataclass
class Collective(Aggregate):
    """Members, their groups over time (leaf, groups), their roles, who has left, the agreement in force."""

    groups: dict[str, str] = field(default_factory=dict)
    members: dict[UUID, frozenset[str]] = field(default_factory=dict)
    group_history: dict[UUID, list[tuple[int, frozenset[str]]]] = field(default_factory=dict)
    roles: dict[UUID, list[RoleTerm]] = field(default_factory=dict)
    left: set[UUID] = field(default_factory=set)
    agreement_id: UUID | None = None
    adopted_changes: set[UUID] = field(default_factory=set)

    def is_member(self, member_id: UUID) -> bool:
        return member_id in self.members and member_id not in self.left


@dataclass
class Agreement(Aggregate):
    """Rules (matrix), policy texts and their hashes, signatures, in force, superseded."""

    collective_id: UUID | None = None
    parties: list[str] = field(default_factory=list)
    matrix: dict[str, Any] = field(default_factory=dict)
    policies: dict[str, str] = field(default_factory=dict)
    policy_hashes: dict[str, str] = field(default_factory=dict)
    supersedes: UUID | None = None
    signatures: dict[UUID, str] = field(default_factory=dict)
    in_force: bool = False
    superseded_by: UUID | None = None


@dataclass(frozen=True)
class ProposalVersion:
    number: int
    content_hash: str
    author_id: UUID


@dataclass(frozen=True)
class Closing:
    """A ``Proposal.Closed`` event and the proposal as it stood when it was recorded."""

    leaf: int
    proposal_id: UUID
    version: int
    by: UUID
    at: str
    result: dict[str, Any]
    collective_id: UUID
    category: str
    version_hash: str  # the content hash of the proposal's last version
    opened_at: str
    closes_at: str | None
    policy_hash: str
    agreement_id: UUID
    objection_ids: tuple[UUID, ...]

    @property
    def recorded(self) -> dict[str, Any]:
        """The outcome as the proposal holds it: the result, with when and by whom it was recorded."""
        return dict(self.result, closed_at=self.at, closed_by=self.by.hex)


@dataclass
class Proposal(Aggregate):
    """Versions, opened / closes_at / closed, the rule it opened under, the objections registered."""

    collective_id: UUID | None = None
    category: str = ""
    changes_agreement: UUID | None = None
    state: str = "draft"
    versions: list[ProposalVersion] = field(default_factory=list)
    opened_at: str | None = None
    closes_at: str | None = None
    agreement_id: UUID | None = None
    policy_name: str = ""
    policy_hash: str = ""
    objection_ids: list[UUID] = field(default_factory=list)
    closing: Closing | None = None


@dataclass(frozen=True)
class BallotAt:
    """A ballot at one version: what ``tally.gather`` reads (``tally.CountedBallot``)."""

    id: UUID
    proposal_id: UUID
    member_id: UUID
    position: str
    version_hash: str
    at: str


@dataclass
class Ballot(Aggregate):
    proposal_id: UUID | None = None
    member_id: UUID | None = None
    versions: list[BallotAt] = field(default_factory=list)  # versions[v - 1] is version v


@dataclass(frozen=True)
class ObjectionAt:
    """An objection at one version: what ``tally.gather`` reads (``tally.CountedObjection``)."""

    id: UUID
    proposal_id: UUID
    member_id: UUID
    paramount: bool
    status: ObjectionStatus


@dataclass
class Objection(Aggregate):
    proposal_id: UUID | None = None
    member_id: UUID | None = None
    version_hash: str = ""
    history: list[ObjectionAt] = field(default_factory=list)  # history[v - 1] is version v

    @property
    def now(self) -> ObjectionAt:
        return self.history[-1]


@dataclass
class Reflection(Aggregate):
    actions: list[UUID | None] = field(default_factory=list)  # who completed each action, if anyone


@dataclass
class Contribution(Aggregate):
    recognition: str = "none"
    kind_offered: str | None = None


@dataclass(frozen=True)
class FeedbackAt:
    """A member's feedback at one version: the answers (1 to 4, None for "rather not say"), whether
    a comment was given (its words are sealed: counted, never read), and where it sits in the log."""

    leaf: int
    answers: dict[str, int | None]
    commented: bool


@dataclass
class Feedback(Aggregate):
    collective_id: UUID | None = None
    proposal_id: UUID | None = None
    member_id: UUID | None = None
    versions: list[FeedbackAt] = field(default_factory=list)  # versions[v - 1] is version v

    @property
    def now(self) -> FeedbackAt:
        return self.versions[-1]


@dataclass(frozen=True)
class NarrativeAt:
    """The narrative at one version: its six texts, who wrote them, when (the event's timestamp), and its leaf."""

    leaf: int
    at: str
    by: UUID
    texts: dict[str, str]


@dataclass
class Narrative(Aggregate):
    collective_id: UUID | None = None
    versions: list[NarrativeAt] = field(default_factory=list)  # versions[v - 1] is version v

    def as_of(self, at: str) -> NarrativeAt | None:
        """The narrative as it stood at ``at`` (ISO 8601 with offset: a period's end), None before it was written."""
        moment = datetime.fromisoformat(at)
        stood = [v for v in self.versions if datetime.fromisoformat(v.at) <= moment]
        return stood[-1] if stood else None


@dataclass
class World:
    """Everything the log says, by aggregate id, and every recorded outcome in log order."""

    aggregates: dict[UUID, Aggregate] = field(default_factory=dict)
    collectives: dict[UUID, Collective] = field(default_factory=dict)
    agreements: dict[UUID, Agreement] = field(default_factory=dict)
    proposals: dict[UUID, Proposal] = field(default_factory=dict)
    ballots: dict[UUID, Ballot] = field(default_factory=dict)
    objections: dict[UUID, Objection] = field(default_factory=dict)
    closings: list[Closing] = field(default_factory=list)
    feedback: dict[UUID, Feedback] = field(default_factory=dict)
    narratives: dict[UUID, Narrative] = field(default_factory=dict)  # by collective id
    events: int = 0
