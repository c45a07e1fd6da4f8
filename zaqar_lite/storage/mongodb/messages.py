"""Messages in MongoDB: posting, FIFO listing, deletes and pop."""

from __future__ import annotations

import builtins
import contextlib
import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING

from bson import ObjectId
from pymongo import ReturnDocument
from pymongo.errors import BulkWriteError, DuplicateKeyError

from zaqar_lite.errors import (
    ClaimMismatch,
    MessageDoesNotExist,
    MessageIsClaimed,
    MessageNotClaimed,
    QueueDoesNotExist,
    StorageUnavailable,
)
from zaqar_lite.storage.base import (
    Message,
    MessageController,
    NewMessage,
    is_valid_id,
    new_id,
)
from zaqar_lite.storage.mongodb.driver import (
    MARKER_INDEX,
    Document,
    as_datetime,
    as_object_ids,
    dump_json,
    message_from_doc,
    translate_errors,
)

if TYPE_CHECKING:
    from zaqar_lite.storage.mongodb.driver import MongoStore

LOG = logging.getLogger(__name__)

POST_ATTEMPTS = 5
"""Inserts tried before giving up when markers keep colliding."""

CREATE_ATTEMPTS = 3
"""Rounds of increment-then-create tried while the queue keeps disappearing."""

POP_HOLD_SECONDS = 60
"""How long messages taken by an interrupted pop stay hidden before they are free again."""

DELETE_ATTEMPTS = 3
"""Conditional deletes tried while concurrent claims keep changing a message."""


def reserve_markers(
    store: MongoStore, project: str, queue: str, count: int, now: int, *, create: bool
) -> int:
    """Atomically take ``count`` markers from the queue's counter; return the first.

    A missing queue raises QueueDoesNotExist, or with ``create`` is inserted
    (empty metadata; a concurrent creator's duplicate is fine) and the
    increment retried. Not an upsert: under concurrent upserts of one new
    queue, SecantusDB's findAndModify may apply ``$inc`` yet return no
    document, losing the reserved range.
    """
    for _ in range(CREATE_ATTEMPTS):
        doc = store.queue_docs.find_one_and_update(
            {"p": project, "n": queue},
            {"$inc": {"c": count}},
            projection={"c": 1},
            return_document=ReturnDocument.AFTER,
        )
        if doc is not None:
            return int(doc["c"]) - count + 1
        if not create:
            raise QueueDoesNotExist(project, queue)
        with contextlib.suppress(DuplicateKeyError):
            store.queue_docs.insert_one({"p": project, "n": queue, "m": {}, "c": 0, "ct": now})
    raise StorageUnavailable(f"queue {queue!r} of project {project!r} kept disappearing")


def catch_up_counter(store: MongoStore, project: str, queue: str) -> None:
    """Raise the queue's counter past its highest stored marker.

    The counter can fall behind its messages only if data was restored or
    edited by hand; the unique marker index is what notices.
    """
    top = store.message_docs.find_one(
        {"p": project, "q": queue}, {"k": 1}, sort=[("k", -1)]
    )
    if top is not None:
        LOG.warning("counter of queue %r of project %r was behind marker %d",
                    queue, project, top["k"])
        store.queue_docs.update_one({"p": project, "n": queue}, {"$max": {"c": top["k"]}})


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


