"""The proposal page and its tally partial cost the same in a collective of 10 or 200 members.

They read the read models for counting, so rendering them decodes the proposal, its
objections, the agreement and the names shown, never the ballots on the roster.
Decoded events are counted in the signing mapper (tests/test_vote_cost.py), so the
figure is exactly how many stored events a request read and signature-checked.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from flask import Flask
from flask.testing import FlaskClient

from tests.sized_world import SizedWorld, build_sized_world, position_for
from tests.test_vote_cost import CountedGovernance, open_app  # noqa: F401  (the fixture)
from web import create_app
from web.state import copro

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
PASSPHRASE = "a long enough passphrase for the page cost test"


def _signed_in(app: Flask, world: SizedWorld, username: str) -> FlaskClient:
    accounts = copro.state_of(app).accounts
    accounts.accept(accounts.invite(world.voters[1], world.collective), username, PASSPHRASE)
    client = app.test_client()
    found = CSRF.search(client.get("/signin").get_data(as_text=True))
    assert found is not None
    answer = client.post("/signin", data={"username": username, "passphrase": PASSPHRASE, "csrf_token": found[1]})
    assert answer.status_code == 303
    return client


def _everyone_votes(world: SizedWorld) -> None:
    """Every voter responds; none blocks, so both collectives have the same objections (the page shows each)."""
    for i, member in enumerate(world.voters):
        position, reason = position_for(i)
        position = "disagree" if position == "block" else position
        world.gov.cast_ballot(world.proposals[0], member_id=member, position=position, reason=reason or "Yes.")


def _page_cost(app: Flask, gov: CountedGovernance, world: SizedWorld, username: str) -> int:
    client = _signed_in(app, world, username)
    c, p = world.collective, world.proposals[0]
    assert client.get(f"/c/{c}/").status_code == 200  # the collective is read once per process, by any page

    def render() -> None:
        for path in (f"/c/{c}/proposals/{p}", f"/c/{c}/proposals/{p}/tally"):
            response = client.get(path)
            assert response.status_code == 200, path

    return gov.decoded_by(render)


def test_rendering_the_proposal_page_and_tally_decodes_as_many_events_with_200_members_as_with_10(
    open_app: Callable[[], CountedGovernance],  # noqa: F811
) -> None:
    builder = open_app()
    small = build_sized_world(builder, 10)
    large = build_sized_world(builder, 200)
    for world in (small, large):
        _everyone_votes(world)
    cold = open_app()  # a fresh web process: nothing of either collective cached yet
    cold.clock = small.clock
    app = create_app({"LEDGER_CONFIG": cold.config, "GOVERNANCE": cold, "SECRET_KEY": "test key", "TESTING": True})
    for world in (small, large):
        world.gov = cold
    small_cost = _page_cost(app, cold, small, "smallvoter")
    large_cost = _page_cost(app, cold, large, "largevoter")
    assert large_cost == small_cost
    assert large_cost < len(large.voters), "far fewer than the ballots counted"
