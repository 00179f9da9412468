"""What a funder's report costs at 10k, 100k and 1M events, for the same slice of activity.

For each size, a realistic ledger (bench/report_ledger.py: ~100 members in four groups,
an agreement, proposal after proposal voted on by most voters with some reasons, some
objections and revisions, contributions, reflections and feedback) is built once and
kept in the cache. The period is the time span of the log's last ``--period`` events,
so every size reports on the same activity. Three builds, each through
``build_report`` exactly as ``copro report`` calls it (checkpoint signed and stored,
figures, HTML, PDF, three signatures per file):

- **cold**: no snapshot: the fold reads every event from leaf 0;
- **previous**: the report of the same number of events just before the period (the
  last quarter's), cold too; it leaves the fold's snapshot at the period's start;
- **warm**: the period's report, with ``--previous`` and that snapshot: what a steward's
  quarterly report costs. ``copro report verify`` (the full recompute) then checks it.
- **kept**: the same report again, from the same snapshot at the period's start, but
  after the projection worker (``copro project --follow``) has folded the period into it
  (``refresh_snapshot``, timed as "worker"): what a report costs when the worker runs.

The snapshot is a head and segments (ledger/governance/report/snapshot.py); "snapshot"
is their bytes on disk after the warm build, "written" the bytes the warm build wrote
(its new segment and head), which is what no longer grows with the log.

``--no-cold`` skips the cold build (the slow one at 1M) and the check that the warm
figures equal the cold ones (tests/test_report_*.py prove that).

The table gives seconds and the events each build folded; "render" is the part of the
warm build spent on HTML and PDF (the same at every size: the period is the same), and
"figures" the rest of it: checkpoint, keys, snapshot, fold, signatures, writing. "html"
and "pdf" split render; "sign" is the three signatures per file and the key files, timed
again on the warm report's files (signing is deterministic, so it costs the same), and
is part of "figures". "warm read" and "kept read" are the snapshot segments and records each
build read (counted): what a period costs beside its own events. ``/proc/loadavg`` is printed
with each row: the machine may be shared.

    python -m bench.report [--sizes 10000,100000,1000000] [--period 2000] [--no-verify] [--no-cold]
"""

from __future__ import annotations

import argparse
import shutil
import time
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from bench.common import PASSPHRASE, tempdir
from bench.report_ledger import cached_ledger
from ledger.governance.report import snapshot_files
from ledger.governance.report.build import Built, build_report, live_records, principal, read_previous, refresh_snapshot
from ledger.governance.report.verify import verify_report
from ledger.governance.report_source import LiveSource, snapshot_path
from ledger.log.application import Ledger
from ledger.log.canonical import strict_loads
from ledger.log.config import LedgerConfig
from ledger.log.file_signatures import sign_folder
from ledger.log.keystore import KeysFolder
from ledger.log.record import parse_record, record_bytes
from web.report_files import RENDERERS


def timestamp_at(ledger: Ledger, leaf: int) -> datetime:
    """The envelope timestamp of one leaf (docs/FORMAT.md §1)."""
    row = next(iter(ledger.merkle_log.scan(start=leaf, batch=1)))[0]
    payload = parse_record(record_bytes(row.originator_id, row.originator_version, row.topic, row.state)).payload
    return datetime.fromisoformat(strict_loads(payload)["timestamp"]["_data_"])


def load_average() -> str:
    """The 1, 5 and 15 minute load averages, to read each figure against."""
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "?"