class MongoMessages(MessageController):
    def __init__(self, store: MongoStore) -> None:
        self._store = store

    @translate_errors
    def post(
        self,
        project: str,
        queue: str,
        messages: Sequence[NewMessage],
        client_id: str | None,
        *,
        create_queue: bool,
    ) -> list[str]:
        """One insert for the whole batch; on a marker collision the batch is
        removed, the counter caught up and the post retried."""
        now = self._store.now()
        ids = [new_id() for _ in messages]
        for _ in range(POST_ATTEMPTS):
            first = reserve_markers(
                self._store, project, queue, len(messages), now, create=create_queue
            )
            if not messages:
                return ids
            docs = [
                _new_document(project, queue, mid, first + index, msg, client_id, now)
                for index, (mid, msg) in enumerate(zip(ids, messages, strict=True))
            ]
            try:
                self._store.message_docs.insert_many(docs)
            except BulkWriteError as exc:
                if not is_marker_conflict(exc):
                    raise
                self._store.message_docs.delete_many({"_id": {"$in": [d["_id"] for d in docs]}})
                catch_up_counter(self._store, project, queue)
                continue
            return ids
        raise StorageUnavailable(
            f"markers of queue {queue!r} of project {project!r} kept colliding"
        )

    @translate_errors
    def list(
        self,
        project: str,
        queue: str,
        *,
        after: int | None = None,
        limit: int = 10,
        client_id: str | None = None,
        echo: bool = False,
        include_claimed: bool = False,
        include_delayed: bool = False,
    ) -> builtins.list[Message]:
        if limit < 1:
            return []
        now = self._store.now()
        query: Document = {
            "p": project,
            "q": queue,
            "k": {"$gt": after if after is not None else 0},
            "e": {"$gt": now},
        }
        if not echo and client_id is not None:
            query["u"] = {"$ne": client_id}
        if not include_claimed:
            query["c.e"] = {"$lte": now}
        if not include_delayed:
            query["d"] = {"$lte": now}
        docs = self._store.message_docs.find(query).sort("k", 1).limit(limit)
        return [message_from_doc(doc) for doc in docs]

    @translate_errors
    def get(self, project: str, queue: str, message_id: str) -> Message:
        found = self._find(project, queue, [message_id])
        if not found:
            raise MessageDoesNotExist(project, queue, message_id)
        return found[0]

    @translate_errors
    def get_many(
        self, project: str, queue: str, message_ids: Sequence[str]
    ) -> builtins.list[Message]:
        return self._find(project, queue, message_ids)

    def _find(self, project: str, queue: str, message_ids: Sequence[str]) -> builtins.list[Message]:
        object_ids = as_object_ids(message_ids)
        if not object_ids:
            return []
        docs = self._store.message_docs.find(
            {"_id": {"$in": object_ids}, "p": project, "q": queue,
             "e": {"$gt": self._store.now()}}
        ).sort("k", 1)
        return [message_from_doc(doc) for doc in docs]

    @translate_errors
    def delete(self, project: str, queue: str, message_id: str, claim_id: str | None) -> None:
        """A conditional delete; when it removes nothing, the message is re-read
        to tell a missing message from one held by a claim."""
        if not is_valid_id(message_id):
            return
        now = self._store.now()
        query = {"_id": ObjectId(message_id), "p": project, "q": queue, "e": {"$gt": now}}
        deletable = {**query, **({"c.e": {"$lte": now}} if claim_id is None
                                 else {"c.id": claim_id})}
        for _ in range(DELETE_ATTEMPTS):
            if self._store.message_docs.delete_one(deletable).deleted_count:
                return
            doc = self._store.message_docs.find_one(query, {"c": 1})
            if doc is None:
                return
            held_by, claim_expires = doc["c"]["id"], doc["c"]["e"]
            live = held_by is not None and claim_expires > now
            if claim_id is None and live:
                raise MessageIsClaimed()
            if claim_id is not None and held_by != claim_id:
                raise MessageIsClaimed() if live else MessageNotClaimed()
        raise StorageUnavailable(f"message {message_id} kept changing while being deleted")

    @translate_errors
    def delete_many(
        self,
        project: str,
        queue: str,
        message_ids: Sequence[str],
        claim_ids: Sequence[str] | None = None,
    ) -> None:
        object_ids = as_object_ids(message_ids)
        if not object_ids:
            return
        query = {"_id": {"$in": object_ids}, "p": project, "q": queue}
        if claim_ids is not None:
            held = {doc["c"]["id"] for doc in self._store.message_docs.find(query, {"c.id": 1})}
            if any(is_valid_id(cid) and cid not in held for cid in claim_ids):
                raise ClaimMismatch()
        self._store.message_docs.delete_many(query)

    @translate_errors
    def pop(self, project: str, queue: str, limit: int) -> builtins.list[Message]:
        """Hold the oldest free messages under a pop token, then delete by token.

        The hold is taken like a claim (one conditional ``update_many``), so
        concurrent pops and claims never share a message; three round trips
        whatever the count. If the connection drops before the delete, the held
        messages come back after ``POP_HOLD_SECONDS`` instead of being lost.
        """
        if limit < 1:
            return []
        now = self._store.now()
        docs = self._store.message_docs
        free = {"p": project, "q": queue, "e": {"$gt": now}, "c.e": {"$lte": now}}
        candidates = list(docs.find(free).sort("k", 1).limit(limit))
        if not candidates:
            return []
        token = new_id()
        held_query = {"p": project, "q": queue, "c.id": token}
        result = docs.update_many(
            {"_id": {"$in": [doc["_id"] for doc in candidates]}, "c.e": {"$lte": now}},
            {"$set": {"c.id": token, "c.e": now + POP_HOLD_SECONDS}},
        )
        if result.modified_count == len(candidates):
            held = {doc["_id"] for doc in candidates}
        else:
            held = {doc["_id"] for doc in docs.find(held_query, {"_id": 1})}
        docs.delete_many(held_query)
        return [message_from_doc(doc) for doc in candidates if doc["_id"] in held]

    @translate_errors
    def purge(self, project: str, queue: str) -> None:
        self._store.message_docs.delete_many(
            {"p": project, "q": queue, "c.e": {"$lte": self._store.now()}}
        )


def _new_document(
    project: str, queue: str, message_id: str, marker: int, message: NewMessage,
    client_id: str | None, now: int,
) -> Document:
    expires = now + message.ttl
    return {
        "_id": ObjectId(message_id),
        "p": project,
        "q": queue,
        "k": marker,
        "t": message.ttl,
        "e": expires,
        "x": as_datetime(expires),
        "cr": now,
        "d": now + message.delay,
        "u": client_id,
        "b": dump_json(message.body),
        "c": {"id": None, "e": 0, "t": 0, "n": 0},
    }

