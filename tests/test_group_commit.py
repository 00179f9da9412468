"""Group commit on a real PostgreSQL server: fewer transactions than requests, and every answer still true.

Batches are made deterministic by holding the events table's EXCLUSIVE lock from
another connection: the first writer blocks inside its transaction, the others
queue behind it, and on release the queued ones go in as one batch. No timing
is asserted: the tests wait for counts (queued requests, backends waiting on the
lock), never for a duration.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
import pytest
from eventsourcing.persistence import OperationalError, RecordConflictError

from ledger.governance.recompute import OUTCOMES
from ledger.log.application import Ledger
from ledger.log.config import LedgerConfig
from ledger.log.errors import ConfigurationError
from ledger.log.keystore import KeysFolder
from ledger.log.storage import group_commit
from ledger.log.storage.group_commit import GroupCommitter
from ledger.log.storage.postgres import LedgerPostgresRecorder
from ledger.log.verify import verify_log
from tests.conftest import PASSPHRASE
from tests.diary import Diary

pytestmark = pytest.mark.postgres


def _until(condition: Callable[[], bool], what: str) -> None:
    for _ in range(2000):  # a bound on polls, not a timed assertion: a slow machine only polls longer
        if condition():
            return
        time.sleep(0.005)
    raise AssertionError(f"never happened: {what}")


def _committer(app: Ledger) -> GroupCommitter:
    recorder = app.recorder
    assert isinstance(recorder, LedgerPostgresRecorder)
    assert recorder.group_commit is not None, "group commit is on by default on PostgreSQL"
    return recorder.group_commit


def _dsn(config: LedgerConfig) -> str:
    assert config.database_url
    return config.database_url


@contextmanager
def table_locked(config: LedgerConfig, app: Ledger) -> Iterator[psycopg.Connection[Any]]:
    """Hold the events table's EXCLUSIVE lock, as a writer of another process would, until the block ends."""
    table = app.recorder.events_table_name  # type: ignore[attr-defined]
    with psycopg.connect(_dsn(config)) as con:
        con.execute(f"LOCK TABLE {table} IN EXCLUSIVE MODE")
        yield con
        con.rollback()


def _lock_waiters(config: LedgerConfig) -> list[int]:
    with psycopg.connect(_dsn(config), autocommit=True) as con:
        rows = con.execute(
            "SELECT pid FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()"
        ).fetchall()
    return [int(r[0]) for r in rows]


def _verified(config: LedgerConfig, app: Ledger, size: int) -> None:
    assert app.merkle_log.log_size() == size
    indexes = [row.leaf_index for batch in app.merkle_log.scan() for row in batch]
    assert indexes == list(range(size))
    app.checkpoint()
    report = verify_log(Ledger.recorder_only(config), outcomes=OUTCOMES, workers=1)
    assert report.ok, [p.sentence() for p in report.problems[:3]]
    assert report.leaves == size


@pytest.fixture
def pg_ledger(make_config: Callable[[str], LedgerConfig]) -> Iterator[tuple[LedgerConfig, Ledger]]:
    config = make_config("postgres")
    keys = KeysFolder(config.keys_dir).load(PASSPHRASE)
    app = Ledger.open(config, keys, create=True)
    yield config, app
    app.close()


def _run(targets: list[Callable[[], Any]]) -> tuple[list[threading.Thread], dict[int, Any]]:
    results: dict[int, Any] = {}

    def wrap(i: int, target: Callable[[], Any]) -> None:
        try:
            results[i] = target()
        except BaseException as e:  # each caller's own answer, checked by the test
            results[i] = e

    threads = [threading.Thread(target=wrap, args=(i, t)) for i, t in enumerate(targets)]
    return threads, results


def test_queued_writers_share_one_transaction_and_every_event_is_a_leaf(pg_ledger) -> None:  # type: ignore[no-untyped-def]
    config, app = pg_ledger
    committer = _committer(app)
    before = app.merkle_log.log_size()
    start = committer.stats.transactions, committer.stats.requests
    n = 40
    diaries = [Diary(title=f"writer {i}") for i in range(n)]
    threads, results = _run([lambda d=d: app.save(d) for d in diaries])  # type: ignore[misc]
    with table_locked(config, app):
        threads[0].start()
        _until(lambda: len(_lock_waiters(config)) == 1, "the first writer waits for the table lock")
        for t in threads[1:]:
            t.start()
        _until(lambda: committer.pending() == n - 1, "the other writers queue behind it")
    for t in threads:
        t.join()
    assert not [r for r in results.values() if isinstance(r, BaseException)], results
    transactions = committer.stats.transactions - start[0]
    requests = committer.stats.requests - start[1]
    assert (transactions, requests) == (2, n), "one transaction for the first writer, one for the 39 queued"
    ids = sorted(nid for r in results.values() for rec in r for nid in [rec.notification.id])
    assert ids == list(range(before + 1, before + n + 1)), "each caller got its own, dense notification ids"
    _verified(config, app, before + n)


