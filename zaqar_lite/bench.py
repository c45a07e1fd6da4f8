"""``zaqar-lite bench``: load scenarios against a live server, one after another.

Each scenario runs ``clients`` threads on keep-alive connections for a bounded
time and reports requests per second, the p50/p99 latency of each request
kind and, read from the server's ``/metrics``, store round trips per request
(a MongoDB server counts them with ``count_commands`` only). With ``--serve
STORAGE`` the command starts the server itself (``zaqar-lite serve``, its
defaults but for that counting) and also reports the server's CPU time per request,
summed over its processes; ``--server-group`` and ``--store-group`` report the
same for process groups started elsewhere (another server, the database). It
uses the standard library only, so it runs wherever the server is installed.

Scenarios (all on one fresh project):

* ``home``: ``GET /v2/``; ``stats``: queue stats; ``list``: a page of 10 messages;
* ``post-1``, ``post-10``: posts of 1 or 10 messages;
* ``claim-delete``: claim 10 and delete them by id, from a queue filled beforehand;
* ``mixed``: half the clients post single messages, half claim and delete;
* ``depth``: claim (and release), stats and list on queues of 75 and 7,500 messages;
* ``post-1-subscribed``: posts of 1 message to a queue with one webhook subscriber
  (a receiver in this process), so the cost of a subscription shows beside ``post-1``;
  after waiting for the outbox to drain, it also reports notifications delivered per
  second and the post-to-delivery latency (p50/p99).
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import http.client
import http.server
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import urlsplit

Work = Callable[["Connection", "Tally", int], object]
"""One client's step: called again and again until the time is up."""
Phase = tuple[str, Work, "Receiver | None"]
"""A timed phase of a scenario: its label, its work and the webhook receiver whose
notifications it reports, if any."""

SCENARIOS = ("home", "stats", "list", "post-1", "post-10", "claim-delete", "mixed", "depth",
             "post-1-subscribed")
DRAIN_SECONDS = 60
"""How long ``post-1-subscribed`` waits for deliveries still under way when the
posting stops."""
CLAIM_LIMIT = 10
BODY = {"payload": "x" * 64}


@dataclasses.dataclass
class Tally:
    """Counts and latencies gathered by the client threads of one scenario."""

    lock: threading.Lock = dataclasses.field(default_factory=threading.Lock)
    errors: int = 0
    latencies: dict[str, list[float]] = dataclasses.field(default_factory=dict)

    def record(self, kind: str, seconds: float, ok: bool) -> None:
        with self.lock:
            self.latencies.setdefault(kind, []).append(seconds)
            if not ok:
                self.errors += 1

    @property
    def requests(self) -> int:
        return sum(len(samples) for samples in self.latencies.values())


class Connection:
    """One keep-alive HTTP connection with a project's headers."""

    def __init__(self, url: str, project: str) -> None:
        parts = urlsplit(url)
        self.http = http.client.HTTPConnection(parts.hostname or "127.0.0.1",
                                               parts.port or 80, timeout=60)
        self.prefix = parts.path.rstrip("/")
        self.headers = {"Client-ID": str(uuid.uuid4()), "X-Project-ID": project,
                        "Content-Type": "application/json"}

    def request(self, method: str, path: str, body: Any = None) -> tuple[int, Any, Any]:
        data = None if body is None else json.dumps(body)
        self.http.request(method, self.prefix + path, body=data, headers=self.headers)
        response = self.http.getresponse()
        raw = response.read()
        document = json.loads(raw) if raw and response.getheader(
            "Content-Type", "").startswith("application/json") else None
        return response.status, response.getheader("Location"), document


class Load:
    """Runs client threads against one server and gathers their tally."""

    def __init__(self, url: str, project: str, clients: int, seconds: float) -> None:
        self.url = url
        self.project = project
        self.clients = clients
        self.seconds = seconds

    def connection(self) -> Connection:
        return Connection(self.url, self.project)

    def run(self, work: Work) -> tuple[Tally, float]:
        """Each client repeats ``work(conn, tally, index)`` until the time is up."""
        tally = Tally()
        stop = threading.Event()

        def client(index: int) -> None:
            conn = self.connection()
            while not stop.is_set():
                work(conn, tally, index)

        threads = [threading.Thread(target=client, args=(i,)) for i in range(self.clients)]
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        time.sleep(self.seconds)
        stop.set()
        for thread in threads:
            thread.join()
        return tally, time.perf_counter() - started


def timed(tally: Tally, kind: str, ok_statuses: tuple[int, ...],
          call: Callable[[], tuple[int, Any, Any]]) -> tuple[int, Any, Any]:
    started = time.perf_counter()
    result = call()
    tally.record(kind, time.perf_counter() - started, result[0] in ok_statuses)
    return result


