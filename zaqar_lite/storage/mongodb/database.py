"""The MongoDB database: client, collections, indexes and error translation.

Every write is acknowledged by a majority of the replica set and journaled
(``w: "majority", j: true``) before the API answers 2xx. A single mongod
without replication is refused unless ``[DEFAULT] unreliable`` is set (its
writes are still journaled). Connecting, selecting a server and every socket
operation time out after ``TIMEOUT_MS`` unless the URL sets its own, and an
interrupted operation is retried only within that same budget, so a request
made while the database is down gets its 503 within about that time.
"""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Callable
from typing import Any, Concatenate, ParamSpec, Protocol, TypeVar

from pymongo import ASCENDING, MongoClient, WriteConcern, monitoring
from pymongo.collection import Collection
from pymongo.errors import AutoReconnect, PyMongoError, ServerSelectionTimeoutError

from zaqar_lite.config import redacted_url
from zaqar_lite.errors import StorageUnavailable, UnreliableStore
from zaqar_lite.metrics import (
    count_round_trip,
    expose_round_trips,
    observe_store,
    operation_name,
)
from zaqar_lite.storage.base import Clock
from zaqar_lite.storage.mongodb.documents import (
    CLAIM_EXPIRY_INDEX,
    CLAIM_INDEX,
    DUE_INDEX,
    EXPIRY_INDEX,
    FAILED_INDEX,
    HOLD_INDEX,
    MARKER_INDEX,
    OWNER_INDEX,
    QUEUE_EXPIRY_INDEX,
    QUEUE_NAME_INDEX,
    RETIRED_INDEXES,
    SUBSCRIBER_INDEX,
    SUBSCRIPTION_LIST_INDEX,
    Document,
)
from zaqar_lite.storage.mongodb.queries import Heads

LOG = logging.getLogger(__name__)

TIMEOUT_MS = 5_000
"""Default connect, server-selection and socket timeout, and the retry budget."""
TIMEOUT_OPTIONS = ("connectTimeoutMS", "serverSelectionTimeoutMS", "socketTimeoutMS")
RECONNECT_SLEEP_SECONDS = 0.02
DURABLE = WriteConcern(w="majority", j=True)

P = ParamSpec("P")
R = TypeVar("R")
C = TypeVar("C", bound="Controller")


class Controller(Protocol):
    """What ``translate_errors`` needs of a controller: its database."""

    _db: Database


def with_retries(attempts: int, operation: Callable[[], R],
                 budget: float = TIMEOUT_MS / 1000) -> R:
    """Run ``operation``, retrying AutoReconnect; failures become StorageUnavailable.

    Retries (at most ``attempts``, with growing sleeps) stop once ``budget``
    seconds have passed, and a server that cannot be selected at all is not
    retried: each try already waited the whole selection timeout, and the
    client should get its 503 soon.
    """
    deadline = time.monotonic() + budget
    attempt = 0
    while True:
        try:
            return operation()
        except ServerSelectionTimeoutError as exc:
            raise StorageUnavailable(f"MongoDB is unreachable: {exc}") from exc
        except AutoReconnect as exc:
            pause = RECONNECT_SLEEP_SECONDS * 2**attempt
            if attempt >= attempts or time.monotonic() + pause >= deadline:
                raise StorageUnavailable(
                    f"MongoDB connection lost after {attempt + 1} attempts: {exc}") from exc
            LOG.warning("MongoDB connection lost (%s); retrying", exc)
            time.sleep(pause)
            attempt += 1
        except PyMongoError as exc:
            raise StorageUnavailable(f"MongoDB error: {exc}") from exc


def translate_errors(func: Callable[Concatenate[C, P], R]) -> Callable[Concatenate[C, P], R]:
    """Wrap a controller method in ``with_retries``, after making sure of the indexes;
    time the call."""
    operation = operation_name(func.__qualname__)

    def call(self: C, /, *args: P.args, **kwargs: P.kwargs) -> R:
        self._db.ensure_indexes()
        return with_retries(self._db.max_reconnect_attempts, lambda: func(self, *args, **kwargs))

    @functools.wraps(func)
    def wrapper(self: C, /, *args: P.args, **kwargs: P.kwargs) -> R:
        return observe_store("mongodb", operation, lambda: call(self, *args, **kwargs))

    return wrapper


class _CountCommands(monitoring.CommandListener):
    """Counts the commands sent to MongoDB (its round trips)."""

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        count_round_trip()

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        pass

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        pass


