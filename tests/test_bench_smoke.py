"""Every benchmark still runs: a refactor that breaks bench/ fails here, not in the next session's figures.

Tiny sizes, and no figure is asserted (the suite never times anything); only that each
benchmark runs to the end and prints its ratio line.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize(
    ("module", "args", "says"),
    [
        ("bench.append", ["--events", "30", "--rounds", "1", "--backend", "sqlite"], "ratio"),
        ("bench.verify", ["--events", "300", "--rounds", "1"], "ratio"),
        ("bench.bundle", ["--events", "600", "--new", "10", "--rounds", "1"], "ratio"),
        ("bench.vote", ["--sizes", "10,20", "--votes", "10", "--rounds", "1", "--requests", "1"], "ratio"),
        ("bench.report", ["--sizes", "400,800", "--period", "100"], "ratio"),
        ("bench.public_log", ["--events", "600", "--new", "10", "--requests", "10", "--rounds", "1"], "ratio"),
    ],
)
def test_each_benchmark_runs_to_its_ratio_line(module: str, args: list[str], says: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", module, *args], cwd=ROOT, capture_output=True, text=True, timeout=600, check=False
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert says in done.stdout, done.stdout[-2000:]


def test_the_load_benchmark_runs_gunicorn_wrk_and_its_checks_to_the_end() -> None:
    """bench/load.py at a tiny size: it must reach its ratio line and its own checks (nothing lost, verify 0)."""
    import shutil

    from tests.services import missing

    if not shutil.which("wrk"):
        missing("wrk is not installed (apt-get install wrk)")
    args = ["--members", "6", "--proposals", "2", "--seconds", "1", "--connections", "2", "--threads", "2"]
    done = subprocess.run(
        [sys.executable, "-m", "bench.load", *args], cwd=ROOT, capture_output=True, text=True, timeout=600, check=False
    )
    assert done.returncode == 0, done.stderr[-2000:] + done.stdout[-2000:]
    assert "ratio to ping" in done.stdout and "copro verify exit 0" in done.stdout, done.stdout[-2000:]
    assert "(lost 0;" in done.stdout, done.stdout[-2000:]


def test_the_crash_benchmark_kills_and_restarts_and_its_checks_pass() -> None:
    """bench/crash.py, one cycle: kill -9 mid-load, then verify, no acknowledged vote lost, views equal a rebuild."""
    import shutil

    from tests.services import missing

    if not shutil.which("wrk"):
        missing("wrk is not installed (apt-get install wrk)")
    args = ["--cycles", "1", "--members", "6", "--proposals", "2", "--seconds", "2"]
    done = subprocess.run(
        [sys.executable, "-m", "bench.crash", *args], cwd=ROOT, capture_output=True, text=True, timeout=600, check=False
    )
    assert done.returncode == 0, done.stderr[-2000:] + done.stdout[-2000:]
    assert "(lost 0)" in done.stdout and "each event counted once): True" in done.stdout, done.stdout[-2000:]
