"""Helpers for the browser tests: Chromium, screenshots, console watching, keyboard focus, axe-core.

Kept free of pytest fixtures so the stories in test_browser.py read top to bottom.
"""

from __future__ import annotations

import base64
import json
import os
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any
from uuid import UUID

from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Page, expect
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Response as PageResponse

from ledger.log import merkle
from tests.web_support import Site

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
AXE = Path(__file__).resolve().parent / "vendor" / "axe-core-4.14.1.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
EVERY_AXE_RULE = [*AXE_TAGS, "best-practice"]  # what the app's pages must pass (the PDF report's HTML: AXE_TAGS)
# Served by the browser context itself (BrowserContext.route), so the page's own CSP (script-src 'self') lets
# axe-core in: journeys keep the CSP on and still run axe after every step.
AXE_ROUTE = "/__test__/axe-core.js"
WIDTHS = (320, 390, 1280)  # the smallest screen WCAG 1.4.10 names, an old phone, a laptop
PHONE = {"width": 390, "height": 844}  # an old phone
DESKTOP = {"width": 1280, "height": 900}


# -- screenshots -------------------------------------------------------------------------


def screenshots_root() -> Path:
    """COPRO_SCREENSHOTS names the run's folder; relative paths are taken from the repository root."""
    folder = Path(os.environ.get("COPRO_SCREENSHOTS", "test-artifacts/screenshots"))
    return folder if folder.is_absolute() else ROOT / folder


class Shots:
    """Numbered full-page screenshots of one journey, in its own folder (js, nojs, keyboard).

    With axe=True every step is also checked by axe-core (EVERY_AXE_RULE); the violations collect in
    self.violations by step, for the journey to assert on at its end (the context must serve_axe)."""

    def __init__(self, journey: str, *, axe: bool = False) -> None:
        self.folder = screenshots_root() / journey
        self.folder.mkdir(parents=True, exist_ok=True)
        for old in self.folder.glob("*.png"):  # only this journey's own earlier pictures
            old.unlink()
        self.count = 0
        self.axe = axe
        self.violations: dict[str, list[dict[str, Any]]] = {}

    def __call__(self, page: Page, name: str) -> Path:
        self.count += 1
        path = self.folder / f"{self.count:02d}-{name}.png"
        # caret="initial": hiding the caret leaves style="" on inputs, which htmx then copies and the CSP refuses
        page.screenshot(path=str(path), full_page=True, caret="initial")
        if self.axe and (found := run_axe(page, EVERY_AXE_RULE)):
            self.violations[f"{self.folder.name}/{path.stem}"] = found
        return path

    def assert_axe_clean(self) -> None:
        assert not self.violations, describe_violations(self.violations)


# -- console -----------------------------------------------------------------------------


@dataclass
class Console:
    """Console errors and uncaught exceptions of the pages it watches. A CSP violation is a console error."""

    errors: list[str] = field(default_factory=list)

    def watch(self, page: Page) -> Page:
        page.on("console", lambda m: self.errors.append(_describe(page, m)) if m.type == "error" else None)
        page.on("pageerror", lambda e: self.errors.append(f"{page.url}: uncaught {e}"))
        return page

    @property
    def csp_violations(self) -> list[str]:
        return [e for e in self.errors if "Content Security Policy" in e]


def _describe(page: Page, message: ConsoleMessage) -> str:
    where = message.location or {}
    source = f" (from {where.get('url')}:{where.get('lineNumber')})" if where.get("url") else ""
    return f"{page.url}: {message.text}{source}"


# -- no-JavaScript form posts --------------------------------------------------------------


def post_redirect_get(page: Page, submit: Any) -> PageResponse:
    """Click a submit button in a page without JavaScript; check it was POST, then 303, then GET 200."""
    with page.expect_navigation() as navigation:
        submit.click()
    response = navigation.value
    assert response is not None, "the form did not navigate"
    first = response.request.redirected_from
    assert first is not None, f"no redirect after the form post (landed on {response.url}, status {response.status})"
    assert first.method == "POST", first.method
    redirect = first.response()
    status = redirect.status if redirect is not None else None
    assert status == 303, f"expected 303 See Other after the POST, got {status}"
    assert response.request.method == "GET" and response.status == 200, (response.request.method, response.status)
    return response


# -- keyboard ----------------------------------------------------------------------------

_FOCUSED = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const s = getComputedStyle(el);
  const box = el.getBoundingClientRect();
  return {tag: el.tagName.toLowerCase(), id: el.id, type: el.getAttribute('type') || '',
          name: el.getAttribute('name') || '', value: el.value || '', checked: !!el.checked,
          text: (el.innerText || el.getAttribute('aria-label') || '').trim().slice(0, 80),
          outline: s.outlineStyle, outlineWidth: s.outlineWidth, shadow: s.boxShadow,
          left: box.left, top: box.top, width: box.width, height: box.height};
}"""


def focused(page: Page) -> dict[str, Any] | None:
    return page.evaluate(_FOCUSED)  # type: ignore[no-any-return]


def focus_visible(info: dict[str, Any] | None) -> bool:
    if info is None:
        return False
    outline = info["outline"] != "none" and info["outlineWidth"] not in ("0px", "")
    return outline or info["shadow"] != "none"


def tab_until(page: Page, wanted: Any, *, key: str = "Tab", limit: int = 80) -> dict[str, Any]:
    """Press Tab until `wanted(focused element)` holds; every stop on the way must show its focus."""
    seen = []
    for _ in range(limit):
        page.keyboard.press(key)
        info = focused(page)
        seen.append(info and f"{info['tag']}#{info['id']} {info['text'][:30]!r}")
        assert info is not None, f"focus was lost after {key}; stops so far: {seen}"
        assert focus_visible(info), f"focus is not visible on {seen[-1]}: {info}"
        if wanted(info):
            return info
    raise AssertionError(f"never reached the wanted element with {key}; stops: {seen}")


# -- people in their own browsers ----------------------------------------------------------

NewContext = Callable[..., BrowserContext]


@contextmanager
def browser_contexts(browser: Browser, base_url: str, **defaults: Any) -> Iterator[NewContext]:
    """Make a fresh context (cookies, storage: one person) per call, each with `defaults` unless
    the call says otherwise; all are closed at the end, so no person's session outlives the test."""
    made: list[BrowserContext] = []

    def new(**options: Any) -> BrowserContext:
        context = browser.new_context(base_url=base_url, **{**defaults, **options})
        context.set_default_timeout(10_000)
        made.append(context)
        return context

    try:
        yield new
    finally:
        for context in made:
            context.close()


