"""``zaqar-lite bench``: producers and consumers against a live server.

Producers post batches of messages; consumers claim up to 10 messages and
delete them with one bulk delete. Both run concurrently on one fresh queue
for a bounded time, then the command prints messages per second posted and
consumed and the p50/p99 latency of each request kind. It only uses the
standard library, so it runs wherever the server is installed.
"""

from __future__ import annotations

import dataclasses
import functools
import http.client
import json
import threading
import time
import uuid
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

CLAIM_LIMIT = 10


@dataclasses.dataclass
class Tally:
    """Counts and latencies gathered by the worker threads."""

    lock: threading.Lock = dataclasses.field(default_factory=threading.Lock)
    posted: int = 0
    consumed: int = 0
    errors: int = 0
    latencies: dict[str, list[float]] = dataclasses.field(default_factory=dict)

    def record(self, kind: str, seconds: float) -> None:
        with self.lock:
            self.latencies.setdefault(kind, []).append(seconds)


class Connection:
    """One keep-alive HTTP connection with the queue's headers."""

    def __init__(self, url: str, project: str) -> None:
        parts = urlsplit(url)
        self.http = http.client.HTTPConnection(parts.hostname or "127.0.0.1",
                                               parts.port or 80, timeout=30)
        self.prefix = parts.path.rstrip("/")
        self.headers = {"Client-ID": str(uuid.uuid4()), "X-Project-ID": project,
                        "Content-Type": "application/json"}

    def request(self, method: str, path: str, body: Any = None) -> tuple[int, Any, Any]:
        data = None if body is None else json.dumps(body)
        self.http.request(method, self.prefix + path, body=data, headers=self.headers)
        response = self.http.getresponse()
        raw = response.read()
        return response.status, response.getheader("Location"), json.loads(raw) if raw else None


def _timed(tally: Tally, kind: str, call: Callable[[], tuple[int, Any, Any]]
           ) -> tuple[int, Any, Any]:
    started = time.perf_counter()
    result = call()
    tally.record(kind, time.perf_counter() - started)
    return result


def _produce(url: str, project: str, queue: str, batch: int, stop: threading.Event,
             tally: Tally) -> None:
    conn = Connection(url, project)
    body = {"messages": [{"body": {"payload": "x" * 64, "n": i}, "ttl": 3600}
                         for i in range(batch)]}
    while not stop.is_set():
        status, _, _ = _timed(tally, "post", lambda: conn.request(
            "POST", f"/v2/queues/{queue}/messages", body))
        with tally.lock:
            if status == 201:
                tally.posted += batch
            else:
                tally.errors += 1


def _consume(url: str, project: str, queue: str, stop: threading.Event, tally: Tally) -> None:
    conn = Connection(url, project)
    while not stop.is_set():
        status, _, body = _timed(tally, "claim", lambda: conn.request(
            "POST", f"/v2/queues/{queue}/claims?limit={CLAIM_LIMIT}", {"ttl": 60, "grace": 60}))
        if status == 204:
            time.sleep(0.005)
            continue
        if status != 201:
            with tally.lock:
                tally.errors += 1
            continue
        ids = ",".join(message["id"] for message in body["messages"])
        delete_path = f"/v2/queues/{queue}/messages?ids={ids}"
        status, _, _ = _timed(tally, "delete", functools.partial(
            conn.request, "DELETE", delete_path))
        with tally.lock:
            if status == 204:
                tally.consumed += len(body["messages"])
            else:
                tally.errors += 1


def _percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def run_bench(url: str, *, seconds: float, producers: int, consumers: int, batch: int) -> int:
    """Run the load for ``seconds``, print a report, return an exit status."""
    project = f"bench-{uuid.uuid4().hex[:8]}"
    queue = "bench"
    tally = Tally()
    stop = threading.Event()
    threads = [threading.Thread(target=_produce, args=(url, project, queue, batch, stop, tally))
               for _ in range(producers)]
    threads += [threading.Thread(target=_consume, args=(url, project, queue, stop, tally))
                for _ in range(consumers)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    time.sleep(seconds)
    stop.set()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    Connection(url, project).request("DELETE", f"/v2/queues/{queue}")

    print(f"server {url}: {producers} producers (batch {batch}), {consumers} consumers, "
          f"{elapsed:.1f}s")
    print(f"posted   {tally.posted:8d} messages  {tally.posted / elapsed:9.1f} msg/s")
    print(f"consumed {tally.consumed:8d} messages  {tally.consumed / elapsed:9.1f} msg/s")
    for kind in ("post", "claim", "delete"):
        samples = tally.latencies.get(kind, [])
        if samples:
            p50, p99 = (_percentile(samples, q) * 1000 for q in (0.5, 0.99))
            print(f"{kind:7s} {len(samples):8d} requests  p50 {p50:7.1f} ms  p99 {p99:7.1f} ms")
    print(f"errors   {tally.errors:8d}")
    return 1 if tally.errors else 0
