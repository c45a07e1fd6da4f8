"""MongoStore: the client, indexes, error translation and the document layout.

Two collections in one database. Field names are short, as Zaqar's are, and
every time is an integer UNIX second from the injected clock; the only
datetime, ``x``, exists for the TTL index and is never queried.

``queues`` -- one document per queue:

=======  ===========================================================
``p``    project (``""`` is the global namespace)
``n``    queue name
``m``    metadata, as a subdocument (so filters can be queries)
``c``    counter: the last marker handed out (0 for a new queue)
``ct``   created
=======  ===========================================================

``messages`` -- one document per message:

=========  =========================================================
``_id``    ObjectId of the message id
``p``      project
``q``      queue name
``k``      marker: per-queue sequence number, the FIFO sort key
``t``      ttl (raised by claims, replaced by a dead-letter move)
``e``      expires; every read filters on ``e > now``
``x``      ``e`` as a BSON datetime, only for the TTL index
``cr``     created
``d``      delay end; delayed while ``d > now``
``u``      client id of the poster, or null
``b``      body, as compact JSON text (any user keys are safe)
``c.id``   claim id (hex string), or null when never claimed or released
``c.e``    claim expires; free while ``c.e <= now`` (0 when unclaimed)
``c.t``    claim ttl
``c.n``    claim count, for dead-lettering
=========  =========================================================

Indexes (created at startup, idempotently): unique (``p``, ``n``) on queues;
unique (``p``, ``q``, ``k``) on messages, which serves FIFO listing, claim
selection, pop, stats and counts and detects marker races; (``p``, ``q``,
``c.id``) for a claim's messages; a TTL index on ``x`` for clean-up.
"""

from __future__ import annotations

import datetime
import functools
import json
import logging
import time
from collections.abc import Callable, Iterable
from typing import Any, Concatenate, ParamSpec, Protocol, TypeVar

from bson import ObjectId
from bson.codec_options import TypeDecoder, TypeRegistry
from bson.int64 import Int64
from pymongo import ASCENDING, MongoClient
from pymongo.collection import Collection
from pymongo.database import Database
from pymongo.errors import AutoReconnect, PyMongoError, ServerSelectionTimeoutError

from zaqar_lite.errors import StorageUnavailable
from zaqar_lite.storage.base import (
    Clock,
    Message,
    MessageVolume,
    Store,
    is_valid_id,
    system_clock,
)

LOG = logging.getLogger(__name__)

SERVER_SELECTION_TIMEOUT_MS = 5_000
RECONNECT_SLEEP_SECONDS = 0.02

QUEUE_NAME_INDEX = "queue_name"
MARKER_INDEX = "queue_marker"
CLAIM_INDEX = "queue_claim"
EXPIRY_INDEX = "expiry"

Document = dict[str, Any]

P = ParamSpec("P")
R = TypeVar("R")
C = TypeVar("C", bound="Controller")


class Controller(Protocol):
    """What ``translate_errors`` needs of a controller: its store."""

    _store: MongoStore


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
    """Wrap a controller method in ``with_retries``."""

    @functools.wraps(func)
    def wrapper(self: C, /, *args: P.args, **kwargs: P.kwargs) -> R:
        self._store.ensure_indexes()
        return with_retries(
            self._store.max_reconnect_attempts, lambda: func(self, *args, **kwargs)
        )

    return wrapper


class _PlainIntDecoder(TypeDecoder):
    """Decode BSON int64 as ``int``, not ``Int64``.

    ``Int64`` is an int subclass, so it would leak into messages and metadata
    and fail the exact-type check of ``matches_filters`` for large integers.
    """

    bson_type = Int64

    def transform_bson(self, value: Int64) -> int:
        return int(value)


def as_datetime(seconds: int) -> datetime.datetime:
    """A UNIX second as the UTC datetime a TTL index needs."""
    return datetime.datetime.fromtimestamp(seconds, tz=datetime.timezone.utc)


def as_object_ids(message_ids: Iterable[str]) -> list[ObjectId]:
    """The ObjectIds of the well-formed ids; the rest can name no message."""
    return [ObjectId(mid) for mid in sorted(set(message_ids)) if is_valid_id(mid)]


def dump_json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def message_from_doc(doc: Document) -> Message:
    """Build a Message from a stored message document."""
    claim = doc["c"]
    return Message(
        id=str(doc["_id"]),
        marker=doc["k"],
        ttl=doc["t"],
        created=doc["cr"],
        expires=doc["e"],
        body=json.loads(doc["b"]),
        client_id=doc["u"],
        claim_id=claim["id"],
        claim_expires=claim["e"],
        claim_ttl=claim["t"],
        claim_count=claim["n"],
        delay_expires=doc["d"],
    )


class MongoStore(Store):
    """The MongoDB store: ``queues`` and ``messages`` collections in one database.

    The long-lived client is created with ``connect=False`` and is not used
    here, so it opens no sockets or threads before gunicorn forks its workers;
    the indexes are created through a short-lived client of their own, at
    start-up, or before the first operation if MongoDB did not answer then.
    """

    def __init__(
        self,
        url: str,
        *,
        clock: Clock = system_clock,
        database: str = "zaqar",
        max_reconnect_attempts: int = 10,
    ) -> None:
        from zaqar_lite.storage.mongodb.claims import MongoClaims
        from zaqar_lite.storage.mongodb.messages import MongoMessages
        from zaqar_lite.storage.mongodb.queues import MongoQueues

        self.clock = clock
        self.max_reconnect_attempts = max_reconnect_attempts
        self._url = url
        self._database_name = database
        self._indexes_ready = False
        try:
            self.ensure_indexes()
        except StorageUnavailable as exc:
            LOG.error("MongoDB is not reachable at start-up (%s); requests will answer 503 "
                      "and the indexes will be created once it answers", exc.reason)
        self._client: MongoClient[Document] = self._connect(connect=False)
        db: Database[Document] = self._client[database]
        self.queue_docs: Collection[Document] = db["queues"]
        self.message_docs: Collection[Document] = db["messages"]
        self.queues = MongoQueues(self)
        self.messages = MongoMessages(self)
        self.claims = MongoClaims(self)

    def now(self) -> int:
        return int(self.clock())

    def _connect(self, *, connect: bool) -> MongoClient[Document]:
        options: dict[str, Any] = {}
        if "serverselectiontimeoutms" not in self._url.lower():
            options["serverSelectionTimeoutMS"] = SERVER_SELECTION_TIMEOUT_MS
        return MongoClient(self._url, connect=connect,
                           type_registry=TypeRegistry([_PlainIntDecoder()]), **options)

    def ensure_indexes(self) -> None:
        """Create the indexes once per process, before the first operation."""
        if not self._indexes_ready:
            with_retries(self.max_reconnect_attempts, self._create_indexes)
            self._indexes_ready = True

    def _create_indexes(self) -> None:
        with self._connect(connect=True) as client:
            db = client[self._database_name]
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

    def ping(self) -> bool:
        try:
            self._client.admin.command("ping")
        except PyMongoError as exc:
            LOG.warning("MongoDB ping failed: %s", exc)
            return False
        return True

    def message_volume(self) -> MessageVolume:
        now = self.now()

        def count() -> MessageVolume:
            live = {"e": {"$gt": now}}
            return MessageVolume(
                total=self.message_docs.count_documents(live),
                claimed=self.message_docs.count_documents({**live, "c.id": {"$ne": None}}),
            )

        return with_retries(self.max_reconnect_attempts, count)

    def close(self) -> None:
        self._client.close()