def test_many_threads_without_a_lock_still_batch_and_the_tree_is_right(pg_ledger) -> None:  # type: ignore[no-untyped-def]
    config, app = pg_ledger
    committer = _committer(app)
    before = app.merkle_log.log_size()
    threads_n, each = 16, 40  # 640 events: two full tiles and more, written across batches

    def writer(n: int) -> None:
        for i in range(each):
            app.save(Diary(title=f"writer {n} entry {i}"))

    threads, results = _run([lambda n=n: writer(n) for n in range(threads_n)])  # type: ignore[misc]
    start = committer.stats.transactions
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not [r for r in results.values() if isinstance(r, BaseException)], results
    assert committer.stats.transactions - start <= threads_n * each
    _verified(config, app, before + threads_n * each)
    with psycopg.connect(_dsn(config)) as con:
        tiles = con.execute("SELECT count(*) FROM copro_tiles WHERE level = 0").fetchone()
    assert tiles is not None and tiles[0] == (before + threads_n * each) // 256


def test_a_batch_with_one_conflicting_request_fails_only_that_one(pg_ledger) -> None:  # type: ignore[no-untyped-def]
    config, app = pg_ledger
    committer = _committer(app)
    stored = Diary(title="two tabs")
    app.save(stored)
    tab_a = app.repository.get(stored.id)
    tab_b = app.repository.get(stored.id)
    tab_a.write("from tab a")  # both tabs write version 2 of the same diary
    tab_b.write("from tab b")
    other = Diary(title="already there")
    app.save(other)
    stale = app.repository.get(other.id)
    other.write("committed first")
    app.save(other)  # version 2 of `other` is stored now; `stale` will try version 2 again
    stale.write("stale")
    before = app.merkle_log.log_size()
    fresh = [Diary(title=f"fresh {i}") for i in range(5)]
    targets: list[Callable[[], Any]] = [lambda: app.save(Diary(title="leader"))]
    targets += [lambda d=d: app.save(d) for d in fresh[:2]]  # type: ignore[misc]
    targets += [lambda: app.save(tab_a), lambda: app.save(tab_b), lambda: app.save(stale)]
    targets += [lambda d=d: app.save(d) for d in fresh[2:]]  # type: ignore[misc]
    threads, results = _run(targets)
    start = committer.stats.transactions
    with table_locked(config, app):
        threads[0].start()
        _until(lambda: len(_lock_waiters(config)) == 1, "the leader waits for the table lock")
        for i, t in enumerate(threads[1:], start=1):
            t.start()
            _until(lambda i=i: committer.pending() == i, "each writer queues, in order")  # type: ignore[misc]
    for t in threads:
        t.join()
    failed = {i for i, r in results.items() if isinstance(r, BaseException)}
    assert failed == {4, 5}, results  # tab b (same batch as tab a) and the stale write, nothing else
    assert all(isinstance(results[i], RecordConflictError) for i in failed)
    # The leader's own; the batch of seven, refused for the stale write (tab b was set aside before it);
    # the six others again, together: not one transaction per request.
    assert committer.stats.transactions - start == 3
    assert app.repository.get(stored.id).entries == ["from tab a"]
    assert app.repository.get(other.id).entries == ["committed first"]
    _verified(config, app, before + 1 + 5 + 1)  # the leader, the five fresh diaries, tab a's entry


def test_a_database_error_fails_the_whole_batch_and_writes_nothing(pg_ledger) -> None:  # type: ignore[no-untyped-def]
    config, app = pg_ledger
    committer = _committer(app)
    before = app.merkle_log.log_size()
    n = 6
    threads, results = _run([lambda i=i: app.save(Diary(title=f"lost {i}")) for i in range(n)])  # type: ignore[misc]
    with table_locked(config, app) as holder:
        threads[0].start()
        _until(lambda: len(_lock_waiters(config)) == 1, "the first writer waits for the lock")
        for t in threads[1:]:
            t.start()
        _until(lambda: committer.pending() == n - 1, "the others queue")
        holder.execute("SELECT pg_terminate_backend(%s)", (_lock_waiters(config)[0],))
        _until(lambda: committer.pending() == 0 and len(_lock_waiters(config)) == 1, "the batch of five waits")
        holder.execute("SELECT pg_terminate_backend(%s)", (_lock_waiters(config)[0],))
    for t in threads:
        t.join()
    assert all(isinstance(results[i], OperationalError) for i in range(n)), results
    assert len({str(results[i]) for i in range(1, n)}) == 1, "the batch of five failed with its one error"
    assert app.merkle_log.log_size() == before, "nothing of a failed batch is written"
    app.save(Diary(title="after the failure"))  # the next write needs nobody to restart anything
    _verified(config, app, before + 1)


def test_group_commit_can_be_turned_off_and_bad_settings_say_what_to_do() -> None:
    def write(events: Any) -> list[int]:
        return []

    assert group_commit.from_env({"COPRO_GROUP_COMMIT": "off"}.get, write, lambda keys: set()) is None
    on = group_commit.from_env({"COPRO_GROUP_COMMIT_MAX_WAIT_MS": "2"}.get, write, lambda keys: set())
    assert on is not None and on.max_wait == 0.002
    with pytest.raises(ConfigurationError, match="must be 'on' or 'off'"):
        group_commit.from_env({"COPRO_GROUP_COMMIT": "maybe"}.get, write, lambda keys: set())
    with pytest.raises(ConfigurationError, match="from 0 to 100"):
        group_commit.from_env({"COPRO_GROUP_COMMIT_MAX_WAIT_MS": "soon"}.get, write, lambda keys: set())
