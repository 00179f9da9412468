"""Bundle verification: full leaves per second vs raw Ed25519 on every core, and ``--since`` vs full.

Goals (issue 10): full verification of a bundle at 0.9 or more of the raw verify rate
of ``cryptography`` with a process per core; ``--since`` a checkpoint with 100 new
entries in under a second, its cost against the full run tracking 100 / 100,000.

The bundle is written with the exporter's own ``BundleWriter``: a keyring event, then
signed records of 2,000 aggregates in turn, checkpoints at ``events - new`` and
``events``. All figures come from one run, interleaved, medians.

    python -m bench.bundle [--events N] [--new K] [--rounds R] [--reference]

``--reference`` also times the reference engine alone (``verify_bundle(fast=False)``,
what every run did before ``ledger.log.bundle.fast``), interleaved with the rest.

On a shared machine the wall-clock ratio swings with the other tenants' load (and a
run with more processes than the baseline gets a larger share of a busy machine), so
the CPU seconds of each run (main process and workers) are printed too: raw CPU over
verify CPU is the ratio a quiet machine with every core free would approach.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import time
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path
from uuid import UUID

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from bench.common import interleaved, tempdir, timed
from bench.verify import _init, _verify_chunk
from ledger.log import merkle
from ledger.log.bundle.export import BundleWriter
from ledger.log.bundle.reader import open_bundle
from ledger.log.bundle.verify import verify_bundle
from ledger.log.bundle.verify_since import Trusted, parse_checkpoint, verify_since
from ledger.log.canonical import canonical_dumps
from ledger.log.key_history import KeyPeriod
from ledger.log.key_schedule import KEYRING_ID
from ledger.log.keys import Purpose, b64, event_key_id
from ledger.log.record import RECORD_VERSION, signing_input
from ledger.log.signed_note import Checkpoint, NoteSigner, sign_note

ORIGIN = "bench.copro.localhost/ledger"
AGGREGATES = 2000


def _record(key: Ed25519PrivateKey, kid: bytes, oid: UUID, version: int, topic: str, payload: bytes) -> bytes:
    message = signing_input(oid, version, topic, payload)
    return bytes((RECORD_VERSION,)) + kid + key.sign(message) + message


def write_bundle(root: Path, events: int, new: int) -> Path:
    """A bundle of ``events`` leaves, signed checkpoints at ``events - new`` and ``events``."""
    event, checkpoint = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()
    event_raw, checkpoint_raw = event.public_key().public_bytes_raw(), checkpoint.public_key().public_bytes_raw()
    kid = event_key_id(event_raw)
    writer = BundleWriter(root)
    keyring = canonical_dumps({"origin": ORIGIN, "event_key": b64(event_raw), "checkpoint_key": b64(checkpoint_raw)})
    leaves = [_record(event, kid, KEYRING_ID, 1, "copro/1/Keyring.Started", keyring)]
    versions = [0] * AGGREGATES
    for i in range(1, events):
        a = i % AGGREGATES
        versions[a] += 1
        payload = canonical_dumps({"text": f"minute {i}: agreed to meet monthly", "n": i})
        leaves.append(_record(event, kid, UUID(int=a + 1), versions[a], "copro/1/Minute.Recorded", payload))
    hashes = []
    for record in leaves:
        writer.add(record)
        hashes.append(merkle.leaf_hash(record))
    tree = merkle.MemoryTree(hashes)
    signer = NoteSigner(ORIGIN, checkpoint)
    notes = [(s, sign_note(Checkpoint(ORIGIN, s, tree.root(s)).to_text(), [signer])) for s in (events - new, events)]
    keys = [
        KeyPeriod(Purpose.EVENT, event_raw, 0, None, "").as_json(ORIGIN),
        KeyPeriod(Purpose.CHECKPOINT, checkpoint_raw, 0, None, "").as_json(ORIGIN),
    ]
    writer.finish(origin=ORIGIN, ledger_format="copro-ledger/1", checkpoints=notes, keys=keys, extra={})
    return root


def _cpu_chunk(chunk: list[tuple[bytes, bytes]]) -> float:
    """The raw baseline's work on one chunk, returning the CPU seconds it took in its worker."""
    start = time.process_time()
    _verify_chunk(chunk)
    return time.process_time() - start


