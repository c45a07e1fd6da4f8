"""Messages in MongoDB: posting, FIFO listing, deletes and pop."""

from __future__ import annotations

import builtins
from collections.abc import Sequence

from bson import ObjectId
from pymongo.errors import BulkWriteError, DuplicateKeyError

from zaqar_lite.errors import MessageDoesNotExist, StorageUnavailable
from zaqar_lite.storage.base import (
    Draft,
    Message,
    MessageController,
    NewMessage,
    Notice,
    is_valid_id,
    new_id,
)
from zaqar_lite.storage.mongodb.database import Database, translate_errors
from zaqar_lite.storage.mongodb.documents import (
    Document,
    as_object_ids,
    message_from_doc,
    new_document,
)
from zaqar_lite.storage.mongodb.outbox import (
    drop_held_deliveries,
    hold_deliveries,
    release_deliveries,
)
from zaqar_lite.storage.mongodb.queries import (
    first_in_marker_order,
    free_messages,
)
from zaqar_lite.storage.mongodb.queues import (
    POST_ATTEMPTS,
    catch_up_counter,
    is_marker_conflict,
    reserve_post_markers,
)
from zaqar_lite.storage.mongodb.subscriptions import live_subscriptions
from zaqar_lite.storage.rules import (
    MessageTimes,
    check_claim_ids,
    check_deletable,
    deliveries_for,
)

POP_HOLD_SECONDS = 60
"""How long messages taken by an interrupted pop stay hidden before they are free again."""

DELETE_ATTEMPTS = 3
"""Conditional deletes tried while concurrent claims keep changing a message."""


