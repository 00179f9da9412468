"""A `copro-report/1` document as a funder reads it: one self-contained HTML file, and the same as a PDF.

The figures are computed from the log elsewhere; this module only presents them, so it adds no
figure of its own and never rounds one again. It lives in web/ because it needs Jinja (the ledger
may not import it), and it is pure: a document in, bytes out, nothing read from disk but the
template, nothing fetched from anywhere.

The HTML carries its own CSS (allowed by a hash in its Content-Security-Policy, which also forbids
every request and every script), so it opens from an e-mail attachment or a USB stick exactly as it
was signed. The PDF is WeasyPrint's rendering of the same HTML in print media, tagged as PDF/UA-1,
with its dates taken from the period's end so that the same document gives the same bytes.
"""

from __future__ import annotations

import base64
import hashlib
import io
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any, NoReturn

import jinja2

__all__ = ["FORMAT", "ReportShapeError", "render_html", "render_pdf"]

FORMAT = "copro-report/1"
TEMPLATES = Path(__file__).resolve().parent / "templates" / "report"

#: The sections every document has (report-schema.md); `log` may be null.
REQUIRED = (
    "collective",
    "period",
    "log",
    "suppression",
    "groups",
    "headline",
    "decisions",
    "influence",
    "objections",
    "agreements",
    "roles",
    "reflections",
    "contributions",
    "involvement",
    "gripp2",
    "equality_diversity_inclusion",
    "standards",
)

#: Plain words for the document's vocabulary. Each label starts with the token's own words, so a
#: reader who meets the token in report.json recognises it here.
LABELS = {
    "adopted": "Adopted",
    "not_adopted": "Not adopted",
    "no_quorum": "No quorum: too few took part to decide",
    "blocked": "Blocked",
    "objection_unresolved": "Objection unresolved",
    "withdrawn": "Withdrawn",
    "objection": "Objection",
    "concern": "Concern",
    "reason": "Reason given with a vote",
    "revision": "Revision: a new version of the proposal",
    "outcome": "Outcome: the decision itself",
    "agree": "Agree",
    "abstain": "Abstain",
    "disagree": "Disagree",
    "block": "Block",
}

#: The order in which a mapping's keys are shown. report.json is canonical JSON, whose keys are
#: sorted, so the order must come from here, not from the document; unknown keys follow, sorted.
KEY_ORDER = {
    "outcomes": ("adopted", "not_adopted", "no_quorum", "blocked", "objection_unresolved"),
    "recognition": ("payment", "voucher", "expenses", "credit", "training"),
    "subjects": ("proposal", "decision", "agreement", "meeting", "period"),
}

#: The GRIPP2 short-form items each section gives evidence for (the UK Standards come from the document).
GRIPP2_FOR = {
    "headline": ("results",),
    "groups": ("methods",),
    "agreements": ("methods",),
    "roles": ("methods",),
    "decisions": ("methods", "results"),
    "influence": ("influence",),
    "objections": ("results", "influence"),
    "involvement": ("results", "reflection"),
    "contributions": ("methods",),
    "reflections": ("reflection",),
    "equality_diversity_inclusion": ("methods", "results"),
    "log": (),
}

#: What each section of the document is called on the page (for the contents and the standards' links).
SECTION_TITLES = {
    "collective": "About this report",
    "headline": "At a glance",
    "suppression": "How to read the figures",
    "groups": "Who the members are",
    "agreements": "Agreements in force",
    "roles": "Roles and how often they changed hands",
    "decisions": "Decisions",
    "influence": "You said, we did: what involvement changed",
    "objections": "Objections and how they were resolved",
    "involvement": "Members' own view of their involvement",
    "contributions": "Contributions and recognition",
    "reflections": "Reflections and the actions that followed",
    "gripp2": "GRIPP2 short form",
    "equality_diversity_inclusion": "Equality, diversity and inclusion",
    "standards": "UK Standards for Public Involvement",
    "log": "Where these figures come from",
}

#: Minor units per currency where it is not 2 (ISO 4217); symbols for the common ones.
MINOR_DIGITS = {"JPY": 0, "KRW": 0, "ISK": 0, "BHD": 3, "KWD": 3, "OMR": 3, "TND": 3}
SYMBOLS = {"GBP": "£", "EUR": "€", "USD": "$"}

_BAR_AREA = 300  # chart drawing width, in the SVG's own units (viewBox 320 wide: 1:1 on the smallest screen)


class ReportShapeError(ValueError):
    """The document is not a `copro-report/1` this renderer can show; the message says what is wrong."""


def _refuse(message: str) -> NoReturn:
    raise ReportShapeError(message)


# -- formatting -----------------------------------------------------------------------------


HIDDEN = "not shown"
"""A cell hidden only so that a small one beside it cannot be worked out by subtraction (null in report.json)."""


