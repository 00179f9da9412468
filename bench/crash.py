"""Crash test: kill -9 gunicorn (master and workers) and the projection worker during load, several times.

Each cycle starts gunicorn and ``copro project --follow`` on one PostgreSQL ledger,
drives votes with wrk (bench/load.lua), and part-way through kills every process of
both with SIGKILL (no shutdown, no flush). After the last cycle it restarts them once
more and checks what the issue asks: ``copro verify`` exits 0; every acknowledged vote
(a 303 wrk received) is a ballot version in the log; the projection worker catches up
by itself to the end of the log; and the views it kept through the crashes equal a
rebuild from scratch (``copro project --rebuild`` into a second views database), so
no event was counted twice or skipped.

    python -m bench.crash [--cycles 3] [--members 30] [--proposals 3] [--seconds 4]
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from bench.common import temp_keys, tempdir
from bench.load import (
    ROOT,
    SECRET,
    _env,
    check,
    max_id,
    sign_everyone_in,
    start_server,
    stop_server,
    wrk,
)
from ledger.governance.service import Governance
from ledger.governance.views import GovernanceViews, open_view
from ledger.log.config import LedgerConfig
from ledger.personal.side_store import SideStore
from tests.sized_world import build_sized_world
from web.accounts import AccountStore


def start_projector(config: LedgerConfig) -> subprocess.Popen[bytes]:
    copro = str(Path(sys.executable).with_name("copro"))
    return subprocess.Popen(
        [copro, "project", "--follow", "--interval", "0.2"],
        cwd=ROOT,
        env=_env(config, True),
        stdout=subprocess.DEVNULL,
        start_new_session=True,
    )


def kill9(process: subprocess.Popen[bytes]) -> None:
    """SIGKILL the process and everything in its session (gunicorn's workers with their master)."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()


def _load(server_url: str, lines: Path, seconds: int, connections: int, box: dict[str, Any]) -> None:
    import json

    out = wrk(
        server_url,
        seconds=seconds,
        connections=connections,
        threads=2,
        script=["-s", str(ROOT / "bench" / "load.lua"), str(lines)],
    )
    line = next(line for line in out.splitlines() if line.startswith("COPRO_LOAD "))
    box.update(json.loads(line.removeprefix("COPRO_LOAD ")))


def run(args: argparse.Namespace) -> int:
    from tests.services import create_database, postgres_server

    with postgres_server(durable=True) as base:
        config = LedgerConfig(tempdir() / "data", create_database(base, "crash"))
        config.data_dir.mkdir(mode=0o700)
        gov = Governance.open(config, temp_keys(config.data_dir), create=True)
        world = build_sized_world(gov, args.members, proposals=args.proposals, objections=0)
        table = gov.recorder.events_table_name  # type: ignore[attr-defined]
        AccountStore(SideStore(config, "accounts"), SECRET)
        open_view(config)
        server = start_server(config, group_commit=True, workers=2, threads=8)
        try:
            people = sign_everyone_in(config, world, server.url)
        finally:
            stop_server(server)
        lines = Path(tempfile.mkdtemp(prefix="copro-crash-")) / "lines.txt"
        lines.write_text(
            "".join(
                f"{sid} {token} /c/{world.collective}/proposals/{pid}/position\n"
                for _, sid, token in people
                for pid in world.proposals
            )
        )
        accepted = 0
        for cycle in range(args.cycles):
            server = start_server(config, group_commit=True, workers=2, threads=8)
            projector = start_projector(config)
            box: dict[str, Any] = {}
            load = threading.Thread(target=_load, args=(server.url, lines, args.seconds, 16, box))
            load.start()
            time.sleep(args.seconds / 2)  # part-way through the load: not a measurement
            kill9(server.process)
            kill9(projector)
            load.join()
            accepted += int(box.get("accepted", 0))
            print(
                f"cycle {cycle + 1}: killed gunicorn and the projector with SIGKILL mid-load; "
                f"{box.get('accepted', 0)} votes acknowledged, log size now {max_id(config, table)}",
                flush=True,
            )
        projector = start_projector(config)
        end = max_id(config, table)
        views = open_view(config)
        for _ in range(3000):  # polls, bounded: the worker catches up by itself
            if (views.max_tracking_id(gov.name) or 0) >= end:
                break
            time.sleep(0.05)
        caught_up = (views.max_tracking_id(gov.name) or 0) >= end
        kill9(projector)
        kept = GovernanceViews(gov, views)
        kept_state = kept.participation(world.collective), [kept.positions_on(p) for p in world.proposals]
        results = check(config, gov, world, accepted)
        rebuilt_config = LedgerConfig(tempdir() / "rebuilt", create_database(base, "rebuilt_views"))
        fresh = GovernanceViews(gov, _views_in(rebuilt_config))
        fresh.catch_up()
        fresh_state = fresh.participation(world.collective), [fresh.positions_on(p) for p in world.proposals]
        gov.close()
    lost = accepted - results["ballot_versions"]
    same = kept_state == fresh_state
    print(
        f"after {args.cycles} crashes: acknowledged votes {accepted}, ballot versions {results['ballot_versions']} "
        f"(lost {max(0, lost)}); projector caught up by itself: {caught_up}; kept views equal a rebuild from "
        f"scratch (each event counted once): {same}; copro verify exit {results['verify_exit']} "
        f"{' '.join(results['verify_tail'])}"
    )
    return 0 if lost <= 0 and caught_up and same and results["verify_exit"] == 0 else 1


def _views_in(config: LedgerConfig) -> Any:
    """A second, empty views database: the same projection, replayed from the start of the log."""
    config.data_dir.mkdir(mode=0o700)
    return open_view(config)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cycles", type=int, default=3)
    parser.add_argument("--members", type=int, default=30)
    parser.add_argument("--proposals", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=4)
    sys.exit(run(parser.parse_args()))


if __name__ == "__main__":
    main()
