"""Fold signed events, by vocabulary topic, into plain state: each must apply to the state it meets.

An event applies when it belongs to the right kind of aggregate, carries the next
version (a creation event at version 1, nothing before it), has the fields
docs/FORMAT.md §6 lists with their types, and is a step the aggregate allows from
where it stands: a ``Ballot.Changed`` for a ballot never cast, a ``Proposal.Closed``
on a draft, a second signature by one member are each refused, naming the leaf, the
aggregate and the version. The steps are those the aggregates' own guards allow
(ledger/governance/<aggregate>.py); the replay restates them over payloads so an
auditor's verifier needs none of our stack.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TypeVar, cast
from uuid import UUID, uuid5

from ledger.governance.replay import state as s
from ledger.governance.replay.events import Event, Payload, PayloadError, ReplayError
from policies import ObjectionStatus, Position

VOCABULARY = "copro/1"
POSITIONS = frozenset(p.value for p in Position)
ROLES = frozenset({"steward", "facilitator", "secretary", "member"})
RESOLUTIONS = frozenset(st.value for st in ObjectionStatus if not st.unresolved)
MONETARY = frozenset({"payment", "voucher", "expenses"})
QUESTIONS = ("voice", "contribution", "agenda", "change")  # ledger/governance/feedback.py
SCALE = range(1, 5)
PARTS = ("aim", "methods", "results", "influence", "reflection", "equality")  # ledger/governance/narrative.py


class StepError(ValueError):
    """A step the aggregate does not allow from its current state; the fold adds where it is."""


def ballot_id(proposal_id: UUID, member_id: UUID) -> UUID:
    """A ballot's id as FORMAT.md §8 defines it (tests pin it to ``ledger.governance.ballot.ballot_id``)."""
    return uuid5(proposal_id, member_id.hex)


def feedback_id(proposal_id: UUID, member_id: UUID) -> UUID:
    """A feedback's id as FORMAT.md §8 defines it (tests pin it to ``ledger.governance.feedback.feedback_id``)."""
    return uuid5(proposal_id, "feedback:" + member_id.hex)


def narrative_id(collective_id: UUID) -> UUID:
    """A narrative's id as FORMAT.md §8 defines it (tests pin it to ``ledger.governance.narrative.narrative_id``)."""
    return uuid5(collective_id, "narrative")


Create = Callable[["Fold", Payload, Event], s.Aggregate]
"""A creation event's step: the new aggregate (version 1, and nothing of this id before it)."""
Change = Callable[["Fold", s.Aggregate, Payload, Event], None]
"""Any other event's step, over the aggregate it meets (of its own kind: checked before)."""
T = TypeVar("T")


@dataclass(frozen=True)
class Step:
    creates: bool
    apply: Create | Change


class Fold:
    """The state so far; :meth:`apply` takes the next event of the log, in log order."""

    def __init__(self) -> None:
        self.world = s.World()

    def apply(self, event: Event) -> None:
        leaf, oid, version, topic = event.leaf, event.originator_id, event.version, event.topic

        def refuse(reason: str) -> ReplayError:
            return ReplayError(leaf, oid, version, reason)

        step = STEPS.get(topic)
        if step is None:
            raise refuse(f"its topic {topic!r} is not in the {VOCABULARY} vocabulary (docs/FORMAT.md §2)")
        kind = topic.removeprefix(f"{VOCABULARY}/").split(".")[0]
        existing = self.world.aggregates.get(oid)
        previous = existing.version if existing is not None else 0
        if version != previous + 1:
            said = "is this aggregate's first event in the log" if previous == 0 else f"follows version {previous}"
            raise refuse(f"version {version} {said} (expected version {previous + 1})")
        if existing is not None and existing.kind != kind:
            raise refuse(f"it is a {kind} event, but aggregate {oid} is a {existing.kind}")
        if step.creates != (existing is None):
            if step.creates:
                raise refuse(f"a {topic} creates a {kind}, but this {kind} already exists")
            raise refuse(f"a {topic} needs an existing {kind}, but the log creates none with this id before it")
        try:
            payload = Payload(event.payload)
            if step.creates and payload.topic() != f"{VOCABULARY}/{kind}":
                raise PayloadError(f"it names its aggregate {payload.topic()!r}, not {VOCABULARY}/{kind}")
            if existing is None:
                self.world.aggregates[oid] = cast(Create, step.apply)(self, payload, event)
            else:
                cast(Change, step.apply)(self, existing, payload, event)
                existing.version = version
        except (PayloadError, StepError) as e:
            raise refuse(str(e)) from None
        self.world.events += 1

    def of(self, table: dict[UUID, T], aggregate_id: UUID, what: str) -> T:
        """The aggregate an event names (an agreement, a collective), which must be in the log before it."""
        found = table.get(aggregate_id)
        if found is None:
            raise StepError(f"it names {what} {aggregate_id}, which the log does not hold before it")
        return found


