"""The guides' pictures, taken from the real app in a real Chromium, so they cannot go stale.

Each run rewrites docs/guide/img/ and its manifest.json (the sha256 of every picture and the
test that took it); tests/test_newcomer.py checks that every picture a guide embeds is in
that manifest and still has those bytes. Run this test after changing a page the guides show,
and commit the pictures.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser_support import DESKTOP, PHONE, open_proposal
from tests.web_support import Site, live_server

pytestmark = [pytest.mark.browser, pytest.mark.parametrize("backend", ["sqlite"])]

IMG = Path(__file__).resolve().parent.parent / "docs" / "guide" / "img"
MANIFEST = IMG / "manifest.json"
WIDTHS = {"phone": PHONE, "desktop": DESKTOP}
# (picture name, who is signed in, which page): each is taken at every width in WIDTHS.
PAGES = ["member-home", "proposal-vote", "proposal-closed", "audit-trail", "agreement", "reports"]
SHOTS = [f"{page}-{width}.png" for page in PAGES for width in WIDTHS]
TITLE = "Which question should the peer-support study ask first?"
BODY = "We propose to ask first: what helps people who hear voices feel less alone between meetings?"


@pytest.fixture
def server(site: Site) -> Iterator[str]:
    with live_server(site.app) as url:
        yield url


def signed_in(browser: Browser, server: str, site: Site, name: str, width: str) -> Page:
    size = WIDTHS[width]
    context = browser.new_context(base_url=server, viewport={"width": size["width"], "height": size["height"]})
    context.set_default_timeout(10_000)
    page = context.new_page()
    username, passphrase = site.account_for(name)
    page.goto("/signin")
    page.get_by_label("Sign-in name").fill(username)
    page.get_by_label("Passphrase").fill(passphrase)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Waiting for you")
    return page


def shoot(page: Page, name: str) -> None:
    page.screenshot(path=str(IMG / name), full_page=True, caret="initial", animations="disabled")


def test_take_the_guides_screenshots(site: Site, browser: Browser, server: str) -> None:
    """A member sees what waits for them and votes; the proposal closes; the audit trail and agreement."""
    IMG.mkdir(parents=True, exist_ok=True)
    for old in IMG.glob("*.png"):
        old.unlink()
    pid = open_proposal(site, TITLE, BODY)
    proposal = site.url("/proposals/{pid}", pid=pid)
    for width in WIDTHS:
        page = signed_in(browser, server, site, "amara", width)
        shoot(page, f"member-home-{width}.png")
        page.goto(proposal)
        expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
        shoot(page, f"proposal-vote-{width}.png")
        page.goto(site.url("/audit/trail"))
        shoot(page, f"audit-trail-{width}.png")
        page.goto(site.url("/agreement/"))
        shoot(page, f"agreement-{width}.png")
        page.context.close()
    w = site.world
    for name in ("amara", "ben", "chloe", "dev", "erin", "sam"):  # funders are consulted, they do not vote
        w.gov.cast_ballot(pid, member_id=w.member(name), position="agree", reason="It matters most to us.")
    w.gov.close_proposal(pid, by=w.facilitator)
    site.copro.views.catch_up()
    for width in WIDTHS:
        page = signed_in(browser, server, site, "dev", width)
        page.goto(proposal)
        shoot(page, f"proposal-closed-{width}.png")
        page.context.close()
        page = signed_in(browser, server, site, "sam", width)  # a steward makes the funders' reports
        page.goto(site.url("/reports/"))
        shoot(page, f"reports-{width}.png")
        page.context.close()
    taken = sorted(p.name for p in IMG.glob("*.png"))
    assert taken == sorted(SHOTS), "every picture the guides may embed, and no other"
    manifest = {
        "produced_by": "tests/test_guide_screenshots.py::test_take_the_guides_screenshots",
        "files": {name: hashlib.sha256((IMG / name).read_bytes()).hexdigest() for name in taken},
    }
    MANIFEST.write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n", encoding="utf-8")
