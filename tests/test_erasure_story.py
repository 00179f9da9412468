"""A member fills every form they can with words of their own, then asks to be erased.

Afterwards none of those words can be found anywhere: not on any page another member
can reach, not in any byte of any file in the data folder (write-ahead logs and
journals included), not in any row of any PostgreSQL table. Their sign-in is gone and
their old session no longer works. The log still verifies and every outcome still
recomputes, because their votes still count; only their words are gone.

A proposal's title and text are the collective's document (docs/FORMAT.md §6): they
stay, by design, and the story checks that they do.
"""

from __future__ import annotations

import re
import secrets
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest

from ledger.governance.errors import GovernanceError
from ledger.governance.recompute import OUTCOMES
from ledger.log.application import Ledger
from ledger.log.config import LedgerConfig
from ledger.log.verify import verify_log
from tests.helpers import run_cli
from tests.web_support import Person, Site, proposal_id

STRONG = "violet tractor under the moonlit orchard 1987"


def _ok(r: Any) -> None:
    assert r.status_code in (200, 201, 303), (r.status_code, r.get_data(as_text=True)[:500])


def _mark(marker: str, what: str) -> str:
    return f"{what} {marker}"


def _newest_objection(site: Site, pid: UUID) -> UUID:
    return site.world.gov.proposal(pid).objection_ids[-1]


def fill_every_form(site: Site, marker: str) -> tuple[UUID, Person]:
    """The member's whole life in the collective, through the web forms, with ``marker`` in every word they write."""
    w = site.world
    sam = Person(site, "sam")  # a steward admits the new member with their details
    sam.get(site.url("/members/"))
    r = sam.post(
        site.url("/members/"),
        {
            "name": _mark(marker, "Name"),
            "contact": _mark(marker, "phone"),
            "access_needs": _mark(marker, "large print please"),
            "groups": "lived_experience",
        },
    )
    assert r.status_code == 201, r.get_data(as_text=True)[:300]
    invite = re.search(r"/invite/[A-Za-z0-9._-]+", r.get_data(as_text=True))
    assert invite is not None
    member = next(m for m in w.gov.collective(w.collective).active_members() if m not in w.people.values())
    # A facilitator and steward, so that every form on every page is theirs to fill.
    w.gov.assign_role(w.collective, member, "facilitator", by=w.steward)
    w.gov.assign_role(w.collective, member, "steward", by=w.steward)

    me = Person(site, None)
    me.get(invite.group(0))
    username = f"{marker}user"
    _ok(me.post(invite.group(0), {"username": username, "passphrase": STRONG, "confirm": STRONG}))
    me.get(site.url("/"))
    _ok(me.post("/signout"))
    me.get("/signin")
    _ok(me.post("/signin", {"username": username, "passphrase": STRONG}))

    def post(path: str, data: dict[str, Any], **ids: Any) -> None:
        me.get(site.url("/"))
        _ok(me.post(site.url(path, **ids), data))

    # Proposals: the collective's documents, which stay (FORMAT.md §6).
    post("/proposals/new", {"category": "budget", "title": "Hire a minibus", "body": "For the away days."})
    post("/proposals/new", {"category": "budget", "title": "Buy a laptop", "body": "For the secretary."})
    site.copro.views.catch_up()
    pid, other = proposal_id(site, "Hire a minibus"), proposal_id(site, "Buy a laptop")
    post("/proposals/{p}/revise", {"title": "Hire a minibus", "body": "For the away days, twice a year."}, p=pid)
    post("/proposals/{p}/open", {}, p=pid)
    post("/proposals/{p}/position", {"position": "disagree", "reason": _mark(marker, "my reason")}, p=pid)
    post("/proposals/{p}/objections", {"reason": _mark(marker, "objection"), "paramount": "yes"}, p=pid)
    post("/proposals/{p}/comments", {"comment": _mark(marker, "comment in the discussion")}, p=pid)
    first = _newest_objection(site, pid)
    post("/proposals/{p}/objections/{o}/test", {"paramount": "yes", "why": _mark(marker, "tested")}, p=pid, o=first)
    post("/proposals/{p}/objections/{o}/answer", {"answer": _mark(marker, "answer")}, p=pid, o=first)
    post("/proposals/{p}/objections/{o}/withdraw", {"why": _mark(marker, "withdrawn")}, p=pid, o=first)
    post("/proposals/{p}/objections", {"reason": _mark(marker, "second objection")}, p=pid)
    second = _newest_objection(site, pid)
    post("/proposals/{p}/objections/{o}/resolve", {"how": "uphold", "why": _mark(marker, "upheld")}, p=pid, o=second)
    post("/proposals/{p}/withdraw", {"reason": _mark(marker, "withdrawal reason"), "understand": "yes"}, p=other)
    # The address reminders are emailed to: contact details, sealed like their name.
    post("/details/", {"email": f"{marker}@example.org"})
    # Reflection and recognition.
    post(
        "/reflections/",
        {
            "subject": "period",
            "subject_ref": _mark(marker, "subject"),
            "worked": _mark(marker, "worked"),
            "did_not": _mark(marker, "did not"),
            "power": _mark(marker, "power"),
            "actions": f"{_mark(marker, 'action one')}\n{_mark(marker, 'action two')}",
        },
    )
    post("/contributions/", {"activity": _mark(marker, "ran the workshop"), "minutes": "90", "on": "2026-11-01"})
    site.copro.views.catch_up()
    contribution = site.copro.views.listing(w.collective, "Contribution")[0]
    offer = {"kind": "payment", "amount_minor": "2500", "currency": "GBP", "rate_table": "rates-2026"}
    post("/contributions/{x}/offer", offer, x=contribution)
    post("/contributions/{x}/accept", {}, x=contribution)
    post("/contributions/{x}/paid", {"reference": _mark(marker, "BACS ref")}, x=contribution)
    # The close counts their ballot (cast on the current version); erasing them must not change the outcome.
    w.clock.advance(days=30)
    post("/proposals/{p}/close", {"understand": "yes"}, p=pid)
    return member, me


