"""Every member in their language: the catalogues are complete and in use, and the switch needs no JavaScript.

The English source catalogue is extracted here, in memory, with Babel's own extractor and the
project's babel.cfg, so a new string is checked the day it is written: the Welsh catalogue must
translate it (non-empty, not fuzzy, the same placeholders), and the committed compiled catalogue
(.mo) must be what compiling the .po gives. The pages are then read in Welsh, chosen by the
browser's Accept-Language or by the switch in the footer, through a real HTTP server.
"""

from __future__ import annotations

import html
import http.cookiejar
import io
import re
import urllib.request
from gettext import GNUTranslations
from html.parser import HTMLParser
from pathlib import Path
from uuid import UUID

import pytest
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from tests.readability_corpus import english_catalogue, english_messages
from tests.web_support import Person, Site, live_server, open_proposal

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "web" / "translations"
WELSH_PO = TRANSLATIONS / "cy" / "LC_MESSAGES" / "messages.po"
WELSH_MO = TRANSLATIONS / "cy" / "LC_MESSAGES" / "messages.mo"
PLACEHOLDER = re.compile(r"%\((\w+)\)s|%%")
HTML = {"Accept": "text/html"}


def welsh_catalogue() -> Catalog:
    with WELSH_PO.open("rb") as f:
        return read_po(f, locale="cy")


def placeholders(text: str) -> list[str]:
    return sorted(PLACEHOLDER.findall(text))


# -- the catalogues ---------------------------------------------------------------------------


def test_the_source_catalogue_holds_the_member_pages_and_not_the_funders_report() -> None:
    ids = set(english_messages())
    assert len(ids) > 400, "the extractor found the templates and views"
    assert "Waiting for you" in ids  # a template
    assert "There is no such proposal." in ids  # a view's refusal
    assert "Rather not say" in ids  # a module constant marked with N_
    report = (ROOT / "web" / "templates" / "report" / "report.html").read_text(encoding="utf-8")
    assert "_(" not in report and "{% trans" not in report, "the funders' report is not translated here"


def test_every_english_message_has_a_welsh_translation_with_the_same_placeholders() -> None:
    welsh = welsh_catalogue()
    problems = []
    for m in english_catalogue():
        if not m.id:
            continue
        found = welsh.get(m.id, m.context)
        if found is None:
            problems.append(("missing", m.id))
            continue
        if found.fuzzy:
            problems.append(("fuzzy", m.id))
        sources = [str(x) for x in (m.id if isinstance(m.id, (tuple, list)) else (m.id,))]
        raw = found.string
        strings = [str(x) for x in raw] if isinstance(raw, (tuple, list)) else [str(raw or "")]
        if not all(s.strip() for s in strings):
            problems.append(("empty", m.id))
            continue
        for s in strings:
            if placeholders(s) != placeholders(sources[-1]) and placeholders(s) != placeholders(sources[0]):
                problems.append(("placeholders", m.id))
    assert problems == []


def test_the_welsh_catalogue_holds_no_message_the_code_no_longer_says() -> None:
    english = {(m.id if isinstance(m.id, str) else tuple(m.id), m.context) for m in english_catalogue() if m.id}
    stale = [
        m.id
        for m in welsh_catalogue()
        if m.id and (m.id if isinstance(m.id, str) else tuple(m.id), m.context) not in english
    ]
    assert stale == [], "run the update in docs/DEVELOPING.md (Languages) and drop what is obsolete"


def test_the_committed_compiled_catalogue_is_the_po_compiled() -> None:
    """The .mo is committed (a fresh clone serves Welsh with no build step); it must say what the .po says."""
    compiled = io.BytesIO()
    write_mo(compiled, welsh_catalogue())
    fresh = GNUTranslations(io.BytesIO(compiled.getvalue()))
    with WELSH_MO.open("rb") as f:
        committed = GNUTranslations(f)

    def messages(t: GNUTranslations) -> dict[object, str]:
        catalogue: dict[object, str] = t._catalog  # type: ignore[attr-defined]
        return {k: v for k, v in catalogue.items() if k != ""}  # the header carries the time it was read

    assert len(messages(fresh)) > 400
    assert messages(committed) == messages(fresh), "recompile: pybabel compile -d web/translations"


# -- the pages ---------------------------------------------------------------------------------

