"""The notification outbox in MongoDB: one document per delivery, leased by moving ``due``.

A post stores its deliveries *held* (due only after ``HOLD_SECONDS``) before
its messages, and releases them once the messages are stored: without a
multi-document transaction, this order is what keeps a stored message from
ever lacking its deliveries. A post interrupted in between leaves held
deliveries that fall due by themselves.
"""

from __future__ import annotations

import builtins
import logging
from collections.abc import Collection, Sequence

from bson import ObjectId
from pymongo import DeleteOne, UpdateOne
from pymongo.errors import PyMongoError

from zaqar_lite.storage.base import (
    Delivery,
    NewDelivery,
    OutboxController,
    OutboxCounts,
    Settlement,
    is_valid_id,
    new_id,
)
from zaqar_lite.storage.mongodb.database import Database, translate_errors
from zaqar_lite.storage.mongodb.documents import (
    as_datetime,
    delivery_document,
    delivery_from_doc,
)
from zaqar_lite.storage.rules import prefix_range

LOG = logging.getLogger(__name__)

HOLD_SECONDS = 30
"""How long a post's deliveries wait for its messages before they fall due anyway."""


def hold_deliveries(db: Database, deliveries: Sequence[NewDelivery], moment: float) -> str:
    """Store a post's deliveries, held; return the hold token that releases them."""
    token = new_id()
    docs = [{**delivery_document(entry, moment + HOLD_SECONDS, int(moment)), "h": token}
            for entry in deliveries]
    db.outbox_docs.insert_many(docs)
    return token


def release_deliveries(db: Database, token: str, moment: float) -> None:
    """Make held deliveries due now; if that fails they fall due after the hold."""
    try:
        db.outbox_docs.update_many({"h": token}, {"$set": {"due": moment}, "$unset": {"h": ""}})
    except PyMongoError as exc:
        LOG.warning("notifications of a post will be %d s late: %s", HOLD_SECONDS, exc)


def drop_held_deliveries(db: Database, token: str) -> None:
    """The post failed: its held deliveries are not wanted (best effort)."""
    try:
        db.outbox_docs.delete_many({"h": token})
    except PyMongoError as exc:
        LOG.warning("deliveries of a failed post remain and may be sent: %s", exc)


class MongoOutbox(OutboxController):
    def __init__(self, db: Database) -> None:
        self._db = db

    @translate_errors
    def add(self, deliveries: Sequence[NewDelivery]) -> None:
        if deliveries:
            moment = self._db.clock()
            self._db.outbox_docs.insert_many(
                [delivery_document(entry, moment, int(moment)) for entry in deliveries])

    @translate_errors
    def lease(self, owner: str, limit: int, seconds: float) -> builtins.list[Delivery]:
        """Three round trips: the due ids, a conditional lease of them, the leased ones."""
        moment = self._db.clock()
        docs = self._db.outbox_docs
        due = {"f": False, "due": {"$lte": moment}}
        ids = [doc["_id"] for doc in
               docs.find(due, {"_id": 1}).sort([("due", 1), ("_id", 1)]).limit(limit)]
        if not ids:
            return []
        until = moment + seconds
        docs.update_many({"_id": {"$in": ids}, **due}, {"$set": {"due": until, "w": owner}})
        leased = docs.find({"_id": {"$in": ids}, "w": owner, "due": until}).sort("_id", 1)
        return [delivery_from_doc(doc) for doc in leased]

    @translate_errors
    def settle(self, owner: str, settlements: Sequence[Settlement]) -> None:
        """One bulk write for the whole batch."""
        writes: list[DeleteOne | UpdateOne] = []
        for item in settlements:
            if not is_valid_id(item.delivery_id):
                continue
            query = {"_id": ObjectId(item.delivery_id), "w": owner}
            if item.done:
                writes.append(DeleteOne(query))
            elif item.retrying:
                writes.append(UpdateOne(query, {"$set": {"due": item.retry_at, "err": item.error},
                                                "$unset": {"w": ""}, "$inc": {"a": 1}}))
            else:
                keep_until = item.keep_until or 0
                writes.append(UpdateOne(query, {
                    "$set": {"f": True, "err": item.error, "ku": keep_until,
                             "x": as_datetime(keep_until)},
                    "$unset": {"w": ""}, "$inc": {"a": 1}}))
        if writes:
            self._db.outbox_docs.bulk_write(writes, ordered=False)

    @translate_errors
    def leaseholders(self, prefix: str) -> builtins.set[str]:
        low, high = prefix_range(prefix)
        leased = self._db.outbox_docs.find(
            {"w": {"$gte": low, "$lt": high}, "f": False, "due": {"$gt": self._db.clock()}},
            {"w": 1})
        return {doc["w"] for doc in leased}

    @translate_errors
    def release(self, owners: Collection[str]) -> int:
        if not owners:
            return 0
        moment = self._db.clock()
        result = self._db.outbox_docs.update_many(
            {"f": False, "due": {"$gt": moment}, "w": {"$in": list(owners)}},
            {"$set": {"due": moment}, "$unset": {"w": ""}})
        return result.modified_count

    @translate_errors
    def counts(self) -> OutboxCounts:
        docs = self._db.outbox_docs
        return OutboxCounts(pending=docs.count_documents({"f": False}),
                            failed=docs.count_documents({"f": True}))

    @translate_errors
    def sweep(self, keep_failed: int) -> int:
        docs = self._db.outbox_docs
        removed = docs.delete_many({"f": True, "ku": {"$lte": self._db.now()}}).deleted_count
        extra = [doc["_id"] for doc in docs.find({"f": True}, {"_id": 1})
                 .sort([("ku", -1), ("_id", -1)]).skip(keep_failed)]
        if extra:
            removed += docs.delete_many({"_id": {"$in": extra}}).deleted_count
        return removed
