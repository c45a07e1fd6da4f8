"""Shared pytest fixtures.

Storage contract fixtures (used by ``tests/storage``):

* ``clock``       -- a FakeClock injected into stores; tests move time with
                     ``clock.advance(seconds)`` instead of sleeping.
* ``mongodb_uri`` -- session-wide MongoDB URI: ``$ZAQAR_LITE_TEST_MONGODB_URI``
                     or an in-process SecantusDB server (standalone mode).
* ``store``       -- one fresh ``Store`` per test, parametrised over every
                     driver ("sqlite", "mongodb"); closed (and its MongoDB
                     database dropped) afterwards.
* ``open_mongodb_store`` -- opens fresh MongoDB stores with driver options of
                     the test's choosing, cleaned up the same way.

Other suites may add their own fixtures below; these ones depend on nothing
else in this file.
"""

from __future__ import annotations

import importlib.util
import os
import time
import urllib.parse
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest

MONGODB_URI_ENV = "ZAQAR_LITE_TEST_MONGODB_URI"
STORE_DRIVERS = ["sqlite", "mongodb"]
CONTRACT_SOCKET_TIMEOUT_MS = 60_000
"""How long a contract test waits for one answer of the database. The in-process
stand-in can pause for seconds on a busy 2-core machine; the server's own timeouts
are tested against databases of their own (tests/test_storage_down.py,
tests/test_durability.py)."""


def patient(uri: str) -> str:
    """``uri`` with the contract suite's socket timeout, unless it sets one."""
    parts = urllib.parse.urlsplit(uri)
    if "sockettimeoutms" in parts.query.lower():
        return uri
    query = "&".join(filter(None, [parts.query,
                                   f"socketTimeoutMS={CONTRACT_SOCKET_TIMEOUT_MS}"]))
    return urllib.parse.urlunsplit(parts._replace(path=parts.path or "/", query=query))


class FakeClock:
    """A clock for stores: returns a float UNIX time that moves only on request."""

    def __init__(self, start: float | None = None) -> None:
        self.now = float(round(time.time()) if start is None else start)

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> float:
        self.now += seconds
        return self.now


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture(scope="session")
def mongodb_uri(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A MongoDB URI: the one in the environment, else a private SecantusDB."""
    uri = os.environ.get(MONGODB_URI_ENV)
    if uri:
        yield uri
        return
    from secantus import SecantusDBServer

    server = SecantusDBServer(
        storage_path=str(tmp_path_factory.mktemp("secantusdb")),
        port=0,
        replica_set_name=None,  # standalone: no oplog, faster
    )
    server.start()
    try:
        yield server.uri
    finally:
        server.stop()


@pytest.fixture(scope="session")
def _mongodb_admin_client(mongodb_uri: str) -> Iterator[object]:
    from pymongo import MongoClient

    client: MongoClient = MongoClient(mongodb_uri)
    try:
        yield client
    finally:
        client.close()


def _mongodb_driver_exists() -> bool:
    try:
        return importlib.util.find_spec("zaqar_lite.storage.mongodb.driver") is not None
    except ModuleNotFoundError:
        return False


@pytest.fixture(params=STORE_DRIVERS)
def store(request: pytest.FixtureRequest, clock: FakeClock, tmp_path) -> Iterator[object]:
    """A fresh, empty store of each driver, reading time from ``clock``."""
    from zaqar_lite.storage import open_store

    if request.param == "sqlite":
        opened = open_store(f"sqlite:///{tmp_path}/store.db", clock=clock)
        try:
            yield opened
        finally:
            opened.close()
        return

    if not _mongodb_driver_exists():
        pytest.skip("zaqar_lite/storage/mongodb/driver.py does not exist yet")
    yield request.getfixturevalue("open_mongodb_store")()


@pytest.fixture
def open_mongodb_store(request: pytest.FixtureRequest,
                       clock: FakeClock) -> Iterator[Callable[..., Any]]:
    """Opens fresh, empty MongoDB stores, each in a database of its own, reading time
    from ``clock``, with the driver options given; closes and drops them afterwards."""
    from zaqar_lite.storage import open_store

    opened: list[tuple[Any, str, Any]] = []

    def open_fresh(**options: Any) -> Any:
        database = "t_" + uuid.uuid4().hex
        store = open_store(patient(request.getfixturevalue("mongodb_uri")), clock=clock,
                           database=database, unreliable=True, **options)
        opened.append((store, database, request.getfixturevalue("_mongodb_admin_client")))
        return store

    yield open_fresh
    for store, database, admin in opened:
        try:
            store.close()
        finally:
            admin.drop_database(database)
