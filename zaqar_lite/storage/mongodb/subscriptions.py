"""Subscriptions in MongoDB: one document each, unique per (project, queue, subscriber)."""

from __future__ import annotations

import builtins
import contextlib
from collections.abc import Mapping, Sequence
from typing import Any

from bson import ObjectId
from pymongo import ReturnDocument
from pymongo.errors import DuplicateKeyError

from zaqar_lite.errors import StorageUnavailable, SubscriptionDoesNotExist, SubscriptionExists
from zaqar_lite.storage.base import (
    Subscription,
    SubscriptionChanges,
    SubscriptionController,
    is_valid_id,
    new_id,
)
from zaqar_lite.storage.mongodb.database import Database, translate_errors
from zaqar_lite.storage.mongodb.documents import (
    Document,
    as_datetime,
    as_object_ids,
    dump_json,
    queue_document,
    subscription_from_doc,
)
from zaqar_lite.storage.rules import deadline

CREATE_ATTEMPTS = 3
"""Inserts tried while an expired or concurrently deleted namesake is in the way."""


def live_subscriptions(db: Database, project: str, queue: str, now: int) -> list[Subscription]:
    """Every live subscription of the queue, in creation order."""
    docs = db.subscription_docs.find({"p": project, "q": queue, "e": {"$gt": now}}).sort("_id", 1)
    return [subscription_from_doc(doc) for doc in docs]


def mark_subscribed(db: Database, project: str, queue: str, now: int) -> None:
    """Flag the queue (created if missing) so that its posts look for subscriptions.

    Set before the subscription is stored: a crash in between leaves a flag
    without subscriptions (one wasted lookup per post), never the reverse.
    """
    flag = {"$set": {"s": True}}
    if db.queue_docs.update_one({"p": project, "n": queue}, flag).matched_count:
        return
    with contextlib.suppress(DuplicateKeyError):
        db.queue_docs.insert_one(queue_document(project, queue, {}, now, subscribed=True))
        return
    db.queue_docs.update_one({"p": project, "n": queue}, flag)


class MongoSubscriptions(SubscriptionController):
    def __init__(self, db: Database) -> None:
        self._db = db

    def _query(self, project: str, queue: str, subscription_id: str) -> Document | None:
        """The query naming one live subscription, or None for a malformed id."""
        if not is_valid_id(subscription_id):
            return None
        return {"_id": ObjectId(subscription_id), "p": project, "q": queue,
                "e": {"$gt": self._db.now()}}

    @translate_errors
    def create(self, project: str, queue: str, subscriber: str, ttl: int,
               options: Mapping[str, Any]) -> tuple[Subscription, bool]:
        moment = self._db.clock()
        now = int(moment)
        mark_subscribed(self._db, project, queue, now)
        docs = self._db.subscription_docs
        for _ in range(CREATE_ATTEMPTS):
            expires = deadline(moment, ttl)
            doc = {"_id": ObjectId(new_id()), "p": project, "q": queue, "u": subscriber,
                   "t": ttl, "o": dump_json(dict(options)), "ct": now, "e": expires,
                   "x": as_datetime(expires), "c": False}
            try:
                docs.insert_one(doc)
            except DuplicateKeyError:
                existing = docs.find_one({"p": project, "q": queue, "u": subscriber})
                if existing is None:
                    continue
                if existing["e"] > now:
                    return subscription_from_doc(existing), False
                docs.delete_one({"_id": existing["_id"], "e": {"$lte": now}})
                continue
            return subscription_from_doc(doc), True
        raise StorageUnavailable(f"subscriber {subscriber!r} of queue {queue!r} kept changing")

    @translate_errors
    def list(self, project: str, queue: str, *, marker: str | None = None,
             limit: int = 10) -> builtins.list[Subscription]:
        query: Document = {"p": project, "q": queue, "e": {"$gt": self._db.now()}}
        if marker:
            if not is_valid_id(marker):
                return []
            query["_id"] = {"$gt": ObjectId(marker)}
        docs = self._db.subscription_docs.find(query).sort("_id", 1).limit(limit)
        return [subscription_from_doc(doc) for doc in docs]

    @translate_errors
    def get(self, project: str, queue: str, subscription_id: str) -> Subscription:
        query = self._query(project, queue, subscription_id)
        doc = None if query is None else self._db.subscription_docs.find_one(query)
        if doc is None:
            raise SubscriptionDoesNotExist(subscription_id)
        return subscription_from_doc(doc)

    @translate_errors
    def update(self, project: str, queue: str, subscription_id: str,
               changes: SubscriptionChanges) -> None:
        moment = self._db.clock()
        fields: Document = {}
        if changes.subscriber is not None:
            fields["u"] = changes.subscriber
        if changes.ttl is not None:
            expires = deadline(moment, changes.ttl)
            fields.update(t=changes.ttl, e=expires, x=as_datetime(expires))
        if changes.options is not None:
            fields["o"] = dump_json(changes.options)
        query = self._query(project, queue, subscription_id)
        if query is None:
            raise SubscriptionDoesNotExist(subscription_id)
        docs = self._db.subscription_docs
        if changes.subscriber is not None:
            # An expired holder of the subscriber gives way; a live one conflicts.
            docs.delete_many({"p": project, "q": queue, "u": changes.subscriber,
                              "e": {"$lte": int(moment)}, "_id": {"$ne": query["_id"]}})
        try:
            result = docs.update_one(query, {"$set": fields})
        except DuplicateKeyError:
            raise SubscriptionExists() from None
        if result.matched_count == 0:
            raise SubscriptionDoesNotExist(subscription_id)

    @translate_errors
    def confirm(self, project: str, queue: str, subscription_id: str,
                confirmed: bool) -> Subscription:
        query = self._query(project, queue, subscription_id)
        doc = None
        if query is not None:
            doc = self._db.subscription_docs.find_one_and_update(
                query, {"$set": {"c": confirmed}}, return_document=ReturnDocument.AFTER)
        if doc is None:
            raise SubscriptionDoesNotExist(subscription_id)
        return subscription_from_doc(doc)

    @translate_errors
    def delete(self, project: str, queue: str, subscription_id: str) -> None:
        if is_valid_id(subscription_id):
            self._db.subscription_docs.delete_one(
                {"_id": ObjectId(subscription_id), "p": project, "q": queue})

    @translate_errors
    def purge(self, project: str, queue: str) -> None:
        self._db.subscription_docs.delete_many({"p": project, "q": queue})

    @translate_errors
    def live_ids(self, subscription_ids: Sequence[str]) -> set[str]:
        object_ids = as_object_ids(subscription_ids)
        if not object_ids:
            return set()
        docs = self._db.subscription_docs.find(
            {"_id": {"$in": object_ids}, "e": {"$gt": self._db.now()}}, {"_id": 1})
        return {str(doc["_id"]) for doc in docs}

    @translate_errors
    def remove_expired(self) -> int:
        """What MongoDB's TTL monitor does within a minute, at once."""
        return self._db.subscription_docs.delete_many(
            {"x": {"$lte": as_datetime(self._db.now())}}).deleted_count
