"""Single-event saves: plain eventsourcing vs copro (signed + Merkle-logged), same backend, same run.

Goal (issue 2): copro's throughput at 0.85 or more of plain eventsourcing's, on
SQLite and on PostgreSQL. Prints ops/s of each and the ratio. PostgreSQL runs twice:
durable (fsync on, as production runs) and with fsync off, which strips commit cost
away and so shows the pure CPU and round-trip overhead of signing and logging.

    python -m bench.append [--events N] [--rounds R] [--backend sqlite|postgres|both]
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
from collections.abc import Iterator
from typing import Any
from uuid import UUID

from eventsourcing.application import Application
from eventsourcing.domain import Aggregate, event

from bench.common import interleaved, temp_keys, tempdir, timed
from ledger.log.application import Ledger
from ledger.log.config import LedgerConfig
from ledger.log.vocabulary import named

_names = itertools.count()


@named("Minute", vocabulary="copro-bench/1")
class Minute(Aggregate):
    """A realistic small governance event: a recorded minute with a line of text."""

    @event("Recorded")
    def __init__(self, text: str) -> None:
        self.text = text


class PlainApp(Application[UUID]):
    name = "Plain"


@contextlib.contextmanager
def backends(which: str, durable: bool) -> Iterator[tuple[str, dict[str, str], LedgerConfig]]:
    root = tempdir()
    if which == "sqlite":
        cfg = LedgerConfig(root / "ours")
        cfg.data_dir.mkdir()
        plain_env = {"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": str(root / "plain.sqlite")}
        yield which, plain_env, cfg
        return
    from tests.services import create_database, postgres_server

    with postgres_server(durable=durable) as base:
        plain_url = create_database(base, "plain")
        ours_url = create_database(base, "ours")
        host_port = plain_url.split("@", 1)[1].split("/", 1)[0]
        host, port = host_port.split(":")
        plain_env = {
            "PERSISTENCE_MODULE": "eventsourcing.postgres",
            "POSTGRES_DBNAME": "plain",
            "POSTGRES_HOST": host,
            "POSTGRES_PORT": port,
            "POSTGRES_USER": "copro",
            "POSTGRES_PASSWORD": "copro",
        }
        cfg = LedgerConfig(root / "ours", ours_url)
        cfg.data_dir.mkdir()
        yield which, plain_env, cfg


def run(which: str, events: int, rounds: int, durable: bool = True) -> dict[str, Any]:
    with backends(which, durable) as (_, plain_env, cfg):
        keys = temp_keys(cfg.data_dir)
        plain = PlainApp(env=plain_env)
        ours = Ledger.open(cfg, keys, create=True)

        def save_all(app: Application[UUID]) -> float:
            return timed(
                lambda: (
                    [app.save(Minute(text=f"minute {next(_names)}: agreed to meet monthly")) for _ in range(events)]
                    and None
                )
            )

        medians = interleaved({"plain": lambda: save_all(plain), "copro": lambda: save_all(ours)}, rounds)
        plain.close()
        ours.close()
    plain_rate, ours_rate = events / medians["plain"], events / medians["copro"]
    plain_seconds = medians["plain"] / events
    return {
        "backend": which if which == "sqlite" or durable else "postgres (fsync off)",
        "ceiling": plain_seconds / (plain_seconds + _signing_cost()),
        "plain_ops": plain_rate,
        "copro_ops": ours_rate,
        "ratio": ours_rate / plain_rate,
    }


def _signing_cost(samples: int = 2000) -> float:
    """Seconds for the one Ed25519 signature every event needs, on a record of typical size."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from ledger.log.signing_mapper import EventSigner

    signer = EventSigner(Ed25519PrivateKey.generate())
    record = b"x" * 300
    return timed(lambda: [signer.sign(record) for _ in range(samples)] and None) / samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=400)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="both")
    args = parser.parse_args()
    plan = [("sqlite", True), ("postgres", True), ("postgres", False)]
    for which, durable in plan:
        if args.backend not in ("both", which):
            continue
        r = run(which, args.events, args.rounds, durable)
        print(
            f"append {r['backend']:20s}: plain {r['plain_ops']:8.0f} events/s, copro {r['copro_ops']:8.0f} events/s, "
            f"ratio {r['ratio']:.2f} (goal >= 0.85; adding only the per-event signature would give {r['ceiling']:.2f})"
        )


if __name__ == "__main__":
    main()
