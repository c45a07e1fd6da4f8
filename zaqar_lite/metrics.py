"""Prometheus metrics: HTTP requests, store operations and round trips, messages.

Under ``zaqar-lite serve`` the master sets ``PROMETHEUS_MULTIPROC_DIR`` before
the workers fork, so each worker records its samples in files there
(prometheus_client's multi-process mode) and ``GET /metrics`` on any worker
adds up every worker's. Without that variable (the plain WSGI app, tests in
one process) the metrics are the process's own.

Nothing here scans a store: message counts are counters the operations
increment (a queue's backlog is posted minus deleted and popped, less what
expired).
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)

from zaqar_lite.config import METRICS_DIR_ENV
from zaqar_lite.errors import StorageUnavailable

R = TypeVar("R")


LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

REQUESTS = Counter(
    "zaqar_http_requests_total", "HTTP requests answered, by route template and status.",
    ["method", "route", "status"])
REQUEST_SECONDS = Histogram(
    "zaqar_http_request_duration_seconds",
    "Time from a whole request to its answer, by route template.",
    ["method", "route"], buckets=LATENCY_BUCKETS)
STORE_SECONDS = Histogram(
    "zaqar_store_operation_duration_seconds",
    "Time of each store operation (e.g. messages.post), retries included.",
    ["operation"], buckets=LATENCY_BUCKETS)
STORE_ERRORS = Counter(
    "zaqar_store_errors_total", "Store operations that failed (answered 503).", ["operation"])
STORE_ROUND_TRIPS = Counter(
    "zaqar_store_round_trips_total",
    "Statements sent to SQLite, or commands sent to MongoDB.", ["store"])
MESSAGES = Counter(
    "zaqar_messages_total", "Messages posted, claimed, deleted and popped.", ["event"])
NOTIFICATIONS = Counter(
    "zaqar_notifications_total",
    "Notification attempts settled: delivered, retried, failed (kept), cancelled.",
    ["outcome"])


class Children:
    """A metric's labelled children, looked up once per label values (``labels()``
    validates and locks on every call, which shows on a hot path)."""

    def __init__(self, metric: Any) -> None:
        self._metric = metric
        self._children: dict[tuple[str, ...], Any] = {}

    def __call__(self, *values: str) -> Any:
        child = self._children.get(values)
        if child is None:
            child = self._children[values] = self._metric.labels(*values)
        return child


requests_by = Children(REQUESTS)
request_seconds_by = Children(REQUEST_SECONDS)
_store_seconds_by = Children(STORE_SECONDS)
_store_errors_by = Children(STORE_ERRORS)
_round_trips_by = Children(STORE_ROUND_TRIPS)

_thread = threading.local()


def expose_round_trips(store: str) -> None:
    """Show ``store``'s round trips (at 0 until some are counted): a store that
    counts none shows no sample, rather than a count that stays at 0."""
    _round_trips_by(store)


def count_round_trip(count: int = 1) -> None:
    """Statements or commands sent to the store by this thread; they are added to
    ``zaqar_store_round_trips_total`` when its store operation ends."""
    _thread.round_trips = getattr(_thread, "round_trips", 0) + count


def observe_store(store: str, operation: str, call: Callable[[], R]) -> R:
    """Run a store operation, timing it, counting its failure and its round trips.

    Only the outermost operation of a thread counts (one may call another).
    """
    if getattr(_thread, "operation", False):
        return call()
    _thread.operation = True
    started = time.perf_counter()
    try:
        return call()
    except StorageUnavailable:
        _store_errors_by(operation).inc()
        raise
    finally:
        _thread.operation = False
        _store_seconds_by(operation).observe(time.perf_counter() - started)
        trips = getattr(_thread, "round_trips", 0)
        if trips:
            _thread.round_trips = 0
            _round_trips_by(store).inc(trips)


def operation_name(qualname: str) -> str:
    """``messages.post`` for a controller method ``SQLiteMessages.post``."""
    owner, _, method = qualname.rpartition(".")
    for prefix in ("SQLite", "Mongo"):
        owner = owner.removeprefix(prefix)
    return f"{owner.lower()}.{method}"


def exposition() -> tuple[bytes, str]:
    """The current samples in the text format, and its content type."""
    if os.environ.get(METRICS_DIR_ENV):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    else:
        registry = REGISTRY
    return generate_latest(registry), CONTENT_TYPE_LATEST


def worker_exited(pid: int) -> None:
    """Drop what a worker that is gone kept only for itself (its live gauges)."""
    if os.environ.get(METRICS_DIR_ENV):
        multiprocess.mark_process_dead(pid)  # type: ignore[no-untyped-call]
