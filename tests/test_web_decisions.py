"""What the pages show and refuse about a decision: its deadline, its recorded figures, members who left."""

from __future__ import annotations

from datetime import timedelta
from uuid import UUID

import pytest

from tests.test_recorded_outcomes import BUDGET_DEADLINE
from tests.web_support import Person, Site, open_proposal

pytestmark = pytest.mark.parametrize("backend", ["sqlite"])

OVERLAP = "Some members belong to more than one group and are counted in each"


def agree(site: Site, pid: UUID, *names: str) -> None:
    for name in names:
        site.world.gov.cast_ballot(pid, member_id=site.world.member(name), position="agree")
    site.copro.views.catch_up()


def row(page: str, group: str) -> str:
    """The 'Responded' cell of one group's row in the tally table."""
    start = page.index(f'<th scope="row">{group}</th>')
    cell = page.index(">", page.index("<td", start)) + 1
    return page[cell : page.index("</td>", cell)]


# -- members who left ---------------------------------------------------------------------------------

PAGES = [
    "/",
    "/proposals/",
    "/proposals/{p}",
    "/proposals/{p}/tally",
    "/agreement/",
    "/members/",
    "/reflections/",
    "/contributions/",
    "/audit/",
    "/audit/proof/{leaf}.json",
]
WRITES: list[tuple[str, dict[str, object]]] = [
    ("/proposals/{p}/position", {"position": "agree"}),
    ("/proposals/{p}/objections", {"reason": "No.", "paramount": "yes"}),
    ("/proposals/new", {"title": "Late idea", "body": "Text.", "category": "budget"}),
    ("/reflections/", {"subject": "period", "subject_ref": "Nov", "worked": "x", "did_not": "", "power": ""}),
    ("/contributions/", {"activity": "Panel", "minutes": "60", "on": "2026-11-02"}),
    ("/members/leave", {}),
]


def test_a_member_who_left_gets_404_on_every_page_and_can_write_nothing(site: Site) -> None:
    w = site.world
    pid = open_proposal(site)
    leaf = w.gov.merkle_log.leaf_index_of(pid, 1)
    ben = Person(site, "ben")
    for path in PAGES:
        assert ben.get(site.url(path, p=pid, leaf=leaf)).status_code == 200, path
    w.gov.leave_collective(w.collective, w.member("ben"), by=w.steward)  # recorded while ben is signed in
    site.copro.views.catch_up()
    events = w.gov.merkle_log.log_size()
    for path in PAGES:
        assert ben.get(site.url(path, p=pid, leaf=leaf)).status_code == 404, path
    for path, data in WRITES:
        assert ben.post(site.url(path, p=pid), data).status_code == 404, path
    assert w.gov.merkle_log.log_size() == events, "nothing was written"
    assert w.gov.ballot_of(pid, w.member("ben")) is None


def test_a_member_leaves_through_the_members_page_and_is_signed_out(site: Site) -> None:
    w = site.world
    ben = Person(site, "ben")
    page = ben.get(site.url("/members/")).text
    assert "Leave this collective" in page
    r = ben.post(site.url("/members/leave"), {"understand": "yes"})
    assert r.status_code == 303 and r.headers["Location"].endswith("/signin?left=1#confirmation")
    assert "You have left the collective" in ben.get(r.headers["Location"]).text, "told where they land"
    assert not w.gov.collective(w.collective).is_member(w.member("ben"))
    assert ben.get(site.url("/")).status_code == 302, "signed out"
    again = Person(site, "ben")  # the account still opens, but the collective is closed to them
    assert again.get(site.url("/members/")).status_code == 404
    names = Person(site, "sam").get(site.url("/members/")).text
    assert "Ben" not in names and "6 members" in names


def test_the_last_steward_is_told_why_they_cannot_leave(site: Site) -> None:
    sam = Person(site, "sam")
    sam.get(site.url("/members/"))
    r = sam.post(site.url("/members/leave"), {"understand": "yes"})
    assert r.status_code == 409 and "only steward" in r.text
    assert site.world.gov.collective(site.world.collective).is_member(site.world.steward)


# -- a closed decision's figures ------------------------------------------------------------------------


def test_a_closed_proposal_shows_the_roster_recorded_when_it_closed(site: Site) -> None:
    w = site.world
    pid = open_proposal(site)
    agree(site, pid, "amara", "ben", "dev", "sam")
    w.gov.close_proposal(pid, by=w.facilitator)
    site.copro.views.catch_up()
    amara = Person(site, "amara")
    before = amara.get(site.url("/proposals/{p}", p=pid)).text
    assert row(before, "People with lived experience") == "2 of 3"
    w.gov.admit_member(w.collective, by=w.steward, name="Zara", contact="", groups=["lived_experience"])
    w.gov.leave_collective(w.collective, w.member("dev"), by=w.steward)
    site.copro.views.catch_up()
    after = amara.get(site.url("/proposals/{p}", p=pid)).text
    assert row(after, "People with lived experience") == "2 of 3", "not a recount over today's members"
    assert row(after, "Researchers") == "2 of 2"
    assert "Responses counted when it closed" in after and "4 of 6 members took part" in after
    partial = amara.get(site.url("/proposals/{p}/tally", p=pid), headers={"HX-Request": "true"}).text
    assert row(partial, "People with lived experience") == "2 of 3"
    assert "Closed on 02 November 2026 at 10:00 UTC." in after