class MongoMessages(MessageController):
    def __init__(self, db: Database) -> None:
        self._db = db

    @translate_errors
    def post(
        self,
        project: str,
        queue: str,
        messages: Sequence[NewMessage] | Draft,
        client_id: str | None,
        *,
        create_queue: bool,
        notice: Notice | None = None,
    ) -> list[str]:
        """One insert for the whole batch; on a marker collision the batch is
        removed, the counter caught up and the post retried. A draft is finished
        with the metadata that the marker increment returns.

        With a notice, on a queue that has had subscriptions, the deliveries
        are stored held before the messages and released after them
        (``outbox.py``): two more round trips, and one to find the subscriptions.
        """
        draft = Draft.of(messages, notice)
        moment = self._db.clock()
        now = int(moment)
        ids = [new_id() for _ in range(draft.count)]
        finished: tuple[Sequence[NewMessage], Notice | None] | None = None
        hold: str | None = None
        for _ in range(POST_ATTEMPTS):
            first, subscribed, metadata = reserve_post_markers(
                self._db, project, queue, draft.count, now, create=create_queue)
            if finished is None:
                finished = draft.finish(metadata)
            final, notice = finished
            if not final:
                return ids
            if notice is not None and subscribed and hold is None:
                deliveries = deliveries_for(
                    project, queue, live_subscriptions(self._db, project, queue, now), notice)
                if deliveries:
                    hold = hold_deliveries(self._db, deliveries, moment)
            if self._insert(project, queue, ids, final, client_id, first, moment):
                self._db.heads.reached(project, queue, first + len(final))
                if hold is not None:
                    release_deliveries(self._db, hold, moment)
                    if notice is not None and notice.on_stored is not None:
                        notice.on_stored()
                return ids
        # Nothing was stored, so the deliveries are not wanted. (After any other
        # failure the messages may have been stored: held deliveries then fall due.)
        if hold is not None:
            drop_held_deliveries(self._db, hold)
        raise StorageUnavailable(
            f"markers of queue {queue!r} of project {project!r} kept colliding"
        )

    def _insert(self, project: str, queue: str, ids: list[str], messages: Sequence[NewMessage],
                client_id: str | None, first: int, moment: float) -> bool:
        """Insert the batch from marker ``first``; False (and nothing stored) if those
        markers were taken. A lone message goes in with ``insert_one``, which skips
        pymongo's bulk-write bookkeeping."""
        docs = [
            new_document(project, queue, mid, first + index, msg, client_id,
                         MessageTimes.of(moment, msg))
            for index, (mid, msg) in enumerate(zip(ids, messages, strict=True))
        ]
        try:
            if len(docs) == 1:
                self._db.message_docs.insert_one(docs[0])
            else:
                self._db.message_docs.insert_many(docs)
        except (BulkWriteError, DuplicateKeyError) as exc:
            if not is_marker_conflict(exc):
                raise
            self._db.message_docs.delete_many({"_id": {"$in": [d["_id"] for d in docs]}})
            catch_up_counter(self._db, project, queue)
            return False
        return True

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
        now = self._db.now()
        rest: Document = {"e": {"$gt": now}}
        if not echo and client_id is not None:
            rest["u"] = {"$ne": client_id}
        if not include_claimed:
            rest["c.e"] = {"$lte": now}
        if not include_delayed:
            rest["d"] = {"$lte": now}
        docs = self._page(project, queue, after, rest, limit)
        return [message_from_doc(doc) for doc in docs]

    def _page(self, project: str, queue: str, after: int | None, rest: Document,
              limit: int) -> builtins.list[Document]:
        """Messages after marker ``after`` (all if None), in marker windows when this
        process knows how far the queue's counter has gone (``Heads``), else in one
        query."""
        heads = self._db.heads
        head = after if after is not None else heads.guess(project, queue)
        return first_in_marker_order(self._db.message_docs, {"p": project, "q": queue}, rest,
                                     limit=limit, head=head, top=heads.top(project, queue),
                                     after=after or 0)

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
        docs = self._db.message_docs.find(
            {"_id": {"$in": object_ids}, "p": project, "q": queue,
             "e": {"$gt": self._db.now()}}
        ).sort("k", 1)
        return [message_from_doc(doc) for doc in docs]

    @translate_errors
    def delete(self, project: str, queue: str, message_id: str, claim_id: str | None) -> None:
        """A conditional delete; when it removes nothing, the message is re-read
        to tell a missing message from one held by a claim."""
        if not is_valid_id(message_id):
            return
        now = self._db.now()
        query = {"_id": ObjectId(message_id), "p": project, "q": queue, "e": {"$gt": now}}
        deletable = {**query, **({"c.e": {"$lte": now}} if claim_id is None
                                 else {"c.id": claim_id})}
        for _ in range(DELETE_ATTEMPTS):
            if self._db.message_docs.delete_one(deletable).deleted_count:
                return
            doc = self._db.message_docs.find_one(query, {"c": 1})
            if doc is None:
                return
            check_deletable(doc["c"]["id"], doc["c"]["e"], claim_id, now)
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
            held = {doc["c"]["id"] for doc in self._db.message_docs.find(query, {"c.id": 1})}
            check_claim_ids(held, claim_ids)
        self._db.message_docs.delete_many(query)

    @translate_errors
    def pop(self, project: str, queue: str, limit: int) -> builtins.list[Message]:
        """Hold the oldest free messages under a pop token, then delete by token.

        The hold is taken like a claim (one conditional ``update_many``), so
        concurrent pops and claims never share a message; three round trips
        whatever the count. The candidates are searched in marker windows, as a
        claim's are. If the connection drops before the delete, the held
        messages come back after ``POP_HOLD_SECONDS`` instead of being lost.
        """
        if limit < 1:
            return []
        now = self._db.now()
        docs = self._db.message_docs
        candidates = free_messages(self._db, project, queue,
                                   {"e": {"$gt": now}, "c.e": {"$lte": now}}, limit,
                                   self._db.heads.top(project, queue))
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
        self._db.message_docs.delete_many(
            {"p": project, "q": queue, "c.e": {"$lte": self._db.now()}}
        )