pytestmark_web = pytest.mark.parametrize("backend", ["sqlite"])


class _Text(HTMLParser):
    """The text nodes of a page's <main> and <footer>: what a member reads."""

    def __init__(self) -> None:
        super().__init__()
        self.depth = 0
        self.skip = 0
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("main", "footer", "header"):
            self.depth += 1
        if tag in ("script", "style", "code", "pre"):
            self.skip += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in ("main", "footer", "header"):
            self.depth -= 1
        if tag in ("script", "style", "code", "pre"):
            self.skip -= 1

    def handle_data(self, data: str) -> None:
        if self.depth and not self.skip and data.strip():
            self.parts.append(" ".join(data.split()))


def text_of(page: str) -> list[str]:
    parser = _Text()
    parser.feed(page)
    return parser.parts


def english_sentences() -> set[str]:
    """Whole English sentences and labels the Welsh catalogue knows (no placeholder or markup, different in Welsh).

    Read from the .po, not from the source: a sentence someone took out of `_()` is no longer extracted,
    but it is still known here, and found on the page."""
    out = set()
    for m in welsh_catalogue():
        plain = isinstance(m.id, str) and "%(" not in m.id and "<" not in m.id and len(m.id) > 3
        if plain and m.string != m.id:
            out.add(str(m.id))
    return out


def welsh_person(site: Site, name: str) -> Person:
    person = Person(site, name)
    person.client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "cy"
    return person


def key_pages(site: Site) -> list[str]:
    w = site.world
    pid: UUID = open_proposal(site)
    w.gov.cast_ballot(pid, member_id=w.member("ben"), position="agree", reason="Da iawn.")
    site.copro.views.catch_up()
    return [
        site.url("/"),
        site.url("/proposals/"),
        site.url("/proposals/{p}", p=pid),
        site.url("/proposals/{p}/reminders/", p=pid),
        site.url("/agreement/"),
        site.url("/reflections/"),
        site.url("/contributions/"),
        site.url("/members/"),
        site.url("/details/"),
        site.url("/audit/"),
        "/glossary/",
        "/receipts/check",
    ]


@pytestmark_web
def test_key_pages_in_welsh_show_no_english_sentence_from_the_catalogue(site: Site) -> None:
    facilitator = welsh_person(site, "dev")
    english = english_sentences()
    assert len(english) > 300
    seen_any = False
    for path in key_pages(site):
        r = facilitator.get(path)
        assert r.status_code == 200, (path, r.status_code)
        page = r.get_data(as_text=True)
        assert '<html lang="cy">' in page, path
        left = [t for t in text_of(page) if t in english]
        assert left == [], (path, left)
        seen_any = True
    assert seen_any


@pytestmark_web
def test_the_same_pages_in_english_by_default(site: Site) -> None:
    page = Person(site, "dev").get(site.url("/")).get_data(as_text=True)
    assert '<html lang="en">' in page and "Waiting for you" in page
    assert 'lang="cy" hreflang="cy"' in page and ">Cymraeg</a>" in page


@pytestmark_web
def test_accept_language_picks_the_best_language_we_ship(site: Site) -> None:
    amara = Person(site, "amara")
    welsh = amara.get(site.url("/"), headers={"Accept-Language": "fr, cy;q=0.8, en;q=0.5"}).get_data(as_text=True)
    assert '<html lang="cy">' in welsh and "Yn aros amdanoch chi" in welsh
    english = amara.get(site.url("/"), headers={"Accept-Language": "de, en-GB;q=0.9"}).get_data(as_text=True)
    assert '<html lang="en">' in english and "Waiting for you" in english
    unknown = amara.get(site.url("/"), headers={"Accept-Language": "fr"}).get_data(as_text=True)
    assert '<html lang="en">' in unknown
    r = amara.get(site.url("/"))
    assert "Accept-Language" in r.headers.get("Vary", ""), "a cache must not hand one language to another member"