def test_overlapping_groups_are_explained_only_when_the_rows_add_up_to_more(site: Site) -> None:
    w = site.world
    pid = open_proposal(site)
    agree(site, pid, "amara", "ben", "dev", "sam")
    w.gov.close_proposal(pid, by=w.facilitator)
    site.copro.views.catch_up()
    amara = Person(site, "amara")
    closed = amara.get(site.url("/proposals/{p}", p=pid)).text
    # chloe is in two of the voting groups: rows 3 + 2 + 2 for 6 eligible members
    assert "4 of 6 members took part" in closed
    assert f"{OVERLAP}, so the group rows add up to more than the 6 members in these groups." in closed
    assert 'aria-describedby="tally-overlap"' in closed
    w.gov.leave_collective(w.collective, w.member("chloe"), by=w.member("chloe"))
    second = open_proposal(site, title="Do we pay for travel?")
    site.copro.views.catch_up()
    page = amara.get(site.url("/proposals/{p}", p=second)).text
    assert OVERLAP not in page and "tally-overlap" not in page
    agree(site, second, "amara", "ben", "dev")
    w.gov.close_proposal(second, by=w.facilitator)
    site.copro.views.catch_up()
    page = amara.get(site.url("/proposals/{p}", p=second)).text
    assert "3 of 5 members took part" in page and OVERLAP not in page


def test_an_open_proposal_explains_overlapping_groups_too(site: Site) -> None:
    pid = open_proposal(site)
    page = Person(site, "amara").get(site.url("/proposals/{p}", p=pid)).text
    # every group's row, funders too: 3 + 2 + 2 + 1 for 7 members
    assert f"{OVERLAP}, so the group rows add up to more than the 7 members in these groups." in page


# -- the deadline ------------------------------------------------------------------------------------------


def test_the_proposal_page_says_when_it_closes_and_refuses_a_position_after(site: Site) -> None:
    w = site.world
    pid = open_proposal(site, title="Buy recording kit", category="budget")
    amara = Person(site, "amara")
    page = amara.get(site.url("/proposals/{p}", p=pid)).text
    assert "Closes on 23 November 2026 at 10:00 UTC." in page
    assert 'name="position"' in page
    assert "Buy recording kit" in amara.get(site.url("/")).text, "waiting for her response"
    w.clock.now = BUDGET_DEADLINE + timedelta(minutes=5)
    assert "Buy recording kit" not in amara.get(site.url("/")).text, "no longer waiting: its time is up"
    page = amara.get(site.url("/proposals/{p}", p=pid)).text
    assert "The time for responses ended on 23 November 2026 at 10:00 UTC." in page
    assert 'name="position"' not in page and "Raise an objection" not in page
    r = amara.post(site.url("/proposals/{p}/position", p=pid), {"position": "agree"})
    assert r.status_code == 409
    assert "The time for responses ended on 23 November 2026 at 10:00 UTC" in r.text
    r = amara.post(site.url("/proposals/{p}/position", p=pid), {"position": "agree"}, headers={"HX-Request": "true"})
    assert r.status_code == 409 and "ended on 23 November 2026" in r.text
    r = amara.post(site.url("/proposals/{p}/objections", p=pid), {"reason": "Late.", "paramount": "yes"})
    assert r.status_code == 409 and "ended on 23 November 2026" in r.text
    assert w.gov.ballot_of(pid, w.member("amara")) is None


def test_a_proposal_without_a_deadline_says_a_facilitator_closes_it(site: Site) -> None:
    pid = open_proposal(site)
    page = Person(site, "amara").get(site.url("/proposals/{p}", p=pid)).text
    assert "Its rule sets no time to close: a facilitator will close it." in page


def test_a_facilitator_records_the_outcome_after_the_deadline_as_at_the_deadline(site: Site) -> None:
    w = site.world
    pid = open_proposal(site, title="Buy recording kit", category="budget")
    dev = Person(site, "dev")
    assert "Close “Buy recording kit” when its time is up" in dev.get(site.url("/")).text
    w.clock.now = BUDGET_DEADLINE + timedelta(days=2)
    home = dev.get(site.url("/")).text
    assert "Record the outcome of “Buy recording kit”: its time for responses has ended" in home
    dev.get(site.url("/proposals/{p}", p=pid))
    assert dev.post(site.url("/proposals/{p}/close", p=pid), {"understand": "yes"}).status_code == 303
    page = dev.get(site.url("/proposals/{p}", p=pid)).text
    assert "Closed on 23 November 2026 at 10:00 UTC." in page and "Outcome: No quorum" in page
