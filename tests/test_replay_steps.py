"""Events that do not apply to the state they meet are refused, naming the leaf, the aggregate and the version.

The events come from a real ledger (a small world built through the use cases), then
are moved, renamed or grafted by hand: what an auditor's replay must refuse even when
every signature is valid (a forger holding the event key can sign anything).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from uuid import UUID, uuid4

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledger.governance.ballot import ballot_id as aggregate_ballot_id
from ledger.governance.proposal import deadline as aggregate_deadline
from ledger.governance.replay.events import Event, PayloadError, ReplayError, events_from_records
from ledger.governance.replay.fold import ballot_id, fold
from ledger.governance.replay.outcomes import deadline, replay
from ledger.log.application import Ledger
from ledger.log.config import LedgerConfig
from ledger.log.record import record_bytes
from tests.governance_world import World
from tests.replay_support import events_of


@pytest.fixture
def history(world: World, config: LedgerConfig) -> list[Event]:
    """A world with one proposal voted, revised, objected to and closed, and one draft left alone."""
    w = world
    pid = w.gov.draft_proposal(w.collective, by=w.member("amara"), category="research_question", title="Q", body="B")
    w.gov.open_proposal(pid, by=w.facilitator)
    w.gov.cast_ballot(pid, member_id=w.member("amara"), position="agree")
    w.gov.cast_ballot(pid, member_id=w.member("amara"), position="abstain")
    oid = w.gov.raise_objection(pid, member_id=w.member("ben"), reason="Not yet.")
    w.gov.withdraw_objection(oid, by=w.member("ben"))
    w.gov.close_proposal(pid, by=w.facilitator)
    w.gov.draft_proposal(w.collective, by=w.member("ben"), category="budget", title="Kit", body="Recorders.")
    events = events_of(config)
    assert replay(events).error is None and replay(events).findings() == []
    return events


def first(events: list[Event], topic: str) -> Event:
    return next(e for e in events if e.topic == f"copro/1/{topic}")


def edited(event: Event, change: Callable[[dict[str, Any]], None]) -> bytes:
    doc = json.loads(event.payload)
    change(doc)
    return json.dumps(doc, sort_keys=True).encode()


def refusal(events: list[Event]) -> ReplayError:
    with pytest.raises(ReplayError) as refused:
        fold(events)
    return refused.value


def test_a_version_out_of_order_is_named(history: list[Event]) -> None:
    cast, changed = first(history, "Ballot.Cast"), first(history, "Ballot.Changed")
    events = [e for e in history if e not in (cast, changed)]
    at = history.index(cast)
    events[at:at] = [changed._replace(leaf=cast.leaf), cast._replace(leaf=changed.leaf)]
    e = refusal(events)
    assert (e.leaf, e.aggregate_id, e.version) == (cast.leaf, cast.originator_id, 2)
    assert e.sentence() == (
        f"leaf {cast.leaf} (aggregate {cast.originator_id}, version 2): "
        "version 2 is this aggregate's first event in the log (expected version 1)"
    )


def test_a_missing_version_is_named_at_the_event_after_the_gap(history: list[Event]) -> None:
    opened = first(history, "Proposal.Opened")
    events = [e for e in history if e != opened]
    e = refusal(events)
    assert (e.aggregate_id, e.version) == (opened.originator_id, 3)
    assert e.reason == "version 3 follows version 1 (expected version 2)"


def test_an_unknown_topic_is_named(history: list[Event]) -> None:
    closed = first(history, "Proposal.Closed")
    events = [e._replace(topic="copro/1/Proposal.Adopted") if e == closed else e for e in history]
    e = refusal(events)
    assert (e.leaf, e.aggregate_id, e.version) == (closed.leaf, closed.originator_id, closed.version)
    assert e.reason == "its topic 'copro/1/Proposal.Adopted' is not in the copro/1 vocabulary (docs/FORMAT.md §2)"


def test_a_module_path_for_a_topic_is_refused(history: list[Event]) -> None:
    cast = first(history, "Ballot.Cast")
    events = [e._replace(topic="ledger.governance.ballot:Ballot.Cast") if e == cast else e for e in history]
    assert "is not in the copro/1 vocabulary" in refusal(events).reason


def test_a_ballot_changed_for_a_ballot_never_cast_is_named(history: list[Event]) -> None:
    changed = first(history, "Ballot.Changed")
    stranger = uuid4()
    events = [*history, changed._replace(leaf=len(history), originator_id=stranger, version=1)]
    e = refusal(events)
    assert (e.leaf, e.aggregate_id, e.version) == (len(history), stranger, 1)
    assert e.reason == (
        "a copro/1/Ballot.Changed needs an existing Ballot, but the log creates none with this id before it"
    )


def test_a_proposal_closed_while_still_a_draft_is_named(history: list[Event]) -> None:
    closed = first(history, "Proposal.Closed")
    draft = [e for e in history if e.topic == "copro/1/Proposal.Drafted"][-1]
    events = [*history, closed._replace(leaf=len(history), originator_id=draft.originator_id, version=2)]
    e = refusal(events)
    assert (e.leaf, e.aggregate_id, e.version) == (len(history), draft.originator_id, 2)
    assert e.reason == "a draft proposal cannot be closed: only an open proposal can"


def test_a_second_close_is_refused(history: list[Event]) -> None:
    closed = first(history, "Proposal.Closed")
    events = [*history, closed._replace(leaf=len(history), version=closed.version + 1)]
    assert refusal(events).reason == "a closed proposal cannot be closed: only an open proposal can"


def test_an_event_of_another_kind_of_aggregate_is_named(history: list[Event]) -> None:
    changed = first(history, "Ballot.Changed")
    closed = first(history, "Proposal.Closed")
    graft = changed._replace(leaf=len(history), originator_id=closed.originator_id, version=closed.version + 1)
    e = refusal([*history, graft])
    assert e.reason == f"it is a Ballot event, but aggregate {closed.originator_id} is a Proposal"


def test_a_step_on_a_resolved_objection_is_refused(history: list[Event]) -> None:
    resolved = first(history, "Objection.Resolved")
    events = [*history, resolved._replace(leaf=len(history), version=resolved.version + 1)]
    assert refusal(events).reason == "the objection is already withdrawn"


def test_a_second_signature_by_one_member_is_refused(history: list[Event]) -> None:
    signed = first(history, "Agreement.Signed")
    forced = next(e for e in history if e.originator_id == signed.originator_id and e.topic.endswith("CameIntoForce"))
    events = [e for e in history if e.leaf <= forced.leaf]
    again = signed._replace(leaf=forced.leaf + 1, version=forced.version + 1)
    e = refusal([*events, again])
    assert e.reason.endswith("has already signed this agreement")


def test_an_agreement_in_force_before_every_party_signed_is_refused(history: list[Event]) -> None:
    forced = next(e for e in history if e.topic == "copro/1/Agreement.CameIntoForce")
    signatures = [e for e in history if e.topic == "copro/1/Agreement.Signed"]
    events = [e for e in history if e.leaf < forced.leaf and e != signatures[-1]]
    events.append(forced._replace(version=forced.version - 1))
    assert "before the party group" in refusal(events).reason


def test_a_ballot_whose_id_is_not_its_proposal_and_members_is_refused(history: list[Event]) -> None:
    cast = first(history, "Ballot.Cast")
    other = cast._replace(leaf=len(history), originator_id=uuid4())
    assert refusal([*history, other]).reason == "its id is not the ballot id of its proposal and member (FORMAT.md §8)"


def test_a_creation_event_naming_another_aggregate_is_refused(history: list[Event]) -> None:
    raised = first(history, "Objection.Raised")

    def rename(doc: dict[str, Any]) -> None:
        doc["originator_topic"] = "copro/1/Ballot"

    events = [e._replace(payload=edited(e, rename)) if e == raised else e for e in history]
    assert refusal(events).reason == "it names its aggregate 'copro/1/Ballot', not copro/1/Objection"


def test_a_payload_missing_a_field_or_of_the_wrong_type_is_named(history: list[Event]) -> None:
    cast = first(history, "Ballot.Cast")

    def drop(doc: dict[str, Any]) -> None:
        del doc["version_hash"]

    def retype(doc: dict[str, Any]) -> None:
        doc["member_id"] = doc["member_id"]["_data_"]

    e = refusal([x._replace(payload=edited(x, drop)) if x == cast else x for x in history])
    assert (e.leaf, e.reason) == (cast.leaf, "its payload has no field 'version_hash'")
    e = refusal([x._replace(payload=edited(x, retype)) if x == cast else x for x in history])
    assert e.reason.startswith("its field 'member_id' is '") and e.reason.endswith("', not a uuid_hex value")


def test_a_payload_with_a_duplicate_key_is_refused(history: list[Event]) -> None:
    cast = first(history, "Ballot.Cast")
    doubled = cast.payload.replace(b'{"at":', b'{"at":"2026-01-01T00:00:00+00:00","at":', 1)
    e = refusal([x._replace(payload=doubled) if x == cast else x for x in history])
    assert e.reason.startswith("its payload is not JSON as FORMAT.md §1 defines it")


def test_a_refused_event_is_the_replays_first_finding_and_every_outcome_check_names_it(history: list[Event]) -> None:
    closed = first(history, "Proposal.Closed")
    events = [e._replace(topic="copro/1/Nothing.Happened") if e.leaf == 1 else e for e in history]
    replayed = replay(events)
    assert replayed.error is not None and replayed.error.leaf == 1
    assert replayed.findings()[0].leaf == 1
    reason = replayed.check(closed.originator_id, closed.version)
    assert reason is not None and reason.startswith("the log does not replay: leaf 1 (aggregate ")


def test_events_read_from_record_bytes_replay_as_the_rows_do(world: World, config: LedgerConfig) -> None:
    """The bundle's path: (leaf, record) pairs, as the entry tiles hold them."""
    log = Ledger.recorder_only(config)
    records = [
        (r.leaf_index, record_bytes(r.originator_id, r.originator_version, r.topic, r.state))
        for batch in log.scan()
        for r in batch
    ]
    assert list(events_from_records(records)) == events_of(config)
    with pytest.raises(PayloadError, match="leaf 3 is not a signed copro record"):
        list(events_from_records([(3, b"\x02" + records[0][1][1:])]))


@given(st.uuids(), st.uuids())
def test_the_replays_ballot_id_is_the_aggregates(proposal: UUID, member: UUID) -> None:
    assert ballot_id(proposal, member) == aggregate_ballot_id(proposal, member)


@given(
    st.datetimes(timezones=st.just(UTC), min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1)),
    st.none() | st.integers(0, 10_000),
)
def test_the_replays_deadline_is_the_one_opening_records(opened: datetime, hours: int | None) -> None:
    assert deadline(opened.isoformat(), hours) == aggregate_deadline(opened.isoformat(), hours)
