"""The serving model: slow or idle clients starve nothing, incomplete requests are
cut off after the request timeout, and the HTTP layer answers errors in JSON."""

from __future__ import annotations

import json
import socket
import time
import uuid
from collections.abc import Iterator

import pytest
import requests

from tests.live_server import UNRELIABLE, LiveServer, start_server, stop_server

HEADERS = {"Client-ID": "3d1c8e4a-7b0f-4c55-9a7e-2f6b1d0c9e11", "X-Project-ID": "serving"}
REQUEST_TIMEOUT = 2
SLOW_CLIENTS = 300
ANSWER_BOUND = 3.0
"""A normal request is answered within this many seconds while slow clients wait
(its usual latency is milliseconds; the bound only has to be far below the timeout
a starved server would show)."""


@pytest.fixture(scope="module")
def guarded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    server = start_server("sqlite-serving", "sqlite:///serving.db",
                          tmp_path_factory.mktemp("serving"),
                          {"ZAQAR_LITE_REQUEST_TIMEOUT": str(REQUEST_TIMEOUT)})
    yield server
    stop_server(server)


def read_all(sock: socket.socket, seconds: float) -> bytes:
    """Everything the server sends until it closes the connection."""
    sock.settimeout(seconds)
    data = b""
    while True:
        chunk = sock.recv(65536)
        if not chunk:
            return data
        data += chunk


def json_error(answer: bytes, status: int) -> dict[str, str]:
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(f"HTTP/1.1 {status} ".encode()), answer[:200]
    assert b"content-type: application/json" in head.lower(), head
    document = json.loads(body)
    assert isinstance(document["title"], str) and isinstance(document["description"], str)
    return document


def test_slow_clients_starve_nothing_and_are_cut_off(guarded: LiveServer) -> None:
    partial_headers = b"GET /v2/queues HTTP/1.1\r\nHost: x\r\nClient-"
    partial_body = (b"POST /v2/queues/q/messages HTTP/1.1\r\nHost: x\r\n"
                    b"Client-ID: 3d1c8e4a-7b0f-4c55-9a7e-2f6b1d0c9e11\r\nX-Project-ID: p\r\n"
                    b"Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{")
    slow = []
    opened = time.monotonic()
    for index in range(SLOW_CLIENTS):
        sock = socket.create_connection(guarded.address)
        sock.sendall(partial_headers if index % 2 else partial_body)
        slow.append(sock)
    session = requests.Session()
    for _ in range(20):
        started = time.monotonic()
        resp = session.get(f"{guarded.url}/v2/queues", headers=HEADERS, timeout=30)
        assert resp.status_code == 200
        assert time.monotonic() - started < ANSWER_BOUND
    for sock in slow:
        answer = read_all(sock, REQUEST_TIMEOUT + 10)
        json_error(answer, 408)
        sock.close()
    assert time.monotonic() - opened < REQUEST_TIMEOUT + 10


def test_a_client_that_reads_no_answers_gets_no_more_served_and_is_cut_off(
        guarded: LiveServer) -> None:
    """Pipelined requests for a listing of about 2 MB each, none of whose answers is
    read: the server answers no more of them than the connection holds, leaves the
    requests after them undone, and drops the connection after the request timeout."""
    session = requests.Session()
    for _ in range(10):
        resp = session.post(f"{guarded.url}/v2/queues/unread/messages", headers=HEADERS,
                            json={"messages": [{"body": "x" * 200_000}]}, timeout=30)
        assert resp.status_code == 201
    listing = http_request("GET", "/v2/queues/unread/messages?limit=10&echo=true")
    after = http_request("POST", "/v2/queues/unread-after/messages",
                         body=json.dumps({"messages": [{"body": 1}]}).encode())
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.connect(guarded.address)
    with sock:
        sock.sendall(listing * 30 + after)
        started = time.monotonic()
        resp = session.get(f"{guarded.url}/v2/queues", headers=HEADERS, timeout=30)
        assert resp.status_code == 200
        assert time.monotonic() - started < ANSWER_BOUND
        time.sleep(REQUEST_TIMEOUT + 2)
        received, closed = b"", False
        deadline = time.monotonic() + 10
        sock.settimeout(1)
        while not closed and time.monotonic() < deadline:
            try:
                chunk = sock.recv(1 << 20)
            except TimeoutError:
                continue
            except ConnectionResetError:
                chunk = b""
            received += chunk
            closed = not chunk
    assert closed, "the connection was still open"
    assert received.count(b"HTTP/1.1 200 ") < 30
    resp = session.get(f"{guarded.url}/v2/queues/unread-after/stats", headers=HEADERS,
                       timeout=30)
    assert resp.json()["messages"]["total"] == 0