def fold(events: Iterable[Event]) -> s.World:
    """Every event applied in order; ReplayError at the first that does not apply."""
    f = Fold()
    for event in events:
        f.apply(event)
    return f.world


# -- the log's own aggregate -------------------------------------------------------------


def _keyring_started(f: Fold, p: Payload, e: Event) -> s.Aggregate:
    for name in ("origin", "event_key", "checkpoint_key", "report_key"):
        p.text(name)
    return s.Aggregate(e.originator_id, "Keyring")


def _key_rotated(f: Fold, agg: s.Aggregate, p: Payload, e: Event) -> None:
    p.text("purpose")
    p.text("public_key")


# -- collectives ---------------------------------------------------------------------------


def _groups(c: s.Collective, groups: list[str]) -> frozenset[str]:
    unknown = sorted(set(groups) - set(c.groups))
    if unknown:
        raise StepError(f"it names the stakeholder group {unknown[0]!r}, which the collective does not have")
    if not groups:
        raise StepError("it names no stakeholder group")
    return frozenset(groups)


def _member_of(c: s.Collective, member_id: UUID) -> None:
    if not c.is_member(member_id):
        raise StepError(f"{member_id} is not a member of the collective at this point")


def _founded(f: Fold, p: Payload, e: Event) -> s.Aggregate:
    groups = p.object("groups")
    if not groups or not all(isinstance(v, str) for v in groups.values()):
        raise PayloadError("its groups are not a non-empty object of group names")
    c = s.Collective(e.originator_id, "Collective", groups=dict(groups))
    founder = p.uuid("founder_id")
    p.text("name")
    c.members[founder] = _groups(c, p.texts("founder_groups"))
    c.group_history[founder] = [(e.leaf, c.members[founder])]
    c.roles[founder] = [s.RoleTerm("steward", "", None)]
    f.world.collectives[c.id] = c
    return c


def _collective(f: Fold, agg: s.Aggregate) -> s.Collective:
    return f.world.collectives[agg.id]


def _admitted(f: Fold, agg: s.Aggregate, p: Payload, e: Event) -> None:
    c = _collective(f, agg)
    member = p.uuid("member_id")
    p.uuid("by")
    if c.is_member(member):
        raise StepError(f"it admits {member}, who is already a member")
    groups = _groups(c, p.texts("groups"))
    c.members[member] = groups
    c.left.discard(member)
    c.roles.setdefault(member, [])
    c.group_history.setdefault(member, []).append((e.leaf, groups))


def _groups_changed(f: Fold, agg: s.Aggregate, p: Payload, e: Event) -> None:
    c = _collective(f, agg)
    member = p.uuid("member_id")
    p.uuid("by")
    _member_of(c, member)
    groups = _groups(c, p.texts("groups"))
    c.members[member] = groups
    c.group_history[member].append((e.leaf, groups))


def _left(f: Fold, agg: s.Aggregate, p: Payload, e: Event) -> None:
    c = _collective(f, agg)
    member = p.uuid("member_id")
    p.uuid("by")
    _member_of(c, member)
    c.left.add(member)


