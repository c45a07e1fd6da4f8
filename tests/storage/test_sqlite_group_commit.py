"""SQLite only: concurrent writers of a process share one commit, and one writer's
error undoes only its own changes."""

from __future__ import annotations

import threading
import time

import pytest

from zaqar_lite.storage.sqlite.database import Database

WRITERS = 6


def wait_for_members(database: Database, count: int) -> None:
    """Until ``count`` writers are in the open transaction."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with database._state:
            if database._batch is not None and database._batch.members == count:
                return
        time.sleep(0.001)
    raise AssertionError(f"{count} writers never joined one transaction")


@pytest.fixture
def database(tmp_path, clock):
    db = Database(str(tmp_path / "group.db"), clock)
    db.connection().execute("CREATE TABLE t (writer INTEGER)")
    yield db
    db.close()


def test_writers_arriving_during_a_write_share_its_commit(database):
    first_inside = threading.Event()
    release_first = threading.Event()
    before = database.commits

    def first() -> None:
        with database.write() as conn:
            conn.execute("INSERT INTO t VALUES (0)")
            first_inside.set()
            release_first.wait(10)

    def other(number: int) -> None:
        with database.write() as conn:
            conn.execute("INSERT INTO t VALUES (?)", (number,))

    leader = threading.Thread(target=first)
    leader.start()
    assert first_inside.wait(10)
    others = [threading.Thread(target=other, args=(n,)) for n in range(1, WRITERS)]
    for thread in others:
        thread.start()
    wait_for_members(database, WRITERS)  # every other writer has joined the transaction
    release_first.set()
    for thread in [leader, *others]:
        thread.join(10)
    assert database.commits - before == 1
    rows = database.connection().execute("SELECT writer FROM t ORDER BY writer").fetchall()
    assert [row[0] for row in rows] == list(range(WRITERS))


def test_an_error_undoes_only_its_own_writes(database):
    first_inside = threading.Event()
    release_first = threading.Event()
    failures: list[BaseException] = []

    def first() -> None:
        with database.write() as conn:
            conn.execute("INSERT INTO t VALUES (1)")
            first_inside.set()
            release_first.wait(10)

    def failing() -> None:
        try:
            with database.write() as conn:
                conn.execute("INSERT INTO t VALUES (2)")
                raise LookupError("refused")
        except LookupError as exc:
            failures.append(exc)

    leader = threading.Thread(target=first)
    leader.start()
    assert first_inside.wait(10)
    joiner = threading.Thread(target=failing)
    joiner.start()
    wait_for_members(database, 2)
    release_first.set()
    leader.join(10)
    joiner.join(10)
    assert [str(exc) for exc in failures] == ["refused"]
    assert database.connection().execute("SELECT writer FROM t").fetchall() == [(1,)]