def fill(load: Load, queue: str, count: int) -> None:
    """Post ``count`` messages to ``queue`` in batches of 10, from several threads."""
    batches = [min(10, count - start) for start in range(0, count, 10)]
    lock = threading.Lock()

    def poster() -> None:
        conn = load.connection()
        while True:
            with lock:
                if not batches:
                    return
                size = batches.pop()
            conn.request("POST", f"/v2/queues/{queue}/messages",
                         {"messages": [{"body": BODY, "ttl": 3600}] * size})

    threads = [threading.Thread(target=poster) for _ in range(min(8, load.clients))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def claim_and_delete(conn: Connection, tally: Tally, queue: str) -> None:
    status, _, body = timed(tally, "claim", (201, 204), lambda: conn.request(
        "POST", f"/v2/queues/{queue}/claims?limit={CLAIM_LIMIT}", {"ttl": 60, "grace": 60}))
    if status != 201:
        return
    ids = ",".join(message["id"] for message in body["messages"])
    timed(tally, "delete", (204,), lambda: conn.request(
        "DELETE", f"/v2/queues/{queue}/messages?ids={ids}"))


class Receiver:
    """A webhook receiver in the bench process: when each notification arrived, and
    how long after its message was posted (the body carries the posting time)."""

    def __init__(self) -> None:
        self.latencies: list[float] = []
        self.arrivals: list[float] = []
        self.lock = threading.Lock()
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:  # noqa: N802 (the stdlib's name)
                data = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                now = time.time()
                sent = json.loads(data)["body"]["sent"]
                with receiver.lock:
                    receiver.latencies.append(now - sent)
                    receiver.arrivals.append(now)
                self.send_response(204)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def received(self) -> int:
        with self.lock:
            return len(self.latencies)

    def summary(self, expected: int) -> str:
        deadline = time.monotonic() + DRAIN_SECONDS
        while self.received() < expected and time.monotonic() < deadline:
            time.sleep(0.1)
        with self.lock:
            latencies, arrivals = list(self.latencies), list(self.arrivals)
        self.server.shutdown()
        if not latencies:
            return f"notifications: none of {expected} arrived"
        span = max(arrivals) - min(arrivals) or 1.0
        return (f"notifications: {len(latencies)} of {expected} in {span:.1f} s "
                f"({len(latencies) / span:.1f}/s), post to delivery p50 "
                f"{percentile(latencies, 0.5) * 1000:.1f} p99 "
                f"{percentile(latencies, 0.99) * 1000:.1f} ms")


def subscribed_posts(load: Load, queue: str) -> tuple[Work, Receiver]:
    """Posts of one timestamped message to a queue with one webhook subscriber."""
    receiver = Receiver()
    load.connection().request("POST", f"/v2/queues/{queue}/subscriptions",
                              {"subscriber": receiver.url, "ttl": 3600})

    def work(conn: Connection, tally: Tally, index: int) -> None:
        body = {"messages": [{"body": {"sent": time.time(), **BODY}, "ttl": 3600}]}
        timed(tally, "post", (201,), lambda: conn.request(
            "POST", f"/v2/queues/{queue}/messages", body))

    return work, receiver


def depth_probes(load: Load) -> Iterator[Phase]:
    """Claim (and release), stats and list on queues of 75 and 7,500 messages."""
    for depth in (75, 7500):
        queue = f"depth-{depth}"
        fill(load, queue, depth)

        def probe(conn: Connection, tally: Tally, index: int, queue: str = queue) -> None:
            status, location, _ = timed(tally, "claim", (201, 204), lambda: conn.request(
                "POST", f"/v2/queues/{queue}/claims?limit=10", {"ttl": 60, "grace": 60}))
            if status == 201 and location:
                conn.request("DELETE", urlsplit(location).path)
            timed(tally, "stats", (200,), lambda: conn.request(
                "GET", f"/v2/queues/{queue}/stats"))
            timed(tally, "list", (200,), lambda: conn.request(
                "GET", f"/v2/queues/{queue}/messages?limit=10&echo=true"))

        yield f"depth {depth}", probe, None


def scenario_work(name: str, load: Load) -> Iterator[Phase]:
    """The timed phases of a scenario, after any set-up they need."""
    if name == "home":
        yield name, lambda conn, tally, i: timed(tally, "home", (200,),
                                                 lambda: conn.request("GET", "/v2/")), None
    elif name in ("stats", "list"):
        fill(load, name, 75)
        path = "/v2/queues/stats/stats" if name == "stats" else \
            "/v2/queues/list/messages?limit=10&echo=true"
        yield name, lambda conn, tally, i: timed(tally, name, (200,),
                                                 lambda: conn.request("GET", path)), None
    elif name in ("post-1", "post-10"):
        size = 1 if name == "post-1" else 10
        body = {"messages": [{"body": BODY, "ttl": 3600}] * size}
        yield name, lambda conn, tally, i: timed(tally, "post", (201,), lambda: conn.request(
            "POST", f"/v2/queues/{name}/messages", body)), None
    elif name == "claim-delete":
        fill(load, name, max(2000, int(load.seconds * 2000)))
        yield name, lambda conn, tally, i: claim_and_delete(conn, tally, name), None
    elif name == "mixed":
        body = {"messages": [{"body": BODY, "ttl": 3600}]}

        def mixed(conn: Connection, tally: Tally, index: int) -> None:
            if index % 2 == 0:
                timed(tally, "post", (201,), lambda: conn.request(
                    "POST", "/v2/queues/mixed/messages", body))
            else:
                claim_and_delete(conn, tally, "mixed")

        yield name, mixed, None
    elif name == "depth":
        yield from depth_probes(load)
    elif name == "post-1-subscribed":
        work, receiver = subscribed_posts(load, name)
        yield name, work, receiver


def metrics_text(url: str) -> str | None:
    """The server's ``/metrics`` page (None if it does not answer one)."""
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port or 80,
                                      timeout=30)
    try:
        conn.request("GET", parts.path.rstrip("/") + "/metrics")
        response = conn.getresponse()
        text = response.read().decode()
    except OSError:
        return None
    return text if response.status == 200 else None


