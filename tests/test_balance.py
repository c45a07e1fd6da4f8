"""Kept-alive connections are spread evenly over the workers of ``zaqar-lite serve``."""

from __future__ import annotations

import collections
import multiprocessing
import re
import socket
import time
from collections.abc import Iterator

import pytest

from tests.live_server import LiveServer, start_server, stop_server
from zaqar_lite.serving.balance import ConnectionTable, CountedConnections, WorkerShare

CONNECTIONS = 16
LOG_SECONDS = 10


def test_a_row_is_reserved_once_and_released_when_its_worker_exits() -> None:
    table = ConnectionTable(2)
    assert table.reserve() == 0
    assert table.reserve() == 1
    assert table.reserve() is None
    table.release(0)
    assert table.reserve() == 0


def test_a_worker_is_ahead_while_another_accepting_worker_holds_fewer() -> None:
    table = ConnectionTable(3)
    mine = WorkerShare(table, table.reserve() or 0)
    mine.join()
    other = WorkerShare(table, table.reserve() or 0)
    assert table.fewest_elsewhere(0) is None, "a worker counts only once it accepts"
    other.join()
    connections = CountedConnections(mine)
    connections.add("a")
    assert mine.ahead() and not other.ahead()
    other.holding(1)
    assert not mine.ahead()
    mine.accepted()
    assert mine.ahead()
    mine.dropped()
    assert not mine.ahead()
    mine.accepted()
    connections.add("b")
    assert table.count(0) == 2, "an accepted connection counts once when it is set up"
    connections.discard("b")
    connections.discard("a")
    assert table.count(0) == 0 and other.ahead()
    other.holding(8)
    mine.holding(9)
    assert not mine.ahead(), "an eighth more is even once connections are many"
    mine.holding(10)
    assert mine.ahead()
    other.leave()
    assert table.fewest_elsewhere(0) is None and not mine.ahead()


def _publish_from_a_child(table: ConnectionTable, row: int) -> None:
    share = WorkerShare(table, row)
    share.join()
    share.holding(3)


def test_the_table_is_shared_with_forked_workers() -> None:
    table = ConnectionTable(2)
    row = table.reserve()
    child = multiprocessing.get_context("fork").Process(target=_publish_from_a_child,
                                                        args=(table, row))
    child.start()
    child.join(10)
    assert child.exitcode == 0
    assert table.fewest_elsewhere(1) == 3


@pytest.fixture(scope="module")
def two_workers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    server = start_server("sqlite-balance", "sqlite:///balance.db",
                          tmp_path_factory.mktemp("balance"), {})
    yield server
    stop_server(server)


def open_connection(server: LiveServer) -> tuple[socket.socket, str]:
    """A kept-alive connection that has been answered once, and that answer's request id."""
    sock = socket.create_connection(server.address, timeout=10)
    sock.sendall(b"GET / HTTP/1.1\r\nHost: test\r\n\r\n")
    answer = b""
    while b"\r\n\r\n" not in answer:
        answer += sock.recv(65536)
    found = re.search(rb"x-openstack-request-id: (req-[0-9a-f-]+)", answer, re.IGNORECASE)
    assert found, answer
    return sock, found.group(1).decode()


def workers_of(server: LiveServer, request_ids: list[str]) -> list[int]:
    """The worker process that answered each request, from the access log."""
    deadline = time.monotonic() + LOG_SECONDS
    while True:
        pids = dict((request_id, int(pid)) for pid, request_id in re.findall(
            r" (\d+) INFO zaqar_lite\.access: (req-[0-9a-f-]+) ", server.log()))
        if all(request_id in pids for request_id in request_ids):
            return [pids[request_id] for request_id in request_ids]
        assert time.monotonic() < deadline, "requests missing from the access log"
        time.sleep(0.05)


def wait_for_workers(server: LiveServer, count: int) -> None:
    """Until ``count`` workers have started (each takes its row before that)."""
    deadline = time.monotonic() + LOG_SECONDS
    while server.log().count("Application startup complete.") < count:
        assert time.monotonic() < deadline, server.log()
        time.sleep(0.05)


def test_connections_go_to_the_worker_holding_fewer(two_workers: LiveServer) -> None:
    wait_for_workers(two_workers, 2)
    opened = [open_connection(two_workers) for _ in range(CONNECTIONS)]
    pids = workers_of(two_workers, [request_id for _, request_id in opened])
    assert sorted(collections.Counter(pids).values()) == [CONNECTIONS // 2] * 2, pids

    for sock, _ in opened:
        sock.close()
