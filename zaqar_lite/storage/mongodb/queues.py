"""Queues in MongoDB: one document per (project, name) with metadata and marker counter."""

from __future__ import annotations

import builtins
import contextlib
import logging
import re
from collections.abc import Mapping
from typing import Any

from bson.errors import InvalidDocument
from pymongo import ReturnDocument
from pymongo.errors import BulkWriteError, DuplicateKeyError

from zaqar_lite.errors import QueueDoesNotExist, StorageUnavailable, ValidationFailed
from zaqar_lite.storage.base import MessageStamp, QueueController, QueueRecord, QueueStats
from zaqar_lite.storage.mongodb.database import Database, translate_errors
from zaqar_lite.storage.mongodb.documents import MARKER_INDEX, Document, queue_document
from zaqar_lite.storage.mongodb.queries import (
    count,
    first_in_marker_order,
    last_in_marker_order,
)
from zaqar_lite.storage.rules import collect_pages, matches_filters

LOG = logging.getLogger(__name__)

_LIST_CHUNK = 200
_INT64 = range(-(2**63), 2**63)

POST_ATTEMPTS = 5
"""Inserts tried before giving up when markers keep colliding."""

CREATE_ATTEMPTS = 3
"""Rounds of increment-then-create tried while the queue keeps disappearing."""


def reserve_markers(
    db: Database, project: str, queue: str, count: int, now: int, *, create: bool
) -> int:
    """Atomically take ``count`` markers from the queue's counter; return the first
    (see ``reserve_post_markers``)."""
    return reserve_post_markers(db, project, queue, count, now, create=create)[0]


def reserve_post_markers(
    db: Database, project: str, queue: str, count: int, now: int, *, create: bool
) -> tuple[int, bool, dict[str, Any]]:
    """Atomically take ``count`` markers from the queue's counter; return the first,
    whether the queue has had subscriptions, and its metadata (read in the same
    command).

    A missing queue raises QueueDoesNotExist, or with ``create`` is inserted
    (empty metadata; a concurrent creator's duplicate is fine) and the
    increment retried. Not an upsert: under concurrent upserts of one new
    queue, SecantusDB's findAndModify may apply ``$inc`` yet return no
    document, losing the reserved range.
    """
    for _ in range(CREATE_ATTEMPTS):
        doc = db.queue_docs.find_one_and_update(
            {"p": project, "n": queue},
            {"$inc": {"c": count}},
            projection={"c": 1, "s": 1, "m": 1},
            return_document=ReturnDocument.AFTER,
        )
        if doc is not None:
            return int(doc["c"]) - count + 1, bool(doc.get("s")), doc["m"]
        if not create:
            raise QueueDoesNotExist(project, queue)
        with contextlib.suppress(DuplicateKeyError):
            db.queue_docs.insert_one(queue_document(project, queue, {}, now))
    raise StorageUnavailable(f"queue {queue!r} of project {project!r} kept disappearing")


def catch_up_counter(db: Database, project: str, queue: str) -> None:
    """Raise the queue's counter past its highest stored marker.

    The counter can fall behind its messages only if data was restored or
    edited by hand; the unique marker index is what notices.
    """
    top = db.message_docs.find_one(
        {"p": project, "q": queue}, {"k": 1}, sort=[("k", -1)]
    )
    if top is not None:
        LOG.warning("counter of queue %r of project %r was behind marker %d",
                    queue, project, top["k"])
        db.queue_docs.update_one({"p": project, "n": queue}, {"$max": {"c": top["k"]}})


def is_marker_conflict(exc: BulkWriteError | DuplicateKeyError) -> bool:
    """Whether every write error is a duplicate on the (project, queue, marker) index."""
    if isinstance(exc, BulkWriteError):
        errors = exc.details.get("writeErrors", [])
    else:
        errors = [exc.details or {}]
    return bool(errors) and all(
        error.get("code") == 11000 and f"index: {MARKER_INDEX} " in error.get("errmsg", "")
        for error in errors
    )


