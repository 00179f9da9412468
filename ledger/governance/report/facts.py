"""One pass over the log, in log order, folding what a report needs into plain state.

The log as it stood at the period's end is the longest run of leaves from leaf 0
whose envelope ``timestamp`` (docs/FORMAT.md §1) is before the end: the fold stops at
the first event dated at or after it. So the state is always that of a prefix of
the log, the one a checkpoint of ``Facts.size`` leaves signs, and nothing written
after the period (a later close, vote or objection) can leak into it. Events dated at
or after the period's start are "in the period".

The events are the ones the auditor's replay reads (already signature-checked by
whoever supplies them); this fold trusts their order and steps, keeps only ids,
choices, numbers and times (never a sealed value, only whether one is there), and
ignores topics it does not report on, unknown ones included: refusing those is the
verifier's job. Each event costs one JSON parse and a few dictionary updates; nothing
is copied per event.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID

from ledger.governance.replay.events import Event, Payload, PayloadError

PREFIX = "copro/1/"
POSITIONS = ("agree", "abstain", "disagree", "block")


def parse_time(text: str) -> datetime:
    """An ISO 8601 time with offset, as FORMAT.md §1 writes ``datetime_iso``."""
    return datetime.fromisoformat(text)


@dataclass
class Member:
    """A member's groups (as they last stood) and whether they had left by the period's end."""

    groups: frozenset[str]
    left: bool = False


@dataclass
class RoleTerm:
    member_id: UUID
    role: str
    starts: str  # a date, "" for the founder's steward role (from the start)
    ends: str | None
    at: datetime
    rotated: bool  # the role passed to a different person than the term before it


@dataclass
class CollectiveFacts:
    id: UUID
    name: str
    purpose: str
    groups: dict[str, str]  # group id -> name, in the collective's declared order
    founded_at: datetime
    members: dict[UUID, Member] = field(default_factory=dict)
    roles: list[RoleTerm] = field(default_factory=list)
    # The newest event of this collective (its own or its documents'): the period had
    # activity when it is in the period. A time, not a count, so the fold does not
    # depend on where the period starts and one snapshot serves every period.
    last_activity: datetime | None = None
    # The newest reflection with a review outcome: whether an agreement in force was reviewed
    # since it came into force is then read here, not by scanning every reflection ever recorded
    # (a report reads only the records its period can touch).
    last_review: datetime | None = None


@dataclass
class Version:
    number: int
    content_hash: str
    author_id: UUID
    title: str
    at: datetime


@dataclass
class ProposalFacts:
    id: UUID
    collective_id: UUID
    category: str
    versions: list[Version]
    state: str = "draft"  # draft, open, closed, withdrawn
    agreement_id: UUID | None = None
    policy_name: str = ""
    objection_ids: list[UUID] = field(default_factory=list)
    closed_at: datetime | None = None
    result: dict[str, Any] | None = None
    withdrawn_at: datetime | None = None
    # Filled when it closes, from its result and ballots (which cannot change after that),
    # so the ballots are dropped and the state does not grow with them. Packed as indexes
    # into ``Facts.people`` and ``Facts.group_sets`` (``Facts.votes`` unpacks them):
    roster: int = -1  # the recorded roster: an index into ``Facts.rosters`` (most decisions share one)
    counted: list[int] = field(default_factory=list)  # counted ballots, result order: person, position, ...
    reasons: list[tuple[UUID, Position]] = field(default_factory=list)  # disagree/block with a reason, cast order


@dataclass(frozen=True)
class Position:
    """A ballot at one version: the position, the version it answers, whether a reason was given."""

    position: str
    version_hash: str
    has_reason: bool
    at: datetime


@dataclass
class BallotFacts:
    proposal_id: UUID
    member_id: UUID
    versions: list[Position]  # versions[v - 1] is version v


@dataclass
class ObjectionFacts:
    id: UUID
    proposal_id: UUID
    member_id: UUID
    paramount: bool
    from_block: bool
    version_hash: str  # the proposal version it answers
    raised_at: datetime
    status: str = "raised"
    resolved_at: datetime | None = None
    resolved_into: str = ""  # for "integrated": the content hash of the version that answered it
    # When its proposal closed: the date that puts it in a period (the figures report the
    # objections of the period's decisions), so a snapshot segment can say which periods it touches.
    decided_at: datetime | None = None


@dataclass
class AgreementFacts:
    id: UUID
    collective_id: UUID
    parties: list[str]
    review_date: str
    policies: dict[str, str]  # rule name -> its TOML text
    signatures: dict[UUID, str] = field(default_factory=dict)  # member -> the group they signed for
    in_force_at: datetime | None = None
    superseded: bool = False


@dataclass
class ReflectionFacts:
    collective_id: UUID
    subject: str
    review_outcome: str | None
    at: datetime
    actions: int
    done: int = 0


@dataclass
class ContributionFacts:
    collective_id: UUID
    member_id: UUID
    minutes: int
    at: datetime
    recognition: str = "none"  # none, offered, accepted, declined, paid
    kind: str | None = None
    amount_minor: int = 0
    currency: str = ""
    rate_table: str = ""


QUESTIONS = ("voice", "contribution", "agenda", "change")


@dataclass
class FeedbackFacts:
    collective_id: UUID
    proposal_id: UUID
    member_id: UUID
    answers: dict[str, int | None]
    at: datetime


NARRATIVE_FIELDS = ("aim", "methods", "results", "influence", "reflection", "equality")


@dataclass
class NarrativeFacts:
    collective_id: UUID
    texts: dict[str, str]
    leaf: int  # the last leaf that wrote it: the newest narrative of a collective wins


@dataclass
class Facts:
    """What the log said at the period's end, with the times that place each thing in or out of it."""

    start: datetime | None
    end: datetime
    size: int = 0  # leaves folded: the log as it stood at the period's end
    next_leaf: int = 0  # the first leaf not read: where a fold resumed from this state goes on
    latest: datetime | None = None  # the newest event time read: this state serves periods ending after it
    folded: int = 0  # events read by this fold (not by the one it resumed from): what a report costs
    collectives: dict[UUID, CollectiveFacts] = field(default_factory=dict)
    proposals: dict[UUID, ProposalFacts] = field(default_factory=dict)
    ballots: dict[UUID, BallotFacts] = field(default_factory=dict)  # of proposals not closed
    ballots_of: dict[UUID, list[UUID]] = field(default_factory=dict)  # proposal -> its ballots, in cast order
    objections: dict[UUID, ObjectionFacts] = field(default_factory=dict)
    agreements: dict[UUID, AgreementFacts] = field(default_factory=dict)
    reflections: dict[UUID, ReflectionFacts] = field(default_factory=dict)
    contributions: dict[UUID, ContributionFacts] = field(default_factory=dict)
    feedback: dict[UUID, FeedbackFacts] = field(default_factory=dict)
    narratives: dict[UUID, NarrativeFacts] = field(default_factory=dict)
    # The records created or changed since the snapshot this state was read from (all of them
    # for a fold from leaf 0), as (kind, id): what the snapshot's next segment must hold. Each
    # step changes only the record of its event's own aggregate, keyed by the event's
    # originator id (``KIND_OF``), besides the open state (collectives, ballots) and the
    # append-only tables, which a snapshot keeps apart.
    touched: set[tuple[str, UUID]] = field(default_factory=set)

    people: list[str] = field(default_factory=list)  # member hex of every roster and counted ballot
    group_sets: list[list[str]] = field(default_factory=list)  # each distinct roster entry's groups
    rosters: list[list[int]] = field(default_factory=list)  # each distinct roster: person, group set, ...
    _roster: dict[tuple[int, ...], int] = field(default_factory=dict)
    _person: dict[str, int] = field(default_factory=dict)
    _group_set: dict[tuple[str, ...], int] = field(default_factory=dict)

    def in_period(self, at: datetime) -> bool:
        return self.start is None or at >= self.start

    def person(self, hex_id: str) -> int:
        found = self._person.get(hex_id)
        if found is None:
            found = self._person[hex_id] = len(self.people)
            self.people.append(hex_id)
        return found

    def group_set(self, groups: list[str]) -> int:
        key = tuple(groups)
        found = self._group_set.get(key)
        if found is None:
            found = self._group_set[key] = len(self.group_sets)
            self.group_sets.append(list(key))
        return found

    def roster_of(self, packed: list[int]) -> int:
        key = tuple(packed)
        found = self._roster.get(key)
        if found is None:
            found = self._roster[key] = len(self.rosters)
            self.rosters.append(packed)
        return found

    def index_tables(self) -> None:
        """Rebuild the lookups of the shared tables (after they were read from a snapshot)."""
        self._person = {h: i for i, h in enumerate(self.people)}
        self._group_set = {tuple(g): i for i, g in enumerate(self.group_sets)}
        self._roster = {tuple(r): i for i, r in enumerate(self.rosters)}

    def votes(self, p: ProposalFacts) -> tuple[dict[str, frozenset[str]], list[tuple[str, str]]]:
        """A closed proposal's roster (member hex -> groups) and counted ballots (member hex, position)."""
        people, sets = self.people, self.group_sets
        r, c = (self.rosters[p.roster] if p.roster >= 0 else []), p.counted
        roster = {people[r[i]]: frozenset(sets[r[i + 1]]) for i in range(0, len(r), 2)}
        return roster, [(people[c[i]], POSITIONS[c[i + 1]]) for i in range(0, len(c), 2)]