class Database:
    """The collections of one MongoDB database (see ``documents.py``).

    The long-lived client is created with ``connect=False`` and is not used
    here, so it opens no sockets or threads before gunicorn forks its workers;
    the indexes are created through a short-lived client of their own, at
    start-up, or before the first operation if MongoDB did not answer then.
    """

    def __init__(self, url: str, name: str, clock: Clock, max_reconnect_attempts: int, *,
                 unreliable: bool = False, count_commands: bool = False) -> None:
        self.clock = clock
        self.max_reconnect_attempts = max_reconnect_attempts
        self._url = url
        self._name = name
        self._unreliable = unreliable
        self._indexes_ready = False
        try:
            self.ensure_indexes()
        except UnreliableStore as exc:
            LOG.error("%s; requests will answer 503", exc.reason)
        except StorageUnavailable as exc:
            LOG.error("MongoDB is not reachable at start-up (%s); requests will answer 503 "
                      "and the indexes will be created once it answers", exc.reason)
        self.client: MongoClient[Document] = connect_client(
            url, connect=False, count_commands=count_commands)
        if count_commands:
            expose_round_trips("mongodb")
        db = self.client.get_database(name, write_concern=DURABLE)
        self.queue_docs: Collection[Document] = db["queues"]
        self.message_docs: Collection[Document] = db["messages"]
        self.subscription_docs: Collection[Document] = db["subscriptions"]
        self.outbox_docs: Collection[Document] = db["outbox"]
        self.heads = Heads()
        """What this process last saw of each queue's markers, to size searches."""

    def now(self) -> int:
        return int(self.clock())

    def ensure_indexes(self) -> None:
        """Check the deployment and create the indexes, once per process, before
        the first operation."""
        if not self._indexes_ready:
            with_retries(self.max_reconnect_attempts, self._prepare)
            self._indexes_ready = True

    def _prepare(self) -> None:
        with connect_client(self._url, connect=True) as client:
            check_deployment(client, self._url, unreliable=self._unreliable)
            db = client[self._name]
            db["queues"].create_index(
                [("p", ASCENDING), ("n", ASCENDING)], name=QUEUE_NAME_INDEX, unique=True
            )
            messages = db["messages"]
            messages.create_index(
                [("p", ASCENDING), ("q", ASCENDING), ("k", ASCENDING)],
                name=MARKER_INDEX, unique=True,
            )
            for retired in RETIRED_INDEXES:
                if retired in messages.index_information():
                    messages.drop_index(retired)
            messages.create_index(
                [("p", ASCENDING), ("q", ASCENDING), ("c.id", ASCENDING), ("k", ASCENDING)],
                name=CLAIM_INDEX)
            messages.create_index(
                [("p", ASCENDING), ("q", ASCENDING), ("c.e", ASCENDING)], name=CLAIM_EXPIRY_INDEX)
            messages.create_index(
                [("p", ASCENDING), ("q", ASCENDING), ("e", ASCENDING)], name=QUEUE_EXPIRY_INDEX)
            messages.create_index("x", name=EXPIRY_INDEX, expireAfterSeconds=0)
            subscriptions = db["subscriptions"]
            subscriptions.create_index(
                [("p", ASCENDING), ("q", ASCENDING), ("u", ASCENDING)], name=SUBSCRIBER_INDEX,
                unique=True)
            subscriptions.create_index(
                [("p", ASCENDING), ("q", ASCENDING), ("_id", ASCENDING)],
                name=SUBSCRIPTION_LIST_INDEX)
            subscriptions.create_index("x", name=EXPIRY_INDEX, expireAfterSeconds=0)
            outbox = db["outbox"]
            outbox.create_index([("f", ASCENDING), ("due", ASCENDING)], name=DUE_INDEX)
            outbox.create_index("h", name=HOLD_INDEX, sparse=True)
            outbox.create_index("w", name=OWNER_INDEX, sparse=True)
            outbox.create_index([("f", ASCENDING), ("ku", ASCENDING)], name=FAILED_INDEX)
            outbox.create_index("x", name=EXPIRY_INDEX, expireAfterSeconds=0)

    def close(self) -> None:
        self.client.close()


def connect_client(url: str, *, connect: bool,
                   count_commands: bool = False) -> MongoClient[Document]:
    """A client of ``url`` with this store's timeouts where the URL sets none.

    ``count_commands`` registers a command listener: pymongo then builds an event
    for every command's start and end, which costs more CPU than the counting.
    """
    given = url.lower()
    options: dict[str, Any] = {
        option: TIMEOUT_MS for option in TIMEOUT_OPTIONS if option.lower() not in given}
    if count_commands:
        options["event_listeners"] = [_CountCommands()]
    return MongoClient(url, connect=connect, **options)


def check_deployment(client: MongoClient[Document], url: str, *, unreliable: bool) -> None:
    """Refuse a single mongod without replication unless ``unreliable`` allows it.

    A replica set member names its set in ``hello``, and a mongos router says
    ``isdbgrid``; anything else keeps acknowledged writes on one machine.
    """
    hello = client.admin.command("hello")
    if unreliable or hello.get("setName") or hello.get("msg") == "isdbgrid":
        return
    raise UnreliableStore(
        f"MongoDB at {redacted_url(url)} is a single mongod without replication, so an "
        "acknowledged write lives on one machine only; use a replica set, or set "
        "[DEFAULT] unreliable = true to accept that")

