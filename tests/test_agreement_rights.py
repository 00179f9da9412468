"""Who may vote and who may object is written once, on the agreement, and every caller asks it.

The commands refuse with it and the proposal page offers its forms by it, so a page
can never offer a ballot the command then refuses (or hide one it would accept).
"""

from __future__ import annotations

import pytest

from ledger.governance.agreement import NOT_A_VOTER, NOT_AN_OBJECTOR
from ledger.governance.errors import NotAllowed
from ledger.governance.pages import Pages
from ledger.governance.views import GovernanceViews, open_view
from ledger.log.config import LedgerConfig
from tests.governance_world import World

# research_question: lived_experience and researchers decide, practitioners consent, funders are informed.
# budget: funders are consulted.


def test_decide_and_consent_vote_and_everyone_but_the_informed_may_object(world: World) -> None:
    assert world.agreement is not None
    agreement = world.gov.agreement(world.agreement)
    assert agreement.may_vote("research_question", {"practitioners"})
    assert not agreement.may_vote("budget", {"funders"}), "consulted: asked, not counted"
    assert agreement.may_object("budget", {"funders"})
    assert not agreement.may_object("research_question", {"funders"}), "informed only"
    assert agreement.may_object("research_question", {"funders", "lived_experience"})


def test_the_commands_refuse_with_the_agreements_own_sentences(world: World) -> None:
    gov = world.gov
    pid = gov.draft_proposal(world.collective, by=world.facilitator, category="research_question", title="Q", body="B")
    gov.open_proposal(pid, by=world.facilitator)
    with pytest.raises(NotAllowed) as voted:
        gov.cast_ballot(pid, member_id=world.member("femi"), position="agree")
    assert voted.value.message == NOT_A_VOTER
    with pytest.raises(NotAllowed) as objected:
        gov.raise_objection(pid, member_id=world.member("femi"), reason="No.")
    assert objected.value.message == NOT_AN_OBJECTOR
    assert gov.proposal(pid).objection_ids == [], "nothing written"


@pytest.mark.parametrize(
    ("name", "category"), [(n, c) for n in ("femi", "erin", "amara") for c in ("budget", "research_question")]
)
def test_the_page_offers_exactly_what_the_commands_accept(
    world: World, config: LedgerConfig, name: str, category: str
) -> None:
    gov, me = world.gov, world.member(name)
    pid = gov.draft_proposal(world.collective, by=world.facilitator, category=category, title="Q", body="B")
    gov.open_proposal(pid, by=world.facilitator)
    views = GovernanceViews(gov, open_view(config))
    views.catch_up()
    standing = Pages(gov, views).proposal_standing(gov.collective(world.collective), pid, me)
    try:
        gov.cast_ballot(pid, member_id=me, position="agree", reason="Fine.")
        voted = True
    except NotAllowed:
        voted = False
    try:
        gov.raise_objection(pid, member_id=me, reason="A worry.", paramount=False)
        objected = True
    except NotAllowed:
        objected = False
    assert (standing.can_vote, standing.can_object) == (voted, objected)