def _reachable_pages(site: Site, person: Person) -> dict[str, str]:
    """Every page of the collective a member can reach by following links, with its text."""
    seen: dict[str, str] = {}
    queue = [site.url(p) for p in ("/", "/proposals/", "/agreement/", "/reflections/", "/contributions/", "/members/")]
    queue.append(site.url("/audit/"))
    while queue:
        href = queue.pop()
        if href in seen or len(seen) > 300:
            continue
        r = person.get(href, follow_redirects=True)
        seen[href] = r.get_data(as_text=True)
        for link in re.findall(r'href="(/c/[^"#]+)"', seen[href]):
            link = link.replace("&amp;", "&")
            if link not in seen:
                queue.append(link)
    return seen


def _files_holding(folder: Path, needle: bytes) -> list[str]:
    return [str(p) for p in folder.rglob("*") if p.is_file() and needle in p.read_bytes()]


def _postgres_rows_holding(config: LedgerConfig, marker: str) -> list[str]:
    import psycopg

    assert config.database_url is not None
    hits = []
    with psycopg.connect(config.database_url, autocommit=True) as con:
        tables = [
            r[0] for r in con.execute("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()").fetchall()
        ]
        for table in tables:
            for row in con.execute(f'SELECT * FROM "{table}"').fetchall():
                for value in row:
                    raw = bytes(value) if isinstance(value, bytes | memoryview) else str(value).encode()
                    if marker.encode() in raw:
                        hits.append(table)
    return sorted(set(hits))


def test_after_erasure_nothing_a_member_wrote_can_be_found_anywhere(
    site: Site, config: LedgerConfig, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    marker = "qz" + secrets.token_hex(6)
    member, me = fill_every_form(site, marker)
    amara = Person(site, "amara")
    before = _reachable_pages(site, amara)
    assert any(marker in text for text in before.values()), "the story did write the marker where members see it"
    assert _files_holding(config.data_dir, marker.encode()) or config.database_url, "the sign-in name is stored"
    outcome_before = site.world.gov.proposal(proposal_id(site, "Hire a minibus")).outcome

    code, out, err = run_cli(config, monkeypatch, capsys, "erase", str(member))
    assert code == 0, err
    assert "Erased" in out

    pages = _reachable_pages(site, Person(site, "amara"))
    assert len(pages) > 10
    assert [href for href, text in pages.items() if marker in text] == []
    assert "Hire a minibus" in "".join(pages.values()), "the collective's documents stay"
    assert _files_holding(config.data_dir, marker.encode()) == []
    if config.database_url:
        assert _postgres_rows_holding(config, marker) == []

    # Their sign-in is gone, their old session ended, and nothing more can be written in their name.
    old_session = me.get(site.url("/"))
    assert old_session.status_code in (302, 303) and "/signin" in old_session.headers["Location"]
    again = Person(site, None)
    again.get("/signin")
    assert again.post("/signin", {"username": f"{marker}user", "passphrase": STRONG}).status_code == 401
    with pytest.raises(GovernanceError, match="erased"):
        site.world.gov.record_reflection(
            site.world.collective,
            by=member,
            subject="period",
            subject_ref="",
            worked="back again",
            did_not="",
            power="",
            actions=[],
        )
    assert site.world.gov.vault.is_erased(member)

    report = verify_log(Ledger.recorder_only(config), outcomes=OUTCOMES)
    assert report.ok, [p.sentence() for p in report.problems[:3]]
    assert report.outcomes == 1, "the outcome still recomputes from the log"
    code, out, err = run_cli(config, monkeypatch, capsys, "verify", "--quiet")
    assert code == 0, out + err
    assert site.world.gov.proposal(proposal_id(site, "Hire a minibus")).outcome == outcome_before