def _role_assigned(f: Fold, agg: s.Aggregate, p: Payload, e: Event) -> None:
    c = _collective(f, agg)
    member, role = p.uuid("member_id"), p.text("role")
    p.uuid("by")
    _member_of(c, member)
    if role not in ROLES:
        raise StepError(f"it assigns the role {role!r}, which is not one of {', '.join(sorted(ROLES))}")
    c.roles.setdefault(member, []).append(s.RoleTerm(role, p.text("starts"), p.optional_text("ends")))


def _agreement_in_force(f: Fold, agg: s.Aggregate, p: Payload, e: Event) -> None:
    c = _collective(f, agg)
    agreement = f.of(f.world.agreements, p.uuid("agreement_id"), "agreement")
    if agreement.collective_id != c.id:
        raise StepError(f"agreement {agreement.id} belongs to another collective")
    if not agreement.in_force:
        raise StepError(f"agreement {agreement.id} has not come into force")
    c.agreement_id = agreement.id


def _change_adopted(f: Fold, agg: s.Aggregate, p: Payload, e: Event) -> None:
    c = _collective(f, agg)
    agreement = f.of(f.world.agreements, p.uuid("agreement_id"), "agreement")
    proposal = f.of(f.world.proposals, p.uuid("proposal_id"), "proposal")
    closing = proposal.closing
    if proposal.changes_agreement != agreement.id or closing is None or closing.result.get("outcome") != "adopted":
        raise StepError(f"proposal {proposal.id} did not adopt agreement {agreement.id}")
    c.adopted_changes.add(agreement.id)


# -- agreements ----------------------------------------------------------------------------


def _agreement_drafted(f: Fold, p: Payload, e: Event) -> s.Aggregate:
    texts, hashes = p.object("policies"), p.object("policy_hashes")
    if not all(isinstance(v, str) for v in (*texts.values(), *hashes.values())):
        raise PayloadError("its policies and policy hashes are not objects of text")
    p.text("review_date")
    p.text("ground_rules")
    a = s.Agreement(
        e.originator_id,
        "Agreement",
        collective_id=f.of(f.world.collectives, p.uuid("collective_id"), "collective").id,
        parties=p.texts("parties"),
        matrix=p.object("matrix"),
        policies=dict(texts),
        policy_hashes=dict(hashes),
        supersedes=p.optional_uuid("supersedes"),
    )
    f.world.agreements[a.id] = a
    return a


def _signed(f: Fold, agg: s.Aggregate, p: Payload, e: Event) -> None:
    a = f.world.agreements[agg.id]
    member, group = p.uuid("member_id"), p.text("group")
    if a.superseded_by is not None:
        raise StepError("it signs an agreement that has been superseded")
    if member in a.signatures:
        raise StepError(f"{member} has already signed this agreement")
    if group not in a.parties:
        raise StepError(f"it signs for the group {group!r}, which is not a party to this agreement")
    a.signatures[member] = group


def _came_into_force(f: Fold, agg: s.Aggregate, p: Payload, e: Event) -> None:
    a = f.world.agreements[agg.id]
    if a.in_force or a.superseded_by is not None:
        raise StepError("the agreement is already in force, or superseded")
    unsigned = sorted(set(a.parties) - set(a.signatures.values()))
    if unsigned:
        raise StepError(f"it comes into force before the party group {unsigned[0]!r} has signed it")
    a.in_force = True


def _superseded(f: Fold, agg: s.Aggregate, p: Payload, e: Event) -> None:
    a = f.world.agreements[agg.id]
    by = p.uuid("by_agreement")
    if a.superseded_by is not None:
        raise StepError("the agreement has already been superseded")
    a.superseded_by = by
    a.in_force = False


# -- proposals -----------------------------------------------------------------------------


def _proposal(f: Fold, agg: s.Aggregate, *allowed: str, done: str) -> s.Proposal:
    """The proposal, if it stands where the step may be taken: ``a draft proposal cannot be closed``."""
    pr = f.world.proposals[agg.id]
    if pr.state not in allowed:
        which = " or ".join(allowed)
        article = "an" if which[0] in "aeiou" else "a"
        raise StepError(f"a {pr.state} proposal cannot be {done}: only {article} {which} proposal can")
    return pr