def show_count(value: Any) -> str:
    """A Count: an integer with thousands separators, the suppression phrase, or "not shown" (null)."""
    if value is None:
        return HIDDEN
    if isinstance(value, bool) or not isinstance(value, int | str):
        _refuse(f"A count must be a whole number or 'fewer than 5', got {value!r}.")
    return f"{value:,}" if isinstance(value, int) else value


def show_percent(value: Any) -> str:
    """A whole percent, or a plain statement when no one was eligible (null)."""
    if value is None:
        return "not applicable (no one could take part)"
    return f"{show_count(value)}%"


def show_share(row: Any) -> str:
    """The percent of a participation row; a null percent says why it is missing: no one eligible, or hidden."""
    if not isinstance(row, Mapping) or "percent" not in row or "eligible" not in row:
        _refuse(f"A participation row has eligible, took_part and percent, got {row!r}.")
    if row["percent"] is not None:
        return show_percent(row["percent"])
    if row["eligible"] == 0:
        return show_percent(None)
    return "not shown (it would give away a small number)"


def show_money(minor: Any, currency: Any) -> str:
    """An amount in minor units (pence, cents) in its currency, without floats: 123475 GBP -> £1,234.75."""
    if isinstance(minor, bool) or not isinstance(minor, int) or not isinstance(currency, str):
        _refuse(f"A money amount must be whole minor units with a currency code, got {minor!r} {currency!r}.")
    digits = MINOR_DIGITS.get(currency, 2)
    sign = "-" if minor < 0 else ""
    whole, part = divmod(abs(minor), 10**digits)
    amount = f"{whole:,}" + (f".{part:0{digits}d}" if digits else "")
    symbol = SYMBOLS.get(currency)
    return f"{sign}{symbol}{amount}" if symbol else f"{sign}{amount} {currency}"


def show_day(value: Any) -> str:
    """An RFC 3339 time or a date as a reader writes it: 4 March 2026."""
    if not isinstance(value, str):
        _refuse(f"A date must be written as text (like 2026-03-04), got {value!r}.")
    try:
        day = datetime.fromisoformat(value).date() if "T" in value else date.fromisoformat(value)
    except ValueError:
        _refuse(f"{value!r} is not a date (write it like 2026-03-04 or 2026-03-04T10:00:00Z).")
    return f"{day.day} {day:%B %Y}"


def label(token: Any) -> str:
    """Plain words for a token of the document's vocabulary (an outcome, a rule, a category...)."""
    if not isinstance(token, str):
        _refuse(f"Expected a word from the report's vocabulary, got {token!r}.")
    known = LABELS.get(token)
    return known if known is not None else token.replace("_", " ").replace("-", " ").capitalize()


def in_order(mapping: Any, kind: str) -> list[tuple[str, Any]]:
    """A mapping's items in the order readers expect (KEY_ORDER), the same whatever order the JSON had."""
    if not isinstance(mapping, Mapping):
        _refuse(f"Expected a table of {kind} and their counts, got {mapping!r}.")
    known = KEY_ORDER[kind]
    return [(k, mapping[k]) for k in known if k in mapping] + sorted(
        (k, v) for k, v in mapping.items() if k not in known
    )


# -- charts ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Bar:
    """One labelled bar; `width` is 0 when the value cannot be drawn (suppressed or not applicable)."""

    label: str
    text: str
    width: int
    y: int


@dataclass(frozen=True)
class Chart:
    """A horizontal bar chart drawn as inline SVG; its figures are also in the table beside it."""

    id: str
    title: str
    desc: str
    bars: tuple[Bar, ...]
    height: int


