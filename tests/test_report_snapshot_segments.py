"""The report snapshot in segments: saving writes what changed, never the whole state again.

ledger/governance/report/snapshot.py keeps the fold's state as a head and content-addressed
segments; snapshot_files.py puts them on disk. These tests prove, on the realistic story of
test_report_figures.py: folding in any number of pieces, saving and loading between each,
gives byte-identical figures to one fold from leaf 0; a save after a short tail leaves every
existing segment as it was (closed decisions are written once) and writes only the records
the tail touched; segments stay few (``plan``'s geometric merge, counted over a thousand
saves); a missing, altered or misplaced segment makes the snapshot ignored; and
``copro project`` (and ``--follow``) keep the snapshot fresh so a report folds only the tail.
"""

from __future__ import annotations

import json
import math
import os
import time
from pathlib import Path
from typing import Any
from uuid import uuid4

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ledger.governance.report import snapshot_files
from ledger.governance.report.build import build_report
from ledger.governance.report.figures import document_of, fold
from ledger.governance.report.snapshot import SEGMENT_KINDS, Segment, Snapshot, decode, encode, plan
from ledger.governance.report_source import LiveSource, snapshot_path
from ledger.governance.service import Governance
from ledger.log.config import LedgerConfig
from tests.helpers import run_cli
from tests.test_report_figures import Story, build_story, later, sqlite_gov  # noqa: F401  (the fixture)
from tests.test_report_snapshot import _figures, _more_activity, _second, _time_of


@pytest.fixture
def story(sqlite_gov: tuple[Governance, LedgerConfig]) -> Story:  # noqa: F811
    return build_story(*sqlite_gov)


def _segments(head: Path) -> dict[str, bytes]:
    folder = snapshot_files.segments_folder(head)
    return {p.name: p.read_bytes() for p in folder.iterdir() if not p.name.startswith(".")}


def _named(head: Path) -> list[str]:
    return [entry[0] for entry in json.loads(head.read_bytes())["segments"]]


def test_folding_in_pieces_with_a_save_and_load_between_each_gives_the_full_figures(
    story: Story, tmp_path_factory: pytest.TempPathFactory
) -> None:
    events = story.events()
    times = [_time_of(e) for e in events]

    @settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
    @given(st.data())
    def check(data: st.DataObject) -> None:
        head = tmp_path_factory.mktemp("snap") / "facts.json"
        splits = sorted(data.draw(st.sets(st.integers(1, len(events) - 1), min_size=1, max_size=6), label="splits"))
        held: Snapshot | None = None
        for split in splits:
            end = times[split]
            if held is not None and held.facts.latest is not None and held.facts.latest >= end:
                continue  # the same instant as the last piece's end: nothing new to fold
            first = 0 if held is None else held.facts.next_leaf
            facts = fold(events[first:], start=None, end=end, resume=None if held is None else held.facts)
            held = snapshot_files.save(head, held, facts, bytes(32))
            assert held is not None
            held = snapshot_files.load(head, start=None, end=later())  # read back from the files each time
            assert held is not None
        assert held is not None
        start = data.draw(st.sampled_from([None, *times]), label="start")
        end = later()
        tail = fold(events[held.facts.next_leaf :], start=start, end=end, resume=held.facts)
        full = fold(events, start=start, end=end)
        assert tail.next_leaf == full.next_leaf
        for cid in full.collectives:
            assert _figures(document_of(tail, cid)) == _figures(document_of(full, cid))

    check()


def test_a_save_after_a_short_tail_leaves_every_segment_and_writes_only_what_changed(
    story: Story, tmp_path: Path
) -> None:
    head = tmp_path / "facts.json"
    _more_activity(story, 10)  # history enough that one decision is a small part of it
    big = fold(story.events(), start=None, end=later())
    saved = snapshot_files.save(head, None, big, bytes(32))
    assert saved is not None and len(saved.segments) == len({s.kind for s in saved.segments}), "one per kind"
    before = _segments(head)
    records = sum(s.count for s in saved.segments)
    assert records > 30, "the story's decisions, objections, contributions, feedback"
    proposals = next(s for s in saved.segments if s.kind == "proposals")

    _more_activity(story, 1)  # one proposal drafted, opened, voted on and closed
    events = story.events()
    resumed = snapshot_files.load(head, start=None, end=later())
    assert resumed is not None
    tail = fold(events[resumed.facts.next_leaf :], start=None, end=later(), resume=resumed.facts)
    assert tail.touched == {("proposals", next(p.id for p in reversed(tail.proposals.values())))}
    again = snapshot_files.save(head, resumed, tail, bytes(32))
    assert again is not None
    after = _segments(head)
    assert all(after[name] == data for name, data in before.items()), "no segment is ever rewritten"
    assert proposals.sha256 in _named(head), "the big one is kept, not merged into the small one"
    (new,) = set(after) - set(before)
    segment = json.loads(after[new])
    assert segment["kind"] == "proposals" and len(segment["records"]) == 1
    assert len(after[new]) * 10 < len(before[proposals.sha256 + ".json"])
    end = later()  # one moment for both: the period's end is a figure, and a second may pass between two calls
    full = fold(events, start=None, end=end)
    reread = snapshot_files.load(head, start=None, end=end)
    assert reread is not None and reread.facts.next_leaf == full.next_leaf
    assert _figures(document_of(reread.facts, story.collective)) == _figures(document_of(full, story.collective))


