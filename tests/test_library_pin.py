"""copro against the eventsourcing it was checked with: fails when the library changes underneath.

copro uses eventsourcing's public API except where the library has no hook copro
needs: the Merkle tiles are written inside the transaction that inserts the events
(``ledger.log.storage``), and the governance application caches what it saved.
Those few subclass methods extend library methods whose behaviour they depend on.
A vote also reads cached aggregates as of one look at the log
(``ledger.governance.watermark``), through public methods whose exact behaviour
(ordering, what a cache returns, which ids a save reports) it relies on.
Each is pinned here by its signature and a hash of its source, as read in
eventsourcing 9.5.6; a change fails with what to re-check before the pin is moved.
"""

from __future__ import annotations

import hashlib
import inspect
from collections.abc import Callable
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path
from typing import Any

import pytest
from eventsourcing.application import Application, LRUCache, Repository
from eventsourcing.persistence import EventStore, InfrastructureFactory
from eventsourcing.utils import Environment

from ledger.governance.application import GovernanceApplication
from ledger.log.application import Ledger, merkle_log_of
from ledger.log.config import LedgerConfig
from ledger.log.errors import ConfigurationError
from ledger.log.storage.log_reader import MerkleLogMixin
from ledger.log.storage.postgres import LedgerPostgresRecorder
from ledger.log.storage.sqlite import LedgerSQLiteRecorder

CHECKED_AGAINST = "9.5.6"


@dataclass(frozen=True)
class Pin:
    """One library method copro extends or depends on, as it was when copro was checked."""

    ours: type
    name: str
    library: str  # qualified name of the library method that ``ours`` reaches through super()
    parameters: tuple[str, ...]
    source_sha256: str  # first 16 hex digits
    recheck: str


