"""A report reads the snapshot segments its period can touch, and gives the figures of the full fold.

The snapshot (ledger/governance/report/snapshot.py, ``copro-report-facts/3``) keeps its records
in segments of one kind, each listing the newest date of its records, sealed at ``CAP`` records.
``decode`` reads only the segments dated from the period's start, and of those only the records
dated in it; the rest is read when the fold looks it up. These tests prove, on the realistic
story of test_report_figures.py with segments made small (``CAP``) so that there are many: for
random splits and periods (starting before the log, ending after it, or holding nothing),
reading the period's segments and folding on gives byte-identical report.json to the fold from
leaf 0, and the state saved after such a read is still the whole state; a segment the period did
not read that is gone when the fold needs it makes the build fold from leaf 0, not fail; and a
report for a fixed slice of activity reads the same number of segments and records whatever the
history before it (counted, never timed).
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ledger.governance.report import snapshot, snapshot_files
from ledger.governance.report.build import Built, build_report, refresh_snapshot
from ledger.governance.report.figures import document_of, fold
from ledger.governance.report_source import LiveSource
from ledger.governance.service import Governance
from ledger.log.config import LedgerConfig
from tests.test_report_figures import Story, build_story, later, sqlite_gov  # noqa: F401  (the fixture)
from tests.test_report_snapshot import _figures, _more_activity, _time_of


@pytest.fixture
def story(sqlite_gov: tuple[Governance, LedgerConfig]) -> Story:  # noqa: F811
    return build_story(*sqlite_gov)


@pytest.fixture
def small_segments(monkeypatch: pytest.MonkeyPatch) -> int:
    """Seal segments at 3 records, so the story's records spread over many segments of each kind."""
    monkeypatch.setattr(snapshot, "CAP", 3)
    return 3


def test_reading_only_the_periods_segments_gives_the_full_folds_report_for_any_period(
    story: Story, small_segments: int, tmp_path_factory: pytest.TempPathFactory
) -> None:
    _more_activity(story, 4)  # history enough for sealed segments of every kind
    events = story.events()
    times = [_time_of(e) for e in events]
    first, last = times[0], times[-1]
    founded = next(i for i, e in enumerate(events) if e.topic.endswith("Collective.Founded"))
    starts = [first - timedelta(days=30), *times, last + timedelta(microseconds=1)]

    @settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
    @given(st.data())
    def check(data: st.DataObject) -> None:
        head = tmp_path_factory.mktemp("snap") / "facts.json"
        splits = sorted(
            data.draw(st.sets(st.integers(founded + 1, len(events) - 1), min_size=1, max_size=4), label="splits")
        )
        held = None
        for split in splits:  # saved in pieces, as reports and the worker do
            if held is not None and held.facts.latest is not None and held.facts.latest >= times[split]:
                continue
            resume = None if held is None else held.facts
            facts = fold(
                events[0 if held is None else held.facts.next_leaf :], start=None, end=times[split], resume=resume
            )
            held = snapshot_files.save(head, held, facts, bytes(32))
            assert held is not None
            held = snapshot_files.load(head, start=None, end=later(), period=False)
            assert held is not None
        assert held is not None and held.facts.latest is not None
        # the period: any start (before the log, in it, after its last event: a period holding nothing),
        # any end after the snapshot (just after an event, or after the log)
        ends = [t + timedelta(microseconds=1) for t in times[founded:] if t >= held.facts.latest] + [later()]
        end = data.draw(st.sampled_from(ends), label="end")
        start = data.draw(st.sampled_from([None, *[s for s in starts if s < end]]), label="start")
        read = snapshot_files.load(head, start=start, end=end)
        assert read is not None
        tail = fold(events[read.facts.next_leaf :], start=start, end=end, resume=read.facts)
        full = fold(events, start=start, end=end)
        assert tail.next_leaf == full.next_leaf
        assert _figures(document_of(tail, story.collective)) == _figures(document_of(full, story.collective))
        # what it saves after a read of the period alone is still the whole state
        saved = snapshot_files.save(head, read, tail, bytes(32))
        assert saved is not None
        at = later()
        whole = snapshot_files.load(head, start=None, end=at)
        assert whole is not None
        again = fold(events[whole.facts.next_leaf :], start=None, end=at, resume=whole.facts)
        assert _figures(document_of(again, story.collective)) == _figures(
            document_of(fold(events, start=None, end=at), story.collective)
        )

    check()


