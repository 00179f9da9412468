"""Every tampered bundle in tests/fixtures/bundles/ is caught by the check its README names.

The fixtures are written by ``python -m tests.make_tampered_bundles`` (committed
output); each is the honest bundle broken in one way. Here the real command line
verifies each one: the named check fails, at the named leaf where there is one,
with the named exit code, and the README lists exactly the fixtures there are.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from copro.cli import main
from ledger.log.bundle.verify import verify_bundle
from tests.make_tampered_bundles import ARCHIVE, FIXTURES, ROOT, Fixture, readme


def bundle_of(fixture: Fixture) -> Path:
    return ROOT / fixture.name / ARCHIVE


def test_the_readme_lists_every_fixture_and_every_fixture_is_committed() -> None:
    assert (ROOT / "README.md").read_text() == readme()
    assert sorted(p.name for p in ROOT.iterdir() if p.is_dir()) == sorted(f.name for f in FIXTURES)
    assert all(bundle_of(f).is_file() for f in FIXTURES)


@pytest.mark.parametrize("fixture", FIXTURES, ids=[f.name for f in FIXTURES])
def test_each_fixture_is_caught_by_its_named_check_with_its_exit_code(
    fixture: Fixture, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["verify", "--bundle", str(bundle_of(fixture)), "--json"])
    out, err = capsys.readouterr()
    assert code == fixture.exit_code, out + err
    assert "Traceback" not in out + err
    if fixture.exit_code == 2:
        assert out == "" and len(err.strip().splitlines()) == 1
        return
    doc = json.loads(out)
    status = {c["id"]: c for c in doc["checks"]}
    if not fixture.check:
        assert doc["ok"] is True
        assert {c["status"] for c in doc["checks"]} <= {"pass", "not implemented"}
        return
    assert status[fixture.check]["status"] == "FAIL", out
    if fixture.leaf is not None:
        leaves = [f["leaf"] for f in status[fixture.check]["findings"]]
        assert fixture.leaf in leaves
        assert doc["first_problem"]["leaf"] == fixture.leaf


def test_a_failed_check_is_named_on_one_line_with_its_first_finding(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["verify", "--bundle", str(bundle_of(next(f for f in FIXTURES if f.name == "key-out-of-range")))])
    out = capsys.readouterr().out
    assert code == 1
    failed = [line for line in out.splitlines() if line.startswith("V4.B FAIL")]
    assert len(failed) == 1
    assert "leaf 148" in out.split(failed[0], 1)[1].splitlines()[1]
    assert out.splitlines()[-1].startswith("FAILED: ")


def test_the_engine_names_the_first_bad_leaf_aggregate_and_version_of_an_edited_entry() -> None:
    report = verify_bundle(bundle_of(next(f for f in FIXTURES if f.name == "edited-entry")))
    first = report.first
    assert first is not None and first.leaf_index == 60 and first.aggregate_id is not None and first.version == 1
