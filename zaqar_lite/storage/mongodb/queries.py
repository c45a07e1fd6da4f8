"""Queries of a queue's messages, staged so that the index they need is walked.

A query with the queue, one range on an indexed field and other terms is sent
as an aggregation whose first ``$match`` holds only the index's terms. MongoDB
coalesces consecutive ``$match`` stages and pushes ``$sort`` and ``$limit``
down, so the plan is the one ``find(lead | rest).sort("k").limit(n)`` gets.
SecantusDB, the MongoDB-wire server the tests run on, plans a ``find`` with two
ranges as a scan of the whole collection (150–215 ms of its CPU per query on a
4,000-message collection here), and the staged form through the index (1–10 ms).
"""

from __future__ import annotations

from pymongo.collection import Collection

from zaqar_lite.storage.mongodb.documents import Document


def in_marker_order(messages: Collection[Document], lead: Document, rest: Document, *,
                    limit: int = 0, projection: Document | None = None) -> list[Document]:
    """The messages matching ``lead`` (the index's terms) and ``rest``, in FIFO
    order, at most ``limit`` of them (0: all)."""
    pipeline: list[Document] = [{"$match": lead}]
    if rest:
        pipeline.append({"$match": rest})
    pipeline.append({"$sort": {"k": 1}})
    if limit:
        pipeline.append({"$limit": limit})
    if projection:
        pipeline.append({"$project": projection})
    return list(messages.aggregate(pipeline))


def count(messages: Collection[Document], lead: Document, rest: Document) -> int:
    """How many messages match ``lead`` (the index's terms) and ``rest``."""
    found = list(messages.aggregate([{"$match": lead}, {"$match": rest}, {"$count": "n"}]))
    return int(found[0]["n"]) if found else 0