def _proposal_drafted(f: Fold, p: Payload, e: Event) -> s.Aggregate:
    p.text("title")
    p.text("body")
    pr = s.Proposal(
        e.originator_id,
        "Proposal",
        collective_id=f.of(f.world.collectives, p.uuid("collective_id"), "collective").id,
        category=p.text("category"),
        changes_agreement=p.optional_uuid("changes_agreement"),
        versions=[s.ProposalVersion(1, p.text("content_hash"), p.uuid("author_id"))],
    )
    f.world.proposals[pr.id] = pr
    return pr


def _revised(f: Fold, agg: s.Aggregate, p: Payload, e: Event) -> None:
    pr = _proposal(f, agg, "draft", "open", done="revised")
    p.text("title")
    p.text("body")
    pr.versions.append(s.ProposalVersion(len(pr.versions) + 1, p.text("content_hash"), p.uuid("author_id")))


def _opened(f: Fold, agg: s.Aggregate, p: Payload, e: Event) -> None:
    pr = _proposal(f, agg, "draft", done="opened")
    p.uuid("by")
    at, name, digest, agreement = p.text("at"), p.text("policy_name"), p.text("policy_hash"), p.uuid("agreement_id")
    closes_at = p.optional_text("closes_at") if p.has("closes_at") else None
    pr.state, pr.opened_at, pr.closes_at = "open", at, closes_at
    pr.policy_name, pr.policy_hash, pr.agreement_id = name, digest, agreement


def _objection_registered(f: Fold, agg: s.Aggregate, p: Payload, e: Event) -> None:
    pr = _proposal(f, agg, "open", done="objected to")
    pr.objection_ids.append(p.uuid("objection_id"))


def _closed(f: Fold, agg: s.Aggregate, p: Payload, e: Event) -> None:
    pr = _proposal(f, agg, "open", done="closed")
    by, at, result = p.uuid("by"), p.text("at"), p.object("result")
    if pr.collective_id is None or pr.opened_at is None or pr.agreement_id is None:
        raise StepError("it closes a proposal that never opened")
    pr.state = "closed"
    pr.closing = s.Closing(
        leaf=e.leaf,
        proposal_id=pr.id,
        version=e.version,
        by=by,
        at=at,
        result=result,
        collective_id=pr.collective_id,
        category=pr.category,
        version_hash=pr.versions[-1].content_hash,
        opened_at=pr.opened_at,
        closes_at=pr.closes_at,
        policy_hash=pr.policy_hash,
        agreement_id=pr.agreement_id,
        objection_ids=tuple(pr.objection_ids),
    )
    f.world.closings.append(pr.closing)


def _withdrawn(f: Fold, agg: s.Aggregate, p: Payload, e: Event) -> None:
    pr = _proposal(f, agg, "draft", "open", done="withdrawn")
    p.uuid("by")
    pr.state = "withdrawn"


def _summarised(f: Fold, agg: s.Aggregate, p: Payload, e: Event) -> None:
    pr = _proposal(f, agg, "draft", "open", done="summarised")
    by = p.uuid("by")
    p.text("summary")
    if by != pr.versions[0].author_id:
        raise StepError(f"{by} summarised it, but only its author {pr.versions[0].author_id} may")


# -- the discussion ------------------------------------------------------------------------


def _comment_posted(f: Fold, p: Payload, e: Event) -> s.Aggregate:
    """A comment, by a member of the collective of the proposal it is on, in their own sealed words."""
    c = f.of(f.world.collectives, p.uuid("collective_id"), "collective")
    pr = f.of(f.world.proposals, p.uuid("proposal_id"), "proposal")
    if pr.collective_id != c.id:
        raise StepError(f"proposal {pr.id} belongs to another collective")
    _member_of(c, p.uuid("author_id"))
    if not p.optional_sealed("text"):
        raise StepError("its text is not a sealed value")
    return s.Aggregate(e.originator_id, "Comment")


# -- ballots -------------------------------------------------------------------------------


