"""Group commit: concurrent appends from one process share one transaction, one table lock, one tile update.

eventsourcing serialises appends on PostgreSQL with an EXCLUSIVE table lock per
transaction, so a process that saves one event per transaction tops out at the
rate the server commits (about a thousand a second on a small machine), however
many threads it has. Transparency logs batch instead. Here a request thread that
calls ``insert_events`` queues its events and waits; whichever thread finds no
batch being written becomes the *leader*: it takes up to ``MAX_BATCH`` queued
requests, in the order they queued, writes all their events with the recorder's
ordinary insert (one transaction: lock, insert, tiles, commit), and then hands each
caller its own notification ids. Requests that queued while it wrote form the next
batch, so a writer alone waits for nobody (``max_wait`` can add a short pause to
gather more, off by default).

What a caller is told is unchanged:

- A return means the caller's events are committed and in the tree: a caller is
  woken only after its batch committed. The leaf order is the notification id
  order, as it always was; a batch is simply one transaction holding the events of
  several requests, one request after another.
- A version conflict fails only the request that conflicts. Two requests of one
  batch that write the same aggregate version (one member voting from two tabs)
  are caught before the write: the later one gets ``RecordConflictError``. A
  conflict with what is already stored makes the database refuse the whole batch;
  the leader then asks which of the batch's (aggregate, version) pairs are taken,
  fails exactly those requests with ``RecordConflictError`` and writes the rest
  again; if it cannot tell (another process raced it), each request is written
  alone. ``ledger.governance.retry`` then reruns just the losers' commands.
- Any other database error fails every request of the batch with that error. The
  batch was one transaction, so nothing of it was written.

The Merkle tiles and ``RecentLeaves`` need nothing new: the batch is written by the
recorder's own ``insert_events`` on the leader's thread, which notes the leaf
hashes, completes the tiles in the same transaction and keeps the hashes only once
it committed.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from eventsourcing.persistence import IntegrityError, RecordConflictError, StoredEvent

from ledger.log.errors import ConfigurationError
from ledger.log.storage.merkle_tables import Cursor, Dialect

MAX_BATCH = 256  # requests per transaction: Tessera batches up to 256 entries too

Key = tuple[UUID, int]


@dataclass
class _Request:
    events: Sequence[StoredEvent]
    ids: list[int] | None = None
    error: BaseException | None = None
    done: bool = False

    def versions(self) -> list[Key]:
        return [(_uuid(e.originator_id), int(e.originator_version)) for e in self.events]


@dataclass
class GroupCommitStats:
    """What the committer did, counted (the tests and bench/load.py read them)."""

    requests: int = 0
    transactions: int = 0
    conflicts: int = 0
    largest_batch: int = 0
    sizes: dict[int, int] = field(default_factory=dict)


def _uuid(raw: Any) -> UUID:
    return raw if isinstance(raw, UUID) else UUID(str(raw))


def _fresh(error: BaseException) -> BaseException:
    """A copy of ``error`` for one caller: one exception object raised in many threads would share a traceback."""
    try:
        copy = type(error)(*error.args)
    except Exception:  # an exception type that cannot be rebuilt from its args: share it
        return error
    copy.__cause__ = error
    return copy


class GroupCommitter:
    """Batches concurrent ``insert_events`` calls into one transaction each; see the module docstring."""

    def __init__(
        self,
        write: Callable[[Sequence[StoredEvent]], Sequence[int] | None],
        taken: Callable[[Sequence[Key]], set[Key]],
        *,
        max_batch: int = MAX_BATCH,
        max_wait: float = 0.0,
    ) -> None:
        self._write = write  # one transaction: raises, or returns one notification id per event, in order
        self._taken = taken  # which of these (aggregate, version) pairs are stored already
        self.max_batch = max_batch
        self.max_wait = max_wait
        self.stats = GroupCommitStats()
        self._queue: deque[_Request] = deque()
        self._cond = threading.Condition()
        self._leading = False

    def pending(self) -> int:
        """How many requests are queued behind the batch being written."""
        with self._cond:
            return len(self._queue)

    def insert(self, events: Sequence[StoredEvent]) -> list[int]:
        """Write ``events`` in some batch's transaction; return their notification ids once it committed."""
        request = _Request(events)
        with self._cond:
            self._queue.append(request)
            while True:
                while self._leading and not request.done:
                    self._cond.wait()
                if request.done:
                    break
                self._leading = True
                if self.max_wait > 0 and len(self._queue) < self.max_batch:
                    self._cond.wait(self.max_wait)  # gather a few more (notify wakes only waiters)
                batch = [self._queue.popleft() for _ in range(min(self.max_batch, len(self._queue)))]
                self._cond.release()
                try:
                    self._commit(batch)
                finally:
                    self._cond.acquire()
                    self._leading = False
                    self._cond.notify_all()
        if request.error is not None:
            raise _fresh(request.error)
        assert request.ids is not None
        return request.ids

    def _commit(self, batch: list[_Request]) -> None:
        try:
            self.stats.requests += len(batch)
            self.stats.largest_batch = max(self.stats.largest_batch, len(batch))
            self.stats.sizes[len(batch)] = self.stats.sizes.get(len(batch), 0) + 1
            self._write_batch(self._refuse_duplicates(batch), retry_conflicts=True)
        except BaseException as e:  # a bug or an interrupt: no caller may wait for ever
            for r in batch:
                if not r.done:
                    r.error, r.done = e, True
            raise
        finally:
            for r in batch:
                r.done = True

    def _refuse_duplicates(self, batch: list[_Request]) -> list[_Request]:
        """Requests writing a version an earlier request of this batch writes lose, as they would one after another."""
        seen: set[Key] = set()
        kept: list[_Request] = []
        for r in batch:
            keys = r.versions()
            if seen.intersection(keys) or len(set(keys)) != len(keys):
                self._conflict(r, "an aggregate version written by another request of the same batch")
                continue
            seen.update(keys)
            kept.append(r)
        return kept

    def _conflict(self, r: _Request, why: str) -> None:
        self.stats.conflicts += 1
        r.error = RecordConflictError(f"Version conflict: {why}")
        r.done = True

    def _write_batch(self, batch: list[_Request], *, retry_conflicts: bool) -> None:
        if not batch:
            return
        events = [e for r in batch for e in r.events]
        try:
            self.stats.transactions += 1
            ids = list(self._write(events) or ())
        except IntegrityError as e:
            if len(batch) == 1:
                batch[0].error, batch[0].done = e, True
                self.stats.conflicts += 1
                return
            self._resolve_conflict(batch, retry_conflicts=retry_conflicts)
            return
        except Exception as e:  # the whole batch was one transaction: nothing of it was written
            for r in batch:
                r.error, r.done = e, True
            return
        if len(ids) != len(events):
            error = RuntimeError(f"the database returned {len(ids)} notification ids for {len(events)} events")
            for r in batch:
                r.error, r.done = error, True
            return
        offset = 0
        for r in batch:
            r.ids, r.done = ids[offset : offset + len(r.events)], True
            offset += len(r.events)

    def _resolve_conflict(self, batch: list[_Request], *, retry_conflicts: bool) -> None:
        """The database refused the batch on a version: fail the requests that hold a taken one, write the rest."""
        if retry_conflicts:
            try:
                taken = self._taken([k for r in batch for k in r.versions()])
            except Exception as e:
                for r in batch:
                    r.error, r.done = e, True
                return
            losers = [r for r in batch if taken.intersection(r.versions())]
            if losers:
                for r in losers:
                    self._conflict(r, "an aggregate version that is already stored")
                self._write_batch([r for r in batch if not r.done], retry_conflicts=False)
                return
        for r in batch:  # could not tell which (another process wrote meanwhile): each alone
            self._write_batch([r], retry_conflicts=False)


