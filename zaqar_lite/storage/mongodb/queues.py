"""Queues in MongoDB: one document per (project, name) with metadata and counter."""

from __future__ import annotations

import builtins
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from bson.errors import InvalidDocument
from pymongo.errors import DuplicateKeyError

from zaqar_lite.errors import QueueDoesNotExist, ValidationFailed
from zaqar_lite.storage.base import (
    QueueController,
    QueueRecord,
    QueueStats,
    matches_filters,
)
from zaqar_lite.storage.mongodb.driver import (
    Document,
    message_from_doc,
    translate_errors,
)

if TYPE_CHECKING:
    from zaqar_lite.storage.mongodb.driver import MongoStore

_LIST_CHUNK = 200
_INT64 = range(-(2**63), 2**63)


class MongoQueues(QueueController):
    def __init__(self, store: MongoStore) -> None:
        self._store = store

    @translate_errors
    def create(self, project: str, name: str, metadata: Mapping[str, Any]) -> bool:
        try:
            self._store.queue_docs.insert_one(
                {"p": project, "n": name, "m": dict(metadata), "c": 0, "ct": self._store.now()}
            )
        except DuplicateKeyError:
            return False
        except (InvalidDocument, OverflowError) as exc:
            raise _unstorable(exc) from exc
        return True

    @translate_errors
    def exists(self, project: str, name: str) -> bool:
        return self._store.queue_docs.find_one({"p": project, "n": name}, {"_id": 1}) is not None

    @translate_errors
    def get_metadata(self, project: str, name: str) -> dict[str, Any]:
        doc = self._store.queue_docs.find_one({"p": project, "n": name}, {"m": 1})
        if doc is None:
            raise QueueDoesNotExist(project, name)
        metadata: dict[str, Any] = doc["m"]
        return metadata

    @translate_errors
    def set_metadata(self, project: str, name: str, metadata: Mapping[str, Any]) -> None:
        try:
            result = self._store.queue_docs.update_one(
                {"p": project, "n": name}, {"$set": {"m": dict(metadata)}}
            )
        except (InvalidDocument, OverflowError) as exc:
            raise _unstorable(exc) from exc
        if result.matched_count == 0:
            raise QueueDoesNotExist(project, name)

    @translate_errors
    def delete(self, project: str, name: str) -> None:
        self._store.message_docs.delete_many({"p": project, "q": name})
        self._store.queue_docs.delete_one({"p": project, "n": name})

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
        chunk = limit if exact else _LIST_CHUNK
        found: builtins.list[QueueRecord] = []
        after = marker or ""
        while len(found) < limit:
            docs = list(
                self._store.queue_docs.find(
                    {**query, "n": {"$gt": after, **name_query}}, {"n": 1, "m": 1}
                ).sort("n", 1).limit(chunk)
            )
            for doc in docs:
                if matches_filters(doc["m"], metadata_filters):
                    found.append(QueueRecord(name=doc["n"], metadata=doc["m"]))
                    if len(found) == limit:
                        break
            if len(docs) < chunk:
                break
            after = docs[-1]["n"]
        return found

    @translate_errors
    def count(self, project: str) -> int:
        return self._store.queue_docs.count_documents({"p": project})

    @translate_errors
    def stats(self, project: str, name: str) -> QueueStats:
        if self._store.queue_docs.find_one({"p": project, "n": name}, {"_id": 1}) is None:
            raise QueueDoesNotExist(project, name)
        now = self._store.now()
        docs = self._store.message_docs
        live = {"p": project, "q": name, "e": {"$gt": now}}
        total = docs.count_documents(live)
        if total == 0:
            return QueueStats(total=0, claimed=0, oldest=None, newest=None)
        claimed = docs.count_documents({**live, "c.e": {"$gt": now}})
        ends = [docs.find_one(live, sort=[("k", order)]) for order in (1, -1)]
        return QueueStats(
            total=total,
            claimed=claimed,
            oldest=message_from_doc(ends[0]) if ends[0] else None,
            newest=message_from_doc(ends[1]) if ends[1] else None,
        )


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
