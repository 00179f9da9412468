"""The public log (issue 13): serving tiles, and monitoring new entries, on a realistic 100,000-event ledger.

1. Serving: full tiles (``/log/tile/0/<N>``) per second against the same server's rate
   for a static file (``/static/css/site.css``), both over real HTTP from the web app
   (werkzeug, threaded), two clients, interleaved rounds.
2. Monitoring: ``copro monitor``'s work for the last 1,000 entries of the log, after a
   first run trusted the tree 1,000 entries shorter: time against fetching the same
   files without checking anything, and files fetched against the minimum the
   tlog-tiles arithmetic allows (the checkpoint and every entry bundle holding a new
   leaf; no hash tile is needed when the monitor keeps a compact range).

The ledger is the report benchmark's (``bench.report_ledger``), copied, so its cache
is never changed.

    python -m bench.public_log [--events 100000] [--requests 600] [--rounds 3]
"""

from __future__ import annotations

import argparse
import os
import shutil
import sqlite3
import tempfile
import threading
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path

from bench.common import PASSPHRASE, interleaved
from bench.report_ledger import cached_ledger
from ledger.log.bundle.layout import entries_path
from ledger.log.keystore import KeysFolder
from ledger.log.monitor import http_fetcher, monitor_once
from ledger.log.signed_note import Checkpoint, NoteSigner, NoteVerifier, sign_note, verifier_key
from ledger.log.tile_math import TILE_WIDTH


def _copy(events: int) -> Path:
    source = cached_ledger(events).data_dir
    target = Path(tempfile.mkdtemp(prefix="copro-bench-log-")) / "data"
    shutil.copytree(source, target)
    return target


def _requests_per_second(base: str, path: str, count: int, clients: int = 2) -> Callable[[], float]:
    def run() -> float:
        def worker(n: int) -> None:
            for _ in range(n):
                with urllib.request.urlopen(base + path, timeout=30) as r:
                    r.read()

        threads = [threading.Thread(target=worker, args=(count // clients,)) for _ in range(clients)]
        start = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        return time.perf_counter() - start

    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=600)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--new", type=int, default=1000)
    args = parser.parse_args()

    from werkzeug.serving import make_server

    from ledger.governance.service import Governance
    from ledger.log.config import LedgerConfig
    from web import create_app

    os.environ["COPRO_KEY_PASSPHRASE"] = PASSPHRASE  # the web app reads it, as in production
    data = _copy(args.events)
    config = LedgerConfig(data)
    keys = KeysFolder(config.keys_dir).load(PASSPHRASE)
    gov = Governance.open(config, keys)
    size = gov.merkle_log.log_size()
    old = size - args.new
    # The monitor first trusted the log at `old`: keep only checkpoints up to there, and one at `old`.
    gov.close()
    with sqlite3.connect(config.sqlite_path) as db:
        db.execute("DELETE FROM copro_checkpoints WHERE tree_size > ?", (old,))
    gov = Governance.open(config, keys)
    signer = NoteSigner(keys.origin, keys.checkpoint.signing_key)
    gov.merkle_log.add_checkpoint(
        old, sign_note(Checkpoint(keys.origin, old, gov.merkle_log.root(old)).to_text(), [signer])
    )
    gov.close()

    app = create_app({"LEDGER_CONFIG": config})
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}"
    vkey = NoteVerifier.parse(verifier_key(keys.origin, keys.checkpoint.public_key))
    state = data.parent / "monitor.json"
    try:
        fetch, _ = http_fetcher(base + "/log/")
        t0 = time.perf_counter()
        first = monitor_once(fetch, state, vkey)
        first_seconds = time.perf_counter() - t0
        assert first.ok, first.sentence

        with app.app_context():
            from web.state import copro

            copro.gov.checkpoint()  # the log's next checkpoint, `new` entries later

        fetch, fetched = http_fetcher(base + "/log/")
        t0 = time.perf_counter()
        second = monitor_once(fetch, state, None)
        monitor_seconds = time.perf_counter() - t0
        assert second.ok and second.new_entries == args.new, second.sentence
        minimum = 1 + ((size - 1) // TILE_WIDTH - old // TILE_WIDTH + 1)

        def plain_fetch() -> float:
            start = time.perf_counter()
            for path in fetched:
                with urllib.request.urlopen(f"{base}/log/{path}", timeout=30) as r:
                    r.read()
            return time.perf_counter() - start

        baseline = min(plain_fetch() for _ in range(3))
        print(
            f"monitor: {args.new} new entries on a {size:,}-leaf log in {monitor_seconds:.3f} s "
            f"(fetching the same files unchecked: {baseline:.3f} s, ratio {baseline / monitor_seconds:.2f}); "
            f"{len(fetched)} files fetched, minimum {minimum} (1 checkpoint + {minimum - 1} entry bundles, "
            f"0 hash tiles); first run over {old:,} entries took {first_seconds:.1f} s"
        )

        tile = "/log/tile/0/000"
        static = "/static/css/site.css"
        medians = interleaved(
            {
                "tile": _requests_per_second(base, tile, args.requests),
                "static": _requests_per_second(base, static, args.requests),
            },
            args.rounds,
        )
        tile_rate, static_rate = args.requests / medians["tile"], args.requests / medians["static"]
        entries = entries_path(0)
        print(
            f"serving: full tile {tile_rate:,.0f} req/s, static file {static_rate:,.0f} req/s, "
            f"ratio {tile_rate / static_rate:.2f} (same server, 2 clients, {args.requests} requests a round; "
            f"entry bundles at {entries} likewise)"
        )
    finally:
        server.shutdown()
        shutil.rmtree(data.parent, ignore_errors=True)


if __name__ == "__main__":
    main()
