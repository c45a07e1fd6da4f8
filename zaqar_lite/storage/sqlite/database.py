"""The SQLite database file: per-thread connections, write transactions, errors.

The database runs in WAL mode so that readers never block the writer, and
every write runs in a ``BEGIN IMMEDIATE`` transaction so that several gunicorn
workers (processes) and threads on one machine serialise their writes safely.
Each thread reads on a connection of its own; a process writes on one.

Writes commit in groups: the writers of a process that arrive while a
transaction is open join it (each in a savepoint of its own, so one writer's
error undoes only its own changes), and the first of them commits once no
member is left working, so concurrent posts share one fsync'd commit. A
writer returns only after the commit that holds its changes.
"""

from __future__ import annotations

import collections
import contextlib
import fcntl
import functools
import logging
import os
import sqlite3
import threading
from collections.abc import Callable, Iterable, Iterator
from typing import Any, ParamSpec, TypeVar

from zaqar_lite.errors import StorageUnavailable
from zaqar_lite.metrics import (
    count_round_trip,
    expose_round_trips,
    observe_store,
    operation_name,
)
from zaqar_lite.storage.base import Clock
from zaqar_lite.storage.sqlite.schema import MIGRATIONS, SCHEMA

LOG = logging.getLogger(__name__)

BUSY_TIMEOUT_MS = 30_000
EXPIRY_SWEEP_SECONDS = 1
EXPIRY_SWEEP_ROWS = 2000
"""Expired messages one sweep deletes at most: a sweep holds the write lock for
milliseconds, and one that found more sweeps again at the next post."""

P = ParamSpec("P")
R = TypeVar("R")


