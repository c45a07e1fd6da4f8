"""Queries of a queue's messages, staged so that the index they need is walked.

A query with the queue, one range on an indexed field and other terms is sent
as an aggregation whose first ``$match`` holds only the index's terms. MongoDB
coalesces consecutive ``$match`` stages and pushes ``$sort`` and ``$limit``
down, so the plan is the one ``find(lead | rest).sort("k").limit(n)`` gets.
SecantusDB, the MongoDB-wire server the tests run on, plans a ``find`` with two
ranges as a scan of the whole collection (150–215 ms of its CPU per query on a
4,000-message collection here), and the staged form through the index (1–10 ms).

The stand-in also reads every message a query's index range holds before it
sorts and applies the limit, so the oldest free messages of a deep queue are
looked for in marker windows that grow (``first_in_marker_order``): each
costs what its window holds, on MongoDB as on the stand-in.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pymongo.collection import Collection

from zaqar_lite.storage.mongodb.documents import Document

if TYPE_CHECKING:
    from zaqar_lite.storage.mongodb.database import Database

HEADS_KEPT = 10_000
"""Queues whose head a process remembers; past that it starts over."""
FIRST_WINDOW = 64
"""Markers the first window reaches past the remembered head, at least."""
WIDENING = 4


def in_marker_order(messages: Collection[Document], lead: Document, rest: Document, *,
                    limit: int = 0, projection: Document | None = None,
                    newest_first: bool = False) -> list[Document]:
    """The messages matching ``lead`` (the index's terms) and ``rest``, in FIFO
    order (or the reverse), at most ``limit`` of them (0: all)."""
    pipeline: list[Document] = [{"$match": lead}]
    if rest:
        pipeline.append({"$match": rest})
    pipeline.append({"$sort": {"k": -1 if newest_first else 1}})
    if limit:
        pipeline.append({"$limit": limit})
    if projection:
        pipeline.append({"$project": projection})
    return list(messages.aggregate(pipeline))


def count(messages: Collection[Document], lead: Document, rest: Document) -> int:
    """How many messages match ``lead`` (the index's terms) and ``rest``."""
    found = list(messages.aggregate([{"$match": lead}, {"$match": rest}, {"$count": "n"}]))
    return int(found[0]["n"]) if found else 0


class Heads:
    """What this process last saw of each queue: where its free messages began
    after a claim, and a marker above those its counter had given. Guesses that
    size the windows of the next search, and never narrow what is searched."""

    def __init__(self) -> None:
        self._next: dict[tuple[str, str], int] = {}
        self._top: dict[tuple[str, str], int] = {}

    def guess(self, project: str, queue: str) -> int:
        return self._next.get((project, queue), 0)

    def top(self, project: str, queue: str) -> int | None:
        return self._top.get((project, queue))

    def saw(self, project: str, queue: str, marker: int) -> None:
        """Free messages of the queue start at ``marker`` or later, as far as we know."""
        self._keep(self._next, (project, queue), marker)

    def reached(self, project: str, queue: str, top: int) -> None:
        """The queue's counter has given only markers below ``top``."""
        self._keep(self._top, (project, queue), top)

    @staticmethod
    def _keep(seen: dict[tuple[str, str], int], key: tuple[str, str], marker: int) -> None:
        if len(seen) >= HEADS_KEPT:
            seen.clear()
        seen[key] = marker


def first_in_marker_order(messages: Collection[Document], lead: Document, rest: Document, *,
                          limit: int, head: int, top: int | None, after: int | None = None,
                          projection: Document | None = None) -> list[Document]:
    """The first ``limit`` messages (by marker, after ``after`` if given) matching
    ``lead`` and ``rest``, read window by window: the markers up to a little past
    ``head``, then windows ``WIDENING`` times wider each, until one reaches
    ``top`` (a marker above those the queue's counter has given; None: unknown,
    so the first window), which is left open-ended. The windows cover every
    marker in turn, so the result is the one query's of ``in_marker_order``;
    each costs what its window holds.
    """
    found: list[Document] = []
    markers: Document = {} if after is None else {"$gt": after}
    span = max(FIRST_WINDOW, 8 * limit)
    high = max(head, after or 0) + span
    while True:
        open_ended = top is None or high >= top
        if not open_ended:
            markers["$lt"] = high
        found += in_marker_order(messages, {**lead, "k": markers} if markers else lead, rest,
                                 limit=limit - len(found), projection=projection)
        if len(found) >= limit or open_ended:
            return found
        span *= WIDENING
        markers = {"$gte": high}
        high += span


def last_in_marker_order(messages: Collection[Document], lead: Document, rest: Document, *,
                         top: int | None, projection: Document | None = None) -> Document | None:
    """The message with the highest marker matching ``lead`` and ``rest``, read
    window by window downwards: the markers from a little below ``top`` up (all
    of them, so later posts count too), then windows ``WIDENING`` times wider
    each, the one that reaches marker 0 (at once if ``top`` is None) left
    open-ended below."""
    markers: Document = {}
    low = 0 if top is None else top - FIRST_WINDOW
    span = FIRST_WINDOW
    while True:
        if low > 0:
            markers["$gte"] = low
        found = in_marker_order(messages, {**lead, "k": markers} if markers else lead, rest,
                                limit=1, projection=projection, newest_first=True)
        if found or low <= 0:
            return found[0] if found else None
        span *= WIDENING
        markers = {"$lt": low}
        low -= span


def free_messages(db: Database, project: str, queue: str, free: Document, limit: int,
                  top: int | None) -> list[Document]:
    """The queue's oldest ``limit`` messages that match ``free``, searched from where
    this process last found free ones (``Heads``), which it then moves on."""
    heads = db.heads
    found = first_in_marker_order(db.message_docs, {"p": project, "q": queue}, free,
                                  limit=limit, head=heads.guess(project, queue), top=top)
    if top is not None:
        heads.reached(project, queue, top)
    if found:
        heads.saw(project, queue, int(found[-1]["k"]) + 1)
    elif top is not None:
        heads.saw(project, queue, top)
    return found
