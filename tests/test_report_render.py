"""report.html and report.pdf from a `copro-report/1` document: what a funder and the members read.

The HTML is checked as text (every value of the sample is on the page, in its own section; markup
in a title stays text; nothing could be fetched), then in a real Chromium (axe-core finds nothing,
the only request is the document itself, no sideways scrolling at 320 px). The PDF is read back
with poppler's own tools: `pdftotext` for the words, `pdfinfo` for metadata and the tag tree.
"""

from __future__ import annotations

import base64
import hashlib
import html
import re
import shutil
import subprocess
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, expect

from tests.report_sample import FEW, HOSTILE_TITLE, quiet_report, sample_report
from tests.services import missing
from web.report_files import ReportShapeError, render_html, render_pdf

# -- reading the HTML back -------------------------------------------------------------------


class _Sections(HTMLParser):
    """The text inside each element with an id (nested ones included), and the page's tags.

    A chart's own words (inside <svg>) are left out: they repeat the table beside it, and the
    tables must hold every figure on their own.
    """

    VOID = frozenset({"meta", "link", "br", "img", "input", "hr", "rect", "area", "base", "col", "source", "wbr"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, str | None]] = []
        self.text: dict[str, list[str]] = {"": []}
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.headings: list[int] = []
        self.in_style = False
        self.in_svg = 0

    INLINE = frozenset({"a", "span", "strong", "em", "b", "i", "code", "time", "abbr", "small"})

    def _gap(self, tag: str) -> None:
        """A block's edge separates words, as it does on screen; an inline element's edge does not."""
        if tag not in self.INLINE:
            self.handle_data(" ")

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._gap(tag)
        self.tags.append((tag, dict(attrs)))
        if re.fullmatch(r"h[1-6]", tag):
            self.headings.append(int(tag[1]))
        self.in_style = tag == "style"
        self.in_svg += tag == "svg"
        if tag in self.VOID or tag.endswith("/"):
            return
        ident = dict(attrs).get("id")
        self.stack.append((tag, ident))
        if ident:
            self.text.setdefault(ident, [])

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_endtag(self, tag: str) -> None:
        self.in_style = False
        self.in_svg -= tag == "svg"
        self._gap(tag)
        while self.stack:
            open_tag, _ = self.stack.pop()
            if open_tag == tag:
                break

    def handle_data(self, data: str) -> None:
        if self.in_style or self.in_svg:
            return
        self.text[""].append(data)
        for _, ident in self.stack:
            if ident:
                self.text[ident].append(data)

    def of(self, ident: str = "") -> str:
        return " ".join("".join(self.text[ident]).split())


def parse(page: bytes) -> _Sections:
    parser = _Sections()
    parser.feed(page.decode("utf-8"))
    return parser