def test_a_period_reads_only_the_segments_dated_in_it(story: Story, small_segments: int, tmp_path: Path) -> None:
    _more_activity(story, 6)
    head = tmp_path / "facts.json"
    assert snapshot_files.save(head, None, fold(story.events(), start=None, end=later()), bytes(32)) is not None
    everything = snapshot_files.load(head, start=None, end=later())
    assert everything is not None and everything.store is not None
    start = _time_of(story.events()[-1])  # the last event's moment: the period holds the last close
    recent = snapshot_files.load(head, start=start, end=later())
    assert recent is not None and recent.store is not None
    dated = [s for s in recent.segments if s.latest is not None and s.latest >= start]
    assert recent.store.segments_read == len(dated) < everything.store.segments_read
    assert len(recent.segments) > 2 * len(snapshot.SEGMENT_KINDS), "many sealed segments to skip"
    # a period after the last event reads no segment at all
    nothing = snapshot_files.load(head, start=start + timedelta(seconds=1), end=later())
    assert nothing is not None and nothing.store is not None and nothing.store.segments_read == 0
    doc = document_of(nothing.facts, story.collective)
    assert doc["headline"]["no_activity"] and doc["decisions"]["items"] == []
    full = fold(story.events(), start=start + timedelta(seconds=1), end=nothing.facts.end)
    assert _figures(doc) == _figures(document_of(full, story.collective))


def _build(story: Story, tmp: Path, name: str, head: Path, *, start: datetime | None, end: datetime) -> Built:
    gov = story.gov
    return build_report(
        LiveSource(gov.merkle_log),
        checkpoint=gov.checkpoint(),
        out=tmp / name,
        key=gov.keys.report.signing_key,
        renderers={},
        snapshot=head,
        start=start,
        end=end,
    )


@pytest.mark.parametrize("how", ["gone", "retired"])
def test_a_segment_gone_when_the_fold_needs_it_makes_the_build_fold_from_leaf_0(
    story: Story, small_segments: int, tmp_path: Path, how: str
) -> None:
    head = tmp_path / "facts.json"
    gov, p = story.gov, story.people
    pid = gov.draft_proposal(story.collective, by=p["r2"], category="research_question", title="Old", body="Old.")
    _more_activity(story, 4)  # the draft ends up in an early segment, behind sealed ones
    assert refresh_snapshot(LiveSource(gov.merkle_log), head, now=datetime.now(UTC)).snapshot is not None
    size = gov.merkle_log.log_size()
    start = datetime.now(UTC)
    gov.open_proposal(pid, by=p["r2"])  # the fold must look the old draft up
    story.vote(pid, ["l1", "l2", "l3", "l6", "x", "p1", "r0", "r2", "r3"])
    gov.close_proposal(pid, by=p["r2"])
    folder = snapshot_files.segments_folder(head)
    for path in folder.iterdir():  # every proposal segment: lost, or retired by another process's save
        if b'"kind":"proposals"' in path.read_bytes():
            path.unlink() if how == "gone" else path.rename(path.with_name(f"{path.name}.retired"))
    end = later().replace(microsecond=0)
    built = _build(story, tmp_path, "report", head, start=start, end=end)
    if how == "gone":
        assert built.resumed_at == 0, "a cache lost: folded from leaf 0, not refused"
    else:
        assert built.resumed_at == size and built.segments_read > 0, "read under its retired name"
    assert [i["proposal_id"] for i in built.doc["decisions"]["items"]] == [pid.hex]
    assert _figures(built.doc) == _figures(document_of(fold(story.events(), start=start, end=end), None))


def test_a_report_reads_the_same_segments_and_records_however_long_the_history_before_it(
    story: Story, small_segments: int, tmp_path: Path
) -> None:
    head = tmp_path / "facts.json"
    source = LiveSource(story.gov.merkle_log)
    reads: list[tuple[int, int]] = []
    decisions: list[int] = []
    for n, history in enumerate((3, 12)):  # N, then 4N proposals of history outside the period
        _more_activity(story, history)
        assert refresh_snapshot(source, head, now=datetime.now(UTC)).snapshot is not None
        time.sleep(0.001)  # the period starts strictly after the history's last event (no timing is asserted)
        start = datetime.now(UTC)
        _more_activity(story, 2)  # the period: the same activity each time
        assert refresh_snapshot(source, head, now=datetime.now(UTC)).snapshot is not None  # the worker
        end = later().replace(microsecond=0)
        built = _build(story, tmp_path, f"report-{n}", head, start=start, end=end)
        assert built.folded == 0 and built.resumed_at == story.gov.merkle_log.log_size()
        reads.append((built.segments_read, built.records_read))
        decisions.append(len(built.doc["decisions"]["items"]))
        full = fold(story.events(), start=start, end=end)
        assert _figures(built.doc) == _figures(document_of(full, story.collective))
    assert decisions == [2, 2]
    assert reads[0] == reads[1], f"segments and records read at N and 4N: {reads}"
    assert reads[0][1] > 0, "the period's own records are read"
