"""Writes that race each other end as a success or a clear 409, never a 500, on both engines.

A member votes from two tabs at once; two facilitators press "close" together. The
store refuses whichever writer loses the race to a version, and the command runs
again against what it meets: a vote is re-checked, a second close is refused with
its ordinary sentence. The log stays dense and verifies.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from eventsourcing.persistence import IntegrityError, RecordConflictError

from ledger.governance import watermark
from ledger.governance.ballot import ballot_id
from ledger.governance.errors import Conflict, NotFound
from ledger.governance.recompute import OUTCOMES
from ledger.governance.service import Governance
from ledger.log.application import Ledger
from ledger.log.config import LedgerConfig
from ledger.log.keystore import KeysFolder
from ledger.log.verify import verify_log
from tests.conftest import PASSPHRASE
from tests.governance_world import World
from tests.web_support import Person, Site, open_proposal


def _race(jobs: list[Callable[[], Any]]) -> list[Any]:
    """Run every job at the same moment in its own thread; return their results in order."""
    start = threading.Barrier(len(jobs))
    results: list[Any] = [None] * len(jobs)

    def run(i: int) -> None:
        start.wait()
        try:
            results[i] = jobs[i]()
        except BaseException as e:  # a crash is a result the assertions below report
            results[i] = e

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(jobs))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def _versions(site: Site, aggregate_id: Any) -> list[int]:
    events = site.world.gov.events.get(aggregate_id)
    return [e.originator_version for e in events]


def test_twenty_votes_from_two_tabs_and_six_closes_at_once_never_answer_500(site: Site) -> None:
    w = site.world
    pid = open_proposal(site)
    w.gov.assign_role(w.collective, w.member("erin"), "facilitator", by=w.steward)
    tabs = [Person(site, "ben"), Person(site, "ben")]
    for tab in tabs:
        tab.get(site.url("/proposals/{p}", p=pid))
    positions = ["agree", "abstain", "disagree", "agree"]

    def vote(i: int) -> Callable[[], Any]:
        tab = tabs[i % 2]
        return lambda: tab.post(
            site.url("/proposals/{p}/position", p=pid), {"position": positions[i % 4], "reason": f"tab {i}"}
        )

    votes = _race([vote(i) for i in range(20)])
    assert not [r for r in votes if isinstance(r, BaseException)], votes
    statuses = sorted({r.status_code for r in votes})
    assert set(statuses) <= {303, 409}, statuses
    assert 303 in statuses
    for r in votes:
        if r.status_code == 409:
            assert "try again" in r.get_data(as_text=True)
    bid = ballot_id(pid, w.member("ben"))
    versions = _versions(site, bid)
    assert versions == list(range(1, len(versions) + 1)), "one ballot, its versions dense"
    assert len(versions) == sum(1 for r in votes if r.status_code == 303), "every vote acknowledged is recorded"

    facilitators = [Person(site, "dev"), Person(site, "erin")]
    for f in facilitators:
        f.get(site.url("/proposals/{p}", p=pid))
    closes = _race(
        [
            (lambda f=facilitators[i % 2]: f.post(site.url("/proposals/{p}/close", p=pid), {"understand": "yes"}))  # type: ignore[misc]
            for i in range(6)
        ]
    )
    assert not [r for r in closes if isinstance(r, BaseException)], closes
    codes = [r.status_code for r in closes]
    assert codes.count(303) == 1 and codes.count(409) == 5, codes
    refused = next(r for r in closes if r.status_code == 409).get_data(as_text=True)
    assert "closed" in refused
    topics = [type(e).__qualname__ for e in w.gov.events.get(pid)]
    assert topics.count("Proposal.Closed") == 1

    report = verify_log(Ledger.recorder_only(site.config), outcomes=OUTCOMES)
    assert report.ok, [p.sentence() for p in report.problems[:3]]
    assert report.outcomes == 1


def test_a_vote_retried_after_a_race_is_checked_against_the_state_it_meets(site: Site) -> None:
    """If the proposal closes while a vote waits to retry, the retried vote is refused, not applied.

    The race is made deterministic by letting the other writer win inside the first save.
    """
    w = site.world
    pid = open_proposal(site)
    gov = w.gov
    real_save = gov.save
    calls = {"n": 0}

    def save_that_loses_one_race(*objs: Any, **kw: Any) -> Any:
        calls["n"] += 1
        if calls["n"] == 1:
            gov.close_proposal(pid, by=w.facilitator)  # the other writer wins meanwhile ...
            raise IntegrityError("UNIQUE constraint failed")  # ... and this write loses the race
        return real_save(*objs, **kw)

    gov.save = save_that_loses_one_race  # type: ignore[method-assign]
    try:
        with pytest.raises(Conflict, match="closed"):
            gov.cast_ballot(pid, member_id=w.member("ben"), position="agree")
    finally:
        gov.save = real_save  # type: ignore[method-assign]
    assert gov.ballot_of(pid, w.member("ben")) is None, "the retried vote met a closed proposal and wrote nothing"


def test_leaving_while_the_steward_changes_the_collective_is_run_again_not_failed(world: World) -> None:
    """Leaving changes the collective, as admitting does: losing that race reruns the leave on the new state.

    Deterministic: inside the first save the steward admits someone (the other writer
    wins), and this save is refused as the store refuses a lost race.
    """
    w = world
    gov = w.gov
    real_save = gov.save
    calls = {"n": 0}

    def save_that_loses_one_race(*objs: Any, **kw: Any) -> Any:
        calls["n"] += 1
        if calls["n"] == 1:
            gov.admit_member(w.collective, by=w.steward, name="Nia", contact="", groups=["funders"])
            raise RecordConflictError("UNIQUE constraint failed")
        return real_save(*objs, **kw)

    gov.save = save_that_loses_one_race  # type: ignore[method-assign]
    try:
        gov.leave_collective(w.collective, w.member("erin"), by=w.member("erin"))
    finally:
        gov.save = real_save  # type: ignore[method-assign]
    collective = gov.collective(w.collective)
    assert not collective.is_member(w.member("erin"))
    assert len(collective.active_members()) == 7, "the admission the leave raced with is kept"


def test_a_vote_from_a_process_whose_copy_of_the_ballot_is_stale_is_run_again_on_the_stored_one(
    world: World, config: LedgerConfig
) -> None:
    """Two web processes keep their own caches. A ballot changed in the other process leaves
    this one's cached copy stale; the vote's save is refused by the store, the copy is
    forgotten, and the vote runs again on the stored ballot: nothing is lost, nothing fails."""
    w, here = world, world.gov
    pid = here.draft_proposal(w.collective, by=w.facilitator, category="research_question", title="T", body="B")
    here.open_proposal(pid, by=w.facilitator)
    ben = w.member("ben")
    here.cast_ballot(pid, member_id=ben, position="agree")  # cached here at version 1
    there = Governance.open(config, KeysFolder(config.keys_dir).load(PASSPHRASE))
    try:
        there.cast_ballot(pid, member_id=ben, position="abstain")  # version 2, from the other process
        here.cast_ballot(pid, member_id=ben, position="disagree", reason="I read it again.")
    finally:
        there.close()
    versions = [e.originator_version for e in here.events.get(ballot_id(pid, ben))]
    assert versions == [1, 2, 3], "the stale copy's write was refused and the vote ran again on version 2"
    ballot = here.ballot_of(pid, ben)
    assert ballot is not None and ballot.position == "disagree" and ballot.version == 3
    assert here.reveal(ballot.reason) == "I read it again."


def test_a_vote_is_checked_against_what_another_process_wrote_since_this_one_last_looked(
    world: World, config: LedgerConfig, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The cached proposal and collective are never used to authorise once another process changed them.

    This process has checked votes against both (they are cached and tracked here);
    another process then lets a member leave and, after a burst of other writes,
    closes the proposal. Each vote here sees that at once: the member who left and
    the closed proposal are refused, and nothing is written. The burst is longer than
    a page of the look at the log, so catching up reads several pages.
    """
    monkeypatch.setattr(watermark, "PAGE", 2)
    w, here = world, world.gov
    pid = here.draft_proposal(w.collective, by=w.facilitator, category="research_question", title="T", body="B")
    here.open_proposal(pid, by=w.facilitator)
    here.cast_ballot(pid, member_id=w.member("ben"), position="agree")
    here.cast_ballot(pid, member_id=w.member("amara"), position="agree")
    there = Governance.open(config, KeysFolder(config.keys_dir).load(PASSPHRASE))
    there.clock = w.clock
    try:
        there.leave_collective(w.collective, w.member("amara"), by=w.member("amara"))
        with pytest.raises(NotFound, match="no such collective"):
            here.cast_ballot(pid, member_id=w.member("amara"), position="disagree", reason="I left.")
        for name, position in [("chloe", "agree"), ("dev", "abstain"), ("sam", "agree"), ("chloe", "abstain")]:
            there.cast_ballot(pid, member_id=w.member(name), position=position)
        there.close_proposal(pid, by=w.facilitator)
        with pytest.raises(Conflict, match="closed"):
            here.cast_ballot(pid, member_id=w.member("ben"), position="disagree", reason="Too late.")
    finally:
        there.close()
    fresh = Governance.open(config, KeysFolder(config.keys_dir).load(PASSPHRASE))
    try:
        for name in ("amara", "ben"):
            ballot = fresh.ballot_of(pid, w.member(name))
            assert ballot is not None and (ballot.version, ballot.position) == (1, "agree"), name
    finally:
        fresh.close()


def test_a_first_vote_here_on_a_ballot_cast_in_another_process_is_recorded_on_top_of_it(
    world: World, config: LedgerConfig
) -> None:
    """This process does not ask the store whether a ballot it has never seen exists: the store's
    refusal of a second version 1 tells it, and the vote runs again on the stored ballot."""
    w, here = world, world.gov
    pid = here.draft_proposal(w.collective, by=w.facilitator, category="research_question", title="T", body="B")
    here.open_proposal(pid, by=w.facilitator)
    ben = w.member("ben")
    there = Governance.open(config, KeysFolder(config.keys_dir).load(PASSPHRASE))
    try:
        there.cast_ballot(pid, member_id=ben, position="abstain", reason="Not sure yet.")
    finally:
        there.close()
    here.cast_ballot(pid, member_id=ben, position="agree", reason="Now I am.")
    versions = [e.originator_version for e in here.events.get(ballot_id(pid, ben))]
    assert versions == [1, 2]
    ballot = here.ballot_of(pid, ben)
    assert ballot is not None and ballot.position == "agree" and here.reveal(ballot.reason) == "Now I am."