#: The aggregate kinds whose records a snapshot keeps in segments, by the topic's first word,
#: and the ``Facts`` table each is kept in. Collectives and ballots are the open state.
KIND_OF = {
    "Proposal": "proposals",
    "Objection": "objections",
    "Agreement": "agreements",
    "Reflection": "reflections",
    "Contribution": "contributions",
    "Feedback": "feedback",
    "Narrative": "narratives",
}

Step = Callable[[Facts, Event, Payload, datetime], UUID | None]
"""A topic's step: fold the event in; the collective it belongs to (to count activity), if known."""


def collect(events: Iterable[Event], *, start: datetime | None, end: datetime, resume: Facts | None = None) -> Facts:
    """Fold ``events`` (log order) up to the first one dated at or after ``end``.

    With ``resume`` (a state this fold left earlier, ``resume.latest`` before ``end``),
    ``events`` start at ``resume.next_leaf`` and the fold goes on from that state: the
    result is the same as folding from leaf 0, because nothing in the state depends on
    the period (only ``start`` and ``end``, which are replaced).
    """
    if resume is None:
        facts = Facts(start, end)
    else:
        facts, facts.start, facts.end, facts.folded = resume, start, end, 0
    for event in events:
        facts.folded += 1
        step = STEPS.get(event.topic)
        try:
            payload = Payload(event.payload)
            at = parse_time(_timestamp(payload))
        except ValueError as e:
            if step is None:  # not ours to judge: the verifier refuses what is outside the vocabulary
                facts.next_leaf = event.leaf + 1
                continue
            raise UnreadableEvent(event, str(e)) from None
        if at >= end:
            break
        facts.size = facts.next_leaf = event.leaf + 1
        if facts.latest is None or at > facts.latest:
            facts.latest = at
        if step is None:  # a topic no figure reads (keys, members' sealed details) or one we do not know
            continue
        kind = KIND_OF.get(event.topic.removeprefix(PREFIX).split(".", 1)[0])
        if kind is not None:
            facts.touched.add((kind, event.originator_id))
        try:
            cid = step(facts, event, payload, at)
        except (ValueError, KeyError, IndexError, TypeError) as e:
            raise UnreadableEvent(event, f"it does not follow from the events before it ({e})") from None
        if cid is not None:
            c = facts.collectives.get(cid)
            if c is not None and (c.last_activity is None or at > c.last_activity):
                c.last_activity = at
    return facts


