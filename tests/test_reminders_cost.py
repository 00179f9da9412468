"""The reminders page and sending a reminder cost the same in a collective of 10 or 200 members.

Who has not responded is one read-model query whose rows are the people listed, and
their names are opened one each; so with the same four people waiting, a collective of
200 costs exactly what one of 10 does: the same events decoded (counted in the signing
mapper, tests/test_vote_cost.py) and the same read-model queries.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from tests.sized_world import SizedWorld, build_sized_world
from tests.test_vote_cost import CountedGovernance, open_app  # noqa: F401  (the fixture)
from web import create_app
from web.state import copro

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
PASSPHRASE = "a long enough passphrase for the reminders cost test"
WAITING = 4  # voters who have not responded, in either collective


def _all_but_a_few_vote(world: SizedWorld) -> None:
    for member in world.voters[:-WAITING]:
        world.gov.cast_ballot(world.proposals[0], member_id=member, position="agree", reason="Yes.")


def _signed_in_facilitator(app: Flask, world: SizedWorld, username: str) -> FlaskClient:
    accounts = copro.state_of(app).accounts
    accounts.accept(accounts.invite(world.steward, world.collective), username, PASSPHRASE)
    client = app.test_client()
    found = CSRF.search(client.get("/signin").get_data(as_text=True))
    assert found is not None
    answer = client.post("/signin", data={"username": username, "passphrase": PASSPHRASE, "csrf_token": found[1]})
    assert answer.status_code == 303
    return client


class QueryCounter:
    """Counts the read-model queries a request makes (each still runs against the real view)."""

    def __init__(self, app: Flask) -> None:
        self.count = 0
        view = copro.state_of(app).views.view
        real = view.query

        def counted(sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
            self.count += 1
            return real(sql, params)

        view.query = counted  # type: ignore[method-assign]


def _costs(app: Flask, gov: CountedGovernance, world: SizedWorld, username: str, queries: QueryCounter) -> list[int]:
    """(events decoded, view queries) for rendering the page, then for sending a reminder."""
    client = _signed_in_facilitator(app, world, username)
    c, p = world.collective, world.proposals[0]
    assert client.get(f"/c/{c}/").status_code == 200  # the collective is read once per process, by any page
    page = f"/c/{c}/proposals/{p}/reminders/"
    figures: list[int] = []

    def render() -> None:
        response = client.get(page)
        assert response.status_code == 200
        listed = set(re.findall(r"<li>(Member \d+)</li>", response.get_data(as_text=True)))
        assert len(listed) == WAITING, listed  # one in two groups is listed under each

    def send() -> None:
        token = CSRF.search(client.get(page).get_data(as_text=True))
        assert token is not None
        before = queries.count
        decoded = gov.decoded_by(
            lambda: client.post(page, data={"groups": ["lived_experience", "researchers"], "csrf_token": token[1]})
        )
        figures.extend([decoded, queries.count - before])

    before = queries.count
    figures.extend([gov.decoded_by(render), queries.count - before])
    send()
    return figures


def test_the_reminders_page_and_sending_cost_the_same_with_200_members_as_with_10(
    open_app: Callable[[], CountedGovernance],  # noqa: F811
) -> None:
    builder = open_app()
    small = build_sized_world(builder, 10)
    large = build_sized_world(builder, 200)
    for world in (small, large):
        _all_but_a_few_vote(world)
    cold = open_app()  # a fresh web process: nothing of either collective cached yet
    cold.clock = small.clock
    app = create_app({"LEDGER_CONFIG": cold.config, "GOVERNANCE": cold, "SECRET_KEY": "test key", "TESTING": True})
    queries = QueryCounter(app)
    for world in (small, large):
        world.gov = cold
    small_cost = _costs(app, cold, small, "smallfacilitator", queries)
    large_cost = _costs(app, cold, large, "largefacilitator", queries)
    # Names decoded to render the page: one per person waiting at most (fewer when the home page has
    # already read one, such as an objector it quotes); never one per member of the collective.
    assert small_cost[0] <= WAITING and large_cost[0] <= WAITING
    assert large_cost[1:] == small_cost[1:]
    page_decoded = large_cost[0]
    assert page_decoded < len(large.voters), "far fewer than the members of the collective"