def _raw_run(pool: ProcessPoolExecutor, triples: list[tuple[bytes, bytes]], workers: int, cpu: list[float]) -> float:
    """``bench.verify.raw_rate_run``, also adding up the workers' CPU seconds into ``cpu``."""
    size = max(1, len(triples) // (workers * 4))
    chunks = [triples[i : i + size] for i in range(0, len(triples), size)]
    spent: list[float] = []
    t = timed(lambda: spent.extend(pool.map(_cpu_chunk, chunks)))
    cpu.append(sum(spent))
    return t


def _cpu_here() -> float:
    """CPU seconds of this process and of its finished children (a verify run's workers, once shut down)."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--new", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--reference", action="store_true", help="also time the reference engine alone, as before the fast path"
    )
    args = parser.parse_args()
    workers = os.cpu_count() or 1
    n, new = args.events, args.new
    root = write_bundle(tempdir() / "bundle", n, new)
    with open_bundle(root) as b:
        trusted_note = dict(b.checkpoints())[n - new]
    trusted = Trusted(trusted_note, parse_checkpoint(trusted_note, "the trusted checkpoint"), None)

    key = Ed25519PrivateKey.generate()
    message = b"x" * 220  # about the size of a signed minute record
    triples = [(key.sign(message + i.to_bytes(4, "big")), message + i.to_bytes(4, "big")) for i in range(n)]

    cpu: dict[str, list[float]] = {"raw": [], "full": [], "reference": []}

    def full_run(fast: bool = True) -> float:
        ok: list[bool] = []
        before = _cpu_here()
        t = timed(lambda: ok.append(verify_bundle(root, workers=workers, fast=fast).ok))
        cpu["full" if fast else "reference"].append(_cpu_here() - before)
        if ok != [True]:
            raise SystemExit("the benchmark's own bundle does not verify")
        return t

    def since_run() -> float:
        done: list[int] = []

        def go() -> None:
            with open_bundle(root) as b:
                report = verify_since(b, trusted, workers=workers)
            done.append(report.new_leaves if report.ok else -1)

        t = timed(go)
        if done != [new]:
            raise SystemExit(f"the incremental run checked {done} new leaves, not {new}")
        return t

    ctx = get_context("fork")
    raw_pub = key.public_key().public_bytes_raw()
    with ProcessPoolExecutor(workers, mp_context=ctx, initializer=_init, initargs=(raw_pub,)) as pool:
        runs = {"raw": lambda: _raw_run(pool, triples, workers, cpu["raw"]), "full": full_run, "since": since_run}
        if args.reference:
            runs["reference"] = lambda: full_run(fast=False)
        medians = interleaved(runs, args.rounds)
    raw_rate, full_rate = n / medians["raw"], n / medians["full"]
    print(
        f"bundle: raw Ed25519 on {workers} cores {raw_rate:8.0f} sig/s, verify --bundle {full_rate:8.0f} leaves/s, "
        f"ratio {full_rate / raw_rate:.2f} (goal >= 0.9), {n} leaves"
    )
    if args.reference:
        reference_rate = n / medians["reference"]
        print(
            f"bundle, reference engine alone (no fast path): {reference_rate:8.0f} leaves/s, "
            f"ratio {reference_rate / raw_rate:.2f}"
        )
    raw_cpu = statistics.median(cpu["raw"])
    line = f"bundle, CPU seconds (main process and workers): raw {raw_cpu:.2f}, verify --bundle "
    line += f"{statistics.median(cpu['full']):.2f} (ratio {raw_cpu / statistics.median(cpu['full']):.2f})"
    if args.reference:
        line += f", reference engine {statistics.median(cpu['reference']):.2f} "
        line += f"(ratio {raw_cpu / statistics.median(cpu['reference']):.2f})"
    print(line)
    print(
        f"bundle --since: {new} new entries in {medians['since']:.3f} s (goal < 1 s); cost ratio to full "
        f"{medians['since'] / medians['full']:.4f} against entries ratio {new / n:.4f}"
    )


if __name__ == "__main__":
    main()
