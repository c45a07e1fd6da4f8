"""The MongoDB database: client, collections, indexes and error translation."""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Callable
from typing import Any, Concatenate, ParamSpec, Protocol, TypeVar

from pymongo import ASCENDING, MongoClient
from pymongo.collection import Collection
from pymongo.errors import AutoReconnect, PyMongoError, ServerSelectionTimeoutError

from zaqar_lite.errors import StorageUnavailable
from zaqar_lite.storage.base import Clock
from zaqar_lite.storage.mongodb.documents import (
    CLAIM_INDEX,
    EXPIRY_INDEX,
    MARKER_INDEX,
    QUEUE_NAME_INDEX,
    TYPE_REGISTRY,
    Document,
)

LOG = logging.getLogger(__name__)

SERVER_SELECTION_TIMEOUT_MS = 5_000
RECONNECT_SLEEP_SECONDS = 0.02

P = ParamSpec("P")
R = TypeVar("R")
C = TypeVar("C", bound="Controller")


class Controller(Protocol):
    """What ``translate_errors`` needs of a controller: its database."""

    _db: Database


def with_retries(attempts: int, operation: Callable[[], R]) -> R:
    """Run ``operation``, retrying AutoReconnect; failures become StorageUnavailable.

    A server that cannot be selected at all is not retried: each try already
    waited the whole selection timeout, and the client should get its 503 soon.
    """
    attempt = 0
    while True:
        try:
            return operation()
        except ServerSelectionTimeoutError as exc:
            raise StorageUnavailable(f"MongoDB is unreachable: {exc}") from exc
        except AutoReconnect as exc:
            if attempt >= attempts:
                raise StorageUnavailable(
                    f"MongoDB connection lost after {attempts} reconnect attempts: {exc}"
                ) from exc
            LOG.warning("MongoDB connection lost (%s); retrying", exc)
            time.sleep(RECONNECT_SLEEP_SECONDS * 2**attempt)
            attempt += 1
        except PyMongoError as exc:
            raise StorageUnavailable(f"MongoDB error: {exc}") from exc


def translate_errors(func: Callable[Concatenate[C, P], R]) -> Callable[Concatenate[C, P], R]:
    """Wrap a controller method in ``with_retries``, after making sure of the indexes."""

    @functools.wraps(func)
    def wrapper(self: C, /, *args: P.args, **kwargs: P.kwargs) -> R:
        self._db.ensure_indexes()
        return with_retries(self._db.max_reconnect_attempts, lambda: func(self, *args, **kwargs))

    return wrapper


class Database:
    """The ``queues`` and ``messages`` collections of one MongoDB database.

    The long-lived client is created with ``connect=False`` and is not used
    here, so it opens no sockets or threads before gunicorn forks its workers;
    the indexes are created through a short-lived client of their own, at
    start-up, or before the first operation if MongoDB did not answer then.
    """

    def __init__(self, url: str, name: str, clock: Clock, max_reconnect_attempts: int) -> None:
        self.clock = clock
        self.max_reconnect_attempts = max_reconnect_attempts
        self._url = url
        self._name = name
        self._indexes_ready = False
        try:
            self.ensure_indexes()
        except StorageUnavailable as exc:
            LOG.error("MongoDB is not reachable at start-up (%s); requests will answer 503 "
                      "and the indexes will be created once it answers", exc.reason)
        self.client: MongoClient[Document] = self._connect(connect=False)
        db = self.client[name]
        self.queue_docs: Collection[Document] = db["queues"]
        self.message_docs: Collection[Document] = db["messages"]

    def now(self) -> int:
        return int(self.clock())

    def _connect(self, *, connect: bool) -> MongoClient[Document]:
        options: dict[str, Any] = {}
        if "serverselectiontimeoutms" not in self._url.lower():
            options["serverSelectionTimeoutMS"] = SERVER_SELECTION_TIMEOUT_MS
        return MongoClient(self._url, connect=connect, type_registry=TYPE_REGISTRY, **options)

    def ensure_indexes(self) -> None:
        """Create the indexes once per process, before the first operation."""
        if not self._indexes_ready:
            with_retries(self.max_reconnect_attempts, self._create_indexes)
            self._indexes_ready = True

    def _create_indexes(self) -> None:
        with self._connect(connect=True) as client:
            db = client[self._name]
            db["queues"].create_index(
                [("p", ASCENDING), ("n", ASCENDING)], name=QUEUE_NAME_INDEX, unique=True
            )
            messages = db["messages"]
            messages.create_index(
                [("p", ASCENDING), ("q", ASCENDING), ("k", ASCENDING)],
                name=MARKER_INDEX, unique=True,
            )
            messages.create_index(
                [("p", ASCENDING), ("q", ASCENDING), ("c.id", ASCENDING)], name=CLAIM_INDEX
            )
            messages.create_index("x", name=EXPIRY_INDEX, expireAfterSeconds=0)

    def close(self) -> None:
        self.client.close()
