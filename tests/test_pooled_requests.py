"""Which requests the request threads run: on SQLite the writes, the metrics page
and the health checks (4 threads by default), on MongoDB every request that may use
the store (8), and with one thread none: the event loop's thread runs the rest."""

from __future__ import annotations

from typing import Any

from zaqar_lite.app import pooled_requests
from zaqar_lite.config import load_settings
from zaqar_lite.serving.bridge import WsgiBridge

REQUESTS = [
    ("POST", "/v2/queues/q/messages"),
    ("POST", "/v1.1/queues/q/messages/"),
    ("POST", "/v1/queues/q/messages"),
    ("POST", "/v2/topics/t/messages"),
    ("POST", "/v2/queues/q/claims"),
    ("DELETE", "/v2/queues/q/messages"),
    ("GET", "/v2/queues/q/messages"),
    ("PUT", "/v2/queues/messages"),
    ("PATCH", "/v2/queues/q"),
    ("DELETE", "/v2/queues/q/claims/c"),
    ("GET", "/v2/"),
    ("HEAD", "/v1/queues/q"),
    ("OPTIONS", "/v2/queues"),
    ("GET", "/"),
    ("GET", "/v1.1/"),
    ("GET", "/v1"),
    ("GET", "/v2/queues"),
    ("GET", "/v2/ping"),
    ("GET", "/metrics"),
    ("GET", "/v2/health"),
    ("GET", "/v1.1/health"),
    ("HEAD", "/v1/health"),
]
READS = {("GET", "/v2/queues/q/messages"), ("GET", "/v2/"), ("HEAD", "/v1/queues/q"),
         ("OPTIONS", "/v2/queues"), ("GET", "/"), ("GET", "/v1.1/"), ("GET", "/v1"),
         ("GET", "/v2/queues"), ("GET", "/v2/ping")}
SLOW_READS = {("GET", "/metrics"), ("GET", "/v2/health"), ("GET", "/v1.1/health"),
              ("HEAD", "/v1/health")}
"""Reads that take long enough to hold up the event loop."""
STORELESS = {("GET", "/"), ("GET", "/v2/"), ("GET", "/v1.1/"), ("GET", "/v1")}
"""The version list and the home documents."""


def pooled(environ: dict[str, str]) -> set[tuple[str, str]]:
    settings = load_settings(environ=environ)
    bridge = WsgiBridge(lambda environ, start_response: [], threads=settings.request_threads,
                        max_body=1024, request_timeout=1, pooled=pooled_requests(settings))

    def scope(method: str, path: str) -> dict[str, Any]:
        return {"method": method, "raw_path": path.encode()}

    return {(method, path) for method, path in REQUESTS if not bridge.inline(scope(method, path))}


def test_sqlite_pools_the_writes_and_the_slow_reads() -> None:
    environ = {"ZAQAR_LITE_STORAGE": "sqlite:///pooled.db"}
    assert load_settings(environ=environ).request_threads == 4
    assert pooled(environ) == set(REQUESTS) - READS
    assert SLOW_READS <= pooled(environ)


def test_mongodb_pools_every_request_but_the_home_documents() -> None:
    environ = {"ZAQAR_LITE_STORAGE": "mongodb://127.0.0.1:27017"}
    assert load_settings(environ=environ).request_threads == 8
    assert pooled(environ) == set(REQUESTS) - STORELESS


def test_one_thread_pools_nothing() -> None:
    for storage in ("sqlite:///pooled.db", "mongodb://127.0.0.1:27017"):
        assert pooled({"ZAQAR_LITE_STORAGE": storage, "ZAQAR_LITE_THREADS": "1"}) == set()