def test_an_idle_connection_is_closed_without_an_answer(guarded: LiveServer) -> None:
    with socket.create_connection(guarded.address) as sock:
        started = time.monotonic()
        assert read_all(sock, REQUEST_TIMEOUT + 10) == b""
        assert time.monotonic() - started >= REQUEST_TIMEOUT - 0.5


def test_a_kept_alive_connection_serves_request_after_request(guarded: LiveServer) -> None:
    session = requests.Session()
    for _ in range(3):
        resp = session.post(f"{guarded.url}/v2/queues/kept/messages", headers=HEADERS,
                            json={"messages": [{"body": 1}]}, timeout=30)
        assert resp.status_code == 201
        time.sleep(REQUEST_TIMEOUT / 2)
    assert len(session.get(f"{guarded.url}/v2/queues/kept/messages?echo=true",
                           headers=HEADERS, timeout=30).json()["messages"]) == 3


@pytest.mark.parametrize(("request_bytes", "status"), [
    (b"GET /" + b"a" * 9000 + b" HTTP/1.1\r\nHost: x\r\n\r\n", 414),
    (b"GET /v2/queues HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 9000 + b"\r\n\r\n", 431),
    (b"GET /v2/queues HTTP/1.1\r\nHost: x\r\n"
     + b"".join(b"X-%d: 1\r\n" % i for i in range(120)) + b"\r\n", 431),
    (b"NOT HTTP AT ALL\r\n\r\n", 400),
    (b"GET /v2/queues HTTP/1.1\r\nHost: x\r\nContent-Length: many\r\n\r\n", 400),
])
def test_the_http_layer_answers_in_json(guarded: LiveServer, request_bytes: bytes,
                                        status: int) -> None:
    with socket.create_connection(guarded.address) as sock:
        sock.sendall(request_bytes)
        json_error(read_all(sock, 10), status)


def test_a_body_beyond_what_is_read_is_refused_in_json(guarded: LiveServer) -> None:
    resp = requests.post(f"{guarded.url}/v2/queues/q/messages", headers=HEADERS,
                         data=b"x" * (2 * 1024 * 1024), timeout=30)
    assert resp.status_code == 400
    assert resp.json()["title"] == "Invalid request body"


@pytest.fixture(scope="module", params=["inline", "writes-pooled", "all-pooled"])
def threaded(request: pytest.FixtureRequest,
             tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """A server whose app runs every request on the event loop's thread (one
    thread), the writes in a pool of threads (SQLite's default), or every request in
    the pool (MongoDB's)."""
    if request.param == "all-pooled":
        url = request.getfixturevalue("mongodb_uri")
        environ = {"ZAQAR_LITE_MONGODB_DATABASE": f"serving_{uuid.uuid4().hex[:8]}",
                   **UNRELIABLE}
    else:
        url, environ = "sqlite:///threads.db", {}
    environ["ZAQAR_LITE_THREADS"] = "1" if request.param == "inline" else "4"
    server = start_server(f"threads-{request.param}", url,
                          tmp_path_factory.mktemp("threads"), environ)
    yield server
    stop_server(server)


def http_request(method: str, path: str, *, body: bytes = b"", extra: bytes = b"",
                 version: bytes = b"HTTP/1.1") -> bytes:
    head = (f"{method} {path} ".encode() + version + b"\r\nHost: x\r\n"
            + b"".join(f"{name}: {value}\r\n".encode() for name, value in HEADERS.items())
            + b"Content-Type: application/json\r\n" + extra)
    if body:
        head += b"Content-Length: %d\r\n" % len(body)
    return head + b"\r\n" + body


def answers(data: bytes) -> list[tuple[bytes, bytes]]:
    """The (status line, body) of each response in ``data``, in order."""
    found = []
    while data:
        head, _, rest = data.partition(b"\r\n\r\n")
        lines = head.split(b"\r\n")
        length = 0
        for line in lines[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value)
        found.append((lines[0], rest[:length]))
        data = rest[length:]
    return found


def test_pipelined_requests_are_answered_in_order(threaded: LiveServer) -> None:
    post = json.dumps({"messages": [{"body": n} for n in range(3)]}).encode()
    pipeline = (http_request("PUT", "/v2/queues/piped")
                + http_request("POST", "/v2/queues/piped/messages", body=post)
                + b"".join(http_request("GET", "/v2/queues/piped/stats") for _ in range(10))
                + http_request("GET", "/v2/queues/piped/messages?echo=true",
                               extra=b"Connection: close\r\n")
                + http_request("POST", "/v2/queues/after-close/messages", body=post))
    with socket.create_connection(threaded.address) as sock:
        sock.sendall(pipeline)
        got = answers(read_all(sock, 10))
    assert [status.split(b" ")[1] for status, _ in got] == [b"201", b"201"] + [b"200"] * 11
    assert all(json.loads(body)["messages"]["total"] == 3 for _, body in got[2:12])
    assert [m["body"] for m in json.loads(got[12][1])["messages"]] == [0, 1, 2]
    # Nothing after the request that closed the connection was carried out.
    queues = requests.get(f"{threaded.url}/v2/queues?limit=20", headers=HEADERS,
                          timeout=30).json()["queues"]
    assert "piped" in [q["name"] for q in queues]
    assert "after-close" not in [q["name"] for q in queues]


def test_http_1_0_and_connection_close_end_the_connection(threaded: LiveServer) -> None:
    for request_bytes in (http_request("GET", "/v2/queues", version=b"HTTP/1.0"),
                          http_request("GET", "/v2/queues", extra=b"Connection: close\r\n")):
        with socket.create_connection(threaded.address) as sock:
            sock.sendall(request_bytes)
            answer = read_all(sock, 10)
        head = answer.partition(b"\r\n\r\n")[0].lower()
        assert head.startswith(b"http/1.1 200 ") and b"connection: close" in head
        assert "queues" in json.loads(answers(answer)[0][1])


def test_expect_100_continue_is_answered_before_the_body(threaded: LiveServer) -> None:
    body = json.dumps({"messages": [{"body": "late"}]}).encode()
    request_bytes = http_request("POST", "/v2/queues/expecting/messages", body=body,
                                 extra=b"Expect: 100-continue\r\n")
    head, _, rest = request_bytes.partition(b"\r\n\r\n")
    with socket.create_connection(threaded.address) as sock:
        sock.sendall(head + b"\r\n\r\n")
        sock.settimeout(10)
        assert sock.recv(100) == b"HTTP/1.1 100 Continue\r\n\r\n"
        sock.sendall(rest)
        status = sock.recv(65536).split(b"\r\n", 1)[0]
    assert status == b"HTTP/1.1 201 Created"


def test_whitespace_around_header_values_is_no_part_of_them(threaded: LiveServer) -> None:
    request_bytes = (b"PUT /v2/queues/spaced HTTP/1.1\r\nHost: x\r\n"
                     b"Client-ID: \t3d1c8e4a-7b0f-4c55-9a7e-2f6b1d0c9e11 \t\r\n"
                     b"X-Project-ID:  serving-spaced \t \r\nConnection: close\r\n\r\n")
    with socket.create_connection(threaded.address) as sock:
        sock.sendall(request_bytes)
        assert read_all(sock, 10).startswith(b"HTTP/1.1 201 ")
    listing = requests.get(f"{threaded.url}/v2/queues",
                           headers={**HEADERS, "X-Project-ID": "serving-spaced"}, timeout=30)
    assert [q["name"] for q in listing.json()["queues"]] == ["spaced"]


def test_no_body_is_sent_for_204_or_head(threaded: LiveServer) -> None:
    with socket.create_connection(threaded.address) as sock:
        sock.sendall(http_request("DELETE", "/v2/queues/never-made")
                     + http_request("HEAD", "/v2/")
                     + http_request("GET", "/v2/queues", extra=b"Connection: close\r\n"))
        data = read_all(sock, 10)
    first, _, rest = data.partition(b"\r\n\r\n")
    assert first.startswith(b"HTTP/1.1 204 ")
    second, _, rest = rest.partition(b"\r\n\r\n")
    assert second.startswith(b"HTTP/1.1 405 ") and b"content-length: " in second
    assert rest.startswith(b"HTTP/1.1 200 ")
