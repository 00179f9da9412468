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
