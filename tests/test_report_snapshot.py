"""A report folded from a snapshot and the events after it is the report folded from leaf 0.

The snapshot is a cache of the report fold's state at a leaf (ledger/governance/report/
snapshot.py). These tests prove, on the realistic story of test_report_figures.py: for
any split point and any period that ends after it, snapshot + tail gives byte-identical
figures; a snapshot that is corrupt, of another version, of another log or newer than
the period is ignored and the report is still right; a report built the fast way passes
``copro report verify`` (the full recompute); and the events a second report folds are
the events since the first, however long the log (counted, never timed).
"""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from ledger.governance.replay.events import Event
from ledger.governance.report.build import Built, build_report, live_records
from ledger.governance.report.facts import parse_time
from ledger.governance.report.figures import document_of, fold, report_document
from ledger.governance.report.snapshot import VERSION, decode, encode
from ledger.governance.report.verify import verify_report
from ledger.governance.report_source import LiveSource
from ledger.governance.service import Governance
from ledger.log.application import Ledger
from ledger.log.canonical import strict_loads
from ledger.log.config import LedgerConfig
from policies.canonical import canonical_json
from tests.test_report_figures import Story, build_story, later, sqlite_gov  # noqa: F401  (the fixture)


def _time_of(e: Event) -> datetime:
    return parse_time(strict_loads(e.payload)["timestamp"]["_data_"])


def _figures(doc: dict[str, Any]) -> bytes:
    return canonical_json({k: v for k, v in doc.items() if k != "log"})


@pytest.fixture
def story(sqlite_gov: tuple[Governance, LedgerConfig]) -> Story:  # noqa: F811
    return build_story(*sqlite_gov)


def test_snapshot_and_tail_equal_the_full_fold_for_every_split_and_period(story: Story) -> None:
    events = story.events()
    times = [_time_of(e) for e in events]

    @settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
    @given(st.data())
    def check(data: st.DataObject) -> None:
        split = data.draw(st.integers(1, len(events) - 1), label="split")
        # the previous report's period ends at the split event; it leaves the snapshot there
        first_end = times[split]
        first = fold(events, start=None, end=first_end)
        assert first.latest is None or first.latest < first_end
        # the period asked for now: any end after the snapshot, any start (before or after it)
        end = data.draw(st.sampled_from([*(t + timedelta(microseconds=1) for t in times[split:]), later()]))
        assume(first.latest is None or first.latest < end)  # else the builder ignores the snapshot
        start = data.draw(st.sampled_from([None, *[t for t in times if t < end]]), label="start")
        resumed = decode(encode(first, bytes(32)), start=start, end=end)  # the root is the builder's check
        assert resumed is not None
        tail = fold(events[resumed.facts.next_leaf :], start=start, end=end, resume=resumed.facts)
        full = fold(events, start=start, end=end)
        assert tail.next_leaf == full.next_leaf and tail.size == full.size
        ids = list(full.collectives)
        for cid in ids:
            assert _figures(document_of(tail, cid)) == _figures(document_of(full, cid))
        assert _figures(report_document(events, collective_id=None, start=start, end=end)) == _figures(
            document_of(tail, None)
        )

    check()


def test_the_snapshot_does_not_keep_ballots_of_closed_proposals(story: Story) -> None:
    facts = fold(story.events(), start=None, end=later())
    open_ones = {p.id for p in facts.proposals.values() if p.state != "closed"}
    assert facts.ballots, "the open proposal's ballots are kept"
    assert {b.proposal_id for b in facts.ballots.values()} <= open_ones
    closed = [p for p in facts.proposals.values() if p.state == "closed"]
    assert closed and all(p.roster >= 0 and "roster" not in (p.result or {}) for p in closed)


def _spoil_first_proposal_id(data: bytes, bad: Any) -> bytes:
    doc = json.loads(data)
    doc["inline"]["proposals"][0][0] = bad  # a one-document snapshot holds its records inline
    return json.dumps(doc).encode()