def bar_chart(chart_id: str, title: str, rows: Iterable[tuple[str, Any, str]], *, top: int | None = None) -> Chart:
    """Bars scaled to `top` (100 for percents) or to the largest value; a suppressed value gets no bar.

    Widths are whole units of the SVG's viewBox: integer arithmetic, as everywhere in a report.
    """
    items = list(rows)
    drawable = [v for _, v, _ in items if isinstance(v, int) and not isinstance(v, bool)]
    scale = top if top is not None else max([*drawable, 1])
    bars = []
    for index, (name, value, text) in enumerate(items):
        width = 0
        if isinstance(value, int) and not isinstance(value, bool) and scale > 0:
            width = max(0, min(_BAR_AREA, value * _BAR_AREA // scale))
        bars.append(Bar(label=name, text=text, width=width, y=8 + index * 46))
    desc = "; ".join(f"{b.label}: {b.text}" for b in bars) + "." if bars else "No figures."
    return Chart(id=chart_id, title=title, desc=desc, bars=tuple(bars), height=16 + len(bars) * 46)


# -- the page -------------------------------------------------------------------------------


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(
        count=show_count,
        percent=show_percent,
        share=show_share,
        in_order=in_order,
        money=show_money,
        day=show_day,
        label=label,
    )
    return env


_ENV = _environment()


def _styles() -> tuple[str, str]:
    """The CSS, and its CSP hash: the page allows its own style sheet and nothing else."""
    css = (TEMPLATES / "report.css").read_text(encoding="utf-8")
    digest = base64.b64encode(hashlib.sha256(css.encode("utf-8")).digest()).decode("ascii")
    return css, f"'sha256-{digest}'"


def _check_shape(doc: Any) -> Mapping[str, Any]:
    if not isinstance(doc, Mapping):
        _refuse(f"A report must be a JSON object, got {type(doc).__name__}.")
    if doc.get("format") != FORMAT:
        _refuse(f"This renderer shows {FORMAT} documents; this one says its format is {doc.get('format')!r}.")
    missing = [key for key in REQUIRED if key not in doc]
    if missing:
        _refuse(f"The report has no {', '.join(missing)} section; every {FORMAT} document has one.")
    return doc


def _context(doc: Mapping[str, Any]) -> dict[str, Any]:
    """What the template needs beyond the document: group names, section links, charts."""
    names = {g["id"]: g["name"] for g in doc["groups"]}

    def group_name(gid: Any) -> str:
        if gid is None:
            return "a group not named here (it has too few people to name it safely)"
        if gid not in names:
            _refuse(f"The report names a group {gid!r} that is not one of the collective's groups.")
        return str(names[gid])

    standards_for: dict[str, list[str]] = {}
    for entry in doc["standards"]:
        for section in entry["sections"]:
            if section not in SECTION_TITLES:
                _refuse(f"The standard {entry['standard']!r} points to a section {section!r} the report does not have.")
            standards_for.setdefault(section, []).append(entry["standard"])
    gripp2_titles = {item["item"]: item["title"] for item in doc["gripp2"]}

    def serves(section: str) -> dict[str, list[str]]:
        return {
            "gripp2": [gripp2_titles.get(i, label(i)) for i in GRIPP2_FOR.get(section, ())],
            "standards": standards_for.get(section, []),
        }

    decisions = doc["decisions"]
    outcomes = decisions["by_outcome"]
    charts = {
        "outcomes": bar_chart(
            "chart-outcomes",
            "Decisions by outcome",
            ((label(k), v, show_count(v)) for k, v in in_order(outcomes, "outcomes")),
        ),
        "participation": bar_chart(
            "chart-participation",
            "How many of those who could take part did, by group",
            [
                *((group_name(r["group"]), r["percent"], show_share(r)) for r in decisions["participation"]),
                ("Everyone", decisions["overall"]["percent"], show_share(decisions["overall"])),
            ],
            top=100,
        ),
        "hours": bar_chart(
            "chart-hours",
            "Hours given, by group",
            (
                (group_name(r["group"]), r["hours"], f"{show_count(r['hours'])} hours")
                for r in doc["contributions"]["by_group"]
            ),
        ),
    }
    css, css_hash = _styles()
    return {
        "doc": doc,
        "group_name": group_name,
        "serves": serves,
        "titles": SECTION_TITLES,
        "charts": charts,
        "css": css,
        "css_hash": css_hash,
        "few": doc["suppression"]["shown_as"],
    }


def render_html(doc: Mapping[str, Any]) -> bytes:
    """The report as one self-contained, printable, accessible HTML file (UTF-8)."""
    checked = _check_shape(doc)
    try:
        text = _ENV.get_template("report.html").render(_context(checked))
    except (jinja2.UndefinedError, KeyError, TypeError) as e:
        raise ReportShapeError(f"The report is missing a part this renderer needs ({e}).") from None
    return text.encode("utf-8")


def _refuse_fetching() -> Any:
    """WeasyPrint's fetcher for a report: a report is self-contained, so any request stops the rendering.

    WeasyPrint 70 takes a `URLFetcher` (a plain function no longer works); with fail_on_errors
    its refusal is fatal rather than a warning and a missing picture.
    """
    from weasyprint.urls import URLFetcher

    class RefuseFetching(URLFetcher):  # type: ignore[misc]
        def fetch(self, url: str, headers: Any = None) -> NoReturn:
            raise ValueError(f"a report fetches nothing, and something asked for {url[:80]!r}")

    return RefuseFetching(fail_on_errors=True)


def render_pdf(doc: Mapping[str, Any]) -> bytes:
    """The same report as a tagged PDF (PDF/UA-1) with extractable text, title, language and fixed dates.

    The dates come from the period's end (the HTML's dcterms.created and dcterms.modified), and
    the file identifier is WeasyPrint's hash of the content, so the same document, WeasyPrint and
    fonts give the same bytes.
    """
    import weasyprint  # imported here: it is slow to load and only the PDF needs it

    html = render_html(doc)
    out = io.BytesIO()
    weasyprint.HTML(string=html.decode("utf-8"), url_fetcher=_refuse_fetching(), media_type="print").write_pdf(
        out, pdf_variant="pdf/ua-1", pdf_identifier=True
    )
    return out.getvalue()


RENDERERS = {"report.html": render_html, "report.pdf": render_pdf}
"""The files a report holds beside report.json, and what writes each (``ledger.governance.report.build``)."""
