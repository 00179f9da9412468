"""Prometheus metrics (``/metrics``): request latency by endpoint, votes accepted, append latency, lags.

Under gunicorn several worker processes serve requests, and each keeps its own
counters; Prometheus must see their sum. So when ``PROMETHEUS_MULTIPROC_DIR`` is set
(gunicorn.conf.py sets it) prometheus_client writes every value to a file in that
folder and ``/metrics`` reads them all (its multiprocess mode). The two lags are not
counted by any one process: they are read from the database at each scrape
(``ledger.governance.readiness``), so any worker gives the same answer.

Requests are labelled by their Flask endpoint (``proposals.position``), never by the
raw URL: a URL holds ids and invitation tokens, and one label per URL would grow without bound.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator, Sequence
from functools import wraps
from typing import Any, TypeVar

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector

from ledger.governance.readiness import checkpoint_age, projection_lag
from ledger.governance.views import GovernanceViews

T = TypeVar("T")

REQUEST_SECONDS = Histogram(
    "copro_http_request_duration_seconds",
    "Time to answer an HTTP request, by Flask endpoint and method",
    ["endpoint", "method"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
REQUESTS = Counter("copro_http_requests", "HTTP requests answered, by endpoint and status", ["endpoint", "status"])
VOTES_ACCEPTED = Counter("copro_votes_accepted", "Positions (votes) recorded in the ledger")
APPEND_SECONDS = Histogram(
    "copro_append_duration_seconds",
    "Time to write one batch of events to the log (the recorder's insert_events: the commit included)",
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5),
)


def vote_accepted(result: T) -> T:
    """Count one accepted vote; wraps the command's result so the count follows only a success."""
    VOTES_ACCEPTED.inc()
    return result


def time_appends(recorder: Any) -> None:
    """Time every ``insert_events`` of this recorder (one wrapper on the instance, the storage code unchanged)."""
    insert: Callable[..., Sequence[int] | None] = recorder.insert_events
    if getattr(insert, "_copro_timed", False):
        return

    @wraps(insert)
    def timed(*args: Any, **kwargs: Any) -> Sequence[int] | None:
        started = time.perf_counter()
        try:
            return insert(*args, **kwargs)
        finally:
            APPEND_SECONDS.observe(time.perf_counter() - started)

    timed._copro_timed = True  # type: ignore[attr-defined]
    recorder.insert_events = timed


class LagCollector(Collector):
    """The projection lag and checkpoint age, read from the database when Prometheus scrapes."""

    def __init__(self, views: GovernanceViews) -> None:
        self.views = views

    def collect(self) -> Iterator[Metric]:
        yield GaugeMetricFamily(
            "copro_projection_lag_seconds",
            "Seconds the oldest event not yet applied to the views has waited (0: the views hold the whole log)",
            value=projection_lag(self.views),
        )
        yield GaugeMetricFamily(
            "copro_checkpoint_age_seconds",
            "Seconds the oldest event no signed checkpoint covers has waited (0: the newest checkpoint covers the log)",
            value=checkpoint_age(self.views.ledger),
        )


def exposition(views: GovernanceViews) -> tuple[bytes, str]:
    """The text Prometheus scrapes: every process's counters (multiprocess mode) or this one's, and the lags."""
    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    else:
        for collector in (REQUEST_SECONDS, REQUESTS, VOTES_ACCEPTED, APPEND_SECONDS):
            registry.register(collector)
    registry.register(LagCollector(views))
    return generate_latest(registry), CONTENT_TYPE_LATEST
