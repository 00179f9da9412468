"""A vote costs the same in a collective of 10 or 500: it decodes only what is new, never the membership.

Decoding is counted where it happens, in the signing mapper (every stored event read
is signature-checked there), so a count is exactly the number of stored events a
command read and checked. Aggregates are cached per process and brought up to date
with the events stored since (ledger/log/config.py; a vote learns what changed from
one look at the log, ledger/governance/watermark.py), so each stored event is decoded
once per process; a cold process decodes the aggregates a vote checks against, once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any
from uuid import UUID

import pytest
from eventsourcing.persistence import Mapper, StoredEvent

from ledger.governance.collective import Collective
from ledger.governance.errors import Conflict
from ledger.governance.service import Governance
from ledger.log.config import LedgerConfig
from ledger.log.keystore import KeysFolder
from ledger.log.signing_mapper import SigningMapper
from tests.conftest import PASSPHRASE
from tests.sized_world import SizedWorld, build_sized_world


class CountingMapper(SigningMapper):
    """The real signing mapper, counting the stored events it decodes and checks."""

    decoded = 0

    def to_domain_event(self, stored_event: StoredEvent) -> Any:
        self.decoded += 1
        return super().to_domain_event(stored_event)


class CountedGovernance(Governance):
    """The governance application with a counting mapper, and a way to let another writer in first."""

    before_next_save: Callable[[], object] | None = None

    def construct_mapper(self) -> Mapper[UUID]:
        return CountingMapper(
            self.construct_transcoder(), signer=self.keys.event.signing_key, verifiers=self.keys.event_history
        )

    @property
    def decoded(self) -> int:
        mapper = self.mapper
        if not isinstance(mapper, CountingMapper):
            raise TypeError("CountedGovernance always has a CountingMapper")
        return mapper.decoded

    def decoded_by(self, command: Callable[[], object]) -> int:
        before = self.decoded
        command()
        return self.decoded - before

    def save(self, *objs: Any, **kwargs: Any) -> Any:
        """Lets another process's write land between this command's load and its save, once."""
        hook, self.before_next_save = self.before_next_save, None
        if hook is not None:
            hook()
        return super().save(*objs, **kwargs)


@pytest.fixture
def open_app(config: LedgerConfig) -> Iterator[Callable[[], CountedGovernance]]:
    """Open another application instance on the same ledger: what another process of the web tier is."""
    apps: list[CountedGovernance] = []

    def open_one() -> CountedGovernance:
        keys = KeysFolder(config.keys_dir).load(PASSPHRASE)
        app = CountedGovernance.open(config, keys, create=True)
        if not isinstance(app, CountedGovernance):
            raise TypeError("open returns the class it is called on")
        apps.append(app)
        return app

    yield open_one
    for app in apps:
        app.close()


def stored_events_of(app: Governance, *aggregate_ids: UUID) -> int:
    """How many stored events these aggregates have, read straight from the recorder (not decoded)."""
    return sum(len(app.recorder.select_events(aggregate_id)) for aggregate_id in aggregate_ids)


def vote_of(world: SizedWorld, voter: int, proposal: int = 0) -> Callable[[], object]:
    return lambda: world.gov.cast_ballot(world.proposals[proposal], member_id=world.voters[voter], position="agree")


def test_a_vote_decodes_no_more_stored_events_in_a_collective_of_500_than_in_one_of_10(
    open_app: Callable[[], CountedGovernance],
) -> None:
    builder = open_app()
    small = build_sized_world(builder, 10)
    large = build_sized_world(builder, 500)  # built second: its ledger is longer too
    app = open_app()  # a fresh process of the web tier: nothing cached yet
    for world in (small, large):
        world.gov = app
    app.clock = small.clock
    for world in (small, large):
        for n in range(len(world.proposals)):
            app.decoded_by(vote_of(world, 1, n))  # the process's first vote on each reads what it checks against
    small_cost = app.decoded_by(vote_of(small, 2)) + app.decoded_by(vote_of(small, 3, proposal=1))
    large_cost = app.decoded_by(vote_of(large, 2)) + app.decoded_by(vote_of(large, 3, proposal=1))
    assert large_cost <= small_cost
    # Nothing was stored since by anyone else, so nothing is decoded: the ballot is new.
    assert large_cost == 0


def test_a_cold_process_decodes_each_aggregate_a_vote_checks_against_once(
    open_app: Callable[[], CountedGovernance],
) -> None:
    """The one cost that grows with the collective: the first vote a process takes there.

    It reads the collective's history, the agreement, the proposal and the proposal's
    objections (to know whose each is), each signature-checked; every later command in
    that process reads only what was stored since.
    """
    builder = open_app()
    world = build_sized_world(builder, 40)
    proposal = builder.proposal(world.proposals[0])
    agreement = builder.collective(world.collective).agreement_id
    assert agreement is not None
    expected = stored_events_of(builder, world.collective, agreement, proposal.id, *proposal.objection_ids)
    cold = open_app()
    cold.clock = world.clock
    world.gov = cold
    assert cold.decoded_by(vote_of(world, 5)) == expected
    assert cold.decoded_by(vote_of(world, 6)) == 0


def test_a_vote_after_another_process_wrote_decodes_only_what_that_process_wrote(
    open_app: Callable[[], CountedGovernance],
) -> None:
    here = open_app()
    world = build_sized_world(here, 30)
    here.decoded_by(vote_of(world, 1))
    there = open_app()
    there.clock = world.clock
    newcomer = there.admit_member(
        world.collective, by=world.steward, name="New Member", contact="new@example.org", groups=["researchers"]
    )
    there.raise_objection(world.proposals[0], member_id=world.voters[4], reason="A late worry.")
    # The admission (one collective event), the objection's registration on the proposal,
    # and the objection itself (to learn whose it is): three events, whatever the size.
    assert here.decoded_by(vote_of(world, 2)) == 3
    # And this process sees the newcomer at once: they can vote here.
    assert here.decoded_by(lambda: here.cast_ballot(world.proposals[0], member_id=newcomer, position="agree")) == 0
    assert here.ballot_of(world.proposals[0], newcomer) is not None


def test_a_command_whose_save_lost_a_race_leaves_no_trace_in_the_cache(
    open_app: Callable[[], CountedGovernance],
) -> None:
    """The retried command reloads; the attempt that lost changed only its own copy."""
    here = open_app()
    world = build_sized_world(here, 12)
    there = open_app()
    there.clock = world.clock
    raced: list[UUID] = []

    def other_process_admits() -> None:
        raced.append(
            there.admit_member(
                world.collective, by=world.steward, name="Racer", contact="r@example.org", groups=["funders"]
            )
        )

    here.before_next_save = other_process_admits
    mine = here.admit_member(
        world.collective, by=world.steward, name="Mine", contact="m@example.org", groups=["researchers"]
    )
    fresh = open_app()
    truth = fresh.collective(world.collective)
    cached = here.collective(world.collective)
    assert (cached.version, cached.active_members()) == (truth.version, truth.active_members())
    assert {mine, raced[0]} <= set(truth.active_members())
    assert len(truth.active_members()) == 12 + 2
    # The cached collective carries no leftover change: the next command saves cleanly on top.
    later = here.admit_member(world.collective, by=world.steward, name="Later", contact="", groups=["funders"])
    assert set(open_app().collective(world.collective).active_members()) == set(truth.active_members()) | {later}


def test_a_vote_that_lost_a_race_to_the_same_members_other_tab_is_recorded_on_top_of_it(
    open_app: Callable[[], CountedGovernance],
) -> None:
    here = open_app()
    world = build_sized_world(here, 12)
    there = open_app()
    there.clock = world.clock
    proposal, voter = world.proposals[0], world.voters[3]
    here.decoded_by(vote_of(world, 1))  # warm this process's cache

    def other_tab_votes() -> None:
        there.cast_ballot(proposal, member_id=voter, position="abstain")

    here.before_next_save = other_tab_votes
    here.cast_ballot(proposal, member_id=voter, position="disagree", reason="Not yet.")
    ballot = open_app().ballot_of(proposal, voter)
    assert ballot is not None
    assert (ballot.version, ballot.position) == (2, "disagree")
    cached = here.ballot_of(proposal, voter)
    assert cached is not None and (cached.version, cached.position) == (2, "disagree")


def test_reading_a_collective_to_check_rights_never_hands_out_a_copy_to_change(
    open_app: Callable[[], CountedGovernance],
) -> None:
    """What a command changes is its own copy; the shared cached one stays as the store has it."""
    app = open_app()
    world = build_sized_world(app, 5)
    copy = app.collective(world.collective)
    copy.leave(world.voters[1], world.steward)  # changed and never saved
    again = app.collective(world.collective)
    assert isinstance(again, Collective) and again is not copy
    assert world.voters[1] in again.active_members()


def test_changing_a_vote_decodes_nothing_this_process_wrote_itself(
    open_app: Callable[[], CountedGovernance],
) -> None:
    """A saved aggregate is what the store holds at its version: it is cached, not read back."""
    app = open_app()
    world = build_sized_world(app, 8)
    app.decoded_by(vote_of(world, 1))
    changed = app.decoded_by(
        lambda: app.cast_ballot(world.proposals[0], member_id=world.voters[1], position="disagree", reason="No.")
    )
    assert changed == 0
    ballot = open_app().ballot_of(world.proposals[0], world.voters[1])
    assert ballot is not None and (ballot.version, ballot.position) == (2, "disagree")


def test_a_write_that_lands_between_a_votes_look_at_the_log_and_its_save_is_seen_by_the_next_vote(
    open_app: Callable[[], CountedGovernance],
) -> None:
    """A save moves this process's watermark on only if nothing else was stored before it.

    Here the other process closes the proposal after this vote looked at the log and
    before it saved: the vote is recorded (it was cast while the proposal was open, as
    it would be had it been a moment quicker), and the next vote here sees the close.
    """
    here = open_app()
    world = build_sized_world(here, 12)
    there = open_app()
    there.clock = world.clock
    here.decoded_by(vote_of(world, 1))
    pid = world.proposals[0]
    here.before_next_save = lambda: there.close_proposal(pid, by=world.steward)
    here.cast_ballot(pid, member_id=world.voters[2], position="agree")
    with pytest.raises(Conflict, match="closed"):
        here.cast_ballot(pid, member_id=world.voters[3], position="agree")
    assert here.ballot_of(pid, world.voters[3]) is None


def test_a_vote_in_a_warm_process_asks_the_store_one_question_before_it_writes(
    open_app: Callable[[], CountedGovernance],
) -> None:
    """What changed since this process last looked, for everything at once; nothing per aggregate."""
    app = open_app()
    world = build_sized_world(app, 20)
    app.decoded_by(vote_of(world, 1))
    app.decoded_by(vote_of(world, 1, proposal=1))
    asked: list[str] = []
    recorder = app.recorder
    for name in ("select_events", "select_notifications", "max_notification_id"):
        real = getattr(recorder, name)

        def counted(*args: Any, _real: Callable[..., Any] = real, _name: str = name, **kwargs: Any) -> Any:
            asked.append(_name)
            return _real(*args, **kwargs)

        setattr(recorder, name, counted)
    app.cast_ballot(world.proposals[0], member_id=world.voters[2], position="agree")  # a new ballot
    app.cast_ballot(world.proposals[0], member_id=world.voters[1], position="abstain")  # a changed one
    assert asked == ["select_notifications", "select_notifications"]


def test_a_vote_changes_a_copy_of_the_cached_ballot_never_the_cached_one() -> None:
    """The copy a vote changes is complete: the cached ballot keeps every field, its version and no pending event."""
    import copy as copying
    from uuid import uuid4

    from ledger.governance.ballot import Ballot
    from ledger.governance.commands.voting import copy_to_change
    from ledger.log.sealed import Sealed

    cached = Ballot(
        proposal_id=uuid4(), member_id=uuid4(), position="agree", reason=None, version_hash="sha256:a", at="t1"
    )
    cached.collect_events()
    before = copying.deepcopy(cached.__dict__)
    changed = copy_to_change(cached)
    reason = Sealed(person_id=uuid4(), place="ballot/2/reason", nonce=b"n" * 12, ciphertext=b"sealed words")
    changed.change("block", reason, "sha256:b", at="t2")
    assert cached.__dict__ == before
    assert (changed.position, changed.version, len(changed.collect_events())) == ("block", 2, 1)
    assert changed.id == cached.id and type(changed) is Ballot
