"""The audit pages: a record as it stood at a moment (``?as_of=``), and the audit trail with its exports."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, cast
from uuid import UUID

import pytest

from ledger.governance import audit_trail
from ledger.governance.audit_trail import TrailFilter
from ledger.governance.view_tables import TABLES
from tests.web_support import Person, Site


def revised(site: Site) -> tuple[UUID, datetime]:
    """A proposal drafted then revised by the facilitator, and a moment between the two."""
    w = site.world
    pid = w.gov.draft_proposal(
        w.collective,
        by=w.facilitator,
        category="research_question",
        title="Study peer support groups",
        body="We study peer support groups in three towns.",
    )
    between = datetime.now(UTC)
    w.gov.revise_proposal(
        pid, by=w.facilitator, title="Study peer support online", body="We study online peer support groups."
    )
    return pid, between


def test_a_proposal_as_of_a_moment_before_its_revision_shows_the_old_text_under_an_as_of_banner(site: Site) -> None:
    pid, between = revised(site)
    amara = Person(site, "amara")
    r = amara.get(site.url("/audit/"), query_string={"aggregate": pid.hex, "as_of": between.isoformat()})
    body = r.get_data(as_text=True)
    assert r.status_code == 200
    assert "We study peer support groups in three towns." in body
    assert "We study online peer support groups." not in body
    assert 'class="banner as-of" role="status"' in body and "As of " in body
    assert body.count("Proposal.Revised") == 0, "only the events recorded until then"


def test_the_same_proposal_page_without_as_of_shows_the_revised_text_and_no_banner(site: Site) -> None:
    pid, _ = revised(site)
    r = Person(site, "amara").get(site.url("/audit/"), query_string={"aggregate": pid.hex})
    body = r.get_data(as_text=True)
    assert r.status_code == 200
    assert "We study online peer support groups." in body
    assert 'class="banner as-of"' not in body


@pytest.mark.parametrize(
    ("as_of", "says"),
    [
        ("next tuesday", "is not a date or time"),
        ("2026-11-02T10:00", "has no time zone"),
        ("2000-01-01", "did not exist yet"),
    ],
)
def test_a_bad_as_of_gets_a_400_with_one_sentence_on_the_page(site: Site, as_of: str, says: str) -> None:
    pid, _ = revised(site)
    r = Person(site, "amara").get(site.url("/audit/"), query_string={"aggregate": pid.hex, "as_of": as_of})
    assert r.status_code == 400
    assert says in r.get_data(as_text=True)


def test_a_member_as_of_a_moment_shows_their_name_to_other_members_but_not_their_contact_details(
    site: Site,
) -> None:
    w = site.world
    ben = w.member("ben")
    r = Person(site, "amara").get(site.url("/audit/"), query_string={"aggregate": ben.hex, "as_of": "2100-01-01"})
    body = r.get_data(as_text=True)
    assert r.status_code == 200
    assert "<dd>Ben</dd>" in body
    assert "ben@example.org" not in body and "(sealed personal data)" in body


def test_as_of_without_a_record_is_a_400(site: Site) -> None:
    r = Person(site, "amara").get(site.url("/audit/"), query_string={"as_of": "2026-11-02"})
    assert r.status_code == 400
    assert "Choose a record first" in r.get_data(as_text=True)


# -- the audit trail ------------------------------------------------------------------------


def trail(person: Person, site: Site, suffix: str = "", **args: str) -> Any:
    return person.get(site.url(f"/audit/trail{suffix}"), query_string=args)


def json_rows(person: Person, site: Site, **args: str) -> list[dict[str, Any]]:
    r = trail(person, site, ".json", **args)
    assert r.status_code == 200, r.get_data(as_text=True)
    rows: list[dict[str, Any]] = json.loads(r.get_data(as_text=True))["rows"]
    return rows


def csv_rows(person: Person, site: Site, **args: str) -> list[dict[str, str]]:
    r = trail(person, site, ".csv", **args)
    assert r.status_code == 200 and r.mimetype == "text/csv"
    return list(csv.DictReader(io.StringIO(r.get_data(as_text=True))))


def test_a_members_trail_holds_the_events_by_or_about_them_and_no_one_elses(site: Site) -> None:
    w = site.world
    revised(site)
    amara = Person(site, "amara")
    rows = json_rows(amara, site, member=w.member("amara").hex)
    events = {r["event"] for r in rows}
    assert events == {"Collective.MemberAdmitted", "Member.Registered", "Agreement.Signed"}
    assert all(w.member("amara").hex in (r["actor"], r["subject"]) for r in rows)
    devs = {r["event"] for r in json_rows(amara, site, member=w.facilitator.hex)}
    assert {"Proposal.Drafted", "Proposal.Revised"} <= devs


def test_the_trail_of_one_record_filters_by_kind_and_by_period(site: Site) -> None:
    pid, between = revised(site)
    amara = Person(site, "amara")
    everything = json_rows(amara, site, aggregate=pid.hex)
    assert [r["event"] for r in everything] == ["Proposal.Revised", "Proposal.Drafted"]
    assert [r["version"] for r in everything] == [2, 1]
    assert [r["event"] for r in json_rows(amara, site, aggregate=pid.hex, kind="Proposal.Drafted")] == [
        "Proposal.Drafted"
    ]
    assert [r["event"] for r in json_rows(amara, site, aggregate=pid.hex, to=between.isoformat())] == [
        "Proposal.Drafted"
    ]
    later = json_rows(amara, site, aggregate=pid.hex, **{"from": between.isoformat()})
    assert [r["event"] for r in later] == ["Proposal.Revised"]
    assert json_rows(amara, site, kind="Ballot", aggregate=pid.hex) == []


def test_the_trail_page_lists_the_rows_with_labelled_filters_and_links_to_both_exports(site: Site) -> None:
    pid, _ = revised(site)
    r = trail(Person(site, "amara"), site, aggregate=pid.hex)
    body = r.get_data(as_text=True)
    assert r.status_code == 200
    for field in ("member", "kind", "from", "to"):
        assert f'<label for="{field}">' in body and f'id="{field}" name="{field}"' in body
    assert '<form method="get"' in body
    assert "Proposal.Revised" in body and "Proposal.Drafted" in body
    assert f"trail.csv?aggregate={pid.hex}" in body and f"trail.json?aggregate={pid.hex}" in body


def test_csv_and_json_exports_hold_the_same_rows(site: Site) -> None:
    revised(site)
    amara = Person(site, "amara")
    from_json = json_rows(amara, site)
    from_csv = csv_rows(amara, site)
    assert len(from_json) == len(from_csv) > 10
    assert [{k: str(v) for k, v in row.items()} for row in from_json] == from_csv


def test_the_csv_export_neutralises_cells_a_spreadsheet_would_run_as_a_formula(site: Site) -> None:
    w = site.world
    mallory = w.gov.admit_member(
        w.collective,
        by=w.steward,
        name='=HYPERLINK("http://evil.example","click")',
        contact="m@example.org",
        groups=["funders"],
    )
    amara = Person(site, "amara")
    rows = csv_rows(amara, site, member=mallory.hex)
    assert rows and all(r["subject_name"] == '\'=HYPERLINK("http://evil.example","click")' for r in rows)
    assert json_rows(amara, site, member=mallory.hex)[0]["subject_name"].startswith("=HYPERLINK")


def test_the_trail_is_paginated_newest_first(site: Site) -> None:
    w = site.world
    pid, _ = revised(site)
    for n in range(55):
        w.gov.revise_proposal(pid, by=w.facilitator, title=f"Version {n}", body=f"Text number {n}.")
    amara = Person(site, "amara")
    first = trail(amara, site, aggregate=pid.hex).get_data(as_text=True)
    assert first.count(">The proposal was revised</a>") == 50
    assert "Older events" in first
    older = first.split("Older events")[0].rsplit("before=", 1)[1].split('"')[0].split("&")[0]
    second = trail(amara, site, aggregate=pid.hex, before=older).get_data(as_text=True)
    assert second.count(">The proposal was revised</a>") == 6 and second.count(">A proposal was drafted</a>") == 1
    assert "Older events" not in second


@pytest.mark.parametrize(
    ("args", "says"),
    [
        ({"kind": "Spaceship"}, "is not a kind of record or event"),
        ({"from": "soon"}, "is not a date or time"),
        ({"from": "2026-12-01", "to": "2026-11-01"}, "The period starts after it ends"),
        ({"member": "not-an-id"}, "There is no such member in this collective"),
        ({"aggregate": "00000000000000000000000000000000"}, "There is no such record in this collective"),
    ],
)
@pytest.mark.parametrize("suffix", ["", ".csv", ".json"])
def test_bad_trail_filters_get_a_400_with_one_sentence(
    site: Site, args: dict[str, str], says: str, suffix: str
) -> None:
    r = trail(Person(site, "amara"), site, suffix, **args)
    assert r.status_code == 400
    assert says in r.get_data(as_text=True)


def test_a_bad_page_of_the_trail_gets_a_400(site: Site) -> None:
    r = trail(Person(site, "amara"), site, before="-3")
    assert r.status_code == 400
    assert "There is no such page of the audit trail" in r.get_data(as_text=True)


def test_a_bad_filter_on_the_json_export_is_answered_in_json(site: Site) -> None:
    r = trail(Person(site, "amara"), site, ".json", kind="Spaceship")
    assert r.status_code == 400 and r.mimetype == "application/json"
    assert "is not a kind of record or event" in r.get_json()["error"]


def test_someone_outside_the_collective_cannot_read_its_trail(site: Site) -> None:
    r = Person(site, None).get(site.url("/audit/trail.csv"))
    assert r.status_code in (302, 303, 401, 404)
    assert "leaf,time" not in r.get_data(as_text=True)


# -- the cost of a member's trail -------------------------------------------------------------


def _cost(
    site: Site, person: Person, path: str, args: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> tuple[int, int]:
    """Queries of the views and events decoded to render one page (the views already up to date)."""
    site.copro.views.catch_up()
    counts = {"queries": 0, "decoded": 0}
    view, mapper = site.copro.views.view, site.world.gov.mapper
    query, decode = view.query, mapper.to_domain_event

    def counted(fn: Callable[..., Any], key: str) -> Callable[..., Any]:
        def wrapper(*a: Any, **kw: Any) -> Any:
            counts[key] += 1
            return fn(*a, **kw)

        return wrapper

    with monkeypatch.context() as m:
        m.setattr(view, "query", counted(query, "queries"))
        m.setattr(mapper, "to_domain_event", counted(decode, "decoded"))
        assert person.get(path, query_string=args).status_code == 200
    return counts["queries"], counts["decoded"]


def test_a_members_trail_page_costs_the_same_on_a_log_ten_times_longer(
    site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    w = site.world
    pid, _ = revised(site)
    amara = Person(site, "amara")
    path, args = site.url("/audit/trail"), {"member": w.member("amara").hex}
    _cost(site, amara, path, args, monkeypatch)  # the names on the page are read once per process
    before = _cost(site, amara, path, args, monkeypatch)
    size = w.gov.merkle_log.log_size()
    for n in range(9 * size):
        w.gov.revise_proposal(pid, by=w.facilitator, title=f"Version {n}", body=f"Text number {n}.")
    after = _cost(site, amara, path, args, monkeypatch)
    assert w.gov.merkle_log.log_size() >= 10 * size
    assert after == before
    assert before[1] < 10, "a handful of events decoded (names), not the log"


@pytest.mark.parametrize(
    ("where", "indexes"),
    [
        (TrailFilter(member=UUID(int=1)), {"view_events_by_actor", "view_events_by_subject"}),
        (TrailFilter(aggregate=UUID(int=2)), {"view_events_by_aggregate"}),
        (TrailFilter(), {"view_events_by_collective"}),
        (
            TrailFilter(member=UUID(int=1), kind="Ballot", since=datetime(2026, 11, 1, tzinfo=UTC)),
            {"view_events_by_actor", "view_events_by_subject"},
        ),
    ],
    ids=["member", "record", "collective", "member-kind-period"],
)
def test_every_trail_query_searches_the_index_of_its_question_and_never_scans_the_history(
    where: TrailFilter, indexes: set[str]
) -> None:
    """A member's or a record's trail reads their own rows, not the collective's whole history."""
    db = sqlite3.connect(":memory:")
    for statement in TABLES:
        db.execute(statement)
    plans: list[str] = []

    class Explained:
        def query(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
            plans.extend(str(row[3]) for row in db.execute(f"EXPLAIN QUERY PLAN {sql}", params))
            return []

    audit_trail.trail(cast(Any, Explained()), UUID(int=3), where, before=100, limit=51)
    searches = [p for p in plans if "view_events" in p]
    assert searches and all(p.startswith("SEARCH view_events USING INDEX") for p in searches), plans
    assert {p.split()[4] for p in searches} == indexes, plans
