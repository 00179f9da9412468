"""Members say how a closed decision went for them; a steward writes the report's GRIPP2 narrative.

Both are recorded as signed events: the stories run through the real use cases, every
refusal writes nothing, the auditor's pure replay accepts what the commands wrote and
refuses what they would have refused, and erasing a member makes their comment unreadable
while the log still verifies.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import pytest

from ledger.governance.errors import Conflict, GovernanceError, Invalid, NotAllowed, NotFound
from ledger.governance.feedback import feedback_id as aggregate_feedback_id
from ledger.governance.narrative import narrative_id as aggregate_narrative_id
from ledger.governance.recompute import OUTCOMES
from ledger.governance.replay.events import Event, ReplayError
from ledger.governance.replay.fold import feedback_id, fold, narrative_id
from ledger.governance.replay.outcomes import replay
from ledger.governance.text import REASON_MAX, TEXT_MAX
from ledger.log.application import Ledger
from ledger.log.config import LedgerConfig
from ledger.log.verify import verify_log
from ledger.personal.vault import ERASED
from tests.governance_world import World
from tests.helpers import run_cli
from tests.nothing_written import held
from tests.replay_support import events_of


def decided(w: World, title: str = "Which peer-support models do we study?") -> UUID:
    """A research question opened, answered and closed: a decision members can give feedback on."""
    pid = w.gov.draft_proposal(
        w.collective, by=w.member("amara"), category="research_question", title=title, body="The three we use most."
    )
    w.gov.open_proposal(pid, by=w.facilitator)
    w.gov.cast_ballot(pid, member_id=w.member("amara"), position="agree")
    w.gov.cast_ballot(pid, member_id=w.member("ben"), position="agree")
    w.gov.close_proposal(pid, by=w.facilitator)
    return pid


# -- feedback --------------------------------------------------------------------------------


def test_a_member_says_how_a_closed_decision_went_and_can_change_it(world: World) -> None:
    w = world
    pid = decided(w)
    amara = w.member("amara")
    assert w.gov.my_feedback(pid, amara) is None
    fid = w.gov.give_feedback(pid, member_id=amara, voice=4, contribution=3, agenda=None, change=2, comment="Heard.")
    assert fid == aggregate_feedback_id(pid, amara) == feedback_id(pid, amara)
    mine = w.gov.my_feedback(pid, amara)
    assert mine is not None
    assert mine.answers == {"voice": 4, "contribution": 3, "agenda": None, "change": 2}
    assert mine.comment == "Heard."
    w.gov.give_feedback(pid, member_id=amara, voice=4, contribution=3, agenda=4, change=1)
    again = w.gov.my_feedback(pid, amara)
    assert again is not None and again.answers["agenda"] == 4 and again.answers["change"] == 1
    assert again.comment == ""
    assert w.gov.my_feedback(pid, w.member("ben")) is None, "one member's feedback is theirs alone"


def test_a_comment_alone_is_feedback(world: World) -> None:
    pid = decided(world)
    world.gov.give_feedback(pid, member_id=world.member("femi"), comment="Funders were only informed.")
    mine = world.gov.my_feedback(pid, world.member("femi"))
    assert mine is not None and set(mine.answers.values()) == {None}


def refused(w: World, act: Callable[[], object], kind: type[GovernanceError], words: str) -> GovernanceError:
    before = held(w.gov)
    with pytest.raises(kind, match=words) as e:
        act()
    assert held(w.gov) == before, f"refused ({e.value}) but wrote to the ledger"
    return e.value


def test_feedback_waits_for_the_decision_to_close(world: World) -> None:
    w = world
    pid = w.gov.draft_proposal(w.collective, by=w.member("amara"), category="budget", title="Pay", body="£25.")
    refused(w, lambda: w.gov.give_feedback(pid, member_id=w.member("ben"), voice=2), Conflict, "draft")
    w.gov.open_proposal(pid, by=w.facilitator)
    refused(w, lambda: w.gov.give_feedback(pid, member_id=w.member("ben"), voice=2), Conflict, "once it has closed")


@pytest.mark.parametrize(
    ("answers", "comment", "words"),
    [
        ({}, "", "at least one question or write a comment"),
        ({}, "   ", "at least one question or write a comment"),
        ({"voice": 0}, "", "Answer each question with one of"),
        ({"voice": 5}, "", "Answer each question with one of"),
        ({"agenda": True}, "", "Answer each question with one of"),
        ({"change": "4"}, "", "Answer each question with one of"),
        ({"voice": 2}, "x" * (REASON_MAX + 1), f"the limit is {REASON_MAX}"),
        ({"voice": 2}, "bad \x07 bell", "hidden marks"),
    ],
)
def test_bad_answers_are_refused_in_one_sentence_and_write_nothing(
    world: World, answers: dict[str, Any], comment: str, words: str
) -> None:
    pid = decided(world)
    refused(
        world,
        lambda: world.gov.give_feedback(pid, member_id=world.member("ben"), comment=comment, **answers),
        Invalid,
        words,
    )


def test_only_members_from_before_the_close_who_are_still_members_give_feedback(world: World) -> None:
    w = world
    pid = decided(w)
    late = w.gov.admit_member(w.collective, by=w.steward, name="Gus", contact="", groups=["lived_experience"])
    refused(w, lambda: w.gov.give_feedback(pid, member_id=late, voice=3), Conflict, "joined after")
    w.gov.leave_collective(w.collective, w.member("erin"), by=w.member("erin"))
    refused(w, lambda: w.gov.give_feedback(pid, member_id=w.member("erin"), voice=3), NotFound, "no such collective")
    refused(w, lambda: w.gov.give_feedback(pid, member_id=uuid4(), voice=3), NotFound, "no such collective")
    refused(w, lambda: w.gov.give_feedback(uuid4(), member_id=w.member("ben"), voice=3), NotFound, "no such proposal")


def test_the_same_feedback_twice_is_said_once(world: World) -> None:
    pid = decided(world)
    ben = world.member("ben")
    world.gov.give_feedback(pid, member_id=ben, voice=1)
    refused(
        world,
        lambda: world.gov.give_feedback(pid, member_id=ben, voice=1),
        Conflict,
        "just these answers on this choice already",
    )


def test_erasing_a_member_makes_their_comment_unreadable_and_the_log_still_verifies(
    world: World, config: LedgerConfig
) -> None:
    w = world
    pid = decided(w)
    ben = w.member("ben")
    w.gov.give_feedback(pid, member_id=ben, voice=2, comment="Nobody asked the people who hear voices.")
    assert w.gov.erase_member(ben)
    mine = w.gov.my_feedback(pid, ben)
    assert mine is not None
    assert mine.comment == ERASED
    assert mine.answers["voice"] == 2, "the answers are choices on a scale, counted in aggregate"
    raw = b"".join(e.payload for e in events_of(config) if e.originator_id == aggregate_feedback_id(pid, ben))
    assert b"Nobody asked" not in raw, "the comment was never in the log in clear"
    assert verify_log(Ledger.recorder_only(config), outcomes=OUTCOMES).ok
    with pytest.raises(NotAllowed, match="erased"):
        w.gov.give_feedback(pid, member_id=ben, voice=3, comment="Again.")


# -- the narrative ---------------------------------------------------------------------------


def test_a_steward_writes_and_revises_the_narrative_and_a_report_reads_it_as_it_stood(world: World) -> None:
    w = world
    assert w.gov.narrative(w.collective) is None
    nid = w.gov.write_narrative(w.collective, by=w.steward, aim="Shape the study with people who hear voices.")
    assert nid == aggregate_narrative_id(w.collective) == narrative_id(w.collective)
    between = datetime.now(UTC)
    w.gov.write_narrative(
        w.collective,
        by=w.steward,
        aim="Shape the study with people who hear voices.",
        influence="The panel changed the research question.",
        equality="Few practitioners of colour took part; we are changing how we recruit.",
    )
    now = w.gov.narrative(w.collective)
    assert now is not None and now.version == 2 and now.by == w.steward
    assert now.texts["influence"] == "The panel changed the research question."
    then = w.gov.narrative(w.collective, as_of=between)
    assert then is not None and then.version == 1 and then.texts["influence"] == ""
    assert w.gov.narrative(w.collective, as_of=datetime(2020, 1, 1, tzinfo=UTC)) is None


def test_the_narrative_is_a_stewards_to_write(world: World) -> None:
    w = world
    refused(w, lambda: w.gov.write_narrative(w.collective, by=w.member("dev"), aim="A."), NotAllowed, "steward")
    refused(w, lambda: w.gov.write_narrative(w.collective, by=uuid4(), aim="A."), NotFound, "no such collective")
    # A steward whose term is over is no longer one.
    ben = w.member("ben")
    w.gov.assign_role(w.collective, ben, "steward", by=w.steward, starts=date(2025, 1, 1), ends=date(2025, 12, 31))
    refused(w, lambda: w.gov.write_narrative(w.collective, by=ben, aim="A."), NotAllowed, "steward")


def test_an_empty_or_unchanged_or_overlong_narrative_is_refused(world: World) -> None:
    w = world
    refused(w, lambda: w.gov.write_narrative(w.collective, by=w.steward), Invalid, "empty")
    refused(w, lambda: w.gov.write_narrative(w.collective, by=w.steward, aim=" \n "), Invalid, "empty")
    long = "x" * (TEXT_MAX + 1)
    refused(w, lambda: w.gov.write_narrative(w.collective, by=w.steward, methods=long), Invalid, "methods is")
    w.gov.write_narrative(w.collective, by=w.steward, aim="A.")
    refused(w, lambda: w.gov.write_narrative(w.collective, by=w.steward, aim="A."), Conflict, "changes nothing")


def test_the_narrative_is_the_collectives_text_and_survives_its_writers_erasure(world: World) -> None:
    w = world
    w.gov.write_narrative(w.collective, by=w.steward, results="Two members now co-lead the analysis.")
    w.gov.erase_member(w.steward)
    found = w.gov.narrative(w.collective)
    assert found is not None and found.texts["results"] == "Two members now co-lead the analysis."


# -- the auditor's replay --------------------------------------------------------------------


@pytest.fixture
def involved(world: World, config: LedgerConfig) -> tuple[World, UUID, list[Event]]:
    """Feedback given and changed on one closed decision, and a narrative written and revised."""
    w = world
    pid = decided(w)
    w.gov.give_feedback(pid, member_id=w.member("amara"), voice=4, comment="I was heard.")
    w.gov.give_feedback(pid, member_id=w.member("amara"), voice=3, change=4, comment="And the guide changed.")
    w.gov.give_feedback(pid, member_id=w.member("femi"), agenda=1)
    w.gov.write_narrative(w.collective, by=w.steward, aim="Co-produce the study.")
    w.gov.write_narrative(w.collective, by=w.steward, aim="Co-produce the study.", reflection="We started late.")
    return w, pid, events_of(config)


def test_the_replay_accepts_feedback_and_the_narrative_and_keeps_them(
    involved: tuple[World, UUID, list[Event]],
) -> None:
    w, pid, events = involved
    replayed = replay(events)
    assert replayed.error is None and replayed.findings() == []
    amara = replayed.world.feedback[feedback_id(pid, w.member("amara"))]
    assert [v.answers for v in amara.versions] == [
        {"voice": 4, "contribution": None, "agenda": None, "change": None},
        {"voice": 3, "contribution": None, "agenda": None, "change": 4},
    ]
    assert [v.commented for v in amara.versions] == [True, True]
    femi = replayed.world.feedback[feedback_id(pid, w.member("femi"))]
    assert [v.commented for v in femi.versions] == [False]
    narrative = replayed.world.narratives[w.collective]
    assert [v.texts["reflection"] for v in narrative.versions] == ["", "We started late."]
    assert narrative.as_of("2000-01-01T00:00:00+00:00") is None
    assert narrative.as_of(narrative.versions[0].at) == narrative.versions[0]


def test_a_log_holding_feedback_and_a_narrative_verifies_live_and_as_a_bundle(
    involved: tuple[World, UUID, list[Event]],
    config: LedgerConfig,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert verify_log(Ledger.recorder_only(config), outcomes=OUTCOMES).ok
    out = tmp_path / "bundle"
    code, _, err = run_cli(config, monkeypatch, capsys, "checkpoint")
    assert code == 0, err
    code, _, err = run_cli(config, monkeypatch, capsys, "export", str(out))
    assert code == 0, err
    code, stdout, err = run_cli(config, monkeypatch, capsys, "verify", "--bundle", str(out))
    assert code == 0, stdout + err


def _edit(event: Event, **fields: Any) -> Event:
    doc = json.loads(event.payload)
    doc.update(fields)
    return event._replace(payload=json.dumps(doc, sort_keys=True).encode())


def _refusal(events: list[Event]) -> ReplayError:
    with pytest.raises(ReplayError) as refused:
        fold(events)
    return refused.value


def _uuid(value: UUID) -> dict[str, str]:
    return {"_data_": value.hex, "_type_": "uuid_hex"}


def test_the_replay_refuses_what_the_commands_refuse(involved: tuple[World, UUID, list[Event]]) -> None:
    w, _, events = involved
    given = next(e for e in events if e.topic == "copro/1/Feedback.Given")
    at = events.index(given)

    def with_given(edited: Event) -> str:
        return _refusal([*events[:at], edited, *events[at + 1 :]]).reason

    assert with_given(_edit(given, voice=5)) == "its answer to 'voice' is 5, not 1 to 4 or left out"
    assert "not an integer" in with_given(_edit(given, voice="4"))
    assert with_given(_edit(given, voice=None, comment=None)) == "it gives no answer and no comment"
    assert "no field 'agenda'" in with_given(_drop(given, "agenda"))
    assert "feedback id" in with_given(_edit(given, member_id=_uuid(w.member("ben"))))
    # Moved before the proposal closed: a decision still open takes no feedback.
    closed = next(e for e in events if e.topic == "copro/1/Proposal.Closed")
    early = [e for e in events if e != given]
    early.insert(early.index(closed), given)
    assert "only a closed decision takes feedback" in _refusal(early).reason


def _drop(event: Event, name: str) -> Event:
    doc = json.loads(event.payload)
    del doc[name]
    return event._replace(payload=json.dumps(doc, sort_keys=True).encode())


def test_the_replay_refuses_feedback_from_someone_who_joined_after_the_close(
    world: World, config: LedgerConfig
) -> None:
    w = world
    pid = decided(w)
    w.gov.give_feedback(pid, member_id=w.member("ben"), voice=2)
    late = w.gov.admit_member(w.collective, by=w.steward, name="Gus", contact="", groups=["lived_experience"])
    events = events_of(config)
    given = next(e for e in events if e.topic == "copro/1/Feedback.Given")
    forged = _edit(given, member_id=_uuid(late))._replace(
        leaf=len(events), originator_id=feedback_id(pid, late), version=1
    )
    assert _refusal([*events, forged]).reason == f"{late} joined after the decision closed"


def test_the_replay_refuses_a_narrative_by_someone_who_is_not_a_steward(
    involved: tuple[World, UUID, list[Event]],
) -> None:
    w, _, events = involved
    written = next(e for e in events if e.topic == "copro/1/Narrative.Written")
    at = events.index(written)
    dev = w.member("dev")
    reason = _refusal([*events[:at], _edit(written, by=_uuid(dev)), *events[at + 1 :]]).reason
    assert reason.startswith(f"{dev} is not a steward on ")
    other = _edit(written, collective_id=_uuid(uuid4()))
    assert "narrative id" in _refusal([*events[:at], other, *events[at + 1 :]]).reason


def test_the_demo_gives_a_report_feedback_by_group_and_a_narrative(config: LedgerConfig) -> None:
    """Enough lived-experience members answer on one decision for a report to show the group (5 or more)."""
    from copro.demo import seed_demo

    list(seed_demo(config))
    world = replay(events_of(config)).world
    (collective,) = world.collectives.values()
    lived = {m for m, groups in collective.members.items() if "lived_experience" in groups}
    by_decision: dict[UUID, set[UUID]] = {}
    for fb in world.feedback.values():
        by_decision.setdefault(fb.proposal_id or UUID(int=0), set()).add(fb.member_id or UUID(int=0))
    assert max(len(members & lived) for members in by_decision.values()) >= 5
    assert any(len(fb.versions) > 1 for fb in world.feedback.values()), "someone changed their feedback"
    narrative = world.narratives[collective.id]
    assert len(narrative.versions) == 2 and all(narrative.versions[-1].texts.values())