@pytest.mark.parametrize(
    "spoil",
    [
        lambda data: b"not json at all",
        lambda data: data[: len(data) // 2],
        lambda data: data.replace(VERSION.encode(), b"copro-report-facts/0"),
        lambda data: json.dumps({**json.loads(data), "people": [1, 2]}).encode(),
        lambda data: b"\x80\x04\x95" + data,  # a pickle header: never unpickled, just not JSON
        lambda data: _spoil_first_proposal_id(data, ["an", "id", "as", "a", "list"]),
        lambda data: _spoil_first_proposal_id(data, 12345),
        lambda data: _spoil_first_proposal_id(data, "not-hex-" * 4),
    ],
)
def test_a_snapshot_that_does_not_parse_or_has_another_version_is_ignored(story: Story, spoil: Any) -> None:
    facts = fold(story.events(), start=None, end=later())
    assert decode(spoil(encode(facts, bytes(32))), start=None, end=later()) is None


# -- built the way copro report builds it ---------------------------------------------------------


def _second(at: datetime) -> datetime:
    """Periods are whole seconds, as report.json writes them (and verify recomputes them): rounded up."""
    return at if not at.microsecond else at.replace(microsecond=0) + timedelta(seconds=1)


def _build(story: Story, tmp: Path, name: str, snapshot: Path, **period: Any) -> Built:
    gov = story.gov
    period = {k: _second(v) for k, v in period.items()}
    return build_report(
        LiveSource(gov.merkle_log),
        checkpoint=gov.checkpoint(),
        out=tmp / name,
        key=gov.keys.report.signing_key,
        renderers={},
        snapshot=snapshot,
        end=period.pop("end", _second(later())),
        **period,
    )


def _verified(story: Story, folder: Path) -> bool:
    log = Ledger.recorder_only(story.config)
    checked = verify_report(folder, live_records(log, log.log_size()))
    print("\n".join(checked.lines()))
    return checked.ok


def test_a_report_built_from_a_snapshot_is_the_full_report_and_verifies(story: Story, tmp_path: Path) -> None:
    snapshot = tmp_path / "cache" / "facts.json"
    midpoint = _second(datetime.now(UTC))
    first = _build(story, tmp_path, "first", snapshot, end=midpoint)
    assert first.resumed_at == 0 and snapshot.is_file()
    time.sleep(1.1)  # the next period starts at a whole second after the first one's events
    _more_activity(story, 2)
    end = _second(later())
    second = _build(story, tmp_path, "second", snapshot, start=midpoint, end=end)
    assert 0 < second.resumed_at < second.size
    assert second.folded == second.size - second.resumed_at
    full = report_document(story.events(), collective_id=None, start=midpoint, end=end)
    assert _figures(second.doc) == _figures(full)
    assert second.doc["decisions"]["items"], "the period has decisions of its own"
    assert _verified(story, tmp_path / "second")


@pytest.mark.parametrize("how", ["garbage", "version", "other log", "too new"])
def test_a_snapshot_that_does_not_fit_is_ignored_and_the_report_is_still_right(
    story: Story, tmp_path: Path, how: str
) -> None:
    snapshot = tmp_path / "facts.json"
    before = datetime.now(UTC)
    time.sleep(1.1)  # so a whole-second period can end before the snapshot's newest event
    _more_activity(story, 1)
    _build(story, tmp_path, "warm-up", snapshot)  # a snapshot at the log's end
    data = snapshot.read_bytes()
    end = _second(later())
    if how == "garbage":
        snapshot.write_bytes(b"\x00" + data[1:])
    elif how == "version":
        snapshot.write_bytes(data.replace(VERSION.encode(), b"copro-report-facts/1"))
    elif how == "other log":
        doc = json.loads(data)
        doc["root"] = "A" * 43 + "="
        snapshot.write_bytes(json.dumps(doc).encode())
    else:  # a period that ends before the snapshot's newest event
        end = before
    built = _build(story, tmp_path, "report", snapshot, end=end)
    assert built.resumed_at == 0 and built.folded > 0
    full = report_document(story.events(), collective_id=None, start=None, end=_second(end))
    assert _figures(built.doc) == _figures(full)
    assert _verified(story, tmp_path / "report")


def _more_activity(story: Story, proposals: int) -> None:
    """Proposals drafted, opened, voted on by everyone and closed: history the next report need not read."""
    gov, p = story.gov, story.people
    for n in range(proposals):
        pid = gov.draft_proposal(
            story.collective, by=p["r2"], category="research_question", title=f"More {n}", body="More."
        )
        gov.open_proposal(pid, by=p["r2"])
        story.vote(pid, ["l1", "l2", "l3", "l6", "x", "p1", "r0", "r2", "r3"])
        gov.close_proposal(pid, by=p["r2"])


def test_a_second_report_folds_the_events_since_the_first_however_long_the_log(story: Story, tmp_path: Path) -> None:
    snapshot = tmp_path / "facts.json"
    folded: list[int] = []
    for history in (1, 6):  # a short log, then a longer one: the same new activity after each report
        _more_activity(story, history)
        _build(story, tmp_path, f"before-{history}", snapshot)
        size = story.gov.merkle_log.log_size()
        _more_activity(story, 2)
        new = story.gov.merkle_log.log_size() - size
        end = _second(later())
        built = _build(story, tmp_path, f"after-{history}", snapshot, end=end)
        assert built.resumed_at == size
        assert built.folded == new
        folded.append(built.folded)
        assert _figures(built.doc) == _figures(report_document(story.events(), collective_id=None, start=None, end=end))
    assert folded[0] == folded[1]  # the log grew by six proposals between; the report's cost did not
