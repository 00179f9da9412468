"""Shared benchmark plumbing: temporary ledgers and interleaved timing."""

from __future__ import annotations

import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from ledger.log.keystore import KeysFolder, LedgerKeys

PASSPHRASE = "benchmark passphrase, not a secret"


def temp_keys(root: Path) -> LedgerKeys:
    return KeysFolder(root / "keys").init("bench.copro.localhost/ledger", PASSPHRASE)


def interleaved(runs: dict[str, Callable[[], float]], rounds: int) -> dict[str, float]:
    """Median of each contender over alternating rounds, so drift on a shared machine hits both."""
    samples: dict[str, list[float]] = {name: [] for name in runs}
    for _ in range(rounds):
        for name, run in runs.items():
            samples[name].append(run())
    return {name: statistics.median(values) for name, values in samples.items()}


def timed(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def tempdir() -> Path:
    return Path(tempfile.mkdtemp(prefix="copro-bench-"))
