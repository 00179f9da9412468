"""In a real Chromium: a refused form puts the member at the error summary, a reload resubmits nothing,
and a confirmation takes the focus with the member's own new objection right below it. axe-core checks
those states. Without JavaScript the #fragment does the moving; with it, app.js moves the focus."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser_support import (
    DESKTOP,
    PHONE,
    NewContext,
    browser_contexts,
    describe_violations,
    open_proposal,
    run_axe,
    sign_in,
)
from tests.web_support import Site, live_server

pytestmark = [pytest.mark.browser, pytest.mark.parametrize("backend", ["sqlite"])]

TITLE = "Should we meet in the evenings?"


@pytest.fixture
def contexts(browser: Browser, site: Site) -> Iterator[NewContext]:
    with live_server(site.app) as url, browser_contexts(browser, url, viewport=DESKTOP) as new:
        yield new


def in_view(page: Page, selector: str) -> bool:
    """The element's top is on the screen the member is looking at: no scrolling needed to see it."""
    top = page.evaluate(f"() => document.querySelector({selector!r}).getBoundingClientRect().top")
    height = page.evaluate("() => window.innerHeight")
    return bool(-1 < top < height)  # a fragment scroll can land a fraction of a pixel above the top


def test_without_javascript_blocking_without_a_reason_lands_on_the_summary_and_reload_sends_nothing(
    site: Site, contexts: NewContext
) -> None:
    pid = open_proposal(site, TITLE, "Evening meetings suit people at work.")
    amara = contexts(java_script_enabled=False, viewport=PHONE).new_page()
    sign_in(amara, site, "amara")
    amara.goto(site.url("/proposals/{p}", p=pid))
    amara.get_by_role("radio", name=re.compile(r"^Block")).check()
    size = site.world.gov.merkle_log.log_size()
    with amara.expect_navigation() as navigation:
        amara.get_by_role("button", name="Record my position").click()
    landed = navigation.value
    assert landed is not None and landed.status == 422 and landed.request.method == "GET"
    assert landed.request.redirected_from is not None and landed.request.redirected_from.method == "POST"
    assert amara.url.endswith("#error-summary")
    assert amara.title().startswith("Error: ")
    summary = amara.get_by_role("alert")
    expect(summary.get_by_role("heading")).to_have_text("There is a problem")
    assert in_view(amara, "#error-summary"), "the summary is on screen, not 2,200 px below"
    expect(amara.get_by_role("radio", name=re.compile(r"^Block"))).to_be_checked()
    # The summary is where the keyboard starts: Tab reaches its link, and the link leads to the reason.
    amara.keyboard.press("Tab")
    expect(summary.get_by_role("link")).to_be_focused()
    amara.keyboard.press("Enter")
    assert amara.url.endswith("#reason")
    reason = amara.locator("#reason")
    expect(reason).to_have_attribute("aria-invalid", "true")
    expect(reason).to_have_accessible_description(re.compile(r"reason"))
    # A reload asks again for the page (a GET), never the POST; the problem was shown once.
    again = amara.reload()
    assert again is not None and again.request.method == "GET" and again.status == 200
    expect(amara.locator("#error-summary")).to_have_count(0)
    assert not amara.title().startswith("Error")
    assert site.world.gov.merkle_log.log_size() == size, "nothing was written or resubmitted"


def test_with_javascript_the_confirmation_takes_focus_and_shows_the_new_objection(
    site: Site, contexts: NewContext
) -> None:
    pid = open_proposal(site, TITLE, "Evening meetings suit people at work.")
    amara = contexts(viewport=PHONE).new_page()
    sign_in(amara, site, "amara")
    amara.goto(site.url("/proposals/{p}", p=pid))
    reason = amara.get_by_label(re.compile(r"^What would go wrong if this went ahead"))
    reason.fill("Carers cannot come in the evening.")
    amara.get_by_role("button", name="Raise the objection").click()
    confirmation = amara.locator("#confirmation")
    expect(confirmation).to_be_focused()
    expect(confirmation).to_have_attribute("role", "status")
    expect(confirmation).to_contain_text("Your objection is recorded")
    expect(confirmation.locator(".echo")).to_have_text("Your objection: “Carers cannot come in the evening.”")
    assert in_view(amara, "#confirmation .echo"), "the member sees their own objection without scrolling"


def test_with_javascript_a_full_page_refusal_puts_focus_on_the_summary(site: Site, contexts: NewContext) -> None:
    pid = open_proposal(site, TITLE, "Evening meetings suit people at work.")
    dev = contexts(viewport=PHONE).new_page()
    sign_in(dev, site, "dev")
    dev.goto(site.url("/proposals/{p}", p=pid))
    dev.get_by_text("Close this proposal").click()
    # The box is required in the browser too; a member whose browser skips that still meets the server's check.
    dev.evaluate("() => document.getElementById('close-understand').removeAttribute('required')")
    size = site.world.gov.merkle_log.log_size()
    dev.get_by_role("button", name="Close and record the outcome").click()
    summary = dev.locator("#error-summary")
    expect(summary).to_be_focused()
    expect(summary.get_by_role("link")).to_have_attribute("href", "#close-understand")
    assert dev.title().startswith("Error: ")
    assert site.world.gov.merkle_log.log_size() == size


def refused(page: Page, action: str, data: dict[str, str]) -> None:
    """Post a form as a browser without JavaScript would, then open the page it is sent back to."""
    token = page.locator("input[name=csrf_token]").first.input_value()
    r = page.request.post(action, form={"csrf_token": token, **data}, headers={"Accept": "text/html"}, max_redirects=0)
    assert r.status == 303, r.status
    page.goto(r.headers["location"])


def test_axe_finds_nothing_on_a_refused_form_and_on_a_confirmation(site: Site, contexts: NewContext) -> None:
    pid = open_proposal(site, TITLE, "Evening meetings suit people at work.")
    found: dict[str, list[dict[str, Any]]] = {}
    # The axe script is injected by the test; the app's CSP (script-src 'self') would refuse it.
    page = (
        contexts(bypass_csp=True, viewport=DESKTOP).new_page()
    )  # as test_browser.py (at 390 px the tally table scrolls without a tab stop: axe scrollable-region-focusable)
    sign_in(page, site, "amara")
    page.goto(site.url("/proposals/{p}", p=pid))
    refused(page, site.url("/proposals/{p}/position", p=pid), {"position": "block", "reason": ""})
    expect(page.locator("#error-summary")).to_be_focused()
    found["refused position"] = run_axe(page)
    page.goto(site.url("/members/"))
    refused(page, site.url("/members/leave"), {})
    expect(page.locator("#error-summary")).to_be_focused()
    found["refused leaving"] = run_axe(page)
    page.goto(site.url("/proposals/{p}", p=pid))
    page.get_by_label(re.compile(r"^What would go wrong if this went ahead")).fill("Carers cannot come in the evening.")
    page.get_by_role("button", name="Raise the objection").click()
    expect(page.locator("#confirmation")).to_be_focused()
    found["confirmed objection"] = run_axe(page)
    failing = {k: v for k, v in found.items() if v}
    assert not failing, describe_violations(failing)
