"""PostgreSQL stopped under load: fast 503s with one sentence, nothing half-written, service back by itself.

Members keep voting through the web app while the server is stopped (``immediate``,
as a crash or a hard restart looks to clients) and started again. Every answer
is a 303 or a 503 (never a 500, never a hang: each request is bounded by the
connection timeout), the 503 says that nothing was recorded, every acknowledged
vote is in the log afterwards, and the same app serves again once the server is
back, without being restarted.
"""

from __future__ import annotations

import shutil
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from ledger.governance.ballot import ballot_id
from ledger.governance.recompute import OUTCOMES
from ledger.governance.service import Governance
from ledger.log.application import Ledger
from ledger.log.config import LedgerConfig
from ledger.log.keystore import KeysFolder
from ledger.log.verify import verify_log
from tests.conftest import PASSPHRASE
from tests.services import PostgresServer, create_database, postgres_cluster
from tests.web_support import Person, Site, make_site, open_proposal
from web.errors import DATABASE_DOWN

pytestmark = pytest.mark.postgres
VOTERS = ["amara", "ben", "chloe", "erin"]


@pytest.fixture
def outage_site(tmp_path: Path, key_template: Path) -> Iterator[tuple[Site, PostgresServer]]:
    with postgres_cluster() as server:
        data = tmp_path / "data"
        data.mkdir(mode=0o700)
        shutil.copytree(key_template, data / "keys")
        config = LedgerConfig(data, create_database(server.dsn, "outage"))
        gov = Governance.open(config, KeysFolder(config.keys_dir).load(PASSPHRASE), create=True)
        # As in production: an error outside a view goes to the error handlers, not up into the test client.
        yield make_site(gov, config, PROPAGATE_EXCEPTIONS=False), server
        gov.close()


def test_votes_while_postgres_is_stopped_get_fast_503s_and_resume_by_themselves(outage_site) -> None:  # type: ignore[no-untyped-def]
    site, server = outage_site
    w = site.world
    pid = open_proposal(site)
    people = {name: Person(site, name) for name in VOTERS}
    for p in people.values():
        p.get(site.url("/proposals/{p}", p=pid))
    acknowledged = {name: 0 for name in VOTERS}
    statuses: list[int] = []
    answers_503: list[tuple[str, str]] = []
    down, back = threading.Event(), threading.Event()
    lock = threading.Lock()

    def voter(name: str) -> None:
        person, n, after_back = people[name], 0, 0
        while after_back < 3:  # keep voting until three votes went through after the restart
            n += 1
            position = ("agree", "abstain")[n % 2]
            r = person.post(site.url("/proposals/{p}/position", p=pid), {"position": position, "reason": f"{n}"})
            with lock:
                statuses.append(r.status_code)
                if r.status_code == 303:
                    acknowledged[name] += 1
                    after_back += back.is_set()
                elif r.status_code == 503:
                    answers_503.append((r.headers.get("Retry-After", ""), r.get_data(as_text=True)))
            if r.status_code == 503 and not down.is_set():
                raise AssertionError("a 503 before the server was stopped")

    crashes: list[BaseException] = []

    def guarded(name: str) -> None:
        try:
            voter(name)
        except BaseException as e:  # reported by the test below, not lost in a thread
            crashes.append(e)

    def wait_for(condition: Callable[[], bool]) -> None:
        while not condition():
            assert not crashes, crashes
            threading.Event().wait(0.01)

    threads = [threading.Thread(target=guarded, args=(name,)) for name in VOTERS]
    for t in threads:
        t.start()
    wait_for(lambda: sum(acknowledged.values()) >= 8)  # load is running: some votes acknowledged first
    down.set()
    server.stop("immediate")
    wait_for(lambda: len(answers_503) >= 2 * len(VOTERS))  # each voter meets the outage a couple of times
    server.start()
    back.set()
    for t in threads:
        t.join(timeout=120)  # a bound against a hang, not a timing: every request is bounded by timeouts
        assert not t.is_alive(), "a request hung past every timeout"
    assert not crashes, crashes

    assert set(statuses) <= {303, 503}, sorted(set(statuses))
    assert answers_503, "the outage was met"
    for retry_after, body in answers_503:
        assert retry_after.isdigit()
        assert DATABASE_DOWN.replace("'", "&#39;") in body or DATABASE_DOWN in body
        assert "Traceback" not in body

    for name in VOTERS:
        versions = [e.originator_version for e in w.gov.events.get(ballot_id(pid, w.member(name)))]
        assert versions == list(range(1, len(versions) + 1)), f"{name}'s ballot has no hole"
        # Every acknowledged vote is recorded. A vote whose commit reached the server just as it died
        # may be recorded without its answer: at most one per voter, never the other way round.
        assert acknowledged[name] <= len(versions) <= acknowledged[name] + 1, (name, acknowledged[name], versions)
    report = verify_log(Ledger.recorder_only(site.config), outcomes=OUTCOMES)
    assert report.ok, [p.sentence() for p in report.problems[:3]]