def leaves(value: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], Any]]:
    if isinstance(value, dict):
        for key, item in value.items():
            yield from leaves(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from leaves(item, (*path, str(index)))
    else:
        yield path, value


def words(text: str) -> str:
    """Lower case, with the vocabulary's _ and - read as spaces: how a token shows as words."""
    return " ".join(re.sub(r"[_-]", " ", text.lower()).split())


#: Document sections whose values are shown in the header or the provenance section.
WHERE = {"collective": "collective", "period": "collective", "format": ""}
TOKENS = {"category", "rule", "outcome", "kind", "item", "role", "group_position", "id"}


def expected_text(path: tuple[str, ...], value: Any, doc: dict[str, Any]) -> str | None:
    """How a value of the document shows on the page, worked out here independently of the renderer."""
    names = {g["id"]: g["name"] for g in doc["groups"]}
    key = path[-1]
    if isinstance(value, bool) or value is None:
        return None  # shown as words ("overdue", "paramount", "not applicable"): checked by their own tests
    if key == "group":
        return str(names[value])
    if path[:1] in (("groups",), ("collective",)) and key == "id":
        return str(value)  # shown beside the group's name, or under the collective's
    if path[:1] == ("standards",) and path[-2] == "sections":
        return None  # a link to the section: test_each_standard_links_to_its_evidence
    if isinstance(value, int) and key.endswith("_minor"):
        whole, pence = divmod(value, 100)
        return f"£{whole:,}.{pence:02d}"
    if isinstance(value, int):
        return f"{value:,}"
    if re.fullmatch(r"\d{4}-\d\d-\d\d(T[0-9:]+Z)?", value):
        return None  # dates: test_dates_read_as_a_reader_writes_them
    if key in TOKENS and re.fullmatch(r"[a-z_-]+", value) and path[:1] != ("gripp2",):
        return words(value)
    return str(value)


def test_every_value_of_the_sample_appears_in_its_own_section() -> None:
    doc = sample_report()
    page = parse(render_html(doc))
    absent = []
    for path, value in leaves(doc):
        wanted = expected_text(path, value, doc)
        if wanted is None:
            continue
        section = WHERE.get(path[0], path[0])
        shown = page.of(section)
        if wanted == words(wanted):  # a token of the vocabulary, or plain lower-case words
            haystack, needle = words(shown), wanted
        else:
            haystack, needle = shown, " ".join(wanted.split())
        pattern = rf"(?<![\w.,]){re.escape(needle)}(?![\w]|[.,]\d)"
        if not re.search(pattern, haystack):
            absent.append(f"{'.'.join(path)} = {value!r} (looked for {needle!r} in section {section!r})")
    assert not absent, "these values of the document are not on the page:\n" + "\n".join(absent)


def test_a_value_left_out_of_the_page_is_noticed() -> None:
    """The check above would catch a renderer that forgot a figure: change one and look for the old one."""
    doc = sample_report()
    page = parse(render_html(doc))
    assert re.search(r"(?<![\w.,])214(?!\w)", page.of("headline"))
    doc["headline"]["hours_given"] = 215
    assert not re.search(r"(?<![\w.,])214(?!\w)", parse(render_html(doc)).of("headline"))


def test_dates_read_as_a_reader_writes_them() -> None:
    page = render_html(sample_report())
    text = parse(page).of()
    assert "from 1 January 2026 up to 1 December 2026" in text
    assert '<time datetime="2026-03-04T10:00:00Z">4 March 2026</time>' in page.decode()
    assert "Next review by 15 January 2027: not overdue." in text


def test_a_title_with_markup_shows_as_text_and_the_page_has_no_script() -> None:
    page = render_html(sample_report())
    assert b"<script" not in page.lower(), "a <script> element reached the page"
    assert b"&lt;script&gt;" in page
    assert HOSTILE_TITLE in parse(page).of("decisions")


def test_suppressed_cells_show_as_fewer_than_5_and_the_page_says_why() -> None:
    doc = sample_report()
    page = parse(render_html(doc))
    cells = sum(1 for _, v in leaves(doc) if v == FEW) - 1  # suppression.shown_as is not a cell
    assert page.of().count(FEW) >= cells
    note = page.of("suppression")
    assert "about 1 to 4 people, it shows as “fewer than 5”" in note
    assert "by subtraction" in note


def test_nothing_in_the_page_could_be_fetched_and_its_own_style_is_allowed_by_hash() -> None:
    """No src, no link to elsewhere, no url() in the CSS; the CSP forbids every request and allows only our CSS."""
    page = render_html(sample_report())
    parsed = parse(page)
    for tag, attrs in parsed.tags:
        assert "src" not in attrs and "srcset" not in attrs, (tag, attrs)
        assert tag not in ("link", "script", "iframe", "object", "embed", "img", "base"), tag
        href = attrs.get("href")
        assert href is None or href.startswith("#"), f"{tag} links out of the file: {href}"
    style = re.search(rb"<style>(.*?)</style>", page, re.S)
    assert style is not None
    assert b"url(" not in style.group(1) and b"@import" not in style.group(1)
    digest = base64.b64encode(hashlib.sha256(style.group(1)).digest()).decode()
    csp = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', page.decode())
    assert csp is not None
    assert html.unescape(csp.group(1)).startswith(f"default-src 'none'; style-src 'sha256-{digest}';")


def test_one_h1_headings_in_order_and_the_mandatory_headings() -> None:
    page = parse(render_html(sample_report()))
    assert page.headings.count(1) == 1 and page.headings[0] == 1
    jumps = [(a, b) for a, b in zip(page.headings, page.headings[1:], strict=False) if b > a + 1]
    assert not jumps, f"headings skip a level: {jumps}"
    text = page.of()
    for heading in (
        "Equality, diversity and inclusion",
        "GRIPP2 short form",
        "1. Aim of involvement",
        "5. Critical reflection",
        "UK Standards for Public Involvement",
        "You said, we did",
        "Where involvement changed nothing",
        "Where these figures come from",
    ):
        assert heading in text, heading
    tables = [a for t, a in page.tags if t == "table"]
    captions = [a for t, a in page.tags if t == "caption"]
    assert tables and len(captions) == len(tables)
    assert all(a.get("scope") in ("col", "row") for t, a in page.tags if t == "th")


def test_each_section_names_the_gripp2_item_and_uk_standards_it_serves() -> None:
    page = parse(render_html(sample_report()))
    assert (
        "GRIPP2 short form: How far involvement influenced the work; UK Standards for Public Involvement: "
        in page.of("influence")
    )
    assert "Communications, Impact." in page.of("influence")
    assert "GRIPP2 short form: Critical reflection; UK Standards for Public Involvement: Support and learning." in (
        page.of("reflections")
    )


def test_each_standard_links_to_its_evidence() -> None:
    doc = sample_report()
    page = render_html(doc)
    ids = {a.get("id") for _, a in parse(page).tags}
    for standard in doc["standards"]:
        for section in standard["sections"]:
            assert section in ids, section
            assert f'<a href="#{section}">'.encode() in page


def test_the_gripp2_section_shows_the_record_and_the_steward_or_says_the_steward_has_not_written() -> None:
    doc = sample_report()
    page = parse(render_html(doc))
    assert page.of("gripp2-methods").endswith("In the steward's words The steward has not written this part.")
    assert "We wanted people who hear voices to set the study's first question" in page.of("gripp2-aim")
    assert "The steward has not written this part." in page.of("equality_diversity_inclusion")


def test_the_trail_shows_what_was_said_and_what_it_changed() -> None:
    text = parse(render_html(sample_report())).of("influence")
    assert (
        "You said: an objection, a paramount one (the decision could not go ahead until it was resolved). "
        "It came from People with lived experience. We did: a revision, version 2 of the proposal. "
        "Version 2 lets members book the taxi themselves"
    ) in text
    assert "You said: a concern. It came from Family members and carers." in text
    assert "You said: a reason given with a vote. It came from a group not named here" in text
    assert "We did: the outcome changed: Blocked, on version 2. A block explaining" in text
    assert "most of Researchers said Agree; the outcome was Not adopted." in text


def test_the_provenance_pins_the_checkpoint_and_the_previous_one_and_points_to_verify_txt() -> None:
    doc = sample_report()
    text = parse(render_html(doc)).of("log")
    assert "example.org/copro/kitchen-table" in text and "1,203" in text and doc["log"]["root"] in text
    assert "The previous report pinned the log at 917 entries" in text
    assert "VERIFY.txt" in text


def test_a_quiet_unpinned_period_says_so() -> None:
    page = parse(render_html(quiet_report()))
    assert "Nothing happened in this period." in page.of("headline")
    assert "Not pinned yet." in page.of("log")
    assert "everything from the start of the collective's record up to 31 January 2026" in page.of()
    assert "No decision was made in this period." in page.of("decisions")
    assert "not applicable" in page.of("headline")


@pytest.mark.parametrize(
    ("change", "says"),
    [
        (lambda d: d.update(format="copro-report/2"), "this one says its format is 'copro-report/2'"),
        (lambda d: d.pop("influence"), "The report has no influence section"),
        (lambda d: d["decisions"]["participation"][0].update(group="nobody"), "a group 'nobody' that is not one"),
        (lambda d: d["decisions"]["items"][0].update(closed_at="4 March"), "'4 March' is not a date"),
        (lambda d: d["headline"].update(members=4.5), "A count must be a whole number"),
        (lambda d: d["headline"].pop("statement"), "missing a part this renderer needs"),
        (lambda d: d["standards"][0]["sections"].append("gossip"), "a section 'gossip' the report does not have"),
    ],
)
def test_a_malformed_document_gets_one_clear_sentence(change: Any, says: str) -> None:
    doc = sample_report()
    change(doc)
    with pytest.raises(ReportShapeError) as caught:
        render_html(doc)
    message = str(caught.value)
    assert says in message
    assert "\n" not in message and message.endswith(".")


def test_a_document_that_is_not_an_object_is_refused() -> None:
    with pytest.raises(ReportShapeError, match="must be a JSON object"):
        render_html([])  # type: ignore[arg-type]


def long_words() -> dict[str, Any]:
    """The sample with names and titles that have no place to break a line."""
    doc = sample_report()
    doc["collective"]["name"] = "Kitchentableresearchcollectiveforpeerhearingvoicessupportstudies"
    doc["groups"][0]["name"] = "Peoplewithlivedexperienceofhearingvoicesandvisions"
    doc["decisions"]["items"][0]["title"] = "Spendthetravelbudgetontaxisforeveningmeetingsandweekendsalike" * 2
    doc["influence"]["trail"][0]["title"] = doc["decisions"]["items"][0]["title"]
    doc["log"]["origin"] = "example.org/copro/" + "kitchentable" * 8
    return doc


# -- the PDF, read back with poppler -----------------------------------------------------------


def poppler(tool: str, *args: str) -> str:
    if shutil.which(tool) is None:
        missing(f"poppler-utils ({tool}) is not installed")
    return subprocess.run([tool, *args], check=True, capture_output=True, text=True).stdout


@pytest.fixture(scope="module")
def pdf_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("pdf") / "report.pdf"
    path.write_bytes(render_pdf(sample_report()))
    return path


def test_the_pdf_text_holds_the_headline_figures_and_the_section_headings(pdf_file: Path) -> None:
    text = " ".join(poppler("pdftotext", "-raw", "-enc", "UTF-8", str(pdf_file), "-").split())
    doc = sample_report()
    head = doc["headline"]
    assert head["statement"].split(";")[0] in text
    for label, value in (
        ("Members at the end of the period", "19"),
        ("Decisions made", "5"),
        ("Share of members who took part in decisions", "81%"),
        ("Objections raised", "7"),
        ("Decisions changed by involvement", "3"),
        ("Hours given", "214"),
    ):
        assert f"{label} {value}" in text, label
    for heading in (
        "At a glance",
        "Building and keeping relationships",
        "Sharing power and decisions",
        "All voices included and valued",
        "Something in it for everyone",
        "Reflective practice",
        "You said, we did: what involvement changed",
        "GRIPP2 short form",
        "Equality, diversity and inclusion",
        "UK Standards for Public Involvement",
        "Where these figures come from",
    ):
        assert heading in text, heading
    assert "fewer than 5" in text and "The steward has not written this part." in text
    assert "<script>" in text, "markup in a title shows as text in the PDF too"
    assert "£1,234.75" in text


def test_the_pdf_is_tagged_with_a_title_language_and_the_periods_end_as_its_date(pdf_file: Path) -> None:
    info = poppler("pdfinfo", str(pdf_file))
    assert re.search(
        r"^Title:\s+Co-production report: Kitchen Table Research, 1 January 2026 to 1 December 2026$", info, re.M
    )
    assert re.search(r"^Tagged:\s+yes$", info, re.M)
    assert re.search(r"^Page size:.*\(A4\)$", info, re.M)
    assert re.search(r"^CreationDate:\s+Tue Dec  1 00:00:00 2026 UTC$", info, re.M), info
    meta = poppler("pdfinfo", "-meta", str(pdf_file))
    assert 'pdfuaid:part="1"' in meta
    tree = poppler("pdfinfo", "-struct", str(pdf_file))
    for tag in ("H1", "H2", "Table", "Caption", "TH", "Figure"):
        assert re.search(rf"^\s*{tag}\b", tree, re.M), f"no {tag} in the PDF's tag tree"
    assert _has_lang(pdf_file.read_bytes()), "the PDF does not say its language"
    alts = _figure_alts(pdf_file.read_bytes())
    assert len(alts) == 3 and any(alt.startswith("Decisions by outcome: Adopted: 2; Not adopted: 1") for alt in alts), (
        alts
    )


def _objects(pdf: bytes) -> Iterator[bytes]:
    """The PDF's compressed streams, inflated: WeasyPrint writes its catalog and tags in object streams."""
    for stream in re.finditer(rb"stream\r?\n(.*?)endstream", pdf, re.S):
        try:
            yield zlib.decompress(stream.group(1))
        except zlib.error:
            continue


def _has_lang(pdf: bytes) -> bool:
    return any(b"/Lang (en)" in objects for objects in _objects(pdf))


def _figure_alts(pdf: bytes) -> list[str]:
    """The alternative texts of the tagged figures (charts), as a PDF reader would announce them."""
    return [m.group(1).decode("latin-1") for o in _objects(pdf) for m in re.finditer(rb"/Alt \(([^)]*)\)", o)]


def test_the_same_document_gives_the_same_pdf_bytes(pdf_file: Path) -> None:
    """A report is signed: rendering it again (with the same WeasyPrint and fonts) gives the same file."""
    assert render_pdf(sample_report()) == pdf_file.read_bytes()
    later = sample_report()
    later["period"]["to"] = "2026-12-02T00:00:00Z"
    assert render_pdf(later) != pdf_file.read_bytes()


def test_the_pdf_refuses_a_malformed_document_before_any_rendering() -> None:
    doc = sample_report()
    doc["format"] = "something else"
    with pytest.raises(ReportShapeError):
        render_pdf(doc)


# -- in a real Chromium ------------------------------------------------------------------------

REPORT_URL = "https://report.invalid/report.html"  # never resolved: every request is answered by the test


@dataclass
class Seen:
    """What a page did while the test watched."""

    requests: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)


