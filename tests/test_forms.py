"""Forms a member can get right: the error summary, fields tied to their messages, input kept,
Post/Redirect/Get (a reload never resubmits), confirmations at #confirmation, and a second "I understand"
before anything that cannot be undone. Server side, through Flask's test client with a browser's Accept."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit
from uuid import UUID

import pytest
from werkzeug.test import TestResponse

from tests.web_support import Person, Site, open_proposal

pytestmark = pytest.mark.parametrize("backend", ["sqlite"])

BROWSER = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}


def browser_post(person: Person, path: str, data: dict[str, Any]) -> TestResponse:
    return person.post(path, data, headers=BROWSER)


def follow(person: Person, r: TestResponse) -> TestResponse:
    """The GET a browser makes after a 303 (the #fragment stays in the browser, as it does for real)."""
    assert r.status_code == 303, r.get_data(as_text=True)[:300]
    return person.get(r.headers["Location"].split("#")[0], headers=BROWSER)


def summary_of(page: str) -> str:
    start = page.index('<div class="error-summary" id="error-summary"')
    return page[start : page.index("</div>", start)]


def title_of(page: str) -> str:
    found = re.search(r"<title>(.*?)</title>", page, re.S)
    assert found
    return found.group(1)


def tag_with_id(page: str, element_id: str) -> str:
    found = re.search(rf'<[a-z]+ [^>]*id="{re.escape(element_id)}"[^>]*>', page)
    assert found, f"no element with id {element_id}"
    return found.group(0)


def assert_summary_links_to_its_fields(page: str) -> list[str]:
    """Every link in the summary names a field on the page, marked invalid and described by its message."""
    links = re.findall(r'href="#([^"]+)"', summary_of(page))
    for field_id in links:
        tag = tag_with_id(page, field_id)
        owner = tag if 'aria-invalid="true"' in tag else _fieldset_around(page, field_id)
        assert 'aria-invalid="true"' in owner and f"{field_id}-error" in owner, owner
        assert f'id="{field_id}-error"' in page
    return links


def _fieldset_around(page: str, field_id: str) -> str:
    """A radio's group is what is marked: the <fieldset> that holds the radio."""
    at = page.index(f'id="{field_id}"')
    start = page.rindex("<fieldset", 0, at)
    return page[start : page.index(">", start) + 1]


# -- a refused form, without JavaScript ------------------------------------------------------------


def test_blocking_without_a_reason_sends_the_browser_to_a_summary_that_links_to_the_reason(site: Site) -> None:
    pid = open_proposal(site)
    amara = Person(site, "amara")
    here = site.url("/proposals/{p}", p=pid)
    amara.get(here)
    size = site.world.gov.merkle_log.log_size()
    r = browser_post(amara, site.url("/proposals/{p}/position", p=pid), {"position": "block", "reason": ""})
    assert r.status_code == 303
    location = urlsplit(r.headers["Location"])
    assert location.path == here and location.query.startswith("problem=") and location.fragment == "error-summary"
    page = follow(amara, r)
    text = page.get_data(as_text=True)
    assert page.status_code == 422
    assert title_of(text).startswith("Error: ")
    summary = summary_of(text)
    assert 'role="alert"' in summary and "There is a problem" in summary
    assert text.index('id="error-summary"') < text.index("<h1"), "the summary is the first thing in main"
    assert assert_summary_links_to_its_fields(text) == ["reason"]
    assert re.search(r'<input type="radio" id="position-block"[^>]* checked', text), "the member's choice is kept"
    assert site.world.gov.merkle_log.log_size() == size, "nothing was written"
    assert site.world.gov.ballot_of(pid, site.world.member("amara")) is None


def test_the_reason_the_member_wrote_is_kept_when_the_choice_is_what_was_wrong(site: Site) -> None:
    pid = open_proposal(site)
    amara = Person(site, "amara")
    amara.get(site.url("/proposals/{p}", p=pid))
    r = browser_post(amara, site.url("/proposals/{p}/position", p=pid), {"position": "maybe", "reason": "Not sure <b>"})
    text = follow(amara, r).get_data(as_text=True)
    assert assert_summary_links_to_its_fields(text) == ["position-agree"]
    assert ">Not sure &lt;b&gt;</textarea>" in text, "kept, and escaped"


def test_a_problem_is_shown_once_a_reload_shows_the_page_as_it_is_and_resubmits_nothing(site: Site) -> None:
    pid = open_proposal(site)
    amara = Person(site, "amara")
    amara.get(site.url("/proposals/{p}", p=pid))
    r = browser_post(amara, site.url("/proposals/{p}/objections", p=pid), {"reason": "", "paramount": "no"})
    first = follow(amara, r)
    assert first.status_code == 422 and "error-summary" in first.get_data(as_text=True)
    size = site.world.gov.merkle_log.log_size()
    again = follow(amara, r)  # the reload: the same address, a GET
    text = again.get_data(as_text=True)
    assert again.status_code == 200 and "error-summary" not in text and not title_of(text).startswith("Error")
    assert 'aria-invalid="true"' not in text
    assert site.world.gov.merkle_log.log_size() == size
    assert site.world.gov.proposal(pid).objection_ids == []


def test_another_members_problem_token_shows_nothing(site: Site) -> None:
    pid = open_proposal(site)
    amara, ben = Person(site, "amara"), Person(site, "ben")
    amara.get(site.url("/proposals/{p}", p=pid))
    r = browser_post(amara, site.url("/proposals/{p}/position", p=pid), {"position": "block", "reason": ""})
    stolen = ben.get(r.headers["Location"].split("#")[0], headers=BROWSER)
    assert stolen.status_code == 200 and "error-summary" not in stolen.get_data(as_text=True)
    assert follow(amara, r).status_code == 422, "still there for the member it belongs to"


def test_scripts_and_htmx_still_get_the_refusal_directly(site: Site) -> None:
    pid = open_proposal(site)
    amara = Person(site, "amara")
    amara.get(site.url("/proposals/{p}", p=pid))
    plain = amara.post(site.url("/proposals/{p}/position", p=pid), {"position": "block"})
    assert plain.status_code == 422 and title_of(plain.text).startswith("Error: ")
    assert assert_summary_links_to_its_fields(plain.text) == ["reason"]
    partial = amara.post(
        site.url("/proposals/{p}/position", p=pid), {"position": "block"}, headers={**BROWSER, "HX-Request": "true"}
    )
    assert partial.status_code == 422 and "<html" not in partial.text
    assert 'id="reason-error"' in partial.text and 'aria-describedby="reason-error"' in partial.text


def test_a_refused_reflection_keeps_every_box_the_member_filled_in(site: Site) -> None:
    sam = Person(site, "sam")
    sam.get(site.url("/reflections/"))
    r = browser_post(
        sam,
        site.url("/reflections/"),
        {"subject": "agreement", "review_outcome": "", "subject_ref": "The agreement", "worked": "Pay on time."},
    )
    page = follow(sam, r)
    text = page.get_data(as_text=True)
    assert page.status_code == 422 and assert_summary_links_to_its_fields(text) == ["review_outcome"]
    assert '<option value="agreement" selected>' in text and ">Pay on time.</textarea>" in text
    assert 'value="The agreement"' in text and "<details open>" in text


def test_a_refused_new_proposal_keeps_the_text_and_links_to_the_title(site: Site) -> None:
    amara = Person(site, "amara")
    amara.get(site.url("/proposals/new"))
    r = browser_post(amara, site.url("/proposals/new"), {"title": "", "body": "My long text.", "category": "budget"})
    page = follow(amara, r)
    text = page.get_data(as_text=True)
    assert page.status_code == 422 and assert_summary_links_to_its_fields(text) == ["title"]
    assert ">My long text.</textarea>" in text


# -- a command that worked -----------------------------------------------------------------------


def test_a_new_objection_is_confirmed_where_the_browser_lands_with_the_members_own_words(site: Site) -> None:
    pid = open_proposal(site)
    amara = Person(site, "amara")
    amara.get(site.url("/proposals/{p}", p=pid))
    r = browser_post(amara, site.url("/proposals/{p}/objections", p=pid), {"reason": "Too narrow.", "paramount": "yes"})
    assert r.status_code == 303 and r.headers["Location"].endswith("#confirmation")
    text = follow(amara, r).get_data(as_text=True)
    tag = tag_with_id(text, "confirmation")
    assert 'role="status"' in tag and 'tabindex="-1"' in tag
    confirmation = text[text.index('id="confirmation"') : text.index("</div>", text.index('id="confirmation"'))]
    assert "Your objection is recorded" in confirmation and "Your objection: “Too narrow.”" in confirmation
    assert text.index('id="confirmation"') < text.index("<h1"), "first in main: seen without scrolling"
    assert "confirmation" not in amara.get(site.url("/proposals/{p}", p=pid)).text, "said once"


# -- acts that cannot be undone ------------------------------------------------------------------


def _offered(site: Site) -> UUID:
    w = site.world
    x = w.gov.log_contribution(
        w.collective, by=w.member("ben"), member_id=w.member("ben"), activity="Panel", minutes=60, on=w.clock().date()
    )
    w.gov.offer_recognition(x, by=w.steward, kind="credit")
    site.copro.views.catch_up()
    return x


IRREVERSIBLE = {
    # act: (who, page, action, form, field the summary links to)
    "sign": ("ben", "/agreement/", "/agreement/{a}/sign", {}, "understand-{a}"),
    "close": ("dev", "/proposals/{p}", "/proposals/{p}/close", {}, "close-understand"),
    "withdraw": ("dev", "/proposals/{p}", "/proposals/{p}/withdraw", {"reason": "Overtaken."}, "withdraw-understand"),
    "leave": ("ben", "/members/", "/members/leave", {}, "leave-understand"),
    "decline": ("ben", "/contributions/", "/contributions/{x}/decline", {}, "decline-{x}"),
}


@pytest.mark.parametrize("act", sorted(IRREVERSIBLE))
def test_an_irreversible_act_says_what_it_commits_to_and_needs_the_tick(site: Site, act: str) -> None:
    who, page_path, action, data, field = IRREVERSIBLE[act]
    w = site.world
    ids = {"p": open_proposal(site), "a": w.agreement, "x": _offered(site)}
    person = Person(site, who)
    page = person.get(site.url(page_path, **ids)).text
    field_id = field.format(**ids)
    tick = tag_with_id(page, field_id)
    assert 'type="checkbox"' in tick and 'name="understand"' in tick and "required" in tick
    assert re.search(rf'<label class="choice" for="{field_id}">.*?I understand', page, re.S)
    size = w.gov.merkle_log.log_size()
    plain = person.post(site.url(action, **ids), data)
    assert plain.status_code == 422 and "Tick the box to say you understand" in plain.text
    r = browser_post(person, site.url(action, **ids), data)
    shown = follow(person, r)
    text = shown.get_data(as_text=True)
    assert shown.status_code == 422 and assert_summary_links_to_its_fields(text) == [field_id]
    assert w.gov.merkle_log.log_size() == size, "nothing was written"
    done = browser_post(person, site.url(action, **ids), {**data, "understand": "yes"})
    assert done.status_code == 303 and done.headers["Location"].endswith("#confirmation")
    assert w.gov.merkle_log.log_size() > size


def test_a_signature_is_shown_to_the_member_right_below_the_confirmation(site: Site) -> None:
    ben = Person(site, "ben")
    ben.get(site.url("/agreement/"))
    r = browser_post(ben, site.url("/agreement/{a}/sign", a=site.world.agreement), {"understand": "yes"})
    text = follow(ben, r).get_data(as_text=True)
    confirmation = text[text.index('id="confirmation"') : text.index("</div>", text.index('id="confirmation"'))]
    assert "You have signed the agreement." in confirmation
    assert (
        "Your signature is recorded: you signed for" in confirmation
        and "for People with lived experience." in confirmation
    )


def test_an_invitation_is_shown_after_a_redirect_so_a_reload_admits_nobody_twice(site: Site) -> None:
    w = site.world
    sam = Person(site, "sam")
    sam.get(site.url("/members/"))
    r = browser_post(sam, site.url("/members/"), {"name": "Zara New", "groups": ["funders"]})
    assert r.status_code == 303 and r.headers["Location"].endswith("#confirmation")
    text = follow(sam, r).get_data(as_text=True)
    confirmation = text[text.index('id="confirmation"') : text.index("</div>", text.index('id="confirmation"'))]
    assert "Zara New is a member now" in confirmation and "/invite/" in confirmation
    members = len(w.gov.collective(w.collective).active_members())
    reload = follow(sam, r)
    assert reload.status_code == 200 and "/invite/" not in reload.get_data(as_text=True)
    assert len(w.gov.collective(w.collective).active_members()) == members


def test_a_problem_shows_only_on_the_page_it_was_made_for(site: Site) -> None:
    pid = open_proposal(site)
    amara = Person(site, "amara")
    amara.get(site.url("/proposals/{p}", p=pid))
    r = browser_post(amara, site.url("/proposals/{p}/position", p=pid), {"position": "block", "reason": ""})
    token = urlsplit(r.headers["Location"]).query
    elsewhere = amara.get(site.url("/reflections/") + "?" + token, headers=BROWSER)
    assert elsewhere.status_code == 200 and "error-summary" not in elsewhere.get_data(as_text=True)
    assert follow(amara, r).status_code == 422, "still kept for its own page"
