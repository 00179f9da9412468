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

The table gives seconds and the events each build folded; "render" is the part of the
warm build spent on HTML and PDF (the same at every size: the period is the same), and
"figures" the rest of it: checkpoint, keys, snapshot, fold, signatures, writing.

    python -m bench.report [--sizes 10000,100000,1000000] [--period 2000] [--no-verify]
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
from ledger.governance.report.build import Built, build_report, live_records, read_previous
from ledger.governance.report.verify import verify_report
from ledger.governance.report_source import LiveSource, snapshot_path
from ledger.log.application import Ledger
from ledger.log.canonical import strict_loads
from ledger.log.config import LedgerConfig
from ledger.log.keystore import KeysFolder
from ledger.log.record import parse_record, record_bytes
from web.report_files import RENDERERS


def timestamp_at(ledger: Ledger, leaf: int) -> datetime:
    """The envelope timestamp of one leaf (docs/FORMAT.md §1)."""
    row = next(iter(ledger.merkle_log.scan(start=leaf, batch=1)))[0]
    payload = parse_record(record_bytes(row.originator_id, row.originator_version, row.topic, row.state)).payload
    return datetime.fromisoformat(strict_loads(payload)["timestamp"]["_data_"])


def run(cfg: LedgerConfig, period_events: int, verify: bool) -> dict[str, Any]:
    keys = KeysFolder(cfg.data_dir / "keys").load(PASSPHRASE)
    ledger = Ledger.open(cfg, keys)
    work = tempdir()
    renders: list[float] = []

    def timed_renderer(render: Callable[[dict[str, Any]], bytes]) -> Callable[[dict[str, Any]], bytes]:
        def wrapped(doc: dict[str, Any]) -> bytes:
            t = time.perf_counter()
            out = render(doc)
            renders.append(time.perf_counter() - t)
            return out

        return wrapped

    renderers: Mapping[str, Callable[[dict[str, Any]], bytes]] = {k: timed_renderer(v) for k, v in RENDERERS.items()}
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

        snapshot.unlink(missing_ok=True)
        cold_s, cold = build("cold", since=start, until=end)
        snapshot.unlink(missing_ok=True)
        prev_s, _ = build("previous", since=before if before < start else None, until=start)
        renders.clear()
        warm_s, warm = build("warm", since=start, until=end, previous=work / "previous")
        render_s = sum(renders)
        if cold.doc["decisions"] != warm.doc["decisions"] or cold.doc["influence"] != warm.doc["influence"]:
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
            "cold_folded": cold.folded,
            "previous": prev_s,
            "warm": warm_s,
            "warm_folded": warm.folded,
            "render": render_s,
            "figures": warm_s - render_s,
            "decisions": len(warm.doc["decisions"]["items"]),
            "snapshot_bytes": snapshot.stat().st_size,
            "verified": ok,
        }
    finally:
        ledger.close()
        shutil.rmtree(work, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--members", type=int, default=100)
    parser.add_argument("--period", type=int, default=2000, help="events in the reported period")
    parser.add_argument("--no-verify", action="store_true", help="skip copro report verify on the warm report")
    args = parser.parse_args()
    rows = [run(cached_ledger(int(n), args.members), args.period, not args.no_verify) for n in args.sizes.split(",")]
    print(f"report: a period of the last {args.period} events, {args.members} members")
    print(
        f"  {'events':>9}  {'cold s':>7}  {'folded':>9}  {'previous s':>10}  {'warm s':>7}  {'folded':>7}  "
        f"{'render s':>8}  {'figures s':>9}  {'decisions':>9}  {'snapshot':>10}  verify"
    )
    for r in rows:
        verified = "-" if r["verified"] is None else "pass" if r["verified"] else "FAIL"
        print(
            f"  {r['size']:>9,}  {r['cold']:>7.2f}  {r['cold_folded']:>9,}  {r['previous']:>10.2f}  "
            f"{r['warm']:>7.2f}  {r['warm_folded']:>7,}  {r['render']:>8.2f}  {r['figures']:>9.2f}  "
            f"{r['decisions']:>9}  {r['snapshot_bytes']:>10,}  {verified}"
        )
    base = rows[0]
    for r in rows[1:]:
        print(
            f"  ratio {r['size']:,} / {base['size']:,} events: warm {r['warm'] / base['warm']:.2f}, "
            f"warm figures {r['figures'] / base['figures']:.2f}, "
            f"cold {r['cold'] / base['cold']:.2f}"
        )


if __name__ == "__main__":
    main()
