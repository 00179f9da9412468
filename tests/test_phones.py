"""Every page on a 320 px phone, a 390 px phone and a 1280 px laptop, in a real Chromium: nothing scrolls
sideways, nothing is cut off in a box of its own, and axe-core (WCAG 2.2 A and AA, and best practice)
finds nothing, on every page state a member, a steward and a facilitator reach.

WCAG 1.4.10 (reflow) asks that content fit 320 CSS pixels without scrolling in two directions; a table
that scrolls in its own box is allowed by the letter of it but hides columns with no hint, so here wide
tables become stacked, labelled rows (data-label on each cell, shown by site.css below 45em).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any
from uuid import UUID, uuid4

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser_support import (
    EVERY_AXE_RULE,
    WIDTHS,
    NewContext,
    Shots,
    browser_contexts,
    describe_violations,
    open_proposal,
    run_axe,
    seed_everyday_records,
    sign_in,
    vote,
)
from tests.web_support import Site, live_server

pytestmark = [pytest.mark.browser, pytest.mark.parametrize("backend", ["sqlite"])]

DISAGREE = re.compile(r"^Disagree")

# What a page shows that does not fit: the page wider than the window, any element reaching past the
# window's right edge, and any box whose own content is wider than the box (a scroll box or a clip hides it).
# Visually hidden text (clipped to 1 px on purpose: .visually-hidden, a stacked table's header row) and
# form fields (their text scrolls inside) are left out.
_LAYOUT = """() => {
  const vw = window.innerWidth;
  const name = el => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
    (el.className && typeof el.className === 'string' ? '.' + el.className.trim().split(/\\s+/).join('.') : '');
  const clippedAway = el => {
    for (let a = el; a; a = a.parentElement) if (getComputedStyle(a).clip !== 'auto') return true;
    return false;
  };
  const hiddenOnPurpose = el => el.closest('.skip, [hidden], script, style, head') || clippedAway(el);
  const wider = [], clipped = [];
  for (const el of document.body.querySelectorAll('*')) {
    if (hiddenOnPurpose(el) || el.matches('input, textarea, select')) continue;
    const box = el.getBoundingClientRect();
    if (box.width === 0 && box.height === 0) continue;
    if (box.right > vw + 0.5) wider.push(name(el) + ' reaches ' + Math.round(box.right) + ' px');
    const s = getComputedStyle(el);
    if (s.overflowX !== 'visible' && el.scrollWidth > el.clientWidth + 1)
      clipped.push(name(el) + ' holds ' + el.scrollWidth + ' px in ' + el.clientWidth + ' px');
  }
  return {page: document.documentElement.scrollWidth, window: vw,
          wider: wider.slice(0, 5), clipped: clipped.slice(0, 5)};
}"""


@pytest.fixture
def server(site: Site) -> Iterator[str]:
    with live_server(site.app) as url:
        yield url


@pytest.fixture
def contexts(browser: Browser, server: str) -> Iterator[NewContext]:
    with browser_contexts(browser, server, bypass_csp=True) as new:
        yield new


class Survey:
    """axe-core and the layout of every page state at one width; a screenshot of each."""

    def __init__(self, width: int) -> None:
        self.width = width
        self.shots = Shots(f"width-{width}")
        self.axe: dict[str, list[dict[str, Any]]] = {}
        self.overflow: dict[str, dict[str, Any]] = {}

    def __call__(self, page: Page, name: str, path: str | None = None) -> None:
        if path is not None:
            page.goto(path)
        page.evaluate("() => document.querySelectorAll('details').forEach(d => { d.open = true; })")
        self.axe[name] = run_axe(page, EVERY_AXE_RULE)
        layout = page.evaluate(_LAYOUT)
        if layout["page"] > layout["window"] or layout["wider"] or layout["clipped"]:
            self.overflow[name] = layout
        self.shots(page, re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-"))


def make_world(site: Site) -> dict[str, UUID]:
    """Open, objected, closed and draft proposals, a reflection and contributions: every kind of content."""
    w, gov = site.world, site.world.gov
    seed_everyday_records(site)
    open_pid = open_proposal(site, "Should we meet in the evenings?", "Evening meetings suit people at work.")
    vote(site, open_pid, "ben")
    objected = open_proposal(site, "Should we record the meetings?", "Audio only, for the notes.", by="amara")
    oid = gov.raise_objection(objected, member_id=w.member("ben"), reason="Recording would stop people speaking.")
    gov.answer_objection(oid, by=w.member("amara"), answer="We delete the audio once the notes are agreed.")
    closed = open_proposal(site, "Should we pay travel in advance?", "Nobody should be out of pocket.")
    vote(site, closed, "amara", "ben", "chloe", "sam")
    gov.close_proposal(closed, by=w.facilitator)
    draft = gov.draft_proposal(
        w.collective, by=w.member("erin"), category="budget", title="A budget for food", body="Lunch at every meeting."
    )
    site.copro.views.catch_up()
    return {"open": open_pid, "objected": objected, "closed": closed, "draft": draft}


def survey_width(site: Site, contexts: NewContext, width: int, ids: dict[str, UUID]) -> Survey:
    check = Survey(width)
    viewport = {"width": width, "height": 800}

    anonymous = contexts(viewport=viewport).new_page()
    check(anonymous, "sign-in", "/signin")
    anonymous.get_by_label("Sign-in name").fill("nobody")
    anonymous.get_by_label("Passphrase").fill("not a passphrase")
    anonymous.get_by_role("button", name="Sign in").click()
    expect(anonymous.get_by_role("alert")).to_be_visible()
    check(anonymous, "sign-in with an error")
    check(anonymous, "invitation", site.invitation("erin"))

    amara = contexts(viewport=viewport).new_page()
    sign_in(amara, site, "amara")
    check(amara, "home (member)")
    check(amara, "proposals", site.url("/proposals/"))
    check(amara, "new proposal", site.url("/proposals/new"))
    check(amara, "proposal open", site.url("/proposals/{p}", p=ids["open"]))
    amara.get_by_role("radio", name=DISAGREE).check()
    amara.get_by_role("button", name="Record my position").click()
    expect(amara.locator("#position-error")).to_be_visible()
    check(amara, "proposal open, position error")
    check(amara, "proposal with an objection (author)", site.url("/proposals/{p}", p=ids["objected"]))
    check(amara, "proposal closed with outcome", site.url("/proposals/{p}", p=ids["closed"]))
    check(amara, "feedback on a closed decision", site.url("/proposals/{p}/feedback", p=ids["closed"]))
    for name, path in [
        ("agreement", "/agreement/"),
        ("reflections", "/reflections/"),
        ("contributions (member)", "/contributions/"),
        ("members", "/members/"),
        ("audit", "/audit/"),
        ("audit trail", "/audit/trail"),
    ]:
        check(amara, name, site.url(path))
    check(amara, "audit of one proposal", site.url("/audit/?aggregate={p}", p=ids["closed"].hex))
    check(amara, "error page (404)", site.url("/proposals/{p}", p=uuid4()))

    sam = contexts(viewport=viewport).new_page()
    sign_in(sam, site, "sam")
    check(sam, "contributions (steward)", site.url("/contributions/"))
    check(sam, "report narrative (steward)", site.url("/narrative"))
    check(sam, "reports (steward)", site.url("/reports/"))

    dev = contexts(viewport=viewport).new_page()
    sign_in(dev, site, "dev")
    check(dev, "home (facilitator)", site.url("/"))
    check(dev, "proposal with an objection (facilitator)", site.url("/proposals/{p}", p=ids["objected"]))
    check(dev, "draft proposal (facilitator)", site.url("/proposals/{p}", p=ids["draft"]))
    for context in (anonymous, amara, sam, dev):
        context.context.close()
    return check


def test_every_page_fits_and_passes_axe_at_320_390_and_1280_pixels(site: Site, contexts: NewContext) -> None:
    ids = make_world(site)
    problems = []
    for width in WIDTHS:
        found = survey_width(site, contexts, width, ids)
        failing = {f"{width} px, {name}": v for name, v in found.axe.items() if v}
        if failing:
            problems.append(
                f"axe-core: {len(failing)} of {len(found.axe)} page states fail at {width} px:\n"
                + describe_violations(failing)
            )
        for name, layout in found.overflow.items():
            problems.append(f"{width} px, {name}: does not fit: {layout}")
    assert not problems, "\n".join(problems)