def translate_errors(func: Callable[P, R]) -> Callable[P, R]:
    """Turn sqlite3 failures into StorageUnavailable (an HTTP 503); time the call."""
    operation = operation_name(func.__qualname__)

    def call(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return func(*args, **kwargs)
        except sqlite3.Error as exc:
            raise StorageUnavailable(f"SQLite error: {exc}") from exc

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        return observe_store("sqlite", operation, lambda: call(*args, **kwargs))

    return wrapper


def delete_expired_subscriptions(conn: sqlite3.Connection, now: int) -> int:
    """Delete the subscriptions expired at ``now``; how many there were."""
    removed: int = conn.execute("DELETE FROM subscriptions WHERE expires <= ?", (now,)).rowcount
    return removed


class _CountingConnection(sqlite3.Connection):
    """A connection that counts the statements it runs (the store's round trips).

    Cheaper than a trace callback, which SQLite hands every statement expanded
    with its parameters.
    """

    def execute(self, sql: str, parameters: Any = (), /) -> sqlite3.Cursor:
        count_round_trip()
        return super().execute(sql, parameters)

    def executemany(self, sql: str, parameters: Iterable[Any], /) -> sqlite3.Cursor:
        rows = list(parameters)
        count_round_trip(len(rows))
        return super().executemany(sql, rows)


class _Batch:
    """One write transaction, shared by the writers that join it while it is open."""

    def __init__(self) -> None:
        self.members = 1
        """Writers that joined and have not finished their work (the first included)."""
        self.open = True
        self.begun = threading.Event()
        self.committed = threading.Event()
        self.error: BaseException | None = None


class Database:
    """One database file shared by every worker process and thread."""

    def __init__(self, path: str, clock: Clock) -> None:
        self.path = path
        self.clock = clock
        self._local = threading.local()
        self._state = threading.Condition()
        """Guards ``_batch`` and its member count."""
        self._turn = threading.Lock()
        """One writer at a time uses the writer connection."""
        self._batch: _Batch | None = None
        self._writer: sqlite3.Connection | None = None
        self.commits = 0
        """Write transactions committed by this process (each holds one or more writes)."""
        self._lock_file: int | None = None
        self._next_sweep = 0
        """When this process sweeps expired messages next (clock seconds)."""
        directory = os.path.dirname(os.path.abspath(path))
        os.makedirs(directory, exist_ok=True)
        expose_round_trips("sqlite")
        self._create_schema()

    def now(self) -> int:
        return int(self.clock())

    def connection(self) -> sqlite3.Connection:
        """This thread's connection, opened on first use."""
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._connect(check_same_thread=True)
            self._local.conn = conn
        return conn

    def _connect(self, *, check_same_thread: bool) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None,
                               check_same_thread=check_same_thread, factory=_CountingConnection)
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = FULL")
        return conn

    @contextlib.contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """A savepoint in this process's open write transaction (one is begun if
        none is open); it is committed, with the other writers' changes, before
        this returns. An error in the block undoes the block's changes only.

        The transaction holds the database's write lock: writers of other
        processes queue on an ``flock`` of a file beside the database, which
        wakes the next one as soon as it is free (SQLite's own busy handler
        polls with sleeps of up to 100 ms).
        """
        with self._state:
            batch = self._batch
            leading = batch is None
            if batch is None:
                batch = self._batch = _Batch()
            else:
                batch.members += 1
        if leading:
            self._begin(batch)
        batch.begun.wait()
        try:
            if batch.error is not None:
                raise StorageUnavailable(f"SQLite error: {batch.error}")
            with self._turn:
                conn = self._writer_connection()
                conn.execute("SAVEPOINT work")
                try:
                    yield conn
                except BaseException:
                    conn.execute("ROLLBACK TO work")
                    raise
                finally:
                    conn.execute("RELEASE work")
        finally:
            with self._state:
                batch.members -= 1
                self._state.notify_all()
            if leading:
                self._commit(batch)
        batch.committed.wait()
        if batch.error is not None:
            raise StorageUnavailable(f"SQLite commit failed: {batch.error}")

    def _writer_connection(self) -> sqlite3.Connection:
        if self._writer is None:
            self._writer = self._connect(check_same_thread=False)
        return self._writer

    def _begin(self, batch: _Batch) -> None:
        with self._turn:
            try:
                fcntl.flock(self._writer_lock_file(), fcntl.LOCK_EX)
                self._writer_connection().execute("BEGIN IMMEDIATE")
            except BaseException as exc:
                batch.error = exc
                with self._state:
                    self._close_batch(batch)
                with contextlib.suppress(OSError):
                    fcntl.flock(self._writer_lock_file(), fcntl.LOCK_UN)
                batch.committed.set()
            batch.begun.set()

    def _commit(self, batch: _Batch) -> None:
        """Once no member is working, close the batch to newcomers and commit it."""
        with self._state:
            while batch.members:
                self._state.wait()
            if not self._close_batch(batch):
                return
        with self._turn:
            try:
                self._writer_connection().execute("COMMIT")
                self.commits += 1
            except BaseException as exc:
                batch.error = exc
                with contextlib.suppress(sqlite3.Error):
                    self._writer_connection().execute("ROLLBACK")
            finally:
                fcntl.flock(self._writer_lock_file(), fcntl.LOCK_UN)
                batch.committed.set()

    def _close_batch(self, batch: _Batch) -> bool:
        """Stop ``batch`` taking members; False if it was closed already."""
        if not batch.open:
            return False
        batch.open = False
        if self._batch is batch:
            self._batch = None
        return True

    def _writer_lock_file(self) -> int:
        """This process's descriptor of ``<database>.lock`` (opened after any fork)."""
        if self._lock_file is None:
            self._lock_file = os.open(self.path + ".lock", os.O_RDWR | os.O_CREAT, 0o600)
        return self._lock_file

    @translate_errors
    def _create_schema(self) -> None:
        """Create the tables, and add the columns a database from an older
        release lacks (a database file is never rebuilt)."""
        conn = self.connection()
        for table, column, statements in MIGRATIONS:
            columns = {row[1] for row in conn.execute(f"PRAGMA table_info({table})")}
            if columns and column not in columns:
                with self.write() as writer:
                    columns = {row[1] for row in writer.execute(f"PRAGMA table_info({table})")}
                    if column not in columns:
                        for statement in statements:
                            writer.execute(statement)
        conn.executescript(SCHEMA)

    def sweep_expired(self, now: int) -> None:
        """Delete expired messages and subscriptions, at most once a second per
        process while each sweep finds fewer than ``EXPIRY_SWEEP_ROWS`` messages.

        Reads skip expired messages one by one (they lead a queue's marker order),
        so sweeping often keeps that walk, and each sweep's hold of the write
        lock, short.
        """
        if now < self._next_sweep:
            return
        self._next_sweep = now + EXPIRY_SWEEP_SECONDS
        with self.write() as conn:
            # Queue by queue (CROSS JOIN keeps queues the outer loop), through each
            # queue's expiry index: no index of expiry across queues to keep up.
            gone = collections.Counter(conn.execute(
                "DELETE FROM messages WHERE rowid IN (SELECT m.rowid FROM queues AS q "
                "CROSS JOIN messages AS m ON m.project = q.project AND m.queue = q.name "
                "AND m.expires <= ? LIMIT ?) RETURNING project, queue",
                (now, EXPIRY_SWEEP_ROWS)))
            conn.executemany(
                "UPDATE queues SET messages = messages - ? WHERE project = ? AND name = ?",
                [(count, project, queue) for (project, queue), count in gone.items()])
            delete_expired_subscriptions(conn, now)
        deleted = sum(gone.values())
        if deleted >= EXPIRY_SWEEP_ROWS:
            self._next_sweep = now
        if deleted:
            LOG.debug("deleted %d expired messages", deleted)

    def close(self) -> None:
        """Close this thread's connection, the writer connection and the lock file."""
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None
        if self._writer is not None:
            self._writer.close()
            self._writer = None
        if self._lock_file is not None:
            os.close(self._lock_file)
            self._lock_file = None