@pytest.fixture
def chromium(browser: Browser) -> Browser:
    """The session's one Chromium (tests/conftest.py)."""
    return browser


def open_report(chromium: Any, page_bytes: bytes, *, width: int, bypass_csp: bool = False) -> tuple[Any, Seen]:
    """The report in a fresh context: every request, console error and dialog is recorded; only the report is served."""
    context = chromium.new_context(viewport={"width": width, "height": 800}, bypass_csp=bypass_csp)
    context.set_default_timeout(10_000)
    seen = Seen()
    context.on("request", lambda r: seen.requests.append(r.url))
    context.on("console", lambda m: seen.errors.append(m.text) if m.type == "error" else None)

    def dismiss(dialog: Any) -> None:
        seen.dialogs.append(dialog.message)
        dialog.dismiss()

    context.on("dialog", dismiss)

    def answer(route: Any) -> None:
        if route.request.url == REPORT_URL:
            route.fulfill(status=200, content_type="text/html; charset=utf-8", body=page_bytes)
        else:
            route.abort()

    context.route("**/*", answer)
    page = context.new_page()
    page.goto(REPORT_URL)
    page.wait_for_load_state("networkidle")
    return page, seen


@pytest.mark.browser
def test_the_html_makes_no_request_but_itself_and_runs_within_its_csp(chromium: Any) -> None:
    page, seen = open_report(chromium, render_html(sample_report()), width=1280)
    try:
        assert seen.requests == [REPORT_URL], f"the report asked for more than itself: {seen.requests}"
        assert not seen.errors, f"console errors (a style the CSP refused would show here): {seen.errors}"
        assert not seen.dialogs, "a script in a title ran"
        # the CSP allowed the style sheet by its hash: the page is styled, not browser-default
        assert page.evaluate("getComputedStyle(document.querySelector('header.cover')).borderBottomStyle") == "solid"
        assert page.get_by_role("heading", level=1).count() == 1
        assert page.get_by_text(HOSTILE_TITLE).first.is_visible()
    finally:
        page.context.close()


