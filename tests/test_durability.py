"""Nothing acknowledged is lost: kill -9 of the database (MongoDB driver) or of the
server (SQLite) right after a stream of 201s, restart, and every message is there;
and a deliverer that stops while the database is gone says so and stops.

The MongoDB test runs its own SecantusDB as a child process so it can kill it
(the shared in-process one cannot be killed).
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from bson import ObjectId
from pymongo import MongoClient

from tests.live_server import UNRELIABLE, LiveServer, free_port, start_server, stop_server
from zaqar_lite.config import Settings
from zaqar_lite.notify.deliverer import Deliverer
from zaqar_lite.notify.senders import Outcome
from zaqar_lite.storage import open_store
from zaqar_lite.storage.base import NewMessage, Notice

HEADERS = {"Client-ID": "3d1c8e4a-7b0f-4c55-9a7e-2f6b1d0c9e11", "X-Project-ID": "durable"}
POSTERS = 4
OUTAGE_ANSWER_SECONDS = 9
"""A request made while MongoDB is down is answered (503) within the 5 s timeout,
plus slack for a loaded machine."""


class Database:
    """A SecantusDB server in a child process, on a storage directory that outlives it."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def uri(self) -> str:
        return f"mongodb://127.0.0.1:{self.port}/"

    def start(self) -> None:
        command = [str(Path(sys.executable).with_name("secantusd-py")), "--host", "127.0.0.1",
                   "--port", str(self.port), "--storage-path", str(self.path), "--standalone",
                   "--log-level", "WARNING"]
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL,
                                        stderr=subprocess.DEVNULL, start_new_session=True)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                with MongoClient(self.uri, serverSelectionTimeoutMS=200) as client:
                    client.admin.command("ping")
                return
            except Exception:  # noqa: BLE001 - not up yet
                time.sleep(0.1)
        raise RuntimeError("SecantusDB did not start")

    def kill(self) -> None:
        assert self.process is not None
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()


@pytest.fixture
def child_database(tmp_path: Path) -> Iterator[Database]:
    database = Database(tmp_path / "db")
    database.start()
    yield database
    if database.process is not None and database.process.poll() is None:
        database.kill()