PINS = [
    Pin(
        Ledger,
        "save",
        "Application.save",
        ("self", "objs", "kwargs"),
        "4e9747d14b8fd046",
        "Ledger saves through the library's own save: events still go through events.put, in one call",
    ),
    Pin(
        GovernanceApplication,
        "_record",
        "Application._record",
        ("self", "processing_event"),
        "104c6186b29d5059",
        "GovernanceApplication.save caches saved aggregates because the library's _record does not "
        "when fast-forward is on; check it still does not, or drop that override",
    ),
    Pin(
        Ledger,
        "__init__",
        "Application.__init__",
        ("self", "env"),
        "1e9449f600820ed7",
        "Application.__init__ still calls construct_recorder once, after the factory, and keeps its "
        "result as self.recorder (Ledger.merkle_log is set there)",
    ),
    Pin(
        Ledger,
        "construct_recorder",
        "Application.construct_recorder",
        ("self",),
        "1ab2e5fa7382f79a",
        "Ledger.construct_recorder extends it: it must still return the application recorder",
    ),
    Pin(
        LedgerSQLiteRecorder,
        "insert_events",
        "SQLiteAggregateRecorder.insert_events",
        ("self", "stored_events", "kwargs"),
        "32f60619a2ca6e6a",
        "the SQLite insert_events still opens one committing transaction and calls _insert_events inside it",
    ),
    Pin(
        LedgerSQLiteRecorder,
        "_insert_events",
        "SQLiteApplicationRecorder._insert_events",
        ("self", "c", "stored_events", "_"),
        "413cdf219c7bae63",
        "the SQLite _insert_events still inserts every event with the cursor it is given and returns the rowids",
    ),
    Pin(
        LedgerSQLiteRecorder,
        "construct_create_table_statements",
        "SQLiteApplicationRecorder.construct_create_table_statements",
        ("self",),
        "0e52bba3d0092d39",
        "the SQLite events table still numbers rows by rowid (leaf i is rowid i + 1)",
    ),
    Pin(
        LedgerPostgresRecorder,
        "insert_events",
        "PostgresApplicationRecorder.insert_events",
        ("self", "stored_events", "kwargs"),
        "f1a98da0239e3ea7",
        "the PostgreSQL insert_events still locks the table, inserts, and calls _fetch_ids_after_insert_events "
        "in the same transaction, and only the db-functions path (which copro turns off) skips it; and that it is "
        "still a function under a retry decorator (copro calls its __wrapped__: group commit and a fast 503)",
    ),
    Pin(
        LedgerPostgresRecorder,
        "_fetch_ids_after_insert_events",
        "PostgresApplicationRecorder._fetch_ids_after_insert_events",
        ("self", "curs", "stored_events", "_"),
        "9c8efbc1baf72b52",
        "the PostgreSQL _fetch_ids_after_insert_events still returns the inserted rows' notification ids",
    ),
    Pin(
        LedgerPostgresRecorder,
        "__init__",
        "PostgresApplicationRecorder.__init__",
        ("self", "datastore", "events_table_name"),
        "db36fb3de49a5292",
        "the PostgreSQL recorder still fills sql_create_statements in __init__ and runs them in create_table",
    ),
    Pin(
        LedgerPostgresRecorder,
        "create_table",
        "PostgresRecorder.create_table",
        ("self",),
        "112d77b968e2da3c",
        "create_table still makes the composite types in their own transactions, then calls _create_table "
        "with one transaction's cursor (where copro takes the schema lock first)",
    ),
    Pin(
        LedgerPostgresRecorder,
        "_create_table",
        "PostgresRecorder._create_table",
        ("self", "curs"),
        "2a02b9fe6d23ddc9",
        "the PostgreSQL create_table still runs _create_table(curs) in one transaction after the CREATE TYPE "
        "steps, so the schema lock taken first is held until the tables are made (ledger.log.schema_lock); "
        "PostgresGovernanceView overrides it the same way",
    ),
    Pin(
        LedgerPostgresRecorder,
        "select_events",
        "PostgresAggregateRecorder.select_events",
        ("self", "originator_id", "gt", "lte", "desc", "limit"),
        "429a54082f1c6766",
        "the PostgreSQL select_events is still a function under a retry decorator (copro calls its __wrapped__, "
        "to fail fast with a 503 instead of retrying for a minute) and still returns events in version order",
    ),
    Pin(
        Repository,
        "get",
        "Repository.get",
        ("self", "aggregate_id", "version", "projector_func", "fastforward_skipping", "deepcopy_from_cache"),
        "0ffc6e82b6afa0a0",
        "a cache miss still replays and puts the aggregate in the cache, a hit is still fast-forwarded with the "
        "events after its version, and deepcopy_from_cache=False still returns the cached object itself: "
        "GovernanceApplication._get_as_of_watermark reads through it and then trusts the cached copy",
    ),
    Pin(
        LRUCache,
        "get",
        "LRUCache.get",
        ("self", "key", "evict"),
        "2876ecfd983ca73d",
        "the cache still returns the stored object itself and raises KeyError when it holds none "
        "(the watermark's reads and VotingCommands._own_ballot)",
    ),
    Pin(
        EventStore,
        "put",
        "EventStore.put",
        ("self", "domain_events", "kwargs"),
        "7cbbe45730a0d3b9",
        "each Recording still carries the notification id the recorder gave its event: LogWatermark.saved "
        "moves on only when those ids follow the last one seen",
    ),
    Pin(
        LedgerPostgresRecorder,
        "select_notifications",
        "PostgresApplicationRecorder.select_notifications",
        ("self", "start", "limit", "stop", "topics", "inclusive_of_start"),
        "4469ac7a30c9650e",
        "rows still come in notification-id order from start (inclusive), at most limit of them: "
        "LogWatermark.catch_up takes the last row's id as seen",
    ),
    Pin(
        LedgerSQLiteRecorder,
        "select_notifications",
        "SQLiteApplicationRecorder.select_notifications",
        ("self", "start", "limit", "stop", "topics", "inclusive_of_start"),
        "7769734dcf32b811",
        "rows still come in notification-id order from start (inclusive), at most limit of them: "
        "LogWatermark.catch_up takes the last row's id as seen",
    ),
    Pin(
        LedgerPostgresRecorder,
        "max_notification_id",
        "PostgresApplicationRecorder.max_notification_id",
        ("self",),
        "b5b67785110c04e7",
        "it still returns the highest committed notification id (None when empty): where a watermark starts",
    ),
    Pin(
        LedgerSQLiteRecorder,
        "max_notification_id",
        "SQLiteApplicationRecorder.max_notification_id",
        ("self",),
        "e9c33168a48658f5",
        "it still returns the highest committed notification id: where a watermark starts",
    ),
]