class UnreadableEvent(ValueError):
    """An event the report cannot fold: a log that ``copro verify`` would refuse, located by leaf."""

    def __init__(self, event: Event, reason: str) -> None:
        super().__init__(f"leaf {event.leaf} ({event.topic}) cannot be read for a report: {reason}")
        self.leaf = event.leaf


def _timestamp(p: Payload) -> str:
    value = p.object("timestamp")
    data = value.get("_data_")
    if value.get("_type_") != "datetime_iso" or not isinstance(data, str):
        raise ValueError(f"its timestamp {value!r} is not a datetime_iso value")
    return data


# -- collectives ----------------------------------------------------------------------------


def _founded(f: Facts, e: Event, p: Payload, at: datetime) -> UUID:
    groups = {str(k): str(v) for k, v in p.object("groups").items()}
    c = CollectiveFacts(e.originator_id, p.text("name"), p.text("purpose"), groups, at)
    founder = p.uuid("founder_id")
    c.members[founder] = Member(frozenset(p.texts("founder_groups")))
    c.roles.append(RoleTerm(founder, "steward", "", None, at, rotated=False))
    f.collectives[c.id] = c
    return c.id


def _admitted(f: Facts, e: Event, p: Payload, at: datetime) -> UUID:
    c = f.collectives[e.originator_id]
    c.members[p.uuid("member_id")] = Member(frozenset(p.texts("groups")))
    return c.id