class Posters:
    """Threads posting one message at a time, keeping the ids of every 201."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.acknowledged: list[str] = []
        self.failures: list[tuple[int, float, float]] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._post) for _ in range(POSTERS)]

    def _post(self) -> None:
        session = requests.Session()
        while not self._stop.is_set():
            started = time.monotonic()
            try:
                resp = session.post(f"{self.url}/v2/queues/q/messages", headers=HEADERS,
                                    json={"messages": [{"body": {"t": started}}]}, timeout=60)
            except requests.RequestException:
                session = requests.Session()
                continue
            with self._lock:
                if resp.status_code == 201:
                    self.acknowledged += [h.rsplit("/", 1)[1] for h in resp.json()["resources"]]
                else:
                    self.failures.append((resp.status_code, started, time.monotonic()))

    def __enter__(self) -> Posters:
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join()

    def wait_for(self, count: int) -> None:
        deadline = time.monotonic() + 60
        while len(self.acknowledged) < count:
            assert time.monotonic() < deadline, "posts are not being acknowledged"
            time.sleep(0.05)


def test_mongodb_killed_under_load_keeps_every_acknowledged_post(
    child_database: Database, tmp_path: Path
) -> None:
    server = start_server("mongodb-durable", f"{child_database.uri}durable", tmp_path,
                          UNRELIABLE)
    try:
        with Posters(server.url) as posters:
            posters.wait_for(100)
            child_database.kill()
            killed = time.monotonic()
            time.sleep(OUTAGE_ANSWER_SECONDS + 1)
        acknowledged = list(posters.acknowledged)
        after = [(status, end - start) for status, start, end in posters.failures
                 if end > killed]
        assert after, "no request was answered while the database was down"
        assert all(status == 503 for status, _ in after), after
        assert max(seconds for _, seconds in after) < OUTAGE_ANSWER_SECONDS, after
        child_database.start()
        with MongoClient(child_database.uri) as client:
            stored = client["durable"]["messages"].count_documents(
                {"_id": {"$in": [ObjectId(mid) for mid in acknowledged]}})
        assert stored == len(acknowledged)
        # A post whose answer was lost with the database may be stored too.
        resp = requests.get(f"{server.url}/v2/queues/q/stats", headers=HEADERS, timeout=30)
        assert resp.json()["messages"]["total"] >= len(acknowledged)
    finally:
        stop_server(server)


def kill_server(server: LiveServer) -> None:
    """kill -9 the gunicorn master and its workers at once."""
    os.killpg(server.process.pid, signal.SIGKILL)
    server.process.wait()


def test_sqlite_server_killed_under_load_keeps_every_acknowledged_post(tmp_path: Path) -> None:
    server = start_server("sqlite-durable", "sqlite:///durable.db", tmp_path, {},
                          new_session=True)
    with Posters(server.url) as posters:
        posters.wait_for(200)
        kill_server(server)
    acknowledged = list(posters.acknowledged)
    server = start_server("sqlite-durable", "sqlite:///durable.db", tmp_path, {})
    try:
        found: set[str] = set()
        for start in range(0, len(acknowledged), 20):
            chunk = acknowledged[start:start + 20]
            resp = requests.get(f"{server.url}/v2/queues/q/messages?ids={','.join(chunk)}",
                                headers=HEADERS, timeout=30)
            found |= {message["id"] for message in resp.json()["messages"]}
        assert found == set(acknowledged)
    finally:
        stop_server(server)


def test_a_standalone_mongod_is_refused_unless_unreliable(child_database: Database,
                                                          tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "zaqar_lite", "serve", "--storage", child_database.uri],
        capture_output=True, text=True, timeout=60, cwd=tmp_path,
        env={**os.environ, "ZAQAR_LITE_UNRELIABLE": ""},
    )
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        f"zaqar-lite: refusing to start: MongoDB at {child_database.uri} is a single mongod "
        "without replication, so an acknowledged write lives on one machine only; use a "
        "replica set, or set [DEFAULT] unreliable = true to accept that"]


def test_a_deliverer_stopping_while_mongodb_is_gone_logs_it_and_stops(
    child_database: Database, caplog: pytest.LogCaptureFixture
) -> None:
    """A send that ends after the database died cannot be written down: stopping says
    so in one warning instead of failing, and takes about a server-selection timeout."""
    store = open_store(child_database.uri + "?serverSelectionTimeoutMS=300",
                       database="stopping", unreliable=True, max_reconnect_attempts=1)
    store.subscriptions.create("p", "q", "http://127.0.0.1:9/hook", 3600, {})
    notice = Notice(payloads=[{"body": 1}], confirmed_only=False, queue_policy={})
    store.messages.post("p", "q", [NewMessage(body=1, ttl=3600)], None, create_queue=True,
                        notice=notice)
    sending, database_gone = threading.Event(), threading.Event()

    def send(*_: object) -> Outcome:
        sending.set()
        database_gone.wait(30)
        return Outcome.done("HTTP 200")

    deliverer = Deliverer(store, Settings(), send=send)
    assert deliverer.dispatch_due() == 1
    assert sending.wait(30)
    child_database.kill()
    database_gone.set()
    started = time.monotonic()
    with caplog.at_level(logging.WARNING, logger="zaqar_lite.notify.deliverer"):
        deliverer.stop()
    assert time.monotonic() - started < OUTAGE_ANSWER_SECONDS
    # The store may warn of the lost connection too, before it gives up.
    assert [record.getMessage().split(" (")[0] for record in caplog.records
            if record.name == "zaqar_lite.notify.deliverer"] == [
        "stopping: how 1 notification attempts ended could not be written"]