def sign_in(page: Page, site: Site, name: str) -> None:
    """Sign in through the form as a member would, with JavaScript (boosted) or without."""
    username, passphrase = site.account_for(name)
    page.goto("/signin")
    page.get_by_label("Sign-in name").fill(username)
    page.get_by_label("Passphrase").fill(passphrase)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Waiting for you")


# -- axe-core ----------------------------------------------------------------------------


def serve_axe(context: BrowserContext) -> BrowserContext:
    """Answer AXE_ROUTE with the vendored axe-core in this context, so run_axe works under the app's CSP."""
    context.route(f"**{AXE_ROUTE}", lambda route: route.fulfill(path=str(AXE), content_type="text/javascript"))
    return context


def run_axe(page: Page, tags: list[str] = AXE_TAGS) -> list[dict[str, Any]]:
    """Inject the vendored axe-core and return the violations of the rules with these tags.

    From AXE_ROUTE where the context serves it (serve_axe); otherwise inline, which needs bypass_csp."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        try:
            page.add_script_tag(url=AXE_ROUTE)
        except PlaywrightError:
            page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        """async (tags) => {
             const r = await axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']});
             return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
               nodes: v.nodes.map(n => ({target: n.target, summary: n.failureSummary}))}));
           }""",
        tags,
    )
    return result  # type: ignore[no-any-return]


def describe_violations(found: dict[str, list[dict[str, Any]]]) -> str:
    lines = []
    for where, violations in found.items():
        for v in violations:
            lines.append(f"[{where}] {v['id']} ({v['impact']}): {v['help']} <{v['helpUrl']}>")
            for node in v["nodes"]:
                summary = re.sub(r"\s+", " ", node["summary"] or "")
                lines.append(f"    at {json.dumps(node['target'])}: {summary}")
    return "\n".join(lines)


# -- the world -------------------------------------------------------------------------


def open_proposal(site: Site, title: str, body: str, *, by: str = "sam") -> UUID:
    """A research-question proposal drafted by `by` and opened by the facilitator (quick consent)."""
    w = site.world
    pid = w.gov.draft_proposal(w.collective, by=w.member(by), category="research_question", title=title, body=body)
    w.gov.open_proposal(pid, by=w.facilitator)
    site.copro.views.catch_up()
    return pid


def vote(site: Site, pid: UUID, *names: str, position: str = "agree") -> None:
    for name in names:
        site.world.gov.cast_ballot(pid, member_id=site.world.member(name), position=position)
    site.copro.views.catch_up()


def position_of(site: Site, pid: UUID, name: str) -> str | None:
    ballot = site.world.gov.ballot_of(pid, site.world.member(name))
    return None if ballot is None else str(ballot.position)


def seed_everyday_records(site: Site) -> None:
    """A reflection with actions and two contributions, so those pages show real content and forms."""
    w, gov = site.world, site.world.gov
    gov.record_reflection(
        w.collective,
        by=w.steward,
        subject="period",
        subject_ref="October",
        worked="Meeting in the library felt safe.",
        did_not="Papers arrived too late to read.",
        power="Researchers still set the agenda.",
        actions=["Send papers a week ahead", "Rotate the chair"],
    )
    offered = gov.log_contribution(
        w.collective,
        by=w.member("amara"),
        member_id=w.member("amara"),
        activity="Co-facilitated the peer group",
        minutes=90,
        on=date(2026, 10, 30),
    )
    gov.offer_recognition(
        offered,
        by=w.steward,
        kind="voucher",
        amount_minor=2500,
        currency="GBP",
        rate_table="NIHR involvement rates 2026",
    )
    gov.log_contribution(
        w.collective,
        by=w.member("ben"),
        member_id=w.member("ben"),
        activity="Read the draft questions",
        minutes=45,
        on=date(2026, 10, 31),
    )
    site.copro.views.catch_up()


def check_proof(bundle: dict[str, Any]) -> None:
    """An inclusion proof downloaded from the audit page checks out offline against its signed checkpoint."""
    assert "inclusion_path" in bundle and "checkpoint" in bundle, sorted(bundle)
    leaf = base64.b64decode(bundle["leaf_hash"])
    assert merkle.leaf_hash(base64.b64decode(bundle["record"])) == leaf, "leaf_hash is not SHA-256(0x00 || record)"
    _origin, size, root_b64 = bundle["checkpoint"].split("\n")[:3]
    root = base64.b64decode(root_b64)
    assert bundle["tree_size"] == int(size) and base64.b64decode(bundle["root_hash"]) == root
    path = [base64.b64decode(h) for h in bundle["inclusion_path"]]
    merkle.verify_inclusion(leaf, bundle["leaf_index"], int(size), path, root)
