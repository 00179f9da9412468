"""A rush of votes through the web app on PostgreSQL: many members at once on one proposal, one member in two tabs.

Threads post through the whole Flask app (sessions, CSRF, the domain's checks, the
retry on a lost race, group commit underneath) at the same moment. Each member
ends with exactly one ballot, every acknowledged vote is a version of it, nothing
answers 500, and the tally and the log agree with what was acknowledged.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from ledger.governance.ballot import ballot_id
from ledger.governance.recompute import OUTCOMES
from ledger.governance.service import Governance
from ledger.log.application import Ledger
from ledger.log.config import LedgerConfig
from ledger.log.keystore import KeysFolder
from ledger.log.storage.postgres import LedgerPostgresRecorder
from ledger.log.verify import verify_log
from tests.conftest import PASSPHRASE
from tests.web_support import Person, Site, make_site, open_proposal

pytestmark = pytest.mark.postgres
MEMBERS = 24


def _race(jobs: list[Callable[[], Any]]) -> list[Any]:
    start = threading.Barrier(len(jobs))
    results: list[Any] = [None] * len(jobs)

    def run(i: int) -> None:
        start.wait()
        try:
            results[i] = jobs[i]()
        except BaseException as e:  # a crash is a result the assertions report
            results[i] = e

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(jobs))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


@pytest.fixture
def pg_site(make_config: Callable[[str], LedgerConfig]) -> Iterator[Site]:
    config = make_config("postgres")
    gov = Governance.open(config, KeysFolder(config.keys_dir).load(PASSPHRASE), create=True)
    site = make_site(gov, config)
    w = site.world
    for i in range(MEMBERS):
        w.people[f"voter{i}"] = gov.admit_member(
            w.collective, by=w.steward, name=f"Voter {i}", contact=f"voter{i}@example.org", groups=["lived_experience"]
        )
    yield site
    gov.close()


def _verified(site: Site) -> None:
    report = verify_log(Ledger.recorder_only(site.config), outcomes=OUTCOMES)
    assert report.ok, [p.sentence() for p in report.problems[:3]]


def test_many_members_voting_at_once_each_get_one_ballot_and_the_tally_counts_them_all(pg_site: Site) -> None:
    site, w = pg_site, pg_site.world
    pid = open_proposal(site)
    people = [Person(site, f"voter{i}") for i in range(MEMBERS)]
    for p in people:
        p.get(site.url("/proposals/{p}", p=pid))
    positions = ["agree", "disagree", "abstain"]
    recorder = w.gov.recorder
    assert isinstance(recorder, LedgerPostgresRecorder) and recorder.group_commit is not None
    requests_before = recorder.group_commit.stats.requests

    path = site.url("/proposals/{p}/position", p=pid)

    def vote(p: Person, i: int) -> Callable[[], Any]:
        return lambda: p.post(path, {"position": positions[i % 3], "reason": f"voter {i}"})

    votes = _race([vote(p, i) for i, p in enumerate(people)])
    assert not [r for r in votes if isinstance(r, BaseException)], votes
    assert [r.status_code for r in votes] == [303] * MEMBERS, [
        r.get_data(as_text=True) for r in votes if r.status_code != 303
    ][:1]
    assert recorder.group_commit.stats.requests - requests_before >= MEMBERS, "every vote went through the committer"
    for i in range(MEMBERS):
        member = w.member(f"voter{i}")
        versions = [e.originator_version for e in w.gov.events.get(ballot_id(pid, member))]
        assert versions == [1], f"voter{i} has exactly one ballot, written once"
        ballot = w.gov.ballot_of(pid, member)
        assert ballot is not None and ballot.position == positions[i % 3]
    site.copro.views.catch_up()
    tally = site.copro.views.tally(pid)
    counted = {k: v for k, v in tally["positions"].items() if v}
    assert counted == {"agree": MEMBERS // 3, "disagree": MEMBERS // 3, "abstain": MEMBERS // 3}, tally
    _verified(site)


def test_one_member_voting_from_two_tabs_at_once_keeps_one_ballot_and_the_last_version_wins(pg_site: Site) -> None:
    site, w = pg_site, pg_site.world
    pid = open_proposal(site)
    tabs = [Person(site, "ben"), Person(site, "ben")]
    for tab in tabs:
        tab.get(site.url("/proposals/{p}", p=pid))
    chosen = ["agree", "disagree"] * 6
    path = site.url("/proposals/{p}/position", p=pid)

    def vote(tab: Person, c: str) -> Callable[[], Any]:
        return lambda: tab.post(path, {"position": c, "reason": "from a tab"})

    votes = _race([vote(tabs[i % 2], c) for i, c in enumerate(chosen)])
    assert not [r for r in votes if isinstance(r, BaseException)], votes
    codes = [r.status_code for r in votes]
    assert set(codes) <= {303, 409} and 303 in codes, codes
    bid = ballot_id(pid, w.member("ben"))
    events = list(w.gov.events.get(bid))
    versions = [e.originator_version for e in events]
    assert versions == list(range(1, codes.count(303) + 1)), "one ballot; each acknowledged vote one version of it"
    ballot = w.gov.ballot_of(pid, w.member("ben"))
    assert ballot is not None and ballot.version == versions[-1]
    assert ballot.position == events[-1].position, "the ballot holds what its highest version says"  # type: ignore[attr-defined]
    site.copro.views.catch_up()
    assert dict(site.copro.views.positions_on(pid)) == {w.member("ben"): ballot.position}
    _verified(site)