def _position(b: s.Ballot | None, p: Payload, e: Event) -> s.BallotAt:
    proposal, member, position = p.uuid("proposal_id"), p.uuid("member_id"), p.text("position")
    if position not in POSITIONS:
        raise StepError(f"its position {position!r} is not one of {', '.join(sorted(POSITIONS))}")
    if b is not None and (proposal, member) != (b.proposal_id, b.member_id):
        raise StepError("it names another proposal or member than the ballot was cast for")
    if e.originator_id != ballot_id(proposal, member):
        raise StepError("its id is not the ballot id of its proposal and member (FORMAT.md §8)")
    return s.BallotAt(e.originator_id, proposal, member, position, p.text("version_hash"), p.text("at", default=""))


def _cast(f: Fold, p: Payload, e: Event) -> s.Aggregate:
    at = _position(None, p, e)
    b = s.Ballot(e.originator_id, "Ballot", proposal_id=at.proposal_id, member_id=at.member_id, versions=[at])
    f.world.ballots[b.id] = b
    return b


def _changed(f: Fold, agg: s.Aggregate, p: Payload, e: Event) -> None:
    b = f.world.ballots[agg.id]
    b.versions.append(_position(b, p, e))


# -- objections ----------------------------------------------------------------------------


def _unresolved(f: Fold, agg: s.Aggregate) -> s.Objection:
    o = f.world.objections[agg.id]
    if not o.now.status.unresolved:
        raise StepError(f"the objection is already {o.now.status.value}")
    return o


def _raised(f: Fold, p: Payload, e: Event) -> s.Aggregate:
    proposal, member = p.uuid("proposal_id"), p.uuid("member_id")
    p.boolean("from_block")
    first = s.ObjectionAt(e.originator_id, proposal, member, p.boolean("paramount"), ObjectionStatus.RAISED)
    o = s.Objection(
        e.originator_id, "Objection", proposal_id=proposal, member_id=member, version_hash=p.text("version_hash")
    )
    o.history.append(first)
    f.world.objections[o.id] = o
    return o


def _tested(f: Fold, agg: s.Aggregate, p: Payload, e: Event) -> None:
    o = _unresolved(f, agg)
    p.uuid("by")
    now = o.now
    o.history.append(s.ObjectionAt(now.id, now.proposal_id, now.member_id, p.boolean("paramount"), now.status))


def _answered(f: Fold, agg: s.Aggregate, p: Payload, e: Event) -> None:
    o = _unresolved(f, agg)
    p.uuid("by")
    now = o.now
    o.history.append(s.ObjectionAt(now.id, now.proposal_id, now.member_id, now.paramount, ObjectionStatus.ANSWERED))


def _resolved(f: Fold, agg: s.Aggregate, p: Payload, e: Event) -> None:
    o = _unresolved(f, agg)
    status = p.text("status")
    p.uuid("by")
    p.text("version_hash")
    if status not in RESOLUTIONS:
        raise StepError(
            f"it resolves the objection as {status!r}, which is not one of {', '.join(sorted(RESOLUTIONS))}"
        )
    now = o.now
    o.history.append(s.ObjectionAt(now.id, now.proposal_id, now.member_id, now.paramount, ObjectionStatus(status)))


# -- members, reflections, contributions ---------------------------------------------------


def _registered(f: Fold, p: Payload, e: Event) -> s.Aggregate:
    p.uuid("collective_id")
    return s.Aggregate(e.originator_id, "Member")


def _details_changed(f: Fold, agg: s.Aggregate, p: Payload, e: Event) -> None:
    return None


def _email_changed(f: Fold, agg: s.Aggregate, p: Payload, e: Event) -> None:
    p.optional_sealed("email")


def _reminder_sent(f: Fold, p: Payload, e: Event) -> s.Aggregate:
    """A reminder names an open proposal of its own collective, and at least one group."""
    collective, proposal_id = p.uuid("collective_id"), p.uuid("proposal_id")
    pr = f.of(f.world.proposals, proposal_id, "proposal")
    if pr.collective_id != collective:
        raise StepError(f"it reminds about proposal {proposal_id}, which belongs to another collective")
    if pr.state != "open":
        raise StepError(f"it reminds about proposal {proposal_id}, which is {pr.state}, not open")
    if not p.texts("groups"):
        raise StepError("it reminds no group")
    p.uuid("by")
    p.text("at")
    return s.Aggregate(e.originator_id, "Reminder")