@pytestmark_web
def test_the_switch_works_with_a_plain_http_client_and_persists_across_pages(site: Site) -> None:
    """A real server, a cookie jar and no JavaScript: follow the footer link, and every later page is Welsh."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    with live_server(site.app) as base:
        first = opener.open(base + "/glossary/").read().decode()
        assert '<html lang="en">' in first
        link = re.search(r'<a href="([^"]+)" lang="cy" hreflang="cy"[^>]*>Cymraeg</a>', first)
        assert link is not None
        href = link.group(1).replace("&amp;", "&")
        landed = opener.open(base + href)
        assert landed.geturl() == base + "/glossary/", "back to the page the member was on"
        page = landed.read().decode()
        assert '<html lang="cy">' in page and "Geiriau rydyn ni'n eu defnyddio" in page
        other = opener.open(base + "/signin").read().decode()
        assert '<html lang="cy">' in other and "Mewngofnodi" in other, "the choice persists across pages"
        assert ">English</a>" in other and 'lang="en" hreflang="en"' in other
        back = re.search(r'<a href="([^"]+)" lang="en" hreflang="en"[^>]*>English</a>', other)
        assert back is not None
        english = opener.open(base + back.group(1).replace("&amp;", "&")).read().decode()
        assert '<html lang="en">' in english and "Sign in" in english


@pytestmark_web
@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x", "/\\evil.example", "javascript:x"])
def test_the_switch_never_sends_a_member_to_another_site(site: Site, target: str) -> None:
    r = Person(site, None).get("/language/cy", query_string={"next": target})
    assert r.status_code == 303
    assert r.headers["Location"] in ("/", "http://localhost/"), r.headers["Location"]


@pytestmark_web
def test_the_switch_ignores_a_language_we_do_not_ship(site: Site) -> None:
    person = Person(site, None)
    r = person.get("/language/xx", query_string={"next": "/glossary/"})
    assert r.status_code == 303 and "copro_lang" not in r.headers.get("Set-Cookie", "")
    assert '<html lang="en">' in person.get("/glossary/").get_data(as_text=True)


@pytestmark_web
def test_dates_and_closing_times_render_in_welsh(site: Site) -> None:
    w = site.world
    pid = open_proposal(site)
    w.gov.post_comment(pid, by=w.member("ben"), words="Syniad da.")
    w.gov.close_proposal(pid, by=w.facilitator)
    site.copro.views.catch_up()
    outcome = w.gov.proposal(pid).outcome
    assert outcome is not None
    page = welsh_person(site, "amara").get(site.url("/proposals/{p}", p=pid)).get_data(as_text=True)
    closed = re.search(r"Wedi cau ar (\d\d) (\w+) (\d{4}) am (\d\d:\d\d) UTC\.", page)
    assert closed is not None, "the closing time is said in Welsh"
    months = {
        "Ionawr", "Chwefror", "Mawrth", "Ebrill", "Mai", "Mehefin",
        "Gorffennaf", "Awst", "Medi", "Hydref", "Tachwedd", "Rhagfyr",
    }  # fmt: skip
    assert closed.group(2) in months
    commented = re.search(r"ben, (\d\d) (\w+) (\d{4}) am \d\d:\d\d UTC", html.unescape(page), re.IGNORECASE)
    assert commented is not None and commented.group(2) in months, "a comment's time too"
    text = html.unescape(page)
    assert "Wnaeth e ddim pasio: cymerodd rhy ychydig o bobl ran." in text, "the outcome is explained in Welsh"
    assert "Mae cynnig yn pasio" in text, "and so is the rule"
    listing = welsh_person(site, "amara").get(site.url("/proposals/")).get_data(as_text=True)
    assert re.search(r"Wedi cau ar \d{1,2} \w+ \d{4}", listing), "the list of proposals too"


@pytestmark_web
def test_a_refusal_and_a_confirmation_are_said_in_welsh(site: Site) -> None:
    pid = open_proposal(site)
    here = site.url("/proposals/{p}", p=pid)
    amara = welsh_person(site, "amara")  # the author
    amara.get(here)
    refused = amara.post(site.url("/proposals/{p}/withdraw", p=pid), {"reason": "Rhy gynnar."}, headers=HTML)
    assert refused.status_code == 303
    page = html.unescape(amara.get(refused.headers["Location"]).get_data(as_text=True))
    assert "<title>Gwall:" in page and "Mae problem" in page
    assert "Ticiwch y blwch i ddweud eich bod yn deall nad oes modd dod â chynnig" in page
    ben = welsh_person(site, "ben")
    ben.get(here)
    done = ben.post(site.url("/proposals/{p}/position", p=pid), {"position": "agree", "reason": ""}, headers=HTML)
    assert done.status_code == 303
    page = html.unescape(ben.get(done.headers["Location"]).get_data(as_text=True))
    assert "Mae eich safbwynt wedi'i gofnodi: cytuno." in page
    missing = ben.get(site.url("/proposals/{p}", p=UUID(int=7)) + "/nothing-here")
    assert missing.status_code == 404
    assert "Does dim byd yma" in html.unescape(missing.get_data(as_text=True))


def test_each_ledger_refusal_the_web_translates_is_still_one_the_ledger_raises() -> None:
    from tests.readability_corpus import ledger_error_texts
    from web.ledger_words import LEDGER_REFUSALS

    raised = set(ledger_error_texts())
    assert [m for m in LEDGER_REFUSALS if m not in raised] == []
    assert len(set(LEDGER_REFUSALS)) >= 50
    missing = [m for m in raised if m not in LEDGER_REFUSALS]
    assert missing == [], "a new fixed refusal in ledger/: add it to web/ledger_words.py and translate it"


def test_each_ledger_refusal_with_values_is_a_template_the_web_translates() -> None:
    from tests.readability_corpus import ledger_error_templates, ledger_errors_built_otherwise
    from web.ledger_words import LEDGER_TEMPLATES

    raised = set(ledger_error_templates())
    assert len(raised) >= 40
    assert [t for t in LEDGER_TEMPLATES if t not in raised] == [], "a template the ledger no longer raises"
    missing = [t for t in raised if t not in LEDGER_TEMPLATES]
    assert missing == [], "a new refusal template in ledger/: add it to LEDGER_TEMPLATES and translate it"
    from tests.readability_corpus import ledger_refusal_words
    from web.ledger_words import LEDGER_WORDS
    from web.words import ROLES, STATES

    words = ledger_refusal_words()
    assert {"title", "reason", "proposal", "withdraw", "aim of involvement"} <= set(words)
    known = {*LEDGER_WORDS, *ROLES.values(), *STATES.values()}
    assert [w for w in words if w not in known] == [], "a word the ledger puts in a refusal: add it to LEDGER_WORDS"
    # A rule file's own problem (policies.PolicyError, passed on): only `copro` stories and the CLI give
    # rule text, written in TOML by whoever runs the ledger; the web drafts with the built-in rules.
    english_only = {"ledger/governance/commands/agreements.py"}
    untranslatable = [w for w in ledger_errors_built_otherwise() if w.split(":")[0] not in english_only]
    assert untranslatable == [], "raise it as say(N_('... %(name)s ...'), name=...), not an f-string"


def test_a_refusal_with_values_reads_the_same_in_english_and_is_translated_with_its_values() -> None:
    from flask import Flask

    from ledger.governance.errors import N_, Conflict, Invalid, key_word, say
    from web import i18n
    from web.ledger_words import said

    e = Conflict(say(N_("This proposal is %(state)s, so you can no longer change it."), state=key_word("closed")))
    assert str(e) == e.message == "This proposal is closed, so you can no longer change it."
    too_long = N_("The %(field)s is %(length)s characters long; the limit is %(limit)s.")
    long = Invalid(say(too_long, field=key_word("title"), length=300, limit=200))
    app = Flask("web", root_path=str(ROOT / "web"))
    i18n.init_app(app)
    with app.test_request_context("/", headers={"Accept-Language": "cy"}):
        welsh = said(e)
        assert welsh != e.message and "closed" not in welsh and "wedi cau" in welsh, welsh
        assert "300" in said(long) and "200" in said(long) and "characters" not in said(long)
    with app.test_request_context("/", headers={"Accept-Language": "en"}):
        assert said(e) == e.message


@pytestmark_web
def test_a_refusal_from_the_ledger_is_said_in_welsh_at_the_web_boundary(site: Site) -> None:
    pid = open_proposal(site)
    dev = welsh_person(site, "dev")  # the facilitator
    dev.get(site.url("/proposals/{p}/reminders/", p=pid))
    r = dev.post(site.url("/proposals/{p}/reminders/", p=pid), {})
    assert r.status_code == 422
    page = html.unescape(r.get_data(as_text=True))
    assert "Dewiswch o leiaf un grŵp i'w atgoffa." in page
    assert "Choose at least one group to remind." not in page
    english = Person(site, "dev")
    english.get(site.url("/proposals/{p}/reminders/", p=pid))
    assert "Choose at least one group to remind." in english.post(site.url("/proposals/{p}/reminders/", p=pid), {}).text


@pytestmark_web
def test_a_refusal_with_values_from_the_ledger_is_said_in_welsh_with_its_values_in_welsh(site: Site) -> None:
    w = site.world
    pid = open_proposal(site)
    w.gov.close_proposal(pid, by=w.facilitator)
    site.copro.views.catch_up()
    here = site.url("/proposals/{p}", p=pid)
    ben = welsh_person(site, "ben")
    ben.get(here)
    r = ben.post(site.url("/proposals/{p}/position", p=pid), {"position": "agree", "reason": ""})
    assert r.status_code == 409
    page = html.unescape(r.get_data(as_text=True))
    assert "Mae'r cynnig hwn wedi cau, felly does dim modd i chi ymateb iddo nawr." in page
    assert "so you can not respond to it now" not in page
    english = Person(site, "ben")
    english.get(here)
    again = english.post(site.url("/proposals/{p}/position", p=pid), {"position": "agree", "reason": ""})
    assert "This proposal is closed, so you can not respond to it now." in html.unescape(again.text)


def test_every_event_and_record_name_of_the_vocabulary_has_plain_words() -> None:
    import ledger.governance.application  # noqa: F401  (registers the aggregates' names)
    from ledger.log import vocabulary
    from web.event_words import EVENTS, RECORDS

    # Only the ledger's own vocabulary: other test modules register test-only events (tests/diary.py).
    ours = f"{vocabulary.VOCABULARY}/"
    names = [t.removeprefix(ours) for t in vocabulary.names() if t.startswith(ours)]
    assert len(names) > 40
    assert [n for n in names if "." in n and n not in EVENTS] == [], "a new event: say it in web/event_words.py"
    assert [n for n in names if "." not in n and n not in RECORDS] == [], "a new record: say it in web/event_words.py"
    assert [n for n in EVENTS if n not in names] == [], "an event the vocabulary no longer has"


@pytestmark_web
def test_the_audit_pages_say_each_event_in_welsh_and_keep_its_name_for_technical_details(site: Site) -> None:
    w = site.world
    pid = open_proposal(site)
    w.gov.cast_ballot(pid, member_id=w.member("ben"), position="agree", reason="")
    site.copro.views.catch_up()
    amara = welsh_person(site, "amara")
    for path in ("/audit/", "/audit/trail"):
        page = html.unescape(amara.get(site.url(path)).get_data(as_text=True))
        table = page.split("<table>", 1)[1].split("</table>", 1)[0]
        assert "Rhoddwyd safbwynt" in table and "Agorodd y cynnig i ymatebion" in table, path
        assert "Ballot.Cast" not in re.sub(r'href="[^"]*"', "", table), f"{path}: no raw event name in the table"
        details = page.split("</table>", 1)[1]
        assert "<summary>Manylion technegol</summary>" in details and "<code>Ballot.Cast</code>" in details, path
        assert "<dt>Rhoddwyd safbwynt</dt>" in details
    record = html.unescape(amara.get(site.url("/audit/?aggregate={p}", p=pid.hex)).get_data(as_text=True))
    assert "<dt>Fersiwn</dt>" in record and "<dt>Cyflwr</dt>" in record and "<dt>Version</dt>" not in record
    wrong = amara.get(site.url("/audit/trail?from=soon"))
    assert wrong.status_code == 400
    said = html.unescape(wrong.get_data(as_text=True))
    assert "Nid yw 'soon' yn ddyddiad nac yn amser" in said and "is not a date or time" not in said


def test_every_label_of_a_record_as_it_stood_is_translated() -> None:
    import ast

    from web.event_words import RECORD_LABELS

    tree = ast.parse((ROOT / "ledger" / "governance" / "history.py").read_text(encoding="utf-8"))
    labels = {
        n.elts[0].value
        for n in ast.walk(tree)
        if isinstance(n, ast.Tuple) and len(n.elts) == 2 and isinstance(n.elts[0], ast.Constant)
        if isinstance(n.elts[0].value, str)
    }
    assert {"As of", "Version", "State", "Stakeholder groups"} <= labels
    assert sorted(labels - set(RECORD_LABELS)) == [], "a new label in history.describe: add it to RECORD_LABELS"
