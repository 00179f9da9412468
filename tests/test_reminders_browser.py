"""The facilitator's reminders page in a real Chromium at 320 CSS pixels: axe-core finds nothing, nothing
scrolls sideways, and a reminder is sent with the keyboard-reachable form, with JavaScript and without."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser_support import NewContext, describe_violations, run_axe, sign_in
from tests.test_browser import contexts, server  # noqa: F401  (fixtures)
from tests.web_support import Site

pytestmark = [pytest.mark.browser, pytest.mark.parametrize("backend", ["sqlite"])]

NARROW = {"width": 320, "height": 640}


def _checked(page: Page, name: str) -> list[dict[str, object]]:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 320, f"{name} scrolls sideways at 320 px ({width} px wide)"
    return run_axe(page)


@pytest.mark.parametrize("javascript", [True, False], ids=["with-js", "without-js"])
def test_the_reminders_page_at_320_pixels_is_accessible_and_sends_a_reminder(
    site: Site,
    contexts: NewContext,  # noqa: F811
    javascript: bool,
) -> None:
    w = site.world
    pid = w.gov.draft_proposal(
        w.collective, by=w.member("amara"), category="budget", title="Pay peer researchers", body="From March."
    )
    w.gov.open_proposal(pid, by=w.facilitator)
    w.gov.cast_ballot(pid, member_id=w.member("amara"), position="agree", reason="Fair pay.")
    site.copro.views.catch_up()
    found = {}
    page = contexts(viewport=NARROW, bypass_csp=True, java_script_enabled=javascript).new_page()
    sign_in(page, site, "dev")
    page.goto(site.url("/proposals/{p}", p=pid))
    page.get_by_role("link", name="See who has not responded yet").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Who has not responded to “Pay peer researchers”")
    expect(page.get_by_role("heading", name="People with lived experience: 2 not responded yet")).to_be_visible()
    if javascript:  # axe runs as a script: the no-JavaScript run checks the same markup's behaviour only
        found["reminders page"] = _checked(page, "the reminders page")
    page.get_by_role("button", name="Send the reminder").click()
    expect(page.get_by_role("alert")).to_contain_text("Choose at least one group to remind.")
    if javascript:
        found["reminders page with an error"] = _checked(page, "the reminders page with an error")
    page.get_by_label("Remind People with lived experience").check()
    page.get_by_role("button", name="Send the reminder").click()
    expect(page.get_by_role("status")).to_contain_text("Reminder sent to People with lived experience")
    expect(page.get_by_text("People with lived experience, on 02 November 2026 at 10:00 UTC")).to_be_visible()
    if javascript:
        found["reminders page after sending"] = _checked(page, "the reminders page after sending")
        page.goto(site.url("/details/"))
        found["your details"] = _checked(page, "your details")
    assert not any(found.values()), describe_violations(found)
    assert len(site.copro.views.reminders_of(pid)) == 1
