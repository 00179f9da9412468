"""Votes over HTTP under load: gunicorn + PostgreSQL on this machine, driven by wrk, group commit off and on.

Goal (issue 14): 1,000 accepted votes/s or more with p99 at most 50 ms, and none lost.
A collective of ``--members`` people with ``--proposals`` open proposals is built;
every member gets an account and their own session (cookie) and CSRF token, as a
signed-in browser has. wrk (Debian's package) then posts votes over many
connections, rotating over members and proposals (bench/load.lua). Each round
starts gunicorn afresh (``-k gthread``, ``--workers``, ``--threads``) with
``COPRO_GROUP_COMMIT`` off or on, measures the trivial ``/bench/ping`` route of the
same server first, then the votes, and stops it. Printed per mode: accepted
votes/s, p50/p95/p99 latency, errors by kind, the ratio to ping, and the event
transactions per accepted vote (PostgreSQL's ``xmin`` of the new event rows,
counted: one per committed transaction). Afterwards every acknowledged vote must be
a ballot version in the log, every ballot must be in the projected tally, and
``copro verify`` must exit 0. ``--profile`` samples a worker with py-spy during the
group-commit round and prints where the time goes.

    python -m bench.load [--members 200] [--proposals 5] [--seconds 10] [--connections 32]
                         [--workers 2] [--threads 8] [--rounds 1] [--profile]
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from uuid import UUID

from bench.common import PASSPHRASE, temp_keys, tempdir
from ledger.governance.ballot import ballot_id
from ledger.governance.service import Governance
from ledger.governance.views import GovernanceViews, open_view
from ledger.log.config import LedgerConfig
from ledger.personal.side_store import SideStore
from tests.sized_world import SizedWorld, build_sized_world
from web import sessions
from web.accounts import AccountStore

ROOT = Path(__file__).resolve().parents[1]
SECRET = "benchmark session secret, not a real one"
CSRF = 'name="csrf_token" value="'


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    url: str


def _env(config: LedgerConfig, group_commit: bool) -> dict[str, str]:
    assert config.database_url
    return {
        **os.environ,
        "COPRO_DATA": str(config.data_dir),
        "COPRO_DATABASE_URL": config.database_url,
        "COPRO_KEY_PASSPHRASE": PASSPHRASE,
        "COPRO_SECRET_KEY": SECRET,
        "COPRO_GROUP_COMMIT": "on" if group_commit else "off",
    }


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(config: LedgerConfig, *, group_commit: bool, workers: int, threads: int) -> Server:
    port = _free_port()
    gunicorn = str(Path(sys.executable).with_name("gunicorn"))
    command = [gunicorn, "-k", "gthread", "--threads", str(threads), "-w", str(workers)]
    command += ["-b", f"127.0.0.1:{port}", "--log-level", "warning", "bench.load_app:create_app()"]
    process = subprocess.Popen(command, cwd=ROOT, env=_env(config, group_commit), start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    for _ in range(600):
        try:
            with urllib.request.urlopen(url + "/bench/ping", timeout=2) as r:
                if r.status == 200:
                    return Server(process, url)
        except OSError:
            if process.poll() is not None:
                raise SystemExit(f"gunicorn exited with {process.returncode} before serving") from None
            time.sleep(0.1)
    raise SystemExit("gunicorn did not start serving within a minute")


def stop_server(server: Server) -> None:
    server.process.send_signal(signal.SIGTERM)
    try:
        server.process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        server.process.kill()
        server.process.wait()


def sign_everyone_in(config: LedgerConfig, world: SizedWorld, url: str) -> list[tuple[UUID, str, str]]:
    """An account and a live session per member, and the CSRF token a page gives that session."""
    accounts = AccountStore(SideStore(config, "accounts"), SECRET)
    out = []
    now = time.time()
    for k, member in enumerate(world.voters):  # members whose groups vote on these proposals
        token = accounts.invite(member, world.collective)
        accounts.accept(token, f"member{k}", f"a long enough passphrase for member {k}")
        sid = accounts.sessions.create(member.hex, "{}", now, idle=sessions.IDLE_DEFAULT, lifetime=sessions.MAX_DEFAULT)
        page = f"{url}/c/{world.collective}/proposals/{world.proposals[0]}"
        request = urllib.request.Request(page, headers={"Cookie": f"copro_session={sid}"})
        with urllib.request.urlopen(request, timeout=30) as r:
            html = r.read().decode()
        start = html.index(CSRF) + len(CSRF)
        out.append((member, sid, html[start : html.index('"', start)]))
    return out


def wrk(url: str, *, seconds: int, connections: int, threads: int, script: list[str]) -> str:
    """Run wrk; ``script`` is ["-s", lua, lines] (the lines file is the script's argument, after the URL)."""
    command = ["wrk", "-t", str(threads), "-c", str(connections), "-d", f"{seconds}s", "--latency"]
    command += [*script[:2], url, *(["--", *script[2:]] if script[2:] else [])]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"wrk failed: {done.stderr.strip() or done.stdout.strip()}")
    return done.stdout


