"""In a real Chromium: a member reads where people stand and joins the discussion, at 320 and 1280 pixels.

The positions chart is inline SVG under the app's strict CSP (no inline style), the
thread's form posts through htmx, and axe-core finds nothing on the page at either width.
"""

from __future__ import annotations

from collections.abc import Iterator
from uuid import UUID

import pytest
from playwright.sync_api import Browser, ViewportSize, expect

from ledger.governance.comment import Comment
from tests.browser_support import DESKTOP, Console, describe_violations, open_proposal, run_axe, sign_in, vote
from tests.web_support import Site, live_server

pytestmark = [pytest.mark.browser, pytest.mark.parametrize("backend", ["sqlite"])]

NARROW: ViewportSize = {"width": 320, "height": 640}


@pytest.fixture
def server(site: Site) -> Iterator[str]:
    with live_server(site.app) as url:
        yield url


def comment_texts(site: Site, pid: UUID) -> list[str]:
    gov = site.world.gov
    return [gov.reveal(gov.read(Comment, cid, "comment").text) for cid in site.copro.views.comments_of(pid)]


def test_a_member_reads_the_chart_and_comments_at_320_and_1280_pixels(
    site: Site, browser: Browser, server: str
) -> None:
    w = site.world
    pid = open_proposal(site, "Should we meet in the evenings?", "Evening meetings suit people at work.", by="amara")
    w.gov.summarise_proposal(pid, by=w.member("amara"), summary="Meetings move to 6pm.")
    vote(site, pid, "amara", "sam")
    w.gov.cast_ballot(pid, member_id=w.member("ben"), position="block", reason="I care for my children then.")
    w.gov.post_comment(pid, by=w.member("chloe"), words="Could we alternate?")
    site.copro.views.catch_up()
    here = site.url("/proposals/{p}", p=pid)
    found = {}
    sizes: list[tuple[str, ViewportSize]] = [
        ("320", NARROW),
        ("1280", {"width": DESKTOP["width"], "height": DESKTOP["height"]}),
    ]
    for name, viewport in sizes:
        context = browser.new_context(base_url=server, viewport=viewport)  # the app's CSP enforced
        axe_context = browser.new_context(base_url=server, viewport=viewport, bypass_csp=True)  # to inject axe
        try:
            page = context.new_page()
            console = Console()
            console.watch(page)
            sign_in(page, site, "erin")
            page.goto(here)
            expect(page.get_by_role("heading", name="In short")).to_be_visible()
            lived = "People with lived experience: 1 agree, 0 abstain, 0 disagree, 1 block."
            expect(page.get_by_text(lived)).to_be_visible()
            expect(page.get_by_text("Ben: block, because “I care for my children then.”")).to_be_visible()
            assert page.locator("svg.chart-bar").count() >= 4, "one bar per group"
            said = f"Evenings work for me ({name} pixels)."
            page.get_by_label("What would you like to say about this proposal?").fill(said)
            page.get_by_role("button", name="Post the comment").click()
            expect(page.get_by_text(said)).to_be_visible()
            expect(page.get_by_role("heading", name="Discussion")).to_be_focused()  # htmx swapped the thread
            assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"], "no sideways scroll"
            assert console.errors == [], console.errors
            checker = axe_context.new_page()
            sign_in(checker, site, "erin")
            checker.goto(here)
            checker.evaluate("() => document.querySelectorAll('details').forEach(d => { d.open = true; })")
            found[name] = run_axe(checker)
        finally:
            context.close()
            axe_context.close()
    assert not any(found.values()), describe_violations(found)
    assert [t for t in comment_texts(site, pid) if t.startswith("Evenings")] == [
        "Evenings work for me (320 pixels).",
        "Evenings work for me (1280 pixels).",
    ]