def sign_seconds(folder: Path, names: list[str], built: Built, key: Any) -> float:
    """Sign the report's own files again in a scratch folder: the cost of ``sign_folder`` alone."""
    scratch = tempdir()
    try:
        for name in names:
            shutil.copyfile(folder / name, scratch / name)
        origin = built.doc["log"]["origin"]
        t = time.perf_counter()
        sign_folder(
            scratch,
            names,
            key,
            principal=principal(origin),
            valid_after=datetime.fromisoformat(built.doc["period"]["to"]).date(),
            valid_before=None,
            origin=origin,
        )
        return time.perf_counter() - t
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def run(cfg: LedgerConfig, period_events: int, verify: bool, cold_too: bool = True) -> dict[str, Any]:
    keys = KeysFolder(cfg.data_dir / "keys").load(PASSPHRASE)
    ledger = Ledger.open(cfg, keys)
    work = tempdir()
    renders: dict[str, float] = {}

    def timed_renderer(name: str, render: Callable[[dict[str, Any]], bytes]) -> Callable[[dict[str, Any]], bytes]:
        def wrapped(doc: dict[str, Any]) -> bytes:
            t = time.perf_counter()
            out = render(doc)
            renders[name] = renders.get(name, 0.0) + time.perf_counter() - t
            return out

        return wrapped

    renderers: Mapping[str, Callable[[dict[str, Any]], bytes]] = {k: timed_renderer(k, v) for k, v in RENDERERS.items()}
    try:
        size = ledger.merkle_log.log_size()
        start = timestamp_at(ledger, size - period_events).replace(microsecond=0)
        before = timestamp_at(ledger, size - 2 * period_events).replace(microsecond=0)
        end = timestamp_at(ledger, size - 1).replace(microsecond=0) + timedelta(seconds=1)
        snapshot = snapshot_path(cfg)

        def build(
            name: str, *, since: datetime | None, until: datetime, previous: Path | None = None
        ) -> tuple[float, Built]:
            t = time.perf_counter()
            built = build_report(
                LiveSource(ledger.merkle_log),
                checkpoint=ledger.checkpoint(),
                out=work / name,
                key=keys.report.signing_key,
                renderers=renderers,
                start=since,
                end=until,
                previous=None if previous is None else read_previous(previous),
                snapshot=snapshot,
            )
            return time.perf_counter() - t, built

        cold: Built | None = None
        cold_s = 0.0
        if cold_too:
            snapshot_files.remove(snapshot)
            cold_s, cold = build("cold", since=start, until=end)
        snapshot_files.remove(snapshot)
        prev_s, _ = build("previous", since=before if before < start else None, until=start)
        aside = work / "aside" / snapshot.name
        aside.parent.mkdir()
        snapshot_files.copy(snapshot, aside)
        renders.clear()
        mark = time.time()
        warm_s, warm = build("warm", since=start, until=end, previous=work / "previous")
        load = load_average()
        written = _written_since(snapshot, mark)
        render_s = sum(renders.values())
        html_s = sum(s for name, s in renders.items() if name.endswith(".html"))
        snapshot_bytes = snapshot_files.stored_bytes(snapshot)
        snapshot_files.copy(aside, snapshot)  # back to the period's start: now the worker folds the period
        t = time.perf_counter()
        worker_folded = refresh_snapshot(LiveSource(ledger.merkle_log), snapshot, now=end).folded
        worker_s = time.perf_counter() - t
        renders.clear()
        kept_s, kept = build("kept", since=start, until=end, previous=work / "previous")
        kept_render_s = sum(renders.values())
        if {k: v for k, v in kept.doc.items() if k != "log"} != {k: v for k, v in warm.doc.items() if k != "log"}:
            raise SystemExit("the report after the worker's refresh differs from the warm one")
        sign_s = sign_seconds(work / "warm", ["report.json", *RENDERERS], warm, keys.report.signing_key)
        if cold is not None and (
            cold.doc["decisions"] != warm.doc["decisions"] or cold.doc["influence"] != warm.doc["influence"]
        ):
            raise SystemExit("the warm report's figures differ from the cold one's")
        ok = None
        if verify:
            log = Ledger.recorder_only(cfg)
            ok = verify_report(work / "warm", live_records(log, log.log_size()), previous=work / "previous").ok
            if not ok:
                raise SystemExit("copro report verify refused the warm report")
        return {
            "size": size,
            "cold": cold_s,
            "cold_folded": None if cold is None else cold.folded,
            "previous": prev_s,
            "warm": warm_s,
            "warm_folded": warm.folded,
            "render": render_s,
            "figures": warm_s - render_s,
            "html": html_s,
            "pdf": render_s - html_s,
            "sign": sign_s,
            "load": load,
            "decisions": len(warm.doc["decisions"]["items"]),
            "snapshot_bytes": snapshot_bytes,
            "written": written,
            "worker": worker_s,
            "worker_folded": worker_folded,
            "kept": kept_s,
            "kept_folded": kept.folded,
            "kept_figures": kept_s - kept_render_s,
            "warm_read": f"{warm.segments_read}/{warm.records_read}",
            "kept_read": f"{kept.segments_read}/{kept.records_read}",
            "verified": ok,
        }
    finally:
        ledger.close()
        shutil.rmtree(work, ignore_errors=True)


