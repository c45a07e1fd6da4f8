"""Keep-alive connections spread evenly over the workers.

Every worker accepts from the one listening socket the master opened. A worker
that wakes up takes what is waiting there, so with clients that keep their
connections open one worker can end up holding most of them (7 of 8 seen) while
the other's core idles. Here the workers publish how many connections each holds
in a table the master shares with them. A worker that holds more than the one
holding the fewest steps aside for it, and takes new connections itself only if
they still wait ``DEFER_SECONDS`` later, so that a busy worker never holds one
up for long.
"""

from __future__ import annotations

import asyncio
import logging
import mmap
import socket
from collections.abc import Callable
from typing import Any

LOG = logging.getLogger(__name__)

DEFER_SECONDS = 0.005
"""How long a worker holding more connections than another leaves new ones to it."""
CHECK_SECONDS = 0.001
"""How often a worker that stepped aside looks whether it may accept again."""
ACCEPT_BATCH = 64
"""Most connections taken in one go (so that a flood does not hold up the loop)."""
RETRY_AFTER_FAILURE_SECONDS = 1.0
"""Pause of accepting after ``accept`` failed for want of resources (as asyncio's)."""
LEFT = -1
"""A row's count once its worker has stopped accepting (it is shutting down)."""

_CELL = 8
"""Bytes of one signed 64-bit cell."""


class ConnectionTable:
    """How many connections each worker holds, in memory shared by the master's forks.

    Made in the master before it forks workers. The master reserves a row for a
    worker before forking it and releases the row once the worker has exited, so
    rows change hands in the master's one thread alone; a worker writes only its
    own row's count.
    """

    def __init__(self, rows: int) -> None:
        self._memory = mmap.mmap(-1, rows * 2 * _CELL)
        self._cells = memoryview(self._memory).cast("q")
        """Per row: whether a worker has it (1 or 0), and its count."""
        self._rows = rows
        for row in range(rows):
            self._cells[2 * row + 1] = LEFT

    def reserve(self) -> int | None:
        """A free row for a worker about to start, or None if none is free. It
        counts for nothing until the worker publishes its first count."""
        for row in range(self._rows):
            if not self._cells[2 * row]:
                self._cells[2 * row] = 1
                self._cells[2 * row + 1] = LEFT
                return row
        return None

    def release(self, row: int) -> None:
        """Free the row of a worker that has exited."""
        self._cells[2 * row + 1] = LEFT
        self._cells[2 * row] = 0

    def publish(self, row: int, count: int) -> None:
        self._cells[2 * row + 1] = count

    def count(self, row: int) -> int:
        return self._cells[2 * row + 1]

    def fewest_elsewhere(self, row: int) -> int | None:
        """The fewest connections another accepting worker holds (None: no other)."""
        fewest: int | None = None
        for other in range(self._rows):
            if other == row or not self._cells[2 * other]:
                continue
            count = self._cells[2 * other + 1]
            if count != LEFT and (fewest is None or count < fewest):
                fewest = count
        return fewest


TABLE: ConnectionTable | None = None
"""The table of ``zaqar-lite serve``, set in the master before it forks; None
under a gunicorn of other configuration, whose workers then accept as uvicorn does."""


class WorkerShare:
    """This worker's row of the table."""

    def __init__(self, table: ConnectionTable, row: int) -> None:
        self._table = table
        self._row = row
        self._open = 0
        self._accepted = 0
        """Connections accepted and not yet open (their protocol is being set up)."""

    def join(self) -> None:
        """This worker accepts connections from now on."""
        self._publish()

    def accepted(self) -> None:
        """A connection was accepted: it counts from now on, so that a burst of
        connections is not all taken before the first one's protocol is set up."""
        self._accepted += 1
        self._publish()

    def dropped(self) -> None:
        """An accepted connection failed before it was set up."""
        self._accepted -= 1
        self._publish()

    def opened(self, count: int) -> None:
        """An accepted connection is set up: this worker holds ``count`` open ones."""
        self._accepted = max(0, self._accepted - 1)
        self.holding(count)

    def holding(self, count: int) -> None:
        """This worker now holds ``count`` open connections."""
        self._open = count
        self._publish()

    def _publish(self) -> None:
        self._table.publish(self._row, self._open + self._accepted)

    def ahead(self) -> bool:
        """Whether another worker holds fewer connections than this one: any fewer
        while they are few, an eighth fewer once they are many (so that a flood of
        connections is not taken one by one in turns)."""
        fewest = self._table.fewest_elsewhere(self._row)
        return fewest is not None and self._open + self._accepted > fewest + fewest // 8

    def leave(self) -> None:
        """This worker accepts no more connections."""
        self._table.publish(self._row, LEFT)


