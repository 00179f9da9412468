"""The Reports page: a steward makes a signed report for funders and downloads it; no one else may."""

from __future__ import annotations

import io
import json
import re
import zipfile

import pytest

from tests.nothing_written import held
from tests.web_support import Person, Site

pytestmark = pytest.mark.parametrize("backend", ["sqlite"])


def test_a_steward_makes_a_report_and_downloads_it_as_one_zip(site: Site) -> None:
    sam = Person(site, "sam")  # the steward
    page = sam.get(site.url("/reports/"))
    assert page.status_code == 200 and "No report has been made yet." in page.text
    assert 'href="/c/' in page.text and ">Reports</a>" in page.text  # the steward's nav offers it
    r = sam.post(site.url("/reports/"), {"from": "", "to": ""})
    assert r.status_code == 303
    page = sam.get(r.headers["Location"].split("#")[0])
    assert "Download everything as one zip file" in page.text
    name = re.search(r"/reports/(\d{8}T\d{6}Z(?:-\d{3})?)\.zip", page.text)
    assert name is not None
    got = sam.client.get(site.url(f"/reports/{name.group(1)}.zip"))
    assert got.status_code == 200 and got.mimetype == "application/zip"
    files = zipfile.ZipFile(io.BytesIO(got.data)).namelist()
    assert f"report-{name.group(1)}/report.json" in files and f"report-{name.group(1)}/VERIFY.txt" in files
    one = sam.client.get(site.url(f"/reports/{name.group(1)}/report.json"))
    assert one.status_code == 200 and "attachment" in one.headers["Content-Disposition"]
    assert json.loads(one.data)["format"] == "copro-report/1"


def test_the_next_report_extends_the_last_one(site: Site) -> None:
    sam = Person(site, "sam")
    sam.get(site.url("/reports/"))  # the form, and its CSRF token for this session
    assert sam.post(site.url("/reports/"), {"from": "", "to": ""}).status_code == 303
    folder = site.config.data_dir / "reports" / site.world.collective.hex
    first = sorted(folder.iterdir())[0]
    site.world.gov.record_reflection(
        site.world.collective,
        by=site.world.steward,
        subject="period",
        subject_ref="",
        worked="We met.",
        did_not="",
        power="",
        actions=[],
    )
    assert sam.post(site.url("/reports/"), {"from": "", "to": ""}).status_code == 303
    second = sorted(folder.iterdir())[-1]
    assert second != first
    doc = json.loads((second / "report.json").read_bytes())
    assert doc["log"]["previous"]["size"] == json.loads((first / "report.json").read_bytes())["log"]["size"]


@pytest.mark.parametrize("who", ["amara", "dev"])  # a member, and the facilitator: neither is a steward
def test_only_a_steward_may_see_make_or_download_reports(site: Site, who: str) -> None:
    sam = Person(site, "sam")
    sam.get(site.url("/reports/"))  # the form, and its CSRF token for this session
    assert sam.post(site.url("/reports/"), {"from": "", "to": ""}).status_code == 303
    name = sorted((site.config.data_dir / "reports" / site.world.collective.hex).iterdir())[0].name
    other = Person(site, who)
    assert ">Reports</a>" not in other.get(site.url("/")).text
    assert other.get(site.url("/reports/")).status_code == 403
    before = held(site.world.gov, site.config)
    assert other.post(site.url("/reports/"), {"from": "", "to": ""}).status_code == 403
    assert held(site.world.gov, site.config) == before
    assert len(list((site.config.data_dir / "reports" / site.world.collective.hex).iterdir())) == 1
    assert other.client.get(site.url(f"/reports/{name}.zip")).status_code == 403
    assert other.client.get(site.url(f"/reports/{name}/report.json")).status_code == 403


def test_a_bad_period_is_one_sentence_and_makes_nothing(site: Site) -> None:
    sam = Person(site, "sam")
    sam.get(site.url("/reports/"))
    r = sam.post(site.url("/reports/"), {"from": "2026-05-01", "to": "2026-04-01"})
    assert r.status_code == 422 and "give a start before the end" in r.text
    r = sam.post(site.url("/reports/"), {"from": "May", "to": ""})
    assert r.status_code == 422 and "is not a date" in r.text
    assert not (site.config.data_dir / "reports" / site.world.collective.hex).exists() or not any(
        (site.config.data_dir / "reports" / site.world.collective.hex).iterdir()
    )


def test_making_a_report_needs_the_csrf_token(site: Site) -> None:
    sam = Person(site, "sam")
    sam.get(site.url("/reports/"))
    assert sam.post(site.url("/reports/"), {"from": "", "to": ""}, csrf=False).status_code == 400


def test_a_made_up_report_name_or_file_is_not_found(site: Site) -> None:
    sam = Person(site, "sam")
    assert sam.get(site.url("/reports/20260101T000000Z.zip")).status_code == 404
    sam.get(site.url("/reports/"))
    assert sam.post(site.url("/reports/"), {"from": "", "to": ""}).status_code == 303
    name = sorted((site.config.data_dir / "reports" / site.world.collective.hex).iterdir())[0].name
    assert sam.get(site.url(f"/reports/{name}/..%2Fsecret")).status_code == 404
    assert sam.get(site.url(f"/reports/{name}/nothing.pdf")).status_code == 404
    assert sam.get(site.url("/reports/not-a-name/report.json")).status_code == 404
