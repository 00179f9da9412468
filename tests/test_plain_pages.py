"""Members' pages speak plainly: technical words only behind "Technical details", and a glossary."""

from __future__ import annotations

import re
from uuid import UUID

import pytest

from tests.web_support import Person, Site, open_proposal

pytestmark = pytest.mark.parametrize("backend", ["sqlite"])

TECHNICAL = re.compile(r"merkle|leaf|checkpoint|sha256|inclusion proof|paramount|lived_experience", re.IGNORECASE)
DETAILS = re.compile(r'<details class="technical">.*?</details>', re.DOTALL)


def outside_details(page: str) -> str:
    """The page as a member sees it before opening any "Technical details" disclosure."""
    main = page[page.index("<main") : page.index("</main>")]
    return DETAILS.sub("", main)


def closed_proposal(site: Site) -> UUID:
    w = site.world
    pid = open_proposal(site)
    for name in ("amara", "ben", "dev", "sam"):
        w.gov.cast_ballot(pid, member_id=w.member(name), position="agree")
    w.gov.close_proposal(pid, by=w.facilitator)
    site.copro.views.catch_up()
    return pid


def test_a_member_reads_the_outcome_in_plain_words_and_the_record_under_technical_details(site: Site) -> None:
    pid = closed_proposal(site)
    outcome = site.world.gov.proposal(pid).outcome
    assert outcome is not None
    recorded = str(outcome["explanation"])
    page = Person(site, "amara").get(site.url("/proposals/{p}", p=pid)).text
    seen = outside_details(page)
    assert "It passed. 4 of 6 members took part." in seen
    assert recorded not in seen, "the recorded text is not the first thing a member reads"
    details = "".join(DETAILS.findall(page))
    assert recorded in details, "the recorded text is still shown, as it was signed"
    assert "sha256" in details and "fingerprint" in details, "the technical word is explained there"
    assert not TECHNICAL.search(seen), TECHNICAL.findall(seen)
    assert 'href="/glossary/"' in seen


def test_the_audit_page_explains_its_technical_words_behind_a_disclosure(site: Site) -> None:
    closed_proposal(site)
    page = Person(site, "amara").get(site.url("/audit/")).text
    seen = outside_details(page)
    assert not TECHNICAL.search(seen), TECHNICAL.findall(seen)
    details = "".join(DETAILS.findall(page))
    for word in ("Merkle log", "leaf", "checkpoint", "inclusion proof", "sha256"):
        assert word in details


def test_the_glossary_gives_each_word_one_plain_sentence_without_signing_in(site: Site) -> None:
    r = site.app.test_client().get("/glossary/")
    assert r.status_code == 200
    entries = re.findall(r'<dt id="([a-z]+)">([^<]+)</dt>\s*<dd>([^<]+)</dd>', r.text)
    assert 15 <= len(entries) <= 20
    anchors = {anchor for anchor, _, _ in entries}
    assert {"consent", "objection", "quorum", "block", "abstain"} <= anchors
    for _, word, meaning in entries:
        assert meaning.endswith(".") and meaning.count(". ") == 0, f"{word}: one sentence"


def test_the_glossary_anchors_that_pages_link_to_exist(site: Site) -> None:
    glossary = site.app.test_client().get("/glossary/").text
    pid = open_proposal(site)
    amara = Person(site, "amara")
    pages = [amara.get(site.url("/proposals/{p}", p=pid)).text, amara.get(site.url("/audit/")).text]
    for page in pages:
        for anchor in re.findall(r'href="/glossary/#([a-z]+)"', page):
            assert f'id="{anchor}"' in glossary
