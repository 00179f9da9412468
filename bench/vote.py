"""Votes through the governance application in collectives of 10, 100 and 1,000, against plain saves.

Goals (issue 9): votes per second at least 0.5 of plain eventsourcing single-event
saves at every size, and the 1,000-member figure within 20% of the 10-member one;
page times (home, proposal, tally, audit, through the Flask test client) for 1,000
members within 50% of those for 10. Each collective has members in several
stakeholder groups (some in two), an agreement in force, open proposals and some
objections (tests/sized_world.py); every voter votes on every proposal, and once
each has, changes their position (a new event on their ballot), as people do.
Plain saves and votes run in alternating rounds in the same process, on the same
backend, and the medians are compared.

    python -m bench.vote [--sizes 10,100,1000] [--votes N] [--rounds R] [--backend sqlite|postgres]
"""

from __future__ import annotations

import argparse
import itertools
import re
import statistics
from collections.abc import Iterator
from typing import Any
from uuid import UUID

from eventsourcing.application import Application

from bench.append import Minute, PlainApp, backends
from bench.common import interleaved, temp_keys, timed
from ledger.governance.service import Governance
from tests.sized_world import SizedWorld, build_sized_world, position_for
from web import create_app

PAGES = ("home", "proposal", "tally", "audit")
CSRF = re.compile(r'(?:name="csrf_token" value="|"X-CSRFToken": ")([^"]+)"')
PASSPHRASE = "a long enough passphrase for the benchmark voter"


def ballots(world: SizedWorld) -> Iterator[tuple[UUID, UUID, str, str]]:
    """Every voter on every proposal; then again, each changing their position, for as long as asked."""
    for round_ in itertools.count():
        for pid in world.proposals:
            for i, member in enumerate(world.voters):
                position, reason = position_for(i)
                if round_ % 2:
                    position, reason = ("abstain", "") if position != "abstain" else ("agree", "")
                yield pid, member, position, reason


def plain_saves(app: Application, n: int) -> float:
    return timed(lambda: [app.save(Minute(text=f"minute {k}: agreed to meet monthly")) for k in range(n)] and None)


def votes(gov: Governance, stream: Iterator[tuple[UUID, UUID, str, str]], n: int) -> float:
    batch = list(itertools.islice(stream, n))

    def cast() -> None:
        for pid, member, position, reason in batch:
            gov.cast_ballot(pid, member_id=member, position=position, reason=reason)

    return timed(cast)


def page_times(gov: Governance, world: SizedWorld, config: Any, requests: int) -> dict[str, float]:
    """Median seconds per page for a signed-in voter, through the Flask test client."""
    app = create_app({"LEDGER_CONFIG": config, "GOVERNANCE": gov, "SECRET_KEY": "bench key", "TESTING": True})
    copro = app.extensions["copro"]
    copro.views.catch_up()
    token = copro.accounts.invite(world.voters[1], world.collective)
    copro.accounts.accept(token, "benchvoter", PASSPHRASE)
    client = app.test_client()
    found = CSRF.search(client.get("/signin").get_data(as_text=True))
    if found is None:
        raise RuntimeError("the sign-in page carries no CSRF token")
    signed_in = client.post(
        "/signin", data={"username": "benchvoter", "passphrase": PASSPHRASE, "csrf_token": found.group(1)}
    )
    if signed_in.status_code != 303:
        raise RuntimeError(f"signing in failed with HTTP {signed_in.status_code}")
    c, p = world.collective, world.proposals[0]
    paths = {
        "home": f"/c/{c}/",
        "proposal": f"/c/{c}/proposals/{p}",
        "tally": f"/c/{c}/proposals/{p}/tally",
        "audit": f"/c/{c}/audit/",
    }
    result = {}
    for page, path in paths.items():
        samples = []
        for _ in range(requests):
            seconds = timed(lambda path=path: _ok(client.get(path), path))
            samples.append(seconds)
        result[page] = statistics.median(samples)
    return result


def _ok(response: Any, path: str) -> None:
    if response.status_code != 200:
        raise RuntimeError(f"GET {path} answered HTTP {response.status_code}")


def run(which: str, members: int, n: int, rounds: int, requests: int) -> dict[str, Any]:
    with backends(which, durable=True) as (_, plain_env, cfg):
        plain = PlainApp(env=plain_env)
        gov = Governance.open(cfg, temp_keys(cfg.data_dir), create=True)
        if not isinstance(gov, Governance):
            raise TypeError("Governance.open returns a Governance")
        world = build_sized_world(gov, members)
        stream = ballots(world)
        medians = interleaved({"plain": lambda: plain_saves(plain, n), "vote": lambda: votes(gov, stream, n)}, rounds)
        pages = page_times(gov, world, cfg, requests)
        plain.close()
        gov.close()
    return {"members": members, "plain": n / medians["plain"], "votes": n / medians["vote"], "pages": pages}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="10,100,1000")
    parser.add_argument("--votes", type=int, default=200, help="votes (and plain saves) per round")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--requests", type=int, default=15, help="requests per page")
    parser.add_argument("--backend", choices=["sqlite", "postgres"], default="sqlite")
    args = parser.parse_args()
    results = [run(args.backend, int(s), args.votes, args.rounds, args.requests) for s in args.sizes.split(",")]
    first = results[0]
    for r in results:
        print(
            f"vote {args.backend} {r['members']:5d} members: plain {r['plain']:7.0f} saves/s, "
            f"copro {r['votes']:6.0f} votes/s, ratio {r['votes'] / r['plain']:.2f} (goal >= 0.5); "
            f"vs {first['members']} members {r['votes'] / first['votes']:.2f} (goal >= 0.8)"
        )
    for r in results:
        pages = ", ".join(
            f"{page} {r['pages'][page] * 1000:6.1f} ms ({r['pages'][page] / first['pages'][page]:.2f}x)"
            for page in PAGES
        )
        print(f"pages {args.backend} {r['members']:5d} members: {pages} (goal <= 1.5x of {first['members']} members)")


if __name__ == "__main__":
    main()