GROUP_COMMIT_ENV = "COPRO_GROUP_COMMIT"  # "on" (the default) or "off"
MAX_WAIT_ENV = "COPRO_GROUP_COMMIT_MAX_WAIT_MS"  # 0 (the default) to 100


def from_env(
    get: Callable[[str], str | None],
    write: Callable[[Sequence[StoredEvent]], Sequence[int] | None],
    taken: Callable[[Sequence[Key]], set[Key]],
) -> GroupCommitter | None:
    """The committer the environment asks for, or None when group commit is off; one sentence if misconfigured."""
    switch = (get(GROUP_COMMIT_ENV) or "on").strip().lower()
    if switch not in ("on", "off"):
        raise ConfigurationError(f"{GROUP_COMMIT_ENV} must be 'on' or 'off', not {switch!r}.")
    raw_wait = (get(MAX_WAIT_ENV) or "0").strip()
    try:
        wait_ms = float(raw_wait)
    except ValueError:
        wait_ms = -1.0
    if not 0 <= wait_ms <= 100:
        raise ConfigurationError(f"{MAX_WAIT_ENV} must be a number of milliseconds from 0 to 100, not {raw_wait!r}.")
    if switch == "off":
        return None
    return GroupCommitter(write, taken, max_wait=wait_ms / 1000)


def taken_versions(c: Cursor, d: Dialect, table: str, keys: Sequence[Key]) -> set[Key]:
    """Which of these (aggregate, version) pairs the events table holds (asked only after a batch conflicted)."""
    found: set[Key] = set()
    for oid, version in keys:
        c.execute(
            d.sql(f"SELECT 1 FROM {table} WHERE originator_id = ? AND originator_version = ?"),
            (d.encode_id(oid), version),
        )
        if c.fetchone() is not None:
            found.add((oid, version))
    return found