class MongoQueues(QueueController):
    def __init__(self, db: Database) -> None:
        self._db = db

    @translate_errors
    def create(self, project: str, name: str, metadata: Mapping[str, Any]) -> bool:
        try:
            self._db.queue_docs.insert_one(
                queue_document(project, name, metadata, self._db.now()))
        except DuplicateKeyError:
            return False
        except (InvalidDocument, OverflowError) as exc:
            raise _unstorable(exc) from exc
        return True

    @translate_errors
    def exists(self, project: str, name: str) -> bool:
        return self._db.queue_docs.find_one({"p": project, "n": name}, {"_id": 1}) is not None

    @translate_errors
    def get_metadata(self, project: str, name: str) -> dict[str, Any]:
        doc = self._db.queue_docs.find_one({"p": project, "n": name}, {"m": 1})
        if doc is None:
            raise QueueDoesNotExist(project, name)
        metadata: dict[str, Any] = doc["m"]
        return metadata

    @translate_errors
    def set_metadata(self, project: str, name: str, metadata: Mapping[str, Any]) -> None:
        try:
            result = self._db.queue_docs.update_one(
                {"p": project, "n": name}, {"$set": {"m": dict(metadata)}}
            )
        except (InvalidDocument, OverflowError) as exc:
            raise _unstorable(exc) from exc
        if result.matched_count == 0:
            raise QueueDoesNotExist(project, name)

    @translate_errors
    def delete(self, project: str, name: str) -> None:
        self._db.message_docs.delete_many({"p": project, "q": name})
        self._db.subscription_docs.delete_many({"p": project, "q": name})
        self._db.queue_docs.delete_one({"p": project, "n": name})

    @translate_errors
    def list(
        self,
        project: str,
        *,
        marker: str | None = None,
        limit: int = 10,
        name_contains: str | None = None,
        metadata_filters: Mapping[str, Any] | None = None,
    ) -> builtins.list[QueueRecord]:
        """Metadata filters run as a query where they can, and are re-checked
        with ``matches_filters`` (the query also matches 1.0 for 1, or an array
        holding the value); pages are fetched until ``limit`` queues match."""
        query: Document = {"p": project}
        name_query: Document = {}
        if name_contains:
            name_query["$regex"] = re.escape(name_contains).replace("\x00", r"\x00")
        metadata_query = _metadata_query(metadata_filters or {})
        query.update(metadata_query)
        exact = len(metadata_query) == len(metadata_filters or {})
        docs = self._db.queue_docs

        def fetch(after: str, count: int) -> builtins.list[QueueRecord]:
            found = docs.find({**query, "n": {"$gt": after, **name_query}}, {"n": 1, "m": 1})
            return [QueueRecord(name=doc["n"], metadata=doc["m"])
                    for doc in found.sort("n", 1).limit(count)]

        return collect_pages(
            fetch, lambda queue: queue.name,
            lambda queue: matches_filters(queue.metadata, metadata_filters),
            after=marker or "", limit=limit, chunk=limit if exact else _LIST_CHUNK,
        )

    @translate_errors
    def count(self, project: str) -> int:
        return self._db.queue_docs.count_documents({"p": project})

    @translate_errors
    def stats(self, project: str, name: str) -> QueueStats:
        """Counts from the ``queue_expires`` and ``queue_claim_expires`` indexes, the ends
        from the marker index; a queue with messages exists, so only an empty one is
        looked up."""
        now = self._db.now()
        docs = self._db.message_docs
        live = {"p": project, "q": name, "e": {"$gt": now}}
        total = docs.count_documents(live)
        if total == 0:
            if self._db.queue_docs.find_one({"p": project, "n": name}, {"_id": 1}) is None:
                raise QueueDoesNotExist(project, name)
            return QueueStats(total=0, claimed=0, oldest=None, newest=None)
        claimed = count(docs, {"p": project, "q": name, "c.e": {"$gt": now}},
                        {"e": {"$gt": now}})
        oldest, newest = (MessageStamp(id=str(end["_id"]), created=end["cr"]) if end else None
                          for end in self._ends(project, name, now))
        return QueueStats(total=total, claimed=claimed, oldest=oldest, newest=newest)

    def _ends(self, project: str, name: str, now: int) -> tuple[Document | None, Document | None]:
        """The oldest and newest live messages: in marker windows when this process
        knows how far the queue's counter has gone (``Heads``), else one query each."""
        docs = self._db.message_docs
        heads = self._db.heads
        top = heads.top(project, name)
        lead = {"p": project, "q": name}
        rest = {"e": {"$gt": now}}
        first = first_in_marker_order(docs, lead, rest, limit=1, top=top,
                                      head=heads.guess(project, name), projection={"cr": 1})
        return (first[0] if first else None,
                last_in_marker_order(docs, lead, rest, top=top, projection={"cr": 1}))


def _metadata_query(filters: Mapping[str, Any]) -> Document:
    """The filters a query can express as equality on ``m.<key>``.

    Keys that are not plain field names, and values whose BSON equality differs
    from JSON equality (objects compare in key order), are left to the re-check.
    """
    return {f"m.{key}": value for key, value in filters.items()
            if _plain_key(key) and _plain_value(value)}


def _plain_key(key: str) -> bool:
    return bool(key) and not key.startswith("$") and "." not in key and "\x00" not in key


def _plain_value(value: Any) -> bool:
    if isinstance(value, int) and not isinstance(value, bool):
        return value in _INT64
    return isinstance(value, (str, bool, float))


def _unstorable(exc: Exception) -> ValidationFailed:
    return ValidationFailed(f"Queue metadata cannot be stored: {exc}")