def test_segments_stay_few_and_each_record_is_rewritten_a_logarithmic_number_of_times() -> None:
    previous: Snapshot | None = None
    written = 0
    saves = 1000
    facts = fold([], start=None, end=later())
    keys: dict[int, frozenset[Any]] = {}
    for n in range(saves):
        p = plan(previous, {("feedback", uuid4())}, keys_of=keys.__getitem__)  # one new record per save: the worst
        written += len(p.keys["feedback"])
        old = previous.segments if previous is not None else ()
        keys = {i: keys[k] for i, k in enumerate(p.kept)}
        keys[len(p.kept)] = p.keys["feedback"]
        segments = (*(old[i] for i in p.kept), Segment(f"{n:064x}", "feedback", len(p.keys["feedback"]), None))
        previous = Snapshot(facts, bytes(32), segments)
        assert len(segments) <= 2 * math.log2(n + 2) + 1
    assert previous is not None and sum(s.count for s in previous.segments) == saves
    assert written <= saves * (math.log2(saves) + 2), "not once per save for every record"


def _spoiled(head: Path, how: str) -> None:
    folder = snapshot_files.segments_folder(head)
    doc = json.loads(head.read_bytes())
    (name,) = [e[0] for e in doc["segments"] if e[1] == "proposals"]
    path = folder / f"{name}.json"
    if how == "missing":
        path.unlink()
    elif how == "altered":
        path.write_bytes(path.read_bytes().replace(b'"records":[', b'"records":[ '))
    elif how == "a path, not a hash":
        doc["segments"][0][0] = "../facts.json"
        head.write_bytes(json.dumps(doc).encode())
    elif how == "another version":
        data = path.read_bytes().replace(b"copro-report-facts/3", b"copro-report-facts/2")
        from ledger.governance.report.snapshot import sha256

        (folder / f"{sha256(data)}.json").write_bytes(data)
        head.write_bytes(head.read_bytes().replace(name.encode(), sha256(data).encode()))
    else:  # the head counts another number of records in it
        for entry in doc["segments"]:
            if entry[0] == name:
                entry[2] += 1
        head.write_bytes(json.dumps(doc).encode())


@pytest.mark.parametrize("how", ["missing", "altered", "a path, not a hash", "another version", "miscounted"])
def test_a_segment_missing_altered_or_not_the_one_named_makes_the_snapshot_ignored(
    story: Story, tmp_path: Path, how: str
) -> None:
    head = tmp_path / "facts.json"
    assert snapshot_files.save(head, None, fold(story.events(), start=None, end=later()), bytes(32)) is not None
    assert snapshot_files.load(head, start=None, end=later()) is not None
    _spoiled(head, how)
    assert snapshot_files.load(head, start=None, end=later()) is None


def test_a_head_with_its_records_inline_reads_alone_but_not_when_it_names_segments(story: Story) -> None:
    facts = fold(story.events(), start=None, end=later())
    whole = encode(facts, bytes(32))
    assert decode(whole, start=None, end=later()) is not None
    named = encode(facts, bytes(32), [Segment("0" * 64, "proposals", 1, later())])
    assert decode(named, start=None, end=later()) is None, "a segment it cannot read: ignored, not half a state"