def _groups_changed(f: Facts, e: Event, p: Payload, at: datetime) -> UUID:
    c = f.collectives[e.originator_id]
    c.members[p.uuid("member_id")].groups = frozenset(p.texts("groups"))
    return c.id


def _left(f: Facts, e: Event, p: Payload, at: datetime) -> UUID:
    c = f.collectives[e.originator_id]
    c.members[p.uuid("member_id")].left = True
    return c.id


def _role_assigned(f: Facts, e: Event, p: Payload, at: datetime) -> UUID:
    c = f.collectives[e.originator_id]
    member, role = p.uuid("member_id"), p.text("role")
    before = next((t for t in reversed(c.roles) if t.role == role), None)
    rotated = before is not None and before.member_id != member
    c.roles.append(RoleTerm(member, role, p.text("starts"), p.optional_text("ends"), at, rotated))
    return c.id


def _collective_touched(f: Facts, e: Event, p: Payload, at: datetime) -> UUID:
    return e.originator_id


# -- agreements -------------------------------------------------------------------------------


def _agreement_drafted(f: Facts, e: Event, p: Payload, at: datetime) -> UUID:
    texts = {str(k): str(v) for k, v in p.object("policies").items()}
    a = AgreementFacts(e.originator_id, p.uuid("collective_id"), p.texts("parties"), p.text("review_date"), texts)
    f.agreements[a.id] = a
    return a.collective_id


def _signed(f: Facts, e: Event, p: Payload, at: datetime) -> UUID:
    a = f.agreements[e.originator_id]
    a.signatures[p.uuid("member_id")] = p.text("group")
    return a.collective_id


def _came_into_force(f: Facts, e: Event, p: Payload, at: datetime) -> UUID:
    a = f.agreements[e.originator_id]
    a.in_force_at = at
    return a.collective_id


def _superseded(f: Facts, e: Event, p: Payload, at: datetime) -> UUID:
    a = f.agreements[e.originator_id]
    a.superseded = True
    return a.collective_id


# -- proposals, ballots, objections ---------------------------------------------------------


def _proposal_drafted(f: Facts, e: Event, p: Payload, at: datetime) -> UUID:
    first = Version(1, p.text("content_hash"), p.uuid("author_id"), p.text("title"), at)
    pr = ProposalFacts(e.originator_id, p.uuid("collective_id"), p.text("category"), [first])
    f.proposals[pr.id] = pr
    return pr.collective_id


def _revised(f: Facts, e: Event, p: Payload, at: datetime) -> UUID:
    pr = f.proposals[e.originator_id]
    pr.versions.append(Version(len(pr.versions) + 1, p.text("content_hash"), p.uuid("author_id"), p.text("title"), at))
    return pr.collective_id


def _opened(f: Facts, e: Event, p: Payload, at: datetime) -> UUID:
    pr = f.proposals[e.originator_id]
    pr.state, pr.agreement_id, pr.policy_name = "open", p.uuid("agreement_id"), p.text("policy_name")
    return pr.collective_id


def _objection_registered(f: Facts, e: Event, p: Payload, at: datetime) -> UUID:
    pr = f.proposals[e.originator_id]
    pr.objection_ids.append(p.uuid("objection_id"))
    return pr.collective_id


def _closed(f: Facts, e: Event, p: Payload, at: datetime) -> UUID:
    pr = f.proposals[e.originator_id]
    result = p.object("result")
    pr.state, pr.closed_at = "closed", at
    _compact(f, pr, result)
    for oid in pr.objection_ids:  # rewritten with the decision, dated by it (see ObjectionFacts.decided_at)
        o = f.objections.get(oid)
        if o is not None:
            o.decided_at = at
            f.touched.add(("objections", oid))
    pr.result = {k: result[k] for k in ("outcome",) if k in result}  # the roster and ballots are packed
    return pr.collective_id


