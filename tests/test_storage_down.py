"""A store that cannot be reached: the server still starts and answers 503s."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests

from tests.live_server import LiveServer, free_port, start_server, stop_server

HEADERS = {"Client-ID": "3d1c8e4a-7b0f-4c55-9a7e-2f6b1d0c9e11", "X-Project-ID": "p1"}
RETRY = " Please try again in a few seconds."


@pytest.fixture(scope="module")
def unreachable_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    # A port nobody listens on, and a short server-selection timeout.
    storage = f"mongodb://127.0.0.1:{free_port()}/?serverSelectionTimeoutMS=300"
    server = start_server("mongodb-down", storage, tmp_path_factory.mktemp("down"), {})
    yield server
    stop_server(server)


@pytest.mark.parametrize(("method", "path", "body", "sentence"), [
    ("POST", "/v2/queues/q1/messages", {"messages": [{"body": 1}]},
     "Messages could not be enqueued."),
    ("GET", "/v2/queues", None, "Queues could not be listed."),
    ("PUT", "/v2/queues/q1", None, "Queue could not be created."),
    ("GET", "/v2/queues/q1/messages", None, "Messages could not be listed."),
    ("POST", "/v2/queues/q1/claims", None, "Claim could not be created."),
    ("GET", "/v2/queues/q1/stats", None, "Queue stats could not be read."),
])
def test_operations_answer_503_with_what_failed(
    unreachable_server: LiveServer, method: str, path: str, body: object, sentence: str
) -> None:
    response = requests.request(method, unreachable_server.url + path, json=body,
                                headers=HEADERS, timeout=30)
    assert response.status_code == 503
    assert response.json() == {"title": "Service temporarily unavailable",
                               "description": sentence + RETRY}


def test_ping_answers_503_and_discovery_still_works(unreachable_server: LiveServer) -> None:
    ping = requests.get(unreachable_server.url + "/v2/ping", headers=HEADERS, timeout=30)
    assert ping.status_code == 503
    assert ping.content == b""
    assert requests.get(unreachable_server.url + "/", timeout=30).status_code == 300


def test_no_traceback_reaches_the_client_and_the_log_says_why(
    unreachable_server: LiveServer,
) -> None:
    response = requests.get(unreachable_server.url + "/v2/queues", headers=HEADERS, timeout=30)
    assert "Traceback" not in response.text
    log = unreachable_server.log()
    assert "MongoDB is not reachable at start-up" in log
    assert "storage unavailable: MongoDB is unreachable" in log
