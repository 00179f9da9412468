"""``copro verify`` leaves per second vs the raw Ed25519 verify rate of ``cryptography`` on every core.

Goal (issue 2): 0.8 or more. The baseline verifies the same number of (key,
signature, message) triples with a process per core and nothing else to do; copro
verify also reads the database, parses and hashes every record, rebuilds the tree
and checks checkpoints.

    python -m bench.verify [--events N] [--rounds R]
"""

from __future__ import annotations

import argparse
import os
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from bench.append import Minute
from bench.common import interleaved, temp_keys, tempdir, timed
from ledger.governance.recompute import OUTCOMES
from ledger.log.application import Ledger
from ledger.log.config import LedgerConfig
from ledger.log.verify import verify_log

_PUB: Ed25519PublicKey | None = None


def _init(raw: bytes) -> None:
    global _PUB
    _PUB = Ed25519PublicKey.from_public_bytes(raw)


def _verify_chunk(chunk: list[tuple[bytes, bytes]]) -> int:
    assert _PUB is not None
    for sig, msg in chunk:
        _PUB.verify(sig, msg)
    return len(chunk)


def raw_rate_run(pool: ProcessPoolExecutor, triples: list[tuple[bytes, bytes]], workers: int) -> float:
    size = max(1, len(triples) // (workers * 4))
    chunks = [triples[i : i + size] for i in range(0, len(triples), size)]
    return timed(lambda: sum(pool.map(_verify_chunk, chunks)) and None)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=20000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    workers = os.cpu_count() or 1
    cfg = LedgerConfig(tempdir() / "ours")
    cfg.data_dir.mkdir()
    ledger = Ledger.open(cfg, temp_keys(cfg.data_dir), create=True)
    batch = []
    for i in range(args.events - 1):
        batch.append(Minute(text=f"minute {i}: agreed to meet monthly"))
        if len(batch) == 500:
            ledger.save(*batch)
            batch = []
    ledger.save(*batch)
    ledger.checkpoint()
    n = ledger.merkle_log.log_size()

    key = Ed25519PrivateKey.generate()
    message = b"x" * 220  # about the size of a signed minute record
    triples = [(key.sign(message + i.to_bytes(4, "big")), message + i.to_bytes(4, "big")) for i in range(n)]
    raw_pub = key.public_key().public_bytes_raw()
    recorder = Ledger.recorder_only(cfg)

    def copro_run() -> float:
        report: list[bool] = []
        t = timed(lambda: report.append(verify_log(recorder, outcomes=OUTCOMES, workers=workers).ok))
        assert report == [True]
        return t

    ctx = get_context("fork")
    with ProcessPoolExecutor(workers, mp_context=ctx, initializer=_init, initargs=(raw_pub,)) as pool:
        medians = interleaved({"raw": lambda: raw_rate_run(pool, triples, workers), "copro": copro_run}, args.rounds)
    raw_rate, ours = n / medians["raw"], n / medians["copro"]
    print(
        f"verify: raw Ed25519 on {workers} cores {raw_rate:8.0f} sig/s, copro verify {ours:8.0f} leaves/s, "
        f"ratio {ours / raw_rate:.2f} (goal >= 0.8), {n} leaves"
    )


if __name__ == "__main__":
    main()