def _compact(f: Facts, pr: ProposalFacts, result: dict[str, Any]) -> None:
    """Keep of a closed proposal's ballots only what the figures read, and drop the ballots.

    ``counted``: each ballot the result cites at the version it cites, answering the
    decided version, its member on the recorded roster (FORMAT.md §8), in the result's
    order. ``reasons``: each position that was a disagree or block with a reason, in the
    order the ballots were cast and their versions written, when a new version followed it
    (only those can be in the trail; a closed proposal's versions are final). A ballot cannot change once
    its proposal has closed, so this is what the figures would read at any later time.
    """
    packed: list[int] = []
    roster: set[str] = set()
    for m, groups in result.get("roster", []):
        roster.add(str(m))
        packed += [f.person(str(m)), f.group_set([str(g) for g in groups])]
    version_hash = result.get("version_hash")
    counted: list[int] = []
    for ref, version in result.get("ballots", []):
        b = f.ballots.get(UUID(hex=ref))
        if b is None or not 1 <= version <= len(b.versions):
            continue
        position = b.versions[version - 1]
        if position.version_hash == version_hash and b.member_id.hex in roster:
            counted += [f.person(b.member_id.hex), POSITIONS.index(position.position)]
    by_hash = {v.content_hash: v for v in pr.versions}  # final: a closed proposal is not revised
    reasons: list[tuple[UUID, Position]] = []
    for bid in f.ballots_of.pop(pr.id, []):
        b = f.ballots.pop(bid, None)
        if b is None:
            continue
        for at in b.versions:
            answered = by_hash.get(at.version_hash)
            if (
                at.has_reason
                and at.position in ("disagree", "block")
                and answered is not None
                and answered.number < len(pr.versions)
                and pr.versions[answered.number].at > at.at
            ):
                reasons.append((b.member_id, at))  # one that a new version followed: it may be in the trail
    pr.roster, pr.counted, pr.reasons = f.roster_of(packed), counted, reasons


def _withdrawn(f: Facts, e: Event, p: Payload, at: datetime) -> UUID:
    pr = f.proposals[e.originator_id]
    pr.state, pr.withdrawn_at = "withdrawn", at
    return pr.collective_id


def _position(p: Payload, at: datetime) -> Position:
    return Position(p.text("position"), p.text("version_hash"), _has_value(p, "reason"), at)


def _has_value(p: Payload, name: str) -> bool:
    """Whether a sealed value was given (not null): the report counts reasons, it never opens one."""
    if not p.has(name):
        return False
    try:
        return bool(p.object(name))
    except PayloadError:
        return False


def _cast(f: Facts, e: Event, p: Payload, at: datetime) -> UUID | None:
    b = BallotFacts(p.uuid("proposal_id"), p.uuid("member_id"), [_position(p, at)])
    f.ballots[e.originator_id] = b
    f.ballots_of.setdefault(b.proposal_id, []).append(e.originator_id)
    return _collective_of(f, b.proposal_id)


def _changed(f: Facts, e: Event, p: Payload, at: datetime) -> UUID | None:
    b = f.ballots[e.originator_id]
    b.versions.append(_position(p, at))
    return _collective_of(f, b.proposal_id)


def _collective_of(f: Facts, proposal_id: UUID) -> UUID | None:
    pr = f.proposals.get(proposal_id)
    return None if pr is None else pr.collective_id


def _raised(f: Facts, e: Event, p: Payload, at: datetime) -> UUID | None:
    o = ObjectionFacts(
        e.originator_id,
        p.uuid("proposal_id"),
        p.uuid("member_id"),
        p.boolean("paramount"),
        p.boolean("from_block"),
        p.text("version_hash"),
        at,
    )
    f.objections[o.id] = o
    return _collective_of(f, o.proposal_id)


def _tested(f: Facts, e: Event, p: Payload, at: datetime) -> UUID | None:
    o = f.objections[e.originator_id]
    o.paramount = p.boolean("paramount")
    return _collective_of(f, o.proposal_id)


def _answered(f: Facts, e: Event, p: Payload, at: datetime) -> UUID | None:
    o = f.objections[e.originator_id]
    o.status = "answered"
    return _collective_of(f, o.proposal_id)


def _resolved(f: Facts, e: Event, p: Payload, at: datetime) -> UUID | None:
    o = f.objections[e.originator_id]
    o.status, o.resolved_at, o.resolved_into = p.text("status"), at, p.text("version_hash")
    return _collective_of(f, o.proposal_id)


# -- reflections, contributions, feedback, narratives -----------------------------------------


def _recorded(f: Facts, e: Event, p: Payload, at: datetime) -> UUID:
    outcome = p.optional_text("review_outcome") if p.has("review_outcome") else None
    r = ReflectionFacts(p.uuid("collective_id"), p.text("subject"), outcome, at, len(p.items("actions")))
    f.reflections[e.originator_id] = r
    c = f.collectives.get(r.collective_id)
    if outcome and c is not None and (c.last_review is None or at > c.last_review):
        c.last_review = at
    return r.collective_id