@pytest.mark.browser
@pytest.mark.parametrize("width", [1280, 320])
@pytest.mark.parametrize("which", ["sample", "quiet"])
def test_axe_finds_no_violations_in_the_report(chromium: Any, width: int, which: str) -> None:
    from tests.browser_support import describe_violations, run_axe

    doc = sample_report() if which == "sample" else quiet_report()
    page, _ = open_report(chromium, render_html(doc), width=width, bypass_csp=True)  # to inject axe
    try:
        violations = run_axe(page)
        assert not violations, describe_violations({f"{which} at {width}px": violations})
    finally:
        page.context.close()


@pytest.mark.browser
@pytest.mark.parametrize("which", ["sample", "long words"])
def test_the_report_does_not_scroll_sideways_at_320_px(chromium: Any, which: str) -> None:
    """WCAG 1.4.10 (reflow): a wide table scrolls in its own box; a long word breaks rather than widen the page."""
    doc = sample_report() if which == "sample" else long_words()
    page, _ = open_report(chromium, render_html(doc), width=320)
    try:
        assert page.evaluate("document.documentElement.scrollWidth") <= 320
    finally:
        page.context.close()


@pytest.mark.browser
def test_the_charts_have_text_alternatives_with_their_figures(chromium: Any) -> None:
    page, _ = open_report(chromium, render_html(sample_report()), width=1280)
    try:
        charts = page.get_by_role("img")
        assert charts.count() == 3
        names = [charts.nth(i).get_attribute("aria-labelledby") for i in range(charts.count())]
        assert all(n for n in names)
        first = page.locator("svg").first
        assert (first.locator("title").text_content() or "").startswith(
            "Decisions by outcome: Adopted: 2; Not adopted: 1"
        )
        expect(
            page.get_by_role("img", name=re.compile(r"^Hours given, by group: People with lived experience: 150 hours"))
        ).to_be_visible()
    finally:
        page.context.close()


