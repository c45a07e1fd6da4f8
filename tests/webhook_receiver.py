"""A real webhook receiver for notification tests: an HTTP server on a loopback port.

Every POST is recorded with its path, headers, body and the sender's port. A path
can be given a script of statuses to answer with (then 200), and an answer can be
delayed. It keeps connections alive (HTTP/1.1), as most webhook receivers do.
"""

from __future__ import annotations

import dataclasses
import http.server
import json
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tests.waiting import wait_on


@dataclasses.dataclass(frozen=True)
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    client_port: int
    """The sender's port: one per connection it opened."""

    def json(self) -> Any:
        return json.loads(self.body)


class Receiver:
    """The recording side of the server (see the module docstring)."""

    def __init__(self) -> None:
        self.received: list[Received] = []
        self.scripts: dict[str, list[int]] = {}
        self.delay = 0.0
        self.lock = threading.Condition()
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def _handler(self) -> type[http.server.BaseHTTPRequestHandler]:
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:  # noqa: N802 (the stdlib's name)
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with receiver.lock:
                    receiver.received.append(Received(self.path, dict(self.headers), body,
                                                      self.client_address[1]))
                    script = receiver.scripts.get(self.path)
                    status = script.pop(0) if script else 200
                    receiver.lock.notify_all()
                    delay = receiver.delay
                if delay:
                    time.sleep(delay)
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        return Handler

    def script(self, path: str, *statuses: int) -> None:
        with self.lock:
            self.scripts[path] = list(statuses)

    def at(self, path: str) -> list[Received]:
        with self.lock:
            return [item for item in self.received if item.path == path]

    def wait_for(self, check: Callable[[], bool], timeout: float = 30) -> None:
        """Wait until ``check()`` holds (it is re-run whenever a request arrives)."""
        wait_on(self.lock, check, timeout,
                lambda: str([(item.path, item.body[:80]) for item in self.received]))

    def wait_count(self, path: str, count: int, timeout: float = 30) -> list[Received]:
        self.wait_for(lambda: len(self.at(path)) >= count, timeout)
        return self.at(path)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    running = Receiver()
    thread = threading.Thread(target=running.server.serve_forever, daemon=True)
    thread.start()
    yield running
    running.close()