def _action_completed(f: Facts, e: Event, p: Payload, at: datetime) -> UUID:
    r = f.reflections[e.originator_id]
    r.done += 1
    return r.collective_id


def _logged(f: Facts, e: Event, p: Payload, at: datetime) -> UUID:
    c = ContributionFacts(p.uuid("collective_id"), p.uuid("member_id"), p.integer("minutes"), at)
    f.contributions[e.originator_id] = c
    return c.collective_id


def _offered(f: Facts, e: Event, p: Payload, at: datetime) -> UUID:
    c = f.contributions[e.originator_id]
    c.recognition, c.kind = "offered", p.text("kind")
    c.amount_minor = p.integer("amount_minor") if p.has("amount_minor") else 0
    c.currency = p.text("currency") if p.has("currency") else ""
    c.rate_table = p.text("rate_table") if p.has("rate_table") else ""
    return c.collective_id


def _recognition(becomes: str) -> Step:
    def step(f: Facts, e: Event, p: Payload, at: datetime) -> UUID:
        c = f.contributions[e.originator_id]
        c.recognition = becomes
        return c.collective_id

    return step


def _answers(p: Payload) -> dict[str, int | None]:
    out: dict[str, int | None] = {}
    for q in QUESTIONS:
        try:
            value: int | None = p.integer(q)
        except PayloadError:  # null: the question left unanswered
            value = None
        out[q] = value if value is not None and 1 <= value <= 4 else None
    return out


def _feedback_given(f: Facts, e: Event, p: Payload, at: datetime) -> UUID:
    fb = FeedbackFacts(p.uuid("collective_id"), p.uuid("proposal_id"), p.uuid("member_id"), _answers(p), at)
    f.feedback[e.originator_id] = fb
    return fb.collective_id


def _feedback_changed(f: Facts, e: Event, p: Payload, at: datetime) -> UUID:
    fb = f.feedback[e.originator_id]
    fb.answers, fb.at = _answers(p), at
    return fb.collective_id


def _texts(p: Payload) -> dict[str, str]:
    return {name: (p.optional_text(name) or "") if p.has(name) else "" for name in NARRATIVE_FIELDS}


def _narrative_written(f: Facts, e: Event, p: Payload, at: datetime) -> UUID:
    n = NarrativeFacts(p.uuid("collective_id"), _texts(p), e.leaf)
    f.narratives[e.originator_id] = n
    return n.collective_id


def _narrative_revised(f: Facts, e: Event, p: Payload, at: datetime) -> UUID:
    n = f.narratives[e.originator_id]
    n.texts, n.leaf = _texts(p), e.leaf
    return n.collective_id


_TABLE: dict[str, Step] = {
    "Collective.Founded": _founded,
    "Collective.MemberAdmitted": _admitted,
    "Collective.MemberGroupsChanged": _groups_changed,
    "Collective.MemberLeft": _left,
    "Collective.RoleAssigned": _role_assigned,
    "Collective.AgreementInForce": _collective_touched,
    "Collective.AgreementChangeAdopted": _collective_touched,
    "Agreement.Drafted": _agreement_drafted,
    "Agreement.Signed": _signed,
    "Agreement.CameIntoForce": _came_into_force,
    "Agreement.Superseded": _superseded,
    "Proposal.Drafted": _proposal_drafted,
    "Proposal.Revised": _revised,
    "Proposal.Opened": _opened,
    "Proposal.ObjectionRegistered": _objection_registered,
    "Proposal.Closed": _closed,
    "Proposal.Withdrawn": _withdrawn,
    "Ballot.Cast": _cast,
    "Ballot.Changed": _changed,
    "Objection.Raised": _raised,
    "Objection.Tested": _tested,
    "Objection.Answered": _answered,
    "Objection.Resolved": _resolved,
    "Reflection.Recorded": _recorded,
    "Reflection.ActionCompleted": _action_completed,
    "Contribution.Logged": _logged,
    "Contribution.RecognitionOffered": _offered,
    "Contribution.RecognitionAccepted": _recognition("accepted"),
    "Contribution.RecognitionDeclined": _recognition("declined"),
    "Contribution.Paid": _recognition("paid"),
    "Feedback.Given": _feedback_given,
    "Feedback.Changed": _feedback_changed,
    "Narrative.Written": _narrative_written,
    "Narrative.Revised": _narrative_revised,
}
STEPS: dict[str, Step] = {PREFIX + topic: step for topic, step in _TABLE.items()}
