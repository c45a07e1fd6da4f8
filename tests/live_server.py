"""Pytest plugin: zaqar-lite running under gunicorn on a loopback port.

``server`` is parametrised over both drivers: the SQLite file store and the
MongoDB driver (on ``mongodb_uri``). Servers are started once per session;
tests isolate themselves by using a fresh project id (``api`` fixture).
"""

from __future__ import annotations

import dataclasses
import os
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from zaqar_lite.config import METRICS_DIR_ENV

SERVER_DRIVERS = ["sqlite", "mongodb"]
STARTUP_SECONDS = 30
UNRELIABLE = {"ZAQAR_LITE_UNRELIABLE": "true"}
"""The test MongoDB (SecantusDB) is a standalone server: the servers must be told."""
SECRET_KEY = "test-signing-key"
"""``[signed_url] secret_key`` of the session servers."""
SIGNING = {"ZAQAR_LITE_SECRET_KEY": SECRET_KEY}


@dataclasses.dataclass
class LiveServer:
    """A running ``zaqar-lite serve`` process."""

    driver: str
    url: str
    process: subprocess.Popen[bytes]
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    @property
    def address(self) -> tuple[str, int]:
        """Host and port, for a plain socket."""
        host, port = self.url.removeprefix("http://").split(":")
        return host, int(port)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(driver: str, storage: str, workdir: Path, env: dict[str, str], *,
                 new_session: bool = False) -> LiveServer:
    """Start ``zaqar-lite serve``; with ``new_session`` its processes form a group of
    their own, which a test can kill as a whole.

    The free port picked may be taken by another server before this one binds it:
    the server is ready only once its own gunicorn says it listens there, and it
    is started again on another port if it could not.
    """
    for _ in range(3):
        server = _start(driver, storage, workdir, env, new_session=new_session)
        if server is not None:
            return server
    raise RuntimeError(f"server found no free port: see {workdir}/server-{driver}.log")


def _start(driver: str, storage: str, workdir: Path, env: dict[str, str], *,
           new_session: bool) -> LiveServer | None:
    port = free_port()
    log_path = workdir / f"server-{driver}.log"
    # A directory of the test's own for the workers' metrics, which a server killed
    # with SIGKILL cannot remove itself.
    metrics = {METRICS_DIR_ENV: tempfile.mkdtemp(prefix="metrics-", dir=workdir)}
    command = [sys.executable, "-m", "zaqar_lite", "serve", "--bind", f"127.0.0.1:{port}",
               "--storage", storage, "--workers", "2"]
    with open(log_path, "wb") as log:
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT,
                                   env={**os.environ, **metrics, **env}, cwd=workdir,
                                   start_new_session=new_session)
    server = LiveServer(driver=driver, url=f"http://127.0.0.1:{port}", process=process,
                        log_path=log_path)
    listening = f"Listening at: {server.url} ({process.pid})"
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            if "Connection in use" in server.log():
                return None
            raise RuntimeError(f"server exited with {process.returncode}:\n{server.log()}")
        try:
            if (requests.get(server.url + "/", timeout=1).status_code == 300
                    and listening in server.log()):
                return server
        except requests.ConnectionError:
            pass
        time.sleep(0.1)
    process.terminate()
    raise RuntimeError(f"server did not answer within {STARTUP_SECONDS}s:\n{server.log()}")


def stop_server(server: LiveServer) -> None:
    server.process.terminate()
    try:
        server.process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        server.process.kill()
        server.process.wait()


@pytest.fixture(scope="session")
def sqlite_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    workdir = tmp_path_factory.mktemp("sqlite-server")
    server = start_server("sqlite", "sqlite:///api.db", workdir, SIGNING)
    yield server
    stop_server(server)


@pytest.fixture(scope="session")
def mongodb_server(
    tmp_path_factory: pytest.TempPathFactory, mongodb_uri: str
) -> Iterator[LiveServer]:
    workdir = tmp_path_factory.mktemp("mongodb-server")
    database = f"zaqar_lite_api_{uuid.uuid4().hex[:8]}"
    server = start_server("mongodb", mongodb_uri, workdir,
                          {"ZAQAR_LITE_MONGODB_DATABASE": database, **UNRELIABLE, **SIGNING})
    yield server
    stop_server(server)


@pytest.fixture(params=SERVER_DRIVERS)
def server(request: pytest.FixtureRequest) -> LiveServer:
    return request.getfixturevalue(f"{request.param}_server")


class Api:
    """Plain HTTP against the live server with one project's default headers."""

    def __init__(self, url: str, project: str, client_id: str) -> None:
        self.url = url
        self.project = project
        self.client_id = client_id
        self.session = requests.Session()

    def headers(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        return {"Client-ID": self.client_id, "X-Project-ID": self.project, **(extra or {})}

    def request(self, method: str, path: str, *, headers: dict[str, str] | None = None,
                replace_headers: bool = False, **kwargs: Any) -> requests.Response:
        sent = headers if replace_headers else self.headers(headers)
        return self.session.request(method, self.url + path, headers=sent, timeout=30,
                                    **kwargs)

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("GET", path, **kwargs)

    def put(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("PUT", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("POST", path, **kwargs)

    def patch(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("PATCH", path, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("DELETE", path, **kwargs)


@pytest.fixture
def api(server: LiveServer) -> Iterator[Api]:
    """A client in a project of its own, so tests never see each other's queues."""
    client = Api(server.url, f"project-{uuid.uuid4().hex[:12]}", str(uuid.uuid4()))
    yield client
    client.session.close()