def library_method(ours: type, name: str) -> Callable[..., Any]:
    """The eventsourcing method that ``ours`` reaches for ``name`` past its own classes."""
    for klass in ours.__mro__:
        if klass.__module__.startswith("eventsourcing.") and name in vars(klass):
            found: Callable[..., Any] = vars(klass)[name]
            return found
    raise LookupError(f"{ours.__name__} reaches no eventsourcing method {name!r}")


def test_the_installed_eventsourcing_is_the_series_copro_was_checked_against() -> None:
    installed = version("eventsourcing")
    assert installed.split(".")[:2] == CHECKED_AGAINST.split(".")[:2], (
        f"eventsourcing {installed} is installed, but copro was checked against {CHECKED_AGAINST} (9.5.x): "
        "re-check every method pinned in tests/test_library_pin.py, then move the pin and pyproject.toml together."
    )


@pytest.mark.parametrize("pin", PINS, ids=lambda p: f"{p.ours.__name__}.{p.name}")
def test_each_library_method_copro_builds_on_is_unchanged(pin: Pin) -> None:
    method = library_method(pin.ours, pin.name)
    assert method.__qualname__ == pin.library, (
        f"{pin.ours.__name__}.{pin.name} now reaches eventsourcing's {method.__qualname__}, not {pin.library}: "
        f"re-check that {pin.recheck}."
    )
    parameters = tuple(inspect.signature(method).parameters)
    assert parameters == pin.parameters, (
        f"eventsourcing's {pin.library} now takes {parameters}, not {pin.parameters}: re-check that {pin.recheck}."
    )
    digest = hashlib.sha256(inspect.getsource(method).encode()).hexdigest()[:16]
    assert digest == pin.source_sha256, (
        f"eventsourcing's {pin.library} changed since {CHECKED_AGAINST} (source hash {digest}, "
        f"expected {pin.source_sha256}): re-check that {pin.recheck}; then update its hash in this file."
    )


@pytest.mark.parametrize("ours", [Ledger, GovernanceApplication])
def test_no_application_class_of_ours_overrides_an_eventsourcing_property(ours: type) -> None:
    library_properties = {n for n, v in vars(Application).items() if isinstance(v, property)}
    for klass in ours.__mro__[: ours.__mro__.index(Application)]:
        overridden = library_properties & set(vars(klass))
        assert not overridden, (
            f"{klass.__name__} overrides eventsourcing's {sorted(overridden)}: give ours a name of its own."
        )


def test_no_application_class_of_ours_copies_the_library_save() -> None:
    assert "save" not in vars(Ledger), "Ledger must save through eventsourcing's own Application.save"


def test_the_ledgers_merkle_log_is_its_eventsourcing_recorder(ledger: Ledger) -> None:
    recorder = ledger.recorder
    assert isinstance(recorder, MerkleLogMixin)
    assert ledger.merkle_log is recorder
    assert ledger.merkle_log.log_size() == 1, "the keyring, saved through the library's save, is leaf 0"


def test_a_recorder_that_keeps_no_merkle_log_is_refused_with_what_to_set(tmp_path: Path) -> None:
    env = Environment("Ledger", {"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": ":memory:"})
    plain = InfrastructureFactory.construct(env).application_recorder()
    with pytest.raises(ConfigurationError, match="keeps no Merkle log; set PERSISTENCE_MODULE"):
        merkle_log_of(plain, LedgerConfig(tmp_path))