class CountedConnections(set[Any]):
    """uvicorn's set of a worker's open connections, publishing its size."""

    def __init__(self, share: WorkerShare) -> None:
        super().__init__()
        self._share = share

    def add(self, connection: Any) -> None:
        super().add(connection)
        self._share.opened(len(self))

    def discard(self, connection: Any) -> None:
        super().discard(connection)
        self._share.holding(len(self))


class BalancedListener:
    """Accepts this worker's connections from ``sock`` while no other worker holds
    fewer, and otherwise steps aside for them. Stands in for an asyncio server in
    uvicorn's list."""

    def __init__(self, sock: socket.socket, protocol_factory: Callable[[], asyncio.Protocol],
                 share: WorkerShare) -> None:
        self._loop = asyncio.get_running_loop()
        self._sock = sock
        self._fd = sock.fileno()
        self._factory = protocol_factory
        self._share = share
        self._later: asyncio.TimerHandle | None = None
        self._connecting: set[asyncio.Task[None]] = set()
        """Set-ups of accepted connections under way (the loop keeps no hold on them)."""
        self._aside_until = 0.0
        self._closed = False
        sock.setblocking(False)
        share.join()
        self._loop.add_reader(self._fd, self._ready)

    def _ready(self) -> None:
        self._take(anyway=False)

    def _take(self, *, anyway: bool) -> None:
        """Accept what waits, a batch at most, stepping aside as soon as another
        worker holds fewer (unless ``anyway``)."""
        for _ in range(ACCEPT_BATCH):
            if not anyway and self._share.ahead():
                self._loop.remove_reader(self._fd)
                self._aside_until = self._loop.time() + DEFER_SECONDS
                self._later = self._loop.call_later(CHECK_SECONDS, self._check)
                return
            if not self._accept():
                return

    def _check(self) -> None:
        """Stepped aside: come back once no worker holds fewer; once the time is up,
        take what waits anyway (the others are busy)."""
        self._later = None
        if self._closed:
            return
        ahead = self._share.ahead()
        if ahead and self._loop.time() < self._aside_until:
            self._later = self._loop.call_later(CHECK_SECONDS, self._check)
            return
        self._loop.add_reader(self._fd, self._ready)
        self._take(anyway=ahead)

    def _accept(self) -> bool:
        """Take one waiting connection; False if none waits or it failed."""
        try:
            conn, _ = self._sock.accept()
        except (BlockingIOError, InterruptedError, ConnectionAbortedError):
            return False
        except OSError as exc:
            LOG.error("cannot accept connections (%s); trying again in %.0f s",
                      exc, RETRY_AFTER_FAILURE_SECONDS)
            self._loop.remove_reader(self._fd)
            if self._later is None:
                self._later = self._loop.call_later(RETRY_AFTER_FAILURE_SECONDS, self._retry)
            return False
        conn.setblocking(False)
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._share.accepted()
        task = self._loop.create_task(self._connect(conn))
        self._connecting.add(task)
        task.add_done_callback(self._connecting.discard)
        return True

    def _retry(self) -> None:
        self._later = None
        if not self._closed:
            self._loop.add_reader(self._fd, self._ready)

    async def _connect(self, conn: socket.socket) -> None:
        try:
            await self._loop.connect_accepted_socket(self._factory, conn)
        except Exception as exc:
            LOG.info("connection dropped as it was set up: %s", exc)
            conn.close()
            self._share.dropped()

    def close(self) -> None:
        """Stop accepting (the listening socket stays open for the other workers)."""
        if self._closed:
            return
        self._closed = True
        self._share.leave()
        if self._later is not None:
            self._later.cancel()
            self._later = None
        else:
            self._loop.remove_reader(self._fd)

    async def wait_closed(self) -> None:
        """Nothing to wait for: ``close`` has stopped accepting already."""
