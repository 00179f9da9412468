"""The read side: incremental, exactly once, rebuildable, on both engines."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from eventsourcing.persistence import Tracking

from ledger.governance.views import GovernanceViews, open_view
from ledger.log.config import LedgerConfig
from tests.governance_world import World


@pytest.fixture
def views(world: World, config: LedgerConfig) -> Iterator[GovernanceViews]:
    yield GovernanceViews(world.gov, open_view(config))


def test_tally_counts_positions_per_group_on_the_current_version(world: World, views: GovernanceViews) -> None:
    gov, w = world.gov, world
    pid = gov.draft_proposal(w.collective, by=w.member("amara"), category="research_question", title="Q", body="Which?")
    gov.open_proposal(pid, by=w.facilitator)
    gov.cast_ballot(pid, member_id=w.member("amara"), position="agree")
    gov.cast_ballot(pid, member_id=w.member("chloe"), position="abstain")
    gov.cast_ballot(pid, member_id=w.member("dev"), position="agree")
    views.catch_up()
    t = views.tally(pid)
    assert t["positions"] == {"agree": 2, "abstain": 1}
    assert t["groups"]["lived_experience"]["members"] == 3
    assert t["groups"]["lived_experience"]["responded"] == 2
    assert t["groups"]["practitioners"]["abstain"] == 1
    gov.revise_proposal(pid, by=w.member("amara"), title="Q", body="Which, exactly?")
    gov.cast_ballot(pid, member_id=w.member("amara"), position="disagree", reason="Still too vague.")
    views.catch_up()
    t = views.tally(pid)
    assert t["positions"] == {"disagree": 1}
    assert t["stale"] == 2, "ballots on the earlier version wait for reconfirmation"


def test_catch_up_is_incremental_and_applies_each_event_once(world: World, views: GovernanceViews) -> None:
    first = views.catch_up()
    assert first == world.gov.merkle_log.log_size()
    assert views.catch_up() == 0, "nothing new, nothing read"
    pid = world.gov.draft_proposal(world.collective, by=world.member("ben"), category="budget", title="T", body="B")
    assert views.catch_up() == 1
    # Re-applying an event that is already tracked changes nothing.
    last = views.view.max_tracking_id(world.gov.name)
    assert last is not None
    before = views.view.query("SELECT COUNT(*) FROM view_proposals")
    from eventsourcing.persistence import IntegrityError

    with pytest.raises(IntegrityError):
        views.view.apply([("INSERT INTO view_members VALUES ('x', 'y', 'z')", ())], Tracking(world.gov.name, last))
    assert views.view.query("SELECT COUNT(*) FROM view_members WHERE collective_id = 'x'") == [(0,)]
    assert views.view.query("SELECT COUNT(*) FROM view_proposals") == before
    assert views.tally(pid)["responded"] == 0


def test_rebuilding_from_the_log_gives_the_same_answers(world: World, views: GovernanceViews) -> None:
    gov, w = world.gov, world
    pid = gov.draft_proposal(w.collective, by=w.member("amara"), category="research_question", title="Q", body="B")
    gov.open_proposal(pid, by=w.facilitator)
    for name, pos in [("amara", "agree"), ("ben", "abstain"), ("dev", "agree"), ("sam", "agree")]:
        gov.cast_ballot(pid, member_id=w.member(name), position=pos)
    oid = gov.raise_objection(pid, member_id=w.member("erin"), reason="Worried about workload.", paramount=False)
    gov.answer_objection(oid, by=w.member("amara"), answer="We will share it out.")
    gov.close_proposal(pid, by=w.facilitator)
    views.catch_up()
    tally, participation = views.tally(pid), views.participation(w.collective)
    rows = _all_rows(views)
    views.rebuild()
    assert _all_rows(views) == rows, "every row of every view, exactly"
    assert views.tally(pid) == tally
    assert views.participation(w.collective) == participation
    assert participation["lived_experience"] == {"members": 3, "took_part": 2, "ballots": 2}
    assert participation["funders"] == {"members": 1, "took_part": 0, "ballots": 0}


def _all_rows(views: GovernanceViews) -> dict[str, list[tuple[object, ...]]]:
    from ledger.governance.view_tables import VIEW_TABLES

    return {t: sorted(views.view.query(f"SELECT * FROM {t}"), key=repr) for t in VIEW_TABLES}


def test_a_view_made_by_an_older_copro_is_dropped_and_rebuilt_from_the_log(
    world: World, views: GovernanceViews, config: LedgerConfig
) -> None:
    views.catch_up()
    rows = _all_rows(views)
    with views.view._view_txn(commit=True) as c:
        c.execute("UPDATE view_schema SET version = 1")
        c.execute("DROP TABLE view_collectives")  # a shape this code does not write
    reopened = GovernanceViews(world.gov, open_view(config))
    assert reopened.view.max_tracking_id(world.gov.name) is None, "its tracking went with it"
    assert reopened.catch_up() == world.gov.merkle_log.log_size()
    assert _all_rows(reopened) == rows