def test_the_sample_is_a_canonical_document_and_renders_the_same_after_a_round_trip() -> None:
    """The sample obeys the schema's byte rules (no floats, no huge ints), as report.json will."""
    import json

    from policies.canonical import canonical_json

    doc = sample_report()
    again = json.loads(canonical_json(doc))
    assert render_html(again) == render_html(doc)


def test_a_missing_share_says_why() -> None:
    """A null percent means no one could take part (eligible 0) or that the share would give a small number away."""
    text = parse(render_html(sample_report())).of("decisions")
    newsletter = text[text.index("Decision 5:") :]
    assert "People with lived experience 12 fewer than 5 not shown (it would give away a small number)" in newsletter
    assert "Family members and carers 0 0 not applicable (no one could take part)" in newsletter


def test_weasyprint_is_given_a_fetcher_that_refuses_every_request() -> None:
    """Were a report ever to point at something outside itself, the PDF would fail rather than fetch it."""
    import weasyprint
    from weasyprint.urls import FatalURLFetchingError

    from web.report_files import _refuse_fetching

    page = '<html lang="en"><body><img src="http://127.0.0.1:9/tracker.png" alt="x"></body></html>'
    with pytest.raises(FatalURLFetchingError):
        weasyprint.HTML(string=page, url_fetcher=_refuse_fetching()).write_pdf()