def test_segments_no_head_names_are_removed_once_old_and_kept_while_young(story: Story, tmp_path: Path) -> None:
    head = tmp_path / "facts.json"
    folder = snapshot_files.segments_folder(head)
    folder.mkdir()
    stale, young = folder / f"{'a' * 64}.json", folder / f"{'b' * 64}.json"
    for path in (stale, young):
        path.write_bytes(b"{}")
    old = time.time() - snapshot_files.GRACE_SECONDS - 60
    os.utime(stale, (old, old))
    facts = fold(story.events(), start=None, end=later())
    assert snapshot_files.save(head, None, facts, bytes(32)) is not None
    retired = stale.with_name(f"{stale.name}.retired")
    assert not stale.exists() and young.exists()
    assert retired.exists(), "retired, not removed: a reader that read the head before may still look it up"
    assert all((folder / f"{sha}.json").exists() for sha in _named(head))
    assert snapshot_files.save(head, None, facts, bytes(32)) is not None
    assert retired.exists(), "kept for its grace after it was retired"
    os.utime(retired, (old, old))
    assert snapshot_files.save(head, None, facts, bytes(32)) is not None
    assert not retired.exists() and young.exists()


# -- the projection worker keeps it fresh -----------------------------------------------------


def _report(story: Story, tmp: Path, name: str, snapshot: Path, end: Any = None) -> Any:
    gov = story.gov
    return build_report(
        LiveSource(gov.merkle_log),
        checkpoint=gov.checkpoint(),
        out=tmp / name,
        key=gov.keys.report.signing_key,
        renderers={},
        snapshot=snapshot,
        end=end or _second(later()),
    )


def test_copro_project_brings_the_report_snapshot_to_the_log_so_a_report_folds_nothing_again(
    gov: Governance,
    config: LedgerConfig,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    story = build_story(gov, config)
    snapshot = snapshot_path(config)
    assert not snapshot.exists()
    code, _, err = run_cli(config, monkeypatch, capsys, "project")
    assert code == 0 and err == ""
    size = gov.merkle_log.log_size()
    held = snapshot_files.load(snapshot, start=None, end=later())
    assert held is not None and held.facts.next_leaf == size
    end = _second(later())  # one moment for both: the period's end is a figure
    built = _report(story, tmp_path, "report", snapshot, end)
    assert built.resumed_at == size and built.folded == 0
    assert _figures(built.doc) == _figures(document_of(fold(story.events(), start=None, end=end), None))


def test_copro_project_follow_folds_each_new_batch_into_the_snapshot(
    story: Story, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    snapshot = snapshot_path(story.config)
    sizes: list[int] = []
    polls = iter(range(3))

    def sleep(seconds: float) -> None:  # each poll: record where the snapshot is, then add activity
        held = snapshot_files.load(snapshot, start=None, end=later())
        assert held is not None
        sizes.append(held.facts.next_leaf)
        if next(polls, None) is None:
            raise KeyboardInterrupt  # how a worker is stopped
        _more_activity(story, 1)

    monkeypatch.setattr(time, "sleep", sleep)
    code, _, err = run_cli(story.config, monkeypatch, capsys, "project", "--follow", "--interval", "0.1")
    monkeypatch.undo()
    assert code == 130 and "interrupted" in err and "not refreshed" not in err
    size = story.gov.merkle_log.log_size()
    assert len(sizes) == 4 and sizes == sorted(sizes) and len(set(sizes)) == 4, "each batch folded in as it came"
    held = snapshot_files.load(snapshot, start=None, end=later())
    assert held is not None and held.facts.next_leaf == size
    assert len(held.segments) <= 3 * len(SEGMENT_KINDS), "small batches merge into few segments of each kind"
    end = _second(later())  # one moment for both: the period's end is a figure
    built = _report(story, tmp_path, "report", snapshot, end)
    assert built.resumed_at == size and built.folded == 0
    full = fold(story.events(), start=None, end=end)
    assert _figures(built.doc) == _figures(document_of(full, None))


def test_the_worker_reads_the_files_again_when_a_report_saved_since_its_last_poll(story: Story, tmp_path: Path) -> None:
    from ledger.governance.report.build import refresh_snapshot

    snapshot = tmp_path / "facts.json"
    source = LiveSource(story.gov.merkle_log)
    held = refresh_snapshot(source, snapshot, now=later()).snapshot
    assert held is not None and held.facts.next_leaf == story.gov.merkle_log.log_size()
    again = refresh_snapshot(source, snapshot, now=later(), held=held)
    assert again.folded == 0 and again.snapshot is held, "nothing new: the state in memory, not read again"
    _more_activity(story, 1)
    built = _report(story, tmp_path, "report", snapshot)  # a report folds the new events and saves
    assert built.folded > 0
    after = refresh_snapshot(LiveSource(story.gov.merkle_log), snapshot, now=later(), held=held)
    assert after.folded == 0, "the report's save was read, not the worker's older state folded on"
    assert after.snapshot is not None and after.snapshot.facts.next_leaf == story.gov.merkle_log.log_size()