def ping_rate(url: str, seconds: int, connections: int) -> float:
    out = wrk(url + "/bench/ping", seconds=seconds, connections=connections, threads=2, script=[])
    line = next(line for line in out.splitlines() if line.startswith("Requests/sec:"))
    return float(line.split()[1])


def event_transactions(config: LedgerConfig, table: str, after: int) -> tuple[int, int]:
    """(events, distinct committing transactions) among the rows after ``after``: xmin names the writer."""
    import psycopg

    assert config.database_url
    with psycopg.connect(config.database_url) as con:
        row = con.execute(
            f"SELECT count(*), count(DISTINCT xmin::text) FROM {table} WHERE notification_id > %s", (after,)
        ).fetchone()
    assert row is not None
    return int(row[0]), int(row[1])


def max_id(config: LedgerConfig, table: str) -> int:
    import psycopg

    assert config.database_url
    with psycopg.connect(config.database_url) as con:
        row = con.execute(f"SELECT COALESCE(MAX(notification_id), 0) FROM {table}").fetchone()
    return int(row[0]) if row else 0


def profile(pid: int, seconds: int) -> list[tuple[str, float]]:
    """py-spy samples of one worker: the share of samples in which each of our (or the library's) frames appears."""
    spy = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    out = Path(tempfile.mkdtemp(prefix="copro-spy-")) / "stacks.txt"
    subprocess.run(
        [spy, "record", "--pid", str(pid), "-d", str(seconds), "-f", "raw", "-o", str(out), "--nonblocking"],
        capture_output=True,
        check=False,
    )
    if not out.exists():
        return []
    totals: collections.Counter[str] = collections.Counter()
    samples = 0
    for line in out.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not count.isdigit():
            continue
        samples += int(count)
        seen = set()
        for frame in stack.split(";"):
            name = frame.split(" (")[0]
            where = frame.split(" (")[1].split(":")[0] if " (" in frame else ""
            key = f"{name} ({where.rsplit('/', 2)[-2] if '/' in where else where})"
            if key not in seen:
                seen.add(key)
                totals[key] += int(count)
    return [(k, v / samples) for k, v in totals.most_common(25)] if samples else []