def round_trips(url: str) -> float | None:
    """The server's store round trips so far (None if it counts none: no
    ``/metrics``, or MongoDB without ``count_commands``)."""
    text = metrics_text(url)
    found = re.findall(r"^zaqar_store_round_trips_total\{[^}]*\} (\S+)$", text or "", re.M)
    return sum(float(value) for value in found) if found else None


@contextlib.contextmanager
def served(storage: str) -> Iterator[tuple[str, Callable[[], float]]]:
    """``zaqar-lite serve`` on a free port: its URL and a reader of its CPU seconds.

    MongoDB's command counting is turned on, so that round trips show; it adds
    about a tenth to the CPU time per request.
    """
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    command = [sys.executable, "-m", "zaqar_lite", "serve", "--bind", f"127.0.0.1:{port}",
               "--storage", storage]
    environ = {**os.environ, "ZAQAR_LITE_MONGODB_COUNT_COMMANDS": "true"}
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               start_new_session=True, env=environ)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while metrics_text(url) is None:
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the server did not start: {' '.join(command)}")
            time.sleep(0.2)
        yield url, lambda: group_cpu_seconds(process.pid)
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait()


def group_cpu_seconds(group: int) -> float:
    """User and system CPU time of the live processes of a process group (Linux)."""
    ticks = 0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == group:
            ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


def percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def report(label: str, tally: Tally, elapsed: float, trips: float | None,
           cpu: float | None, store_cpu: float | None) -> str:
    parts = [f"{label:12s} {tally.requests / elapsed:8.1f} req/s"]
    for kind, samples in tally.latencies.items():
        parts.append(f"{kind} p50 {percentile(samples, 0.5) * 1000:.1f} "
                     f"p99 {percentile(samples, 0.99) * 1000:.1f} ms")
    if trips is not None and tally.requests:
        parts.append(f"{trips / tally.requests:.2f} round trips/req")
    if cpu is not None and tally.requests:
        parts.append(f"{cpu * 1000 / tally.requests:.2f} ms CPU/req")
    if store_cpu is not None and tally.requests:
        parts.append(f"{store_cpu * 1000 / tally.requests:.2f} ms store CPU/req")
    if tally.errors:
        parts.append(f"{tally.errors} errors")
    return "  ".join(parts)


def run_bench(url: str | None, *, storage: str | None, seconds: float, clients: int,
              scenarios: list[str], server_group: int | None = None,
              store_group: int | None = None) -> int:
    """Run the scenarios, print one line each, return an exit status."""
    with contextlib.ExitStack() as stack:
        cpu: Callable[[], float] | None = None
        if server_group is not None:
            cpu = functools.partial(group_cpu_seconds, server_group)
        if storage is not None:
            url, cpu = stack.enter_context(served(storage))
        store_cpu = None if store_group is None else functools.partial(
            group_cpu_seconds, store_group)
        assert url is not None
        load = Load(url, f"bench-{uuid.uuid4().hex[:8]}", clients, seconds)
        print(f"server {url}: {clients} clients, {seconds:g} s per scenario")
        errors = 0
        for name in scenarios:
            for label, work, receiver in scenario_work(name, load):
                trips_before = round_trips(url)
                cpu_before = cpu() if cpu else 0.0
                store_before = store_cpu() if store_cpu else 0.0
                tally, elapsed = load.run(work)
                trips_after = round_trips(url)
                trips = (trips_after - trips_before
                         if trips_before is not None and trips_after is not None else None)
                used = cpu() - cpu_before if cpu else None
                store_used = store_cpu() - store_before if store_cpu else None
                print(report(label, tally, elapsed, trips, used, store_used), flush=True)
                errors += tally.errors
                if receiver is not None:
                    print(f"{'':12s} {receiver.summary(tally.requests - tally.errors)}",
                          flush=True)
    return 1 if errors else 0
