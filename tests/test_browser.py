"""End to end, in a real headless Chromium: what a member and a facilitator do, with and without JavaScript,
with only a keyboard, what axe-core finds on every page, and what a person sees when something goes wrong.

Chromium is the system one (/usr/bin/chromium), driven by Playwright's sync API. Screenshots of each
journey go to $COPRO_SCREENSHOTS (default test-artifacts/screenshots), one folder per journey.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import pytest
from playwright.sync_api import Browser, Dialog, Page, expect

from tests.browser_support import (
    DESKTOP,
    EVERY_AXE_RULE,
    WIDTHS,
    Console,
    NewContext,
    Shots,
    browser_contexts,
    check_proof,
    describe_violations,
    focus_visible,
    focused,
    open_proposal,
    position_of,
    post_redirect_get,
    run_axe,
    seed_everyday_records,
    serve_axe,
    sign_in,
    tab_until,
    vote,
)
from tests.web_support import Site, live_server
from web.event_words import EVENTS

pytestmark = [pytest.mark.browser, pytest.mark.parametrize("backend", ["sqlite"])]

TITLE = "Which question should the peer-support study ask first?"
BODY = "We propose to ask first: what helps people who hear voices feel less alone between meetings?"
AMARA_PASSPHRASE = "blue kettle river song"
DISAGREE = re.compile(r"^Disagree")
KEY_PRESSES_TO_VOTE = 6  # from landing on a proposal: Tab to the radios, Space, ArrowDown, Tab, Tab, Enter


@pytest.fixture
def server(site: Site) -> Iterator[str]:
    with live_server(site.app) as url:
        yield url


@pytest.fixture
def contexts(browser: Browser, server: str) -> Iterator[NewContext]:
    """A fresh browser context (cookies, storage) per person, serving axe-core; all closed after the test."""
    with browser_contexts(browser, server, viewport=DESKTOP) as new:
        yield lambda **options: serve_axe(new(**options))


def heading(page: Page) -> Any:
    return page.get_by_role("heading", level=1)


def nav_link(page: Page, label: str) -> Any:
    return page.get_by_role("navigation", name="Main").get_by_role("link", name=label, exact=True)


def proposal_path(site: Site, pid: UUID) -> str:
    return site.url("/proposals/{pid}", pid=pid)


def objection_status(site: Site, pid: UUID) -> list[str]:
    gov = site.world.gov
    return [gov.objection(o).status.value for o in gov.proposal(pid).objection_ids]


# -- 1 -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("width", WIDTHS)
def test_member_journey_with_javascript(site: Site, contexts: NewContext, width: int) -> None:
    shots, console = Shots(f"js-{width}", axe=True), Console()
    screen = {"width": width, "height": 844}
    seed_everyday_records(site)
    pid = open_proposal(site, TITLE, BODY)

    # Amara opens her invitation link on an old phone and chooses how she will sign in.
    amara = console.watch(contexts(viewport=screen).new_page())
    page_loads: list[str] = []
    amara.on("request", lambda r: page_loads.append(r.url) if r.resource_type == "document" else None)
    amara.goto(site.invitation("amara"))
    expect(heading(amara)).to_have_text("Welcome, Amara")
    expect(amara.locator("#passphrase")).to_have_attribute("autocomplete", "new-password")
    expect(amara.locator("#confirm")).to_have_attribute("autocomplete", "new-password")
    shots(amara, "invitation")
    amara.get_by_label("Sign-in name").fill("amara")
    amara.get_by_label("Passphrase", exact=True).fill(AMARA_PASSPHRASE)
    amara.get_by_label("Type the passphrase again").fill(AMARA_PASSPHRASE)
    amara.get_by_role("button", name="Save and sign in").click()

    # She lands on what is waiting for her: the proposal to respond to.
    expect(heading(amara)).to_have_text("Waiting for you")
    amara.wait_for_url(re.compile(rf"/c/{site.world.collective}/$"))
    to_respond = amara.get_by_role("region", name="Proposals to respond to")
    shots(amara, "home-waiting-for-me")
    to_respond.get_by_role("link", name=TITLE).click()
    expect(heading(amara)).to_have_text(TITLE)
    shots(amara, "proposal-before-voting")

    # She agrees. htmx swaps only her position section: the rest of the page is the same document.
    amara.evaluate("() => { window.__journey = 'same document'; document.querySelector('h1').dataset.kept = 'yes'; }")
    loads_before = len(page_loads)
    amara.get_by_role("radio", name="Agree", exact=True).check()
    with amara.expect_response(lambda r: r.url.endswith(f"/proposals/{pid}/position")) as posted:
        amara.get_by_role("button", name="Record my position").click()
    assert posted.value.status == 200
    assert posted.value.request.headers.get("hx-request") == "true"
    assert posted.value.request.headers.get("hx-boosted") is None, "the position form is an htmx partial, not boosted"
    position = amara.locator("#my-position")
    expect(position).to_contain_text("You said agree")
    expect(amara.locator("#status")).to_have_text("Your position is recorded: agree.")
    expect(amara.locator("#position-h")).to_be_focused()
    assert amara.evaluate("() => window.__journey") == "same document"
    assert amara.evaluate("() => document.querySelector('h1').dataset.kept") == "yes", "only #my-position is swapped"
    assert len(page_loads) == loads_before, f"a full page load happened: {page_loads[loads_before:]}"
    assert position_of(site, pid, "amara") == "agree"
    # The tally refreshes on the status event the vote's response sends: wait for that request, not a fixed time.
    lived_row = amara.locator("#tally tr", has_text="People with lived experience")
    expect(lived_row).to_contain_text("1 of 3", timeout=15_000)
    lived_experience_after_vote = lived_row.inner_text()
    shots(amara, "proposal-after-voting")

    # She changes her mind: disagree, with a reason.
    reason = "It leaves out people who hear voices but do not use services."
    amara.get_by_role("radio", name=DISAGREE).check()
    amara.locator("#reason").fill(reason)
    amara.get_by_role("button", name="Change my position").click()
    expect(position).to_contain_text(f"You said disagree: “{reason}”")
    expect(amara.locator("#position-h")).to_be_focused()
    assert position_of(site, pid, "amara") == "disagree"

    # She raises an objection (a boosted form: POST, redirect, the page again with a message).
    amara.get_by_label(re.compile(r"^What would go wrong if this went ahead")).fill(
        "Asking this first means the study skips people outside services entirely."
    )
    amara.get_by_role("button", name="Raise the objection").click()
    expect(amara.locator("#confirmation")).to_contain_text("Your objection is recorded")
    objection = amara.locator("li.objection").first
    expect(objection).to_contain_text("Amara objected")
    expect(objection.locator(".badge")).to_have_text("raised")
    assert objection_status(site, pid) == ["raised"]
    shots(amara, "proposal-with-objection")

    # Talking it over, she withdraws it herself: only the objector sees that button.
    objection.get_by_role("button", name="Withdraw my objection").click()
    expect(amara.locator("#confirmation")).to_contain_text("You withdrew your objection.")
    expect(amara.locator("li.objection").first.locator(".badge")).to_have_text("withdrawn")
    assert objection_status(site, pid) == ["withdrawn"]
    assert amara.evaluate("() => window.__journey") == "same document", "boosted forms keep the document"
    assert len(page_loads) == loads_before, f"a full page load happened: {page_loads[loads_before:]}"

    # The others respond (through the domain), so the quorum is reached.
    vote(site, pid, "ben", "chloe", "sam")

    # Dev, the facilitator, signs in on a laptop and closes it.
    dev = console.watch(contexts(viewport=screen).new_page())
    username, passphrase = site.account_for("dev")
    dev.goto("/signin")
    expect(dev.locator("#username")).to_have_attribute("autocomplete", "username")
    expect(dev.locator("#passphrase")).to_have_attribute("autocomplete", "current-password")
    expect(dev.locator("#passphrase")).to_have_attribute("type", "password")
    shots(dev, "signin")
    dev.get_by_label("Sign-in name").fill(username)
    dev.get_by_label("Passphrase").fill(passphrase)
    dev.get_by_role("button", name="Sign in").click()
    facilitate = dev.get_by_role("region", name="For you as facilitator")
    facilitate.get_by_role("link", name=f"Close “{TITLE}” when its time is up").click()
    expect(heading(dev)).to_have_text(TITLE)
    dev.get_by_text("Close this proposal").click()
    dev.get_by_label("I understand that closing cannot be undone").check()
    dev.get_by_role("button", name="Close and record the outcome").click()
    expect(dev.locator("#confirmation")).to_contain_text("The proposal is closed, and its outcome is on record.")
    outcome = site.world.gov.proposal(pid).outcome
    assert outcome is not None and outcome["outcome"] == "adopted", outcome
    shown = dev.get_by_role("region", name="Outcome: Adopted")
    expect(shown.get_by_role("heading")).to_have_text("Outcome: Adopted")
    expect(shown).to_contain_text(outcome["explanation"])
    expect(shown).to_contain_text("quick-consent")
    shots(dev, "proposal-with-outcome")

    # The rest of the collective's pages.
    for label, title in [
        ("Agreement", "Our power-sharing agreement"),
        ("Reflections", "Reflections"),
        ("Contributions", "Contributions and recognition"),
        ("Members", "Members"),
    ]:
        nav_link(dev, label).click()
        expect(heading(dev)).to_have_text(title)
        expect(nav_link(dev, label)).to_have_attribute("aria-current", "page")
        shots(dev, label.lower())

    # The audit trail shows the signed events of the journey, all verified, with a proof to download.
    nav_link(dev, "Audit").click()
    expect(heading(dev)).to_have_text("Audit trail")
    shots(dev, "audit")
    kinds = [k.strip() for k in dev.locator("table tbody tr td:nth-child(2)").all_inner_texts()]
    signatures = [s.strip() for s in dev.locator("table tbody tr td:nth-child(4)").all_inner_texts()]
    assert kinds, "no events listed"
    for wanted in ("Ballot.Cast", "Ballot.Changed", "Objection.Raised", "Objection.Resolved", "Proposal.Closed"):
        assert EVENTS[wanted] in kinds, f"{wanted} missing from the audit page: {kinds}"
    assert set(signatures) == {"verified"}, signatures
    closed_row = dev.locator("table tbody tr").filter(has=dev.locator("td", has_text=EVENTS["Proposal.Closed"]))
    leaf = closed_row.locator("td").first.inner_text().strip()
    with dev.expect_download() as download:
        closed_row.get_by_role("link", name=re.compile(r"^Download proof")).click()
    assert download.value.suggested_filename == f"copro-leaf-{leaf}-proof.json"
    bundle = json.loads(Path(download.value.path()).read_text())
    assert bundle["leaf_index"] == int(leaf)
    check_proof(bundle)

    # Amara sees the decision among the decided proposals.
    nav_link(amara, "Proposals").click()
    decided = amara.get_by_role("region", name="Decided")
    expect(decided).to_contain_text(TITLE)
    expect(decided).to_contain_text("adopted")

    assert console.csp_violations == [], "CSP violations:\n" + "\n".join(console.csp_violations)
    assert console.errors == [], "console errors:\n" + "\n".join(console.errors)
    shots.assert_axe_clean()

    # App bug found by this story; fails until web/ is fixed.
    assert "1 of 3" in lived_experience_after_vote, (
        "web/templates/proposals/_tally.html: after an htmx vote only #my-position is swapped, so 'Where it stands' "
        f"still shows the old count ({lived_experience_after_vote!r}; 'If it closed now: ... 0 of 6 members took "
        "part') next to 'You said agree', until the 30 s poll. Without JavaScript the page is right. Fix: refresh "
        'the tally on the event the position response already sends: hx-trigger="every 30s, copro:status '
        'from:body" on #tally (or return the tally out of band with hx-swap-oob from the position partial).'
    )


# -- 2 -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("width", WIDTHS)
def test_member_journey_without_javascript(site: Site, contexts: NewContext, width: int) -> None:
    shots = Shots(f"nojs-{width}")  # axe-core needs JavaScript in the page: the same pages are checked with it on
    screen = {"width": width, "height": 844}
    seed_everyday_records(site)
    pid = open_proposal(site, TITLE, BODY)

    amara = contexts(java_script_enabled=False, viewport=screen).new_page()
    amara.goto(site.invitation("amara"))
    expect(heading(amara)).to_have_text("Welcome, Amara")
    assert amara.evaluate("() => typeof window.htmx") == "undefined", "the page's own scripts must not run here"
    shots(amara, "invitation")
    amara.get_by_label("Sign-in name").fill("amara")
    amara.get_by_label("Passphrase", exact=True).fill(AMARA_PASSPHRASE)
    amara.get_by_label("Type the passphrase again").fill(AMARA_PASSPHRASE)
    post_redirect_get(amara, amara.get_by_role("button", name="Save and sign in"))
    expect(heading(amara)).to_have_text("Waiting for you")
    assert amara.url.endswith(f"/c/{site.world.collective}/")
    shots(amara, "home-waiting-for-me")

    amara.get_by_role("region", name="Proposals to respond to").get_by_role("link", name=TITLE).click()
    expect(heading(amara)).to_have_text(TITLE)
    shots(amara, "proposal-before-voting")

    amara.get_by_role("radio", name="Agree", exact=True).check()
    post_redirect_get(amara, amara.get_by_role("button", name="Record my position"))
    expect(amara.locator("#confirmation")).to_have_text("Your position is recorded: agree.")
    expect(amara.locator("#my-position")).to_contain_text("You said agree")
    assert amara.url.endswith(proposal_path(site, pid) + "#confirmation")
    assert position_of(site, pid, "amara") == "agree"
    expect(amara.locator("#tally tr", has_text="People with lived experience")).to_contain_text("1 of 3")
    shots(amara, "proposal-after-voting")

    reason = "It leaves out people who hear voices but do not use services."
    amara.get_by_role("radio", name=DISAGREE).check()
    amara.locator("#reason").fill(reason)
    post_redirect_get(amara, amara.get_by_role("button", name="Change my position"))
    expect(amara.locator("#confirmation")).to_have_text("Your position is recorded: disagree.")
    expect(amara.locator("#my-position")).to_contain_text(f"You said disagree: “{reason}”")
    assert position_of(site, pid, "amara") == "disagree"

    amara.get_by_label(re.compile(r"^What would go wrong if this went ahead")).fill(
        "Asking this first means the study skips people outside services entirely."
    )
    post_redirect_get(amara, amara.get_by_role("button", name="Raise the objection"))
    expect(amara.locator("#confirmation")).to_contain_text("Your objection is recorded")
    expect(amara.locator("li.objection").first.locator(".badge")).to_have_text("raised")
    assert objection_status(site, pid) == ["raised"]
    shots(amara, "proposal-with-objection")

    post_redirect_get(amara, amara.get_by_role("button", name="Withdraw my objection"))
    expect(amara.locator("#confirmation")).to_have_text("You withdrew your objection.")
    expect(amara.locator("li.objection").first.locator(".badge")).to_have_text("withdrawn")
    assert objection_status(site, pid) == ["withdrawn"]

    vote(site, pid, "ben", "chloe", "sam")

    dev_context = contexts(java_script_enabled=False, viewport=screen)
    dev = dev_context.new_page()
    username, passphrase = site.account_for("dev")
    dev.goto("/signin")
    expect(dev.locator("#passphrase")).to_have_attribute("autocomplete", "current-password")
    shots(dev, "signin")
    dev.get_by_label("Sign-in name").fill(username)
    dev.get_by_label("Passphrase").fill(passphrase)
    post_redirect_get(dev, dev.get_by_role("button", name="Sign in"))
    dev.get_by_role("region", name="For you as facilitator").get_by_role(
        "link", name=f"Close “{TITLE}” when its time is up"
    ).click()
    expect(heading(dev)).to_have_text(TITLE)
    dev.get_by_text("Close this proposal").click()
    dev.get_by_label("I understand that closing cannot be undone").check()
    post_redirect_get(dev, dev.get_by_role("button", name="Close and record the outcome"))
    expect(dev.locator("#confirmation")).to_have_text("The proposal is closed, and its outcome is on record.")
    outcome = site.world.gov.proposal(pid).outcome
    assert outcome is not None and outcome["outcome"] == "adopted", outcome
    shown = dev.get_by_role("region", name="Outcome: Adopted")
    expect(shown).to_contain_text(outcome["explanation"])
    shots(dev, "proposal-with-outcome")

    for label, title in [
        ("Agreement", "Our power-sharing agreement"),
        ("Reflections", "Reflections"),
        ("Contributions", "Contributions and recognition"),
        ("Members", "Members"),
    ]:
        nav_link(dev, label).click()
        expect(heading(dev)).to_have_text(title)
        shots(dev, label.lower())

    nav_link(dev, "Audit").click()
    expect(heading(dev)).to_have_text("Audit trail")
    shots(dev, "audit")
    kinds = [k.strip() for k in dev.locator("table tbody tr td:nth-child(2)").all_inner_texts()]
    for wanted in ("Ballot.Cast", "Ballot.Changed", "Objection.Raised", "Objection.Resolved", "Proposal.Closed"):
        assert EVENTS[wanted] in kinds, f"{wanted} missing from the audit page: {kinds}"
    signatures = {s.strip() for s in dev.locator("table tbody tr td:nth-child(4)").all_inner_texts()}
    assert signatures == {"verified"}, signatures
    closed_row = dev.locator("table tbody tr").filter(has=dev.locator("td", has_text=EVENTS["Proposal.Closed"]))
    href = closed_row.get_by_role("link", name=re.compile(r"^Download proof")).get_attribute("href")
    assert href
    proof = dev_context.request.get(href)
    assert proof.status == 200 and proof.headers["content-type"].startswith("application/json")
    assert proof.headers["content-disposition"].startswith("attachment;")
    check_proof(proof.json())

    post_redirect_get(dev, dev.get_by_role("button", name="Sign out"))
    expect(heading(dev)).to_have_text("Sign in")
    expect(dev.get_by_text("You have signed out.")).to_be_visible()


# -- 3 -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("width", WIDTHS)
def test_keyboard_only_journey(site: Site, contexts: NewContext, width: int) -> None:
    shots = Shots(f"keyboard-{width}", axe=True)
    screen = {"width": width, "height": 844}
    pid = open_proposal(site, TITLE, BODY)
    username, passphrase = site.account_for("chloe")
    page = contexts(viewport=screen).new_page()
    page.goto("/signin")

    # The first Tab stop is the skip link, visible on screen when it has focus; it moves focus to main.
    skip = tab_until(page, lambda f: True, limit=1)
    assert (skip["tag"], skip["text"]) == ("a", "Skip to main content"), skip
    assert skip["left"] >= 0 and skip["top"] >= 0 and skip["width"] > 0, f"the skip link is off screen: {skip}"
    shots(page, "skip-link")
    page.keyboard.press("Enter")
    expect(page.locator("#main")).to_be_focused()

    # Sign in: the next Tab stop after main is the sign-in name; Shift+Tab goes back.
    tab_until(page, lambda f: f["id"] == "username", limit=1)
    page.keyboard.type(username)
    tab_until(page, lambda f: f["id"] == "passphrase", limit=1)
    page.keyboard.type(passphrase)
    back = tab_until(page, lambda f: f["id"] == "username", key="Shift+Tab", limit=1)
    assert back["value"] == username
    tab_until(page, lambda f: f["id"] == "passphrase", limit=1)
    page.keyboard.press("Enter")
    expect(heading(page)).to_have_text("Waiting for you")
    shots(page, "home")

    # To the proposal, by Tab and Enter.
    tab_until(page, lambda f: f["tag"] == "a" and f["text"] == TITLE)
    page.keyboard.press("Enter")
    expect(heading(page)).to_have_text(TITLE)
    # A boosted link swaps the page in, then (once htmx settles) moves focus to main. Wait for that,
    # or the first Tab can land before it and start again from the top of the document.
    expect(page.locator("#main")).to_be_focused()
    # From here every key press is counted, in the page itself (the vote is an htmx swap, the document stays).
    page.evaluate(
        "() => { window.__presses = 0; addEventListener('keydown', () => { window.__presses += 1; }, true); }"
    )

    # The position radios: Tab into the group, Space to choose, ArrowDown to change the choice.
    first = tab_until(page, lambda f: f["name"] == "position")
    assert (first["value"], first["checked"]) == ("agree", False), first
    page.keyboard.press("Space")
    assert focused(page)["checked"] is True  # type: ignore[index]
    page.keyboard.press("ArrowDown")
    chosen = focused(page)
    assert chosen is not None and (chosen["value"], chosen["checked"]) == ("abstain", True), chosen
    assert focus_visible(chosen), chosen
    shots(page, "position-chosen")
    tab_until(page, lambda f: f["id"] == "reason", limit=1)
    tab_until(page, lambda f: f["tag"] == "button" and f["text"] == "Record my position", limit=1)
    page.keyboard.press("Enter")

    expect(page.locator("#my-position")).to_contain_text("You said abstain")
    expect(page.locator("#position-h")).to_be_focused()
    assert position_of(site, pid, "chloe") == "abstain"
    presses = page.evaluate("() => window.__presses")
    (shots.folder / "key-presses.txt").write_text(
        f"{presses} key presses from landing on the proposal to a recorded vote\n"
    )
    assert presses <= KEY_PRESSES_TO_VOTE, f"{presses} key presses from the proposal to a recorded vote"
    shots(page, "position-recorded")
    # From the heading, Tab continues inside the position section (first the new receipt link, then the
    # form): the person is not thrown back to the top.
    after = tab_until(page, lambda f: True, limit=1)
    assert after["text"].startswith("Download a receipt"), after
    assert page.evaluate("() => document.activeElement.closest('#my-position') !== null")
    tab_until(page, lambda f: f["name"] == "position", limit=2)  # past "What a receipt shows", into the form
    shots.assert_axe_clean()


# -- 4 -----------------------------------------------------------------------------------------


def test_axe_finds_no_violations_on_any_page(site: Site, contexts: NewContext) -> None:
    w, gov = site.world, site.world.gov
    seed_everyday_records(site)
    open_pid = open_proposal(site, "Should we meet in the evenings?", "Evening meetings suit people at work.")
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
    home = site.url("/")

    found: dict[str, list[dict[str, Any]]] = {}

    def check(page: Page, name: str, path: str | None = None) -> None:
        if path is not None:
            response = page.goto(path)
            served = response.headers.get("content-type", "") if response is not None else ""
            if not served.startswith("text/html"):
                name += f" (served as {served!r}, not HTML)"
        page.evaluate("() => document.querySelectorAll('details').forEach(d => { d.open = true; })")
        found[name] = run_axe(page, EVERY_AXE_RULE)

    # The axe script is injected by the test; the app's CSP (script-src 'self') would refuse it.
    anonymous = contexts(bypass_csp=True).new_page()
    check(anonymous, "sign-in", "/signin")
    anonymous.get_by_label("Sign-in name").fill("nobody")
    anonymous.get_by_label("Passphrase").fill("not a passphrase")
    anonymous.get_by_role("button", name="Sign in").click()
    expect(anonymous.get_by_role("alert")).to_be_visible()
    check(anonymous, "sign-in with an error")
    check(anonymous, "glossary", "/glossary/")
    check(anonymous, "invitation", site.invitation("erin"))
    anonymous.get_by_label("Sign-in name").fill("erin")
    anonymous.get_by_label("Passphrase", exact=True).fill("one passphrase here")
    anonymous.get_by_label("Type the passphrase again").fill("another passphrase")
    anonymous.get_by_role("button", name="Save and sign in").click()
    expect(anonymous.get_by_role("alert")).to_be_visible()
    check(anonymous, "invitation with an error")
    used = site.invitation("femi")
    site.copro.accounts.accept(used.rsplit("/", 1)[1], "femi", "a long enough passphrase")
    check(anonymous, "used invitation", used)

    amara = contexts(bypass_csp=True).new_page()
    sign_in(amara, site, "amara")
    check(amara, "home (member)")
    check(amara, "proposals", site.url("/proposals/"))
    check(amara, "new proposal", site.url("/proposals/new"))
    check(amara, "proposal open", proposal_path(site, open_pid))
    amara.get_by_role("radio", name=DISAGREE).check()
    amara.get_by_role("button", name="Record my position").click()
    expect(amara.locator("#position-error")).to_be_visible()
    check(amara, "proposal open, position error")
    check(amara, "proposal with an objection (author)", proposal_path(site, objected))
    check(amara, "proposal closed with outcome", proposal_path(site, closed))
    check(amara, "feedback on a closed decision", site.url("/proposals/{pid}/feedback", pid=closed))
    amara.get_by_role("button", name="Send my feedback").click()
    expect(amara.get_by_role("alert")).to_be_visible()
    check(amara, "feedback with an error")
    check(amara, "agreement", site.url("/agreement/"))
    check(amara, "reflections", site.url("/reflections/"))
    check(amara, "contributions (member)", site.url("/contributions/"))
    check(amara, "members (member)", site.url("/members/"))
    check(amara, "audit", site.url("/audit/"))
    check(amara, "audit of one proposal", site.url("/audit/?aggregate={pid}", pid=closed.hex))
    check(amara, "audit trail", site.url("/audit/trail"))
    check(amara, "error page (404)", site.url("/proposals/{pid}", pid=uuid4()))

    sam = contexts(bypass_csp=True).new_page()
    sign_in(sam, site, "sam")
    check(sam, "members (steward)", site.url("/members/"))
    check(sam, "contributions (steward)", site.url("/contributions/"))
    check(sam, "report narrative (steward)", site.url("/narrative"))
    sam.get_by_role("button", name="Save the narrative").click()  # every part empty: refused
    expect(sam.get_by_role("alert")).to_be_visible()
    check(sam, "report narrative with an error")
    check(sam, "reports (steward, none made yet)", site.url("/reports/"))
    sam.get_by_label("First day").fill("2026-05-01")
    sam.get_by_label("Last day").fill("2026-04-01")
    sam.get_by_role("button", name="Make the report").click()
    expect(sam.get_by_role("alert")).to_be_visible()
    check(sam, "reports with an error")
    sam.get_by_label("First day").fill("")
    sam.get_by_label("Last day").fill("")
    sam.get_by_role("button", name="Make the report").click()
    expect(sam.get_by_text("Download everything as one zip file")).to_be_visible(timeout=60_000)  # a PDF is rendered
    check(sam, "reports (steward, one made)")

    dev = contexts(bypass_csp=True).new_page()
    sign_in(dev, site, "dev")
    check(dev, "home (facilitator)", home)
    check(dev, "proposal with an objection (facilitator)", proposal_path(site, objected))
    check(dev, "draft proposal (facilitator)", proposal_path(site, draft))

    failing = {name: violations for name, violations in found.items() if violations}
    assert not failing, f"axe-core found violations on {len(failing)} of {len(found)} pages:\n" + describe_violations(
        failing
    )


def test_no_page_scrolls_sideways_on_a_320_pixel_screen(site: Site, contexts: NewContext) -> None:
    """WCAG 1.4.10 (reflow): at 320 CSS pixels no page scrolls sideways; a wide table scrolls in its own box.

    (The tally partial is not a page: htmx swaps it into the proposal page, which is checked.)
    """
    seed_everyday_records(site)
    pid = open_proposal(site, "Should we meet in the evenings?", "Evening meetings suit people at work.")
    vote(site, pid, "amara", "ben")
    closed = open_proposal(site, "Should we pay travel in advance?", "Nobody should be out of pocket.")
    vote(site, closed, "amara", "ben", "chloe", "sam")
    site.world.gov.close_proposal(closed, by=site.world.facilitator)
    site.copro.views.catch_up()
    steward = contexts(viewport={"width": 320, "height": 640}).new_page()
    sign_in(steward, site, "sam")
    wide = {}
    steward.goto(site.url("/reports/"))
    steward.get_by_role("button", name="Make the report").click()
    expect(steward.get_by_text("Download everything as one zip file")).to_be_visible(
        timeout=60_000
    )  # a PDF is rendered
    for path in ("/narrative", "/reports/"):
        steward.goto(site.url(path))
        if (width := steward.evaluate("document.documentElement.scrollWidth")) > 320:
            wide[path] = width
    page = contexts(viewport={"width": 320, "height": 640}).new_page()
    sign_in(page, site, "amara")
    for path in (
        "/",
        "/proposals/",
        "/proposals/{pid}",
        "/proposals/{closed}",
        "/proposals/{closed}/feedback",
        "/agreement/",
        "/reflections/",
        "/contributions/",
        "/members/",
        "/audit/",
        "/audit/trail",
    ):
        page.goto(site.url(path, pid=pid, closed=closed))
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > 320:
            wide[path] = width
    assert not wide, f"these pages scroll sideways at 320 px (their width): {wide}"


# -- 5 -----------------------------------------------------------------------------------------


def test_bad_input_shows_a_clear_message(site: Site, contexts: NewContext) -> None:
    pid = open_proposal(site, TITLE, BODY)
    console = Console()
    dialogs: list[str] = []

    # An invitation link works once; opening it again says so.
    link = site.invitation("ben")
    ben = console.watch(contexts().new_page())

    def note_dialog(dialog: Dialog) -> None:  # alert() from injected script would land here
        dialogs.append(dialog.message)
        dialog.dismiss()

    ben.on("dialog", note_dialog)
    ben.goto(link)
    ben.get_by_label("Sign-in name").fill("ben")
    ben.get_by_label("Passphrase", exact=True).fill("ben's own long passphrase")
    ben.get_by_label("Type the passphrase again").fill("ben's own long passphrase")
    ben.get_by_role("button", name="Save and sign in").click()
    expect(heading(ben)).to_have_text("Waiting for you")
    stranger = console.watch(contexts().new_page())
    again = stranger.goto(link)
    assert again is not None and again.status == 410
    expect(heading(stranger)).to_have_text("This invitation cannot be used")
    expect(stranger.get_by_role("alert")).to_contain_text("already been used")

    # A wrong passphrase: the sign-in error, the name kept, both fields marked, nobody signed in.
    stranger.goto("/signin")
    stranger.get_by_label("Sign-in name").fill("ben")
    stranger.get_by_label("Passphrase").fill("not ben's passphrase")
    with stranger.expect_response(lambda r: r.url.endswith("/signin") and r.request.method == "POST") as tried:
        stranger.get_by_role("button", name="Sign in").click()
    assert tried.value.status == 401
    expect(stranger.get_by_role("alert")).to_have_text(
        "That sign-in name and passphrase do not match. Check both and try again."
    )
    expect(stranger.locator("#username")).to_have_value("ben")
    expect(stranger.locator("#passphrase")).to_have_attribute("aria-invalid", "true")
    expect(stranger.locator("#passphrase")).to_have_attribute("aria-describedby", "signin-error")
    stranger.goto(site.url("/"))
    expect(heading(stranger)).to_have_text("Sign in")

    # Disagreeing without a reason: asked for one, and nothing is recorded.
    ben.goto(proposal_path(site, pid))
    ben.get_by_role("radio", name=DISAGREE).check()
    with ben.expect_response(lambda r: r.url.endswith(f"/proposals/{pid}/position")) as answered:
        ben.get_by_role("button", name="Record my position").click()
    assert answered.value.status == 422
    error = ben.locator("#position-error")
    expect(error).to_contain_text("Please give a reason")
    expect(error).to_have_attribute("role", "alert")
    expect(ben.locator("#reason")).to_have_attribute("aria-invalid", "true")
    expect(ben.locator("#reason")).to_have_attribute("aria-describedby", "reason-error")
    expect(ben.locator("#position-h")).to_be_focused()
    assert position_of(site, pid, "ben") is None
    choice_kept = ben.get_by_role("radio", name=DISAGREE).is_checked()

    # Script in a reason is shown as text and never runs.
    script = "<script>alert(1)</script>"
    ben.get_by_role("radio", name=DISAGREE).check()
    ben.locator("#reason").fill(script)
    ben.get_by_role("button", name="Record my position").click()
    position = ben.locator("#my-position")
    expect(position).to_contain_text(f"You said disagree: “{script}”")
    assert position.locator("script").count() == 0
    assert position_of(site, pid, "ben") == "disagree"
    markup = '"><img src=x onerror="alert(2)">'
    ben.get_by_label(re.compile(r"^What would go wrong if this went ahead")).fill(markup)
    ben.get_by_role("button", name="Raise the objection").click()
    expect(ben.locator("li.objection").first).to_contain_text(markup)
    assert ben.locator(".objections img").count() == 0
    ben.reload()  # a full render of the stored text, not only the htmx partial
    expect(ben.locator("#my-position")).to_contain_text(f"You said disagree: “{script}”")
    expect(ben.locator("li.objection").first).to_contain_text(markup)
    assert ben.locator("main script").count() == 0 and ben.locator("main img").count() == 0
    assert ben.locator("#reason").input_value() == script
    ben.wait_for_timeout(200)
    assert dialogs == [], f"a script in user text ran: {dialogs}"
    assert console.csp_violations == [], f"user text reached the page as markup: {console.csp_violations}"

    # A page that does not exist is an error page a person can read, not raw markup.
    gone = ben.goto(proposal_path(site, uuid4()))
    assert gone is not None and gone.status == 404

    # App bugs found by this story; each message names the file and the fix. They fail until web/ is fixed.
    bugs = []
    if not gone.headers.get("content-type", "").startswith("text/html"):
        bugs.append(
            f"web/errors.py render_error: error pages are sent as {gone.headers.get('content-type')!r}, so the browser "
            "shows the raw HTML source (werkzeug.wrappers.Response defaults to text/plain). "
            "Fix: Response(..., status, mimetype='text/html'), or flask.make_response(render_template(...), status)."
        )
    if not choice_kept:
        bugs.append(
            "web/proposals.py _detail + templates/proposals/_position.html: after 'Please give a reason' the form "
            "comes back with the person's choice (disagree) unselected: radios are checked from the stored ballot, "
            "not from what was just sent (WCAG 3.3.7 Redundant Entry; someone who had agreed before would see "
            "'agree' selected again). Fix: pass request.form's position and reason into the error render and "
            "prefer them over ballot.position / my_reason."
        )
    assert not bugs, "\n".join(bugs)