def _written_since(head: Path, mark: float) -> int:
    """The snapshot bytes written since ``mark``: the head and the segments made since (what a save costs)."""
    files = [head, *snapshot_files.segments_folder(head).glob("*.json")]
    return sum(p.stat().st_size for p in files if p.exists() and p.stat().st_mtime >= mark)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--members", type=int, default=100)
    parser.add_argument("--period", type=int, default=2000, help="events in the reported period")
    parser.add_argument("--no-verify", action="store_true", help="skip copro report verify on the warm report")
    parser.add_argument("--no-cold", action="store_true", help="skip the cold build (no snapshot)")
    args = parser.parse_args()
    rows = [
        run(cached_ledger(int(n), args.members), args.period, not args.no_verify, not args.no_cold)
        for n in args.sizes.split(",")
    ]
    print(f"report: a period of the last {args.period} events, {args.members} members")
    print(
        f"  {'events':>9}  {'cold s':>7}  {'folded':>9}  {'previous s':>10}  {'warm s':>7}  {'folded':>7}  "
        f"{'render s':>8}  {'html s':>6}  {'pdf s':>6}  {'figures s':>9}  {'sign s':>6}  {'decisions':>9}  "
        f"{'snapshot':>10}  {'written':>8}  {'worker s':>8}  {'folded':>7}  {'kept s':>6}  {'folded':>6}  "
        f"{'kept figures s':>14}  {'warm read':>10}  {'kept read':>10}  verify  load"
    )
    for r in rows:
        verified = "-" if r["verified"] is None else "pass" if r["verified"] else "FAIL"
        cold = f"{'-':>7}  {'-':>9}" if r["cold_folded"] is None else f"{r['cold']:>7.2f}  {r['cold_folded']:>9,}"
        print(
            f"  {r['size']:>9,}  {cold}  {r['previous']:>10.2f}  "
            f"{r['warm']:>7.2f}  {r['warm_folded']:>7,}  {r['render']:>8.2f}  {r['html']:>6.2f}  {r['pdf']:>6.2f}  "
            f"{r['figures']:>9.2f}  {r['sign']:>6.2f}  {r['decisions']:>9}  {r['snapshot_bytes']:>10,}  "
            f"{r['written']:>8,}  {r['worker']:>8.2f}  {r['worker_folded']:>7,}  {r['kept']:>6.2f}  "
            f"{r['kept_folded']:>6,}  {r['kept_figures']:>14.2f}  {r['warm_read']:>10}  {r['kept_read']:>10}  "
            f"{verified:>6}  {r['load']}"
        )
    base = rows[0]
    for r in rows[1:]:
        cold = "" if r["cold_folded"] is None else f", cold {r['cold'] / base['cold']:.2f}"
        print(
            f"  ratio {r['size']:,} / {base['size']:,} events: warm {r['warm'] / base['warm']:.2f}, "
            f"warm figures {r['figures'] / base['figures']:.2f}, kept {r['kept'] / base['kept']:.2f}, "
            f"kept figures {r['kept_figures'] / base['kept_figures']:.2f}{cold}"
        )


if __name__ == "__main__":
    main()
