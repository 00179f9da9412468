"""The feedback and narrative forms through the Flask test client: plain forms, CSRF, errors linked to fields."""

from __future__ import annotations

from uuid import UUID

import pytest

from ledger.governance.narrative import PARTS
from tests.web_support import Person, Site, open_proposal
from web.involvement import NARRATIVE_PARTS

pytestmark = pytest.mark.parametrize("backend", ["sqlite"])


def closed(site: Site) -> UUID:
    w = site.world
    pid = open_proposal(site)
    w.gov.cast_ballot(pid, member_id=w.member("amara"), position="agree")
    w.gov.close_proposal(pid, by=w.facilitator)
    site.copro.views.catch_up()
    return pid


def test_a_closed_decision_invites_feedback_and_an_open_one_does_not(site: Site) -> None:
    ben = Person(site, "ben")
    pid = open_proposal(site)
    assert "How did this decision go for you?" not in ben.get(site.url("/proposals/{p}", p=pid)).text
    page = ben.get(site.url("/proposals/{p}/feedback", p=pid)).text
    assert "once it has closed" in page and "<form" not in page.split("</header>")[1]
    pid = closed(site)
    page = ben.get(site.url("/proposals/{p}", p=pid)).text
    assert "How did this decision go for you?" in page
    assert site.url("/proposals/{p}/feedback", p=pid) in page


def test_a_member_gives_feedback_without_javascript_and_sees_it_again(site: Site) -> None:
    ben = Person(site, "ben")
    pid = closed(site)
    form = ben.get(site.url("/proposals/{p}/feedback", p=pid)).text
    for question in ("Was I heard?", "Could I contribute what I know?", "Did it address what matters to me?"):
        assert f"<legend>{question}</legend>" in form
    assert form.count('type="radio"') == 4 * 5 and form.count("Rather not say") == 4
    r = ben.post(
        site.url("/proposals/{p}/feedback", p=pid),
        {"voice": "4", "contribution": "2", "agenda": "", "change": "1", "comment": "We changed the question."},
    )
    assert r.status_code == 303 and r.headers["Location"].endswith(f"/proposals/{pid}#confirmation")
    mine = site.world.gov.my_feedback(pid, site.world.member("ben"))
    assert mine is not None and mine.answers == {"voice": 4, "contribution": 2, "agenda": None, "change": 1}
    again = ben.get(site.url("/proposals/{p}/feedback", p=pid)).text
    assert 'id="voice-4" name="voice" value="4" checked' in again
    assert 'id="agenda-none" name="agenda" value="" checked' in again
    assert "We changed the question." in again and "Change my feedback" in again


@pytest.mark.parametrize(
    ("data", "status", "words", "link"),
    [
        ({"voice": "", "contribution": "", "agenda": "", "change": ""}, 422, "Answer at least one", "#voice-1"),
        ({"voice": "9"}, 422, "Choose an answer to “Was I heard?”", "#voice-1"),
        ({"change": "x"}, 422, "Choose an answer to “Did it lead to change?”", "#change-1"),
        ({"voice": "3", "comment": "y" * 4001}, 422, "The comment is 4001 characters long", "#comment"),
    ],
)
def test_a_refused_answer_is_summarised_at_the_top_linked_to_its_field_and_nothing_is_written(
    site: Site, data: dict[str, str], status: int, words: str, link: str
) -> None:
    ben = Person(site, "ben")
    pid = closed(site)
    ben.get(site.url("/proposals/{p}/feedback", p=pid))
    size = site.world.gov.merkle_log.log_size()
    r = ben.post(site.url("/proposals/{p}/feedback", p=pid), {"comment": "", **data})
    assert r.status_code == status
    page = r.text
    summary = page[page.index('class="error-summary"') :]
    assert words in summary.split("</div>")[0] and f'href="{link}"' in summary.split("</div>")[0]
    assert f'id="{link[1:]}"' in page, "the summary links to a field on the page"
    assert site.world.gov.merkle_log.log_size() == size


def test_feedback_needs_the_csrf_token(site: Site) -> None:
    ben = Person(site, "ben")
    pid = closed(site)
    size = site.world.gov.merkle_log.log_size()
    r = ben.post(site.url("/proposals/{p}/feedback", p=pid), {"voice": "3"}, csrf=False)
    assert r.status_code == 400
    assert site.world.gov.merkle_log.log_size() == size


def test_a_proposal_of_another_collective_or_none_is_404(site: Site) -> None:
    ben = Person(site, "ben")
    assert ben.get(site.url("/proposals/{p}/feedback", p=UUID(int=7))).status_code == 404
    assert ben.post(site.url("/proposals/{p}/feedback", p=UUID(int=7)), {"voice": "3"}).status_code == 404


def test_the_narrative_form_is_for_stewards_only(site: Site) -> None:
    w = site.world
    ben = Person(site, "ben")
    assert ben.get(site.url("/narrative")).status_code == 403
    assert ben.post(site.url("/narrative"), {"aim": "Mine."}).status_code == 403
    assert "involvement narrative" not in ben.get(site.url("/reflections/")).text
    assert w.gov.narrative(w.collective) is None
    sam = Person(site, "sam")
    assert "involvement narrative" in sam.get(site.url("/reflections/")).text
    form = sam.get(site.url("/narrative")).text
    for part in NARRATIVE_PARTS:
        assert f'<label for="{part.name}">{part.label}</label>' in form
        assert f'aria-describedby="{part.name}-hint"' in form
    assert "GRIPP2 item 5" in form and "Equality, diversity and inclusion" in form
    r = sam.post(site.url("/narrative"), {"aim": "Shape the study together.", "influence": "The question changed."})
    assert r.status_code == 303
    found = w.gov.narrative(w.collective)
    assert found is not None and found.texts["influence"] == "The question changed."
    again = sam.get(site.url("/narrative")).text
    assert "Shape the study together.</textarea>" in again and "version 1" in again


def test_a_refused_narrative_keeps_what_was_written_and_links_to_the_part(site: Site) -> None:
    sam = Person(site, "sam")
    sam.get(site.url("/narrative"))
    r = sam.post(site.url("/narrative"), {"aim": "Kept.", "results": "z" * 20001})
    assert r.status_code == 422
    assert 'href="#results"' in r.text and "The results is 20001 characters long" in r.text
    assert "Kept.</textarea>" in r.text
    r = sam.post(site.url("/narrative"), {})
    assert r.status_code == 422 and 'href="#aim"' in r.text and "empty" in r.text


def test_the_form_parts_are_the_narratives_parts(backend: str) -> None:
    assert tuple(p.name for p in NARRATIVE_PARTS) == PARTS


def test_feedback_and_the_narrative_are_indexed_under_their_collective_for_the_audit_trail(site: Site) -> None:
    w = site.world
    pid = closed(site)
    fid = w.gov.give_feedback(pid, member_id=w.member("ben"), voice=2)
    nid = w.gov.write_narrative(w.collective, by=w.steward, aim="Together.")
    site.copro.views.catch_up()
    assert fid in site.copro.views.listing(w.collective, "Feedback")
    assert nid in site.copro.views.listing(w.collective, "Narrative")
    trail = Person(site, "sam").get(site.url("/audit/trail")).text
    assert "Feedback.Given" in trail and "Narrative.Written" in trail