def run(args: argparse.Namespace) -> dict[str, Any]:
    from tests.services import create_database, postgres_server

    if not shutil.which("wrk"):
        raise SystemExit("wrk is not installed: apt-get install wrk")
    results: dict[str, Any] = {"modes": {}}
    with postgres_server(durable=True) as base:
        config = LedgerConfig(tempdir() / "data", create_database(base, "load"))
        config.data_dir.mkdir(mode=0o700)
        keys = temp_keys(config.data_dir)
        gov = Governance.open(config, keys, create=True)
        world = build_sized_world(gov, args.members, proposals=args.proposals, objections=0)
        table = gov.recorder.events_table_name  # type: ignore[attr-defined]
        # Two workers booting at once race each other's CREATE TABLE IF NOT EXISTS (PostgreSQL's catalog
        # refuses the second): make the side tables and the views' tables first, as a deploy's migrate step would.
        AccountStore(SideStore(config, "accounts"), SECRET)
        open_view(config)
        server = start_server(config, group_commit=True, workers=args.workers, threads=args.threads)
        try:
            people = sign_everyone_in(config, world, server.url)
        finally:
            stop_server(server)
        lines = Path(tempfile.mkdtemp(prefix="copro-load-")) / "lines.txt"
        lines.write_text(
            "".join(
                f"{sid} {token} /c/{world.collective}/proposals/{pid}/position\n"
                for _, sid, token in people
                for pid in world.proposals
            )
        )
        accepted_total = 0
        for _ in range(args.rounds):
            for mode, on in (("group commit off", False), ("group commit on", True)):
                server = start_server(config, group_commit=on, workers=args.workers, threads=args.threads)
                try:
                    ping = ping_rate(server.url, max(1, args.seconds // 2), args.connections)
                    before = max_id(config, table)
                    spied: list[tuple[str, float]] = []
                    if args.profile and on:
                        import threading

                        workers = subprocess.run(
                            ["pgrep", "-P", str(server.process.pid)], capture_output=True, text=True
                        ).stdout.split()
                        box: dict[str, Any] = {}
                        spy = threading.Thread(
                            target=lambda box=box, pid=int(workers[0]): box.update(
                                p=profile(pid, max(1, args.seconds - 1))
                            )
                        )
                        spy.start()
                    out = wrk(
                        server.url,
                        seconds=args.seconds,
                        connections=args.connections,
                        threads=2,
                        script=["-s", str(ROOT / "bench" / "load.lua"), str(lines)],
                    )
                    if args.profile and on:
                        spy.join()
                        spied = box.get("p", [])
                finally:
                    stop_server(server)
                line = next(line for line in out.splitlines() if line.startswith("COPRO_LOAD "))
                load = json.loads(line.removeprefix("COPRO_LOAD "))
                events, transactions = event_transactions(config, table, before)
                accepted_total += load["accepted"]
                rate = load["accepted"] / load["seconds"]
                mine = results["modes"].setdefault(mode, [])
                mine.append(
                    {
                        **load,
                        "votes_per_s": rate,
                        "ping_per_s": ping,
                        "ratio": rate / ping if ping else 0.0,
                        "events": events,
                        "transactions": transactions,
                        "transactions_per_vote": transactions / max(1, load["accepted"]),
                        "profile": spied,
                    }
                )
        results["accepted_total"] = accepted_total
        results.update(check(config, gov, world, accepted_total))
        gov.close()
    return results


def check(config: LedgerConfig, gov: Governance, world: SizedWorld, accepted: int) -> dict[str, Any]:
    """Every acknowledged vote is a ballot version in the log and every ballot is in the tally; verify passes."""
    versions = 0
    ballots = 0
    for pid in world.proposals:
        for member in world.voters:
            n = sum(1 for _ in gov.events.get(ballot_id(pid, member)))
            versions += n
            ballots += n > 0
    views = GovernanceViews(gov, open_view(config))
    views.catch_up()
    tallied = sum(len(views.positions_on(pid)) for pid in world.proposals)
    env = {**os.environ, "COPRO_DATA": str(config.data_dir), "COPRO_DATABASE_URL": config.database_url or ""}
    env["COPRO_KEY_PASSPHRASE"] = PASSPHRASE
    copro = str(Path(sys.executable).with_name("copro"))
    verify = subprocess.run([copro, "verify"], env=env, capture_output=True, text=True, check=False)
    return {
        "ballot_versions": versions,
        "ballots": ballots,
        "tallied": tallied,
        "verify_exit": verify.returncode,
        "verify_tail": (verify.stdout + verify.stderr).strip().splitlines()[-1:],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=200)
    parser.add_argument("--proposals", type=int, default=5)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    r = run(args)
    print(
        f"gunicorn -k gthread -w {args.workers} --threads {args.threads}; wrk -c {args.connections}, "
        f"{args.seconds} s; {args.members} members, {args.proposals} open proposals; PostgreSQL fsync on"
    )
    for mode, rounds in r["modes"].items():
        for m in rounds:
            errors = m["server_error"] + m["unavailable"] + m["other"] + m["socket_errors"]
            print(
                f"{mode:>17}: {m['votes_per_s']:7.1f} accepted votes/s  p50 {m['p50_ms']:.1f} ms  "
                f"p95 {m['p95_ms']:.1f} ms  p99 {m['p99_ms']:.1f} ms  409s {m['conflict']}  errors {errors} "
                f"(5xx {m['server_error']}, 503 {m['unavailable']}, other {m['other']} e.g. {m['other_status']}, "
                f"socket {m['socket_errors']})  "
                f"ping {m['ping_per_s']:.0f}/s  ratio to ping {m['ratio']:.3f}  "
                f"transactions per vote {m['transactions_per_vote']:.3f} ({m['transactions']} for {m['accepted']})"
            )
    on = [m["votes_per_s"] for m in r["modes"].get("group commit on", [])]
    off = [m["votes_per_s"] for m in r["modes"].get("group commit off", [])]
    if on and off:
        print(f"ratio group commit on / off: {sorted(on)[len(on) // 2] / max(1e-9, sorted(off)[len(off) // 2]):.3f}")
    lost = r["accepted_total"] - r["ballot_versions"]
    print(
        f"acknowledged votes {r['accepted_total']}, ballot versions in the log {r['ballot_versions']} "
        f"(lost {max(0, lost)}; {max(0, -lost)} committed but unanswered when wrk stopped at its deadline); "
        f"ballots {r['ballots']}, in the tally {r['tallied']}; "
        f"copro verify exit {r['verify_exit']} {' '.join(r['verify_tail'])}"
    )
    for mode, rounds in r["modes"].items():
        for m in rounds:
            if m["profile"]:
                print(f"where a worker's time goes ({mode}, share of py-spy samples with the frame on the stack):")
                for name, share in m["profile"]:
                    print(f"  {share:6.1%}  {name}")
    if lost > 0 or r["ballots"] != r["tallied"] or r["verify_exit"] != 0:
        raise SystemExit("an acknowledged vote is missing, the tally disagrees, or verify failed")


if __name__ == "__main__":
    main()
