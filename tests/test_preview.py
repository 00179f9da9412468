"""The live preview from the read models gives exactly what ``gov.tally`` gives from the aggregates.

The proposal page and its tally partial no longer load every ballot on the roster:
they run ``policies.decide`` over read-model rows. Random sequences of votes, revisions
and objection steps check that the two never disagree, on both engines.
"""

from __future__ import annotations

import contextlib
from uuid import UUID

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ledger.governance.errors import GovernanceError
from ledger.governance.pages import Pages
from ledger.governance.views import GovernanceViews, open_view
from ledger.log.config import LedgerConfig
from tests.governance_world import World

PEOPLE = ("sam", "amara", "ben", "chloe", "dev", "erin", "femi")
POSITIONS = ("agree", "abstain", "disagree", "block")

step = st.one_of(
    st.tuples(st.just("vote"), st.sampled_from(PEOPLE), st.sampled_from(POSITIONS)),
    st.tuples(st.just("revise"), st.just(""), st.just("")),
    st.tuples(st.just("object"), st.sampled_from(PEOPLE), st.sampled_from(("yes", "no"))),
    st.tuples(st.sampled_from(("answer", "withdraw", "uphold", "test")), st.integers(0, 3), st.just("")),
)


def _apply(world: World, pid: UUID, action: tuple[str, object, str]) -> None:
    gov, kind, who = world.gov, action[0], action[1]
    objections = gov.proposal(pid).objection_ids
    if kind == "vote":
        gov.cast_ballot(pid, member_id=world.member(str(who)), position=action[2], reason="Because I read it.")
    elif kind == "revise":
        proposal = gov.proposal(pid)
        gov.revise_proposal(pid, by=world.facilitator, title=proposal.current.title, body=proposal.current.body + "!")
    elif kind == "object":
        gov.raise_objection(pid, member_id=world.member(str(who)), reason="A worry.", paramount=action[2] == "yes")
    elif objections:
        oid = objections[int(str(who)) % len(objections)]
        if kind == "answer":
            gov.answer_objection(oid, by=world.member("amara"), answer="We thought about it.")
        elif kind == "withdraw":
            gov.withdraw_objection(oid, by=gov.objection(oid).member_id, why="Settled.")
        elif kind == "uphold":
            gov.resolve_objection(oid, by=world.facilitator, how="uphold", why="It stands.")
        else:
            gov.test_objection(oid, by=world.facilitator, paramount=False, why="A concern, not paramount.")


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    category=st.sampled_from(("research_question", "budget", "publication")),
    steps=st.lists(step, min_size=1, max_size=14),
)
def test_the_preview_from_the_read_model_equals_the_tally_over_the_aggregates(
    world: World, config: LedgerConfig, category: str, steps: list[tuple[str, object, str]]
) -> None:
    gov = world.gov
    views = GovernanceViews(gov, open_view(config))
    pages = Pages(gov, views)
    pid = gov.draft_proposal(world.collective, by=world.facilitator, category=category, title="T", body="B")
    gov.open_proposal(pid, by=world.facilitator)
    for action in steps:
        # A refused step (not their right, already resolved, ...) writes nothing; both must still agree.
        with contextlib.suppress(GovernanceError):
            _apply(world, pid, action)
        views.catch_up()
        expected, record = gov.tally(gov.proposal(pid))
        collective = gov.collective(world.collective)
        shown = pages.proposal_standing(collective, pid, world.member("amara")).preview
        assert shown == expected
        agreement = gov.agreement(gov.proposal(pid).agreement_id or world.collective)
        inputs = views.decision_inputs(pid, agreement.voting_groups(category), gov.proposal(pid).current.content_hash)
        assert [[m.member_id, sorted(m.groups)] for m in inputs.roster] == record.payload()["roster"]
        assert inputs.stale == record.payload()["stale_ballots"]
