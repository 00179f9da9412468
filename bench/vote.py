"""Votes through the governance application in collectives of 10, 100 and 1,000, against plain saves.

Goals (issue 9): votes per second at least 0.5 of plain eventsourcing single-event
saves at every size, and the 1,000-member figure within 20% of the 10-member one;
page times (home, proposal, tally, audit, through the Flask test client) for 1,000
members within 50% of those for 10. "tally after a vote" is the tally partial with one
new ballot cast (and projected) before each request, untimed: the count is recomputed
every time, where the plain "tally" rows may reuse the count kept since the last change.
Each collective has members in several stakeholder groups (some in two), an
agreement in force, open proposals and some objections (tests/sized_world.py);
every voter votes on every proposal, and once each has, changes their position
(a new event on their ballot), as people do. Plain saves and votes run in
alternating rounds in the same process, on the same backend, and the medians are compared.
Afterwards, untimed, it counts the store queries a vote makes (event-store reads and writes,
person-key reads), by kind: on PostgreSQL each is a round trip.

    python -m bench.vote [--sizes 10,100,1000] [--votes N] [--rounds R] [--backend sqlite|postgres]
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import functools
import itertools
import re
from collections.abc import Callable, Iterator
from uuid import UUID

from eventsourcing.application import Application

from bench.append import Minute, PlainApp, backends
from bench.common import interleaved, temp_keys, timed
from ledger.governance.errors import Conflict
from ledger.governance.service import Governance
from tests.sized_world import SizedWorld, build_sized_world, position_for
from web import create_app
from web.state import copro

PAGES = ("home", "proposal", "tally", "audit", "tally after a vote")
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


def plain_saves(app: Application[UUID], n: int) -> float:
    def save_all() -> None:
        for k in range(n):
            app.save(Minute(text=f"minute {k}: agreed to meet monthly"))

    return timed(save_all)


STORE_QUERIES = ("select_events", "select_notifications", "max_notification_id", "insert_events")


@contextlib.contextmanager
def counting_queries(gov: Governance) -> Iterator[collections.Counter[str]]:
    """Count the event store's queries and the person-key store's statements made within."""
    counts: collections.Counter[str] = collections.Counter()
    targets: list[tuple[object, str, str]] = [(gov.recorder, name, name) for name in STORE_QUERIES]
    targets.append((gov.vault.store, "execute", "person keys"))

    def counted(real: Callable[..., object], label: str) -> Callable[..., object]:
        def call(*args: object, **kwargs: object) -> object:
            counts[label] += 1
            return real(*args, **kwargs)

        return call

    for target, name, label in targets:
        setattr(target, name, counted(getattr(target, name), label))
    try:
        yield counts
    finally:
        for target, name, _ in targets:
            delattr(target, name)


def queries_per_vote(gov: Governance, stream: Iterator[tuple[UUID, UUID, str, str]], n: int) -> dict[str, float]:
    """Store queries per vote, by kind, over ``n`` more votes (untimed)."""
    with counting_queries(gov) as counts:
        for pid, member, position, reason in itertools.islice(stream, n):
            gov.cast_ballot(pid, member_id=member, position=position, reason=reason)
    return {label: count / n for label, count in sorted(counts.items())}


def votes(gov: Governance, stream: Iterator[tuple[UUID, UUID, str, str]], n: int) -> float:
    batch = list(itertools.islice(stream, n))

    def cast() -> None:
        for pid, member, position, reason in batch:
            gov.cast_ballot(pid, member_id=member, position=position, reason=reason)

    return timed(cast)


class Site:
    """One collective of a given size in its own ledger, with the web app over it and a signed-in voter."""

    def __init__(self, stack: contextlib.ExitStack, which: str, members: int) -> None:
        _, _, config = stack.enter_context(backends(which, durable=True))
        gov = Governance.open(config, temp_keys(config.data_dir), create=True)
        if not isinstance(gov, Governance):
            raise TypeError("Governance.open returns a Governance")
        stack.callback(gov.close)
        self.gov, self.members = gov, members
        self.world = build_sized_world(gov, members)
        self.stream = ballots(self.world)
        first = self.world.proposals[0]
        self.fresh = (b for b in ballots(self.world) if b[0] == first)
        app = create_app({"LEDGER_CONFIG": config, "GOVERNANCE": gov, "SECRET_KEY": "bench key", "TESTING": True})
        self.copro = copro.state_of(app)
        self.client = app.test_client()
        self._sign_in()
        c, p = self.world.collective, self.world.proposals[0]
        self.paths = {
            "home": f"/c/{c}/",
            "proposal": f"/c/{c}/proposals/{p}",
            "tally": f"/c/{c}/proposals/{p}/tally",
            "audit": f"/c/{c}/audit/",
            "tally after a vote": f"/c/{c}/proposals/{p}/tally",
        }

    def _sign_in(self) -> None:
        token = self.copro.accounts.invite(self.world.voters[1], self.world.collective)
        self.copro.accounts.accept(token, "benchvoter", PASSPHRASE)
        found = CSRF.search(self.client.get("/signin").get_data(as_text=True))
        if found is None:
            raise RuntimeError("the sign-in page carries no CSRF token")
        form = {"username": "benchvoter", "passphrase": PASSPHRASE, "csrf_token": found.group(1)}
        signed_in = self.client.post("/signin", data=form)
        if signed_in.status_code != 303:
            raise RuntimeError(f"signing in failed with HTTP {signed_in.status_code}")

    def _one_more_vote(self) -> None:
        """A changed position on the first proposal (skipping any voter already in that position)."""
        for pid, member, position, reason in self.fresh:
            with contextlib.suppress(Conflict):
                self.gov.cast_ballot(pid, member_id=member, position=position, reason=reason)
                return

    def page(self, name: str, requests: int) -> float:
        """Seconds per request for one page, the projections caught up first (as the workers keep them)."""
        self.copro.views.catch_up()
        path = self.paths[name]

        def get() -> None:
            response = self.client.get(path)
            if response.status_code != 200:
                raise RuntimeError(f"GET {path} answered HTTP {response.status_code}")

        total = 0.0
        for _ in range(requests):
            if name == "tally after a vote":
                self._one_more_vote()
                self.copro.views.catch_up()
            total += timed(get)
        return total / requests


def run(
    which: str, sizes: list[int], n: int, rounds: int, requests: int
) -> tuple[float, dict[int, float], dict[str, float], dict[int, dict[str, float]]]:
    """Plain saves and votes at every size in alternating rounds; then pages at every size, alternating too."""
    with contextlib.ExitStack() as stack:
        _, plain_env, _ = stack.enter_context(backends(which, durable=True))
        plain = PlainApp(env=plain_env)
        stack.callback(plain.close)
        sites = [Site(stack, which, size) for size in sizes]
        contenders: dict[str, Callable[[], float]] = {"plain": functools.partial(plain_saves, plain, n)}
        for site in sites:
            contenders[str(site.members)] = functools.partial(votes, site.gov, site.stream, n)
        medians = interleaved(contenders, rounds)
        queries = {site.members: queries_per_vote(site.gov, site.stream, n) for site in sites}
        page_runs: dict[str, Callable[[], float]] = {
            f"{site.members} {name}": functools.partial(site.page, name, requests) for site in sites for name in PAGES
        }
        pages = interleaved(page_runs, rounds)
    rates = {site.members: n / medians[str(site.members)] for site in sites}
    return n / medians["plain"], rates, pages, queries


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="10,100,1000")
    parser.add_argument("--votes", type=int, default=200, help="votes (and plain saves) per round")
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--requests", type=int, default=5, help="requests per page per round")
    parser.add_argument("--backend", choices=["sqlite", "postgres"], default="sqlite")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    plain, rates, pages, queries = run(args.backend, sizes, args.votes, args.rounds, args.requests)
    first = sizes[0]
    for size in sizes:
        print(
            f"vote {args.backend} {size:5d} members: plain {plain:6.0f} saves/s, copro {rates[size]:6.0f} votes/s, "
            f"ratio {rates[size] / plain:.2f} (goal >= 0.5); {rates[size] / rates[first]:.2f} of {first} members' "
            "rate (goal >= 0.8)"
        )
    for size in sizes:
        kinds = ", ".join(f"{label} {per:.2f}" for label, per in queries[size].items())
        print(f"queries {args.backend} {size:5d} members: {sum(queries[size].values()):.2f} per vote ({kinds})")
    for size in sizes:
        here = {name: pages[f"{size} {name}"] for name in PAGES}
        base = {name: pages[f"{first} {name}"] for name in PAGES}
        times = ", ".join(f"{name} {here[name] * 1000:6.1f} ms ({here[name] / base[name]:.2f}x)" for name in PAGES)
        print(f"pages {args.backend} {size:5d} members: {times} (goal <= 1.5x of {first} members)")


if __name__ == "__main__":
    main()
