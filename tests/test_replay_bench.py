"""bench/replay.py still runs: a refactor that breaks it fails here (tiny sizes; no figure is asserted)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_the_replay_benchmark_runs_to_its_ratio_lines() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "bench.replay", "--events", "400", "--members", "12", "--rounds", "1"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.count("ratio") == 3, done.stdout[-2000:]