def test_a_standard_may_point_to_any_part_of_the_report() -> None:
    doc = sample_report()
    doc["standards"][3]["sections"] = ["collective", "headline", "suppression", "log"]
    page = render_html(doc)
    for section in ("collective", "headline", "suppression", "log"):
        assert f'<a href="#{section}">'.encode() in page and f'id="{section}"'.encode() in page


def _overflowing_boxes(doc: dict[str, Any]) -> list[str]:
    """Boxes of the PDF's layout that reach past the right edge of the A4 page's content area.

    The PDF has no scroll box: what runs off the page is lost. This reads WeasyPrint's layout
    (its page boxes), which is not public API; WeasyPrint is pinned to one major version.
    """
    import weasyprint
    from weasyprint.formatting_structure import boxes

    from web.report_files import _refuse_fetching

    rendered = weasyprint.HTML(string=render_html(doc).decode(), url_fetcher=_refuse_fetching()).render()
    found = []
    for number, page in enumerate(rendered.pages, 1):
        page_box = page._page_box
        edge = page_box.content_box_x() + page_box.width
        for root in page_box.children:
            if isinstance(root, boxes.MarginBox):
                continue
            for box in root.descendants():
                if box.position_x + box.margin_width() > edge + 0.5:
                    words = [d.text for d in box.descendants() if isinstance(d, boxes.TextBox)][:3]
                    found.append(f"page {number}: <{box.element_tag}> {words}")
                    break
    return found


@pytest.mark.parametrize("which", ["sample", "long words"])
def test_nothing_in_the_pdf_runs_off_the_page(which: str) -> None:
    doc = sample_report() if which == "sample" else long_words()
    assert not _overflowing_boxes(doc)


@pytest.mark.parametrize(
    ("minor", "currency", "shown"),
    [
        (123475, "GBP", "£1,234.75"),
        (5, "EUR", "€0.05"),
        (0, "USD", "$0.00"),
        (1500, "JPY", "1,500 JPY"),
        (-250, "GBP", "-£2.50"),
    ],
)
def test_money_is_shown_from_whole_minor_units(minor: int, currency: str, shown: str) -> None:
    from web.report_files import show_money

    assert show_money(minor, currency) == shown


def test_a_bar_is_as_long_as_its_share_and_a_hidden_figure_has_no_bar() -> None:
    from web.report_files import bar_chart

    chart = bar_chart("c", "Shares", [("a", 50, "50%"), ("b", 100, "100%"), ("c", None, "not shown")], top=100)
    assert [b.width for b in chart.bars] == [150, 300, 0]
    assert chart.desc == "a: 50%; b: 100%; c: not shown."


def test_a_hidden_overall_share_says_it_is_hidden_not_that_it_does_not_apply() -> None:
    doc = sample_report()
    doc["headline"]["participation_percent"] = None  # some decision's turnout is about fewer than 5 people
    headline = parse(render_html(doc)).of("headline")
    assert "not shown (it would give away a small number)" in headline
    assert "not applicable" not in headline