def _recorded(f: Fold, p: Payload, e: Event) -> s.Aggregate:
    p.uuid("collective_id")
    p.uuid("author_id")
    p.text("subject")
    return s.Reflection(e.originator_id, "Reflection", actions=[None] * len(p.items("actions")))


def _action_completed(f: Fold, agg: s.Aggregate, p: Payload, e: Event) -> None:
    r = cast(s.Reflection, agg)
    index, by = p.integer("index"), p.uuid("by")
    if not 0 <= index < len(r.actions):
        raise StepError(f"it completes action {index}, but the reflection has {len(r.actions)}")
    if r.actions[index] is not None:
        raise StepError(f"action {index} is already done")
    r.actions[index] = by


def _logged(f: Fold, p: Payload, e: Event) -> s.Aggregate:
    p.uuid("collective_id")
    p.uuid("member_id")
    p.integer("minutes")
    return s.Contribution(e.originator_id, "Contribution")


def _recognition(*allowed: str, becomes: str) -> Change:
    def step(f: Fold, agg: s.Aggregate, p: Payload, e: Event) -> None:
        c = cast(s.Contribution, agg)
        if c.recognition not in allowed:
            raise StepError(f"its recognition is {c.recognition}, so it cannot become {becomes}")
        if becomes == "offered":
            c.kind_offered = p.text("kind")
        if becomes == "paid" and c.kind_offered not in MONETARY:
            raise StepError(f"only an accepted payment can be paid, and this is a {c.kind_offered}")
        c.recognition = becomes

    return step


# -- involvement: feedback on closed decisions, the steward's narrative ---------------------


def _answers(p: Payload) -> dict[str, int | None]:
    """The four answers: each 1 to 4, or null for "rather not say"."""
    answers: dict[str, int | None] = {}
    for q in QUESTIONS:
        value = p.optional_integer(q)
        if value is not None and value not in SCALE:
            raise StepError(f"its answer to {q!r} is {value}, not 1 to 4 or left out")
        answers[q] = value
    return answers


def _feedback_at(f: Fold, fb: s.Feedback, p: Payload, e: Event) -> s.FeedbackAt:
    """One version of a feedback, checked as ``InvolvementCommands.give_feedback`` checks it."""
    answers = _answers(p)
    commented = p.optional_sealed("comment")
    if all(v is None for v in answers.values()) and not commented:
        raise StepError("it gives no answer and no comment")
    pr = f.of(f.world.proposals, cast(UUID, fb.proposal_id), "proposal")
    c = f.of(f.world.collectives, cast(UUID, fb.collective_id), "collective")
    member = cast(UUID, fb.member_id)
    if pr.collective_id != c.id:
        raise StepError(f"proposal {pr.id} belongs to another collective")
    if pr.closing is None:
        raise StepError(f"it gives feedback on a {pr.state} proposal: only a closed decision takes feedback")
    _member_of(c, member)
    if c.group_history[member][0][0] > pr.closing.leaf:
        raise StepError(f"{member} joined after the decision closed")
    return s.FeedbackAt(e.leaf, answers, commented)


def _given(f: Fold, p: Payload, e: Event) -> s.Aggregate:
    proposal, member = p.uuid("proposal_id"), p.uuid("member_id")
    if e.originator_id != feedback_id(proposal, member):
        raise StepError("its id is not the feedback id of its proposal and member (FORMAT.md §8)")
    fb = s.Feedback(
        e.originator_id, "Feedback", collective_id=p.uuid("collective_id"), proposal_id=proposal, member_id=member
    )
    fb.versions.append(_feedback_at(f, fb, p, e))
    f.world.feedback[fb.id] = fb
    return fb


def _feedback_changed(f: Fold, agg: s.Aggregate, p: Payload, e: Event) -> None:
    fb = f.world.feedback[agg.id]
    fb.versions.append(_feedback_at(f, fb, p, e))


def _narrative_at(f: Fold, collective_id: UUID, p: Payload, e: Event) -> s.NarrativeAt:
    """One version of the narrative: six texts, by a steward in office on the day it was written."""
    c = f.of(f.world.collectives, collective_id, "collective")
    by = p.uuid("by")
    _member_of(c, by)
    at = p.time("timestamp")
    day = at[:10]
    if not any(
        t.role == "steward" and (not t.starts or t.starts <= day) and (t.ends is None or day <= t.ends)
        for t in c.roles.get(by, [])
    ):
        raise StepError(f"{by} is not a steward on {day}, and only a steward writes the narrative")
    return s.NarrativeAt(e.leaf, at, by, {part: p.text(part) for part in PARTS})


def _written(f: Fold, p: Payload, e: Event) -> s.Aggregate:
    collective = p.uuid("collective_id")
    if e.originator_id != narrative_id(collective):
        raise StepError("its id is not the narrative id of its collective (FORMAT.md §8)")
    n = s.Narrative(e.originator_id, "Narrative", collective_id=collective)
    n.versions.append(_narrative_at(f, collective, p, e))
    f.world.narratives[collective] = n
    return n


def _narrative_revised(f: Fold, agg: s.Aggregate, p: Payload, e: Event) -> None:
    n = cast(s.Narrative, agg)
    n.versions.append(_narrative_at(f, cast(UUID, n.collective_id), p, e))


_TABLE: list[tuple[str, bool, Create | Change]] = [
    ("Keyring.Started", True, _keyring_started),
    ("Keyring.KeyRotated", False, _key_rotated),
    ("Collective.Founded", True, _founded),
    ("Collective.MemberAdmitted", False, _admitted),
    ("Collective.MemberGroupsChanged", False, _groups_changed),
    ("Collective.MemberLeft", False, _left),
    ("Collective.RoleAssigned", False, _role_assigned),
    ("Collective.AgreementInForce", False, _agreement_in_force),
    ("Collective.AgreementChangeAdopted", False, _change_adopted),
    ("Member.Registered", True, _registered),
    ("Member.DetailsChanged", False, _details_changed),
    ("Member.EmailChanged", False, _email_changed),
    ("Agreement.Drafted", True, _agreement_drafted),
    ("Agreement.Signed", False, _signed),
    ("Agreement.CameIntoForce", False, _came_into_force),
    ("Agreement.Superseded", False, _superseded),
    ("Proposal.Drafted", True, _proposal_drafted),
    ("Proposal.Revised", False, _revised),
    ("Proposal.Opened", False, _opened),
    ("Proposal.ObjectionRegistered", False, _objection_registered),
    ("Proposal.Closed", False, _closed),
    ("Proposal.Withdrawn", False, _withdrawn),
    ("Proposal.Summarised", False, _summarised),
    ("Ballot.Cast", True, _cast),
    ("Ballot.Changed", False, _changed),
    ("Objection.Raised", True, _raised),
    ("Objection.Tested", False, _tested),
    ("Objection.Answered", False, _answered),
    ("Objection.Resolved", False, _resolved),
    ("Comment.Posted", True, _comment_posted),
    ("Reflection.Recorded", True, _recorded),
    ("Reflection.ActionCompleted", False, _action_completed),
    ("Contribution.Logged", True, _logged),
    ("Contribution.RecognitionOffered", False, _recognition("none", becomes="offered")),
    ("Contribution.RecognitionAccepted", False, _recognition("offered", becomes="accepted")),
    ("Contribution.RecognitionDeclined", False, _recognition("offered", becomes="declined")),
    ("Contribution.Paid", False, _recognition("accepted", becomes="paid")),
    ("Feedback.Given", True, _given),
    ("Feedback.Changed", False, _feedback_changed),
    ("Narrative.Written", True, _written),
    ("Narrative.Revised", False, _narrative_revised),
    ("Reminder.Sent", True, _reminder_sent),
]
STEPS: dict[str, Step] = {f"{VOCABULARY}/{topic}": Step(creates, handler) for topic, creates, handler in _TABLE}
"""Every topic of the vocabulary (FORMAT.md §2 and §6), whether it creates its aggregate, and its step."""
