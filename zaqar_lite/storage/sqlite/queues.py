"""Queues in SQLite: one row per (project, name) with metadata and marker counter."""

from __future__ import annotations

import builtins
import json
import sqlite3
from collections.abc import Mapping
from typing import Any

from zaqar_lite.errors import QueueDoesNotExist
from zaqar_lite.storage.base import MessageStamp, QueueController, QueueRecord, QueueStats
from zaqar_lite.storage.rules import collect_pages, matches_filters
from zaqar_lite.storage.sqlite.database import Database, translate_errors
from zaqar_lite.storage.sqlite.schema import NEW_QUEUE, dump_json

_LIST_CHUNK = 200


def reserve_markers(
    conn: sqlite3.Connection, project: str, queue: str, count: int, now: int, *, create: bool
) -> tuple[int, str, bool]:
    """Take ``count`` markers from the queue's counter for ``count`` messages about to
    be stored (counted in now); return the first, the queue's metadata (JSON) and
    whether it has had subscriptions.

    Runs inside a write transaction. Creates the queue if ``create``.
    """
    take = ("UPDATE queues SET counter = counter + ?, messages = messages + ? "
            "WHERE project = ? AND name = ? RETURNING counter, metadata, subscribed")
    row = conn.execute(take, (count, count, project, queue)).fetchone()
    if row is None:
        if not create:
            raise QueueDoesNotExist(project, queue)
        conn.execute(NEW_QUEUE, (project, queue, "{}", now))
        row = conn.execute(take, (count, count, project, queue)).fetchone()
    counter, metadata, subscribed = row
    return counter - count, metadata, bool(subscribed)


def count_removed(conn: sqlite3.Connection, project: str, queue: str, count: int) -> None:
    """``count`` messages of the queue were deleted (or moved away) in this transaction."""
    if count:
        conn.execute("UPDATE queues SET messages = messages - ? WHERE project = ? AND name = ?",
                     (count, project, queue))


class SQLiteQueues(QueueController):
    def __init__(self, db: Database) -> None:
        self._db = db

    @translate_errors
    def create(self, project: str, name: str, metadata: Mapping[str, Any]) -> bool:
        with self._db.write() as conn:
            cursor = conn.execute(
                NEW_QUEUE, (project, name, dump_json(dict(metadata)), self._db.now()))
            return cursor.rowcount == 1

    @translate_errors
    def exists(self, project: str, name: str) -> bool:
        row = self._db.connection().execute(
            "SELECT 1 FROM queues WHERE project = ? AND name = ?", (project, name)
        ).fetchone()
        return row is not None

    @translate_errors
    def get_metadata(self, project: str, name: str) -> dict[str, Any]:
        row = self._db.connection().execute(
            "SELECT metadata FROM queues WHERE project = ? AND name = ?", (project, name)
        ).fetchone()
        if row is None:
            raise QueueDoesNotExist(project, name)
        metadata: dict[str, Any] = json.loads(row[0])
        return metadata

    @translate_errors
    def set_metadata(self, project: str, name: str, metadata: Mapping[str, Any]) -> None:
        with self._db.write() as conn:
            cursor = conn.execute(
                "UPDATE queues SET metadata = ? WHERE project = ? AND name = ?",
                (dump_json(dict(metadata)), project, name),
            )
            if cursor.rowcount == 0:
                raise QueueDoesNotExist(project, name)

    @translate_errors
    def delete(self, project: str, name: str) -> None:
        with self._db.write() as conn:
            conn.execute("DELETE FROM messages WHERE project = ? AND queue = ?", (project, name))
            conn.execute("DELETE FROM subscriptions WHERE project = ? AND queue = ?",
                         (project, name))
            conn.execute("DELETE FROM queues WHERE project = ? AND name = ?", (project, name))

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
        conn = self._db.connection()
        sql = "SELECT name, metadata FROM queues WHERE project = ? AND name > ?"
        extra: builtins.list[Any] = []
        if name_contains:
            sql += " AND instr(name, ?) > 0"
            extra.append(name_contains)
        sql += " ORDER BY name LIMIT ?"

        def fetch(after: str, count: int) -> builtins.list[QueueRecord]:
            rows = conn.execute(sql, (project, after, *extra, count)).fetchall()
            return [QueueRecord(name=name, metadata=json.loads(text)) for name, text in rows]

        return collect_pages(
            fetch, lambda queue: queue.name,
            lambda queue: matches_filters(queue.metadata, metadata_filters),
            after=marker or "", limit=limit, chunk=_LIST_CHUNK if metadata_filters else limit,
        )

    @translate_errors
    def count(self, project: str) -> int:
        count: int = self._db.connection().execute(
            "SELECT COUNT(*) FROM queues WHERE project = ?", (project,)
        ).fetchone()[0]
        return count

    @translate_errors
    def stats(self, project: str, name: str) -> QueueStats:
        """Counts from the queue's message count, less the expired messages not yet swept,
        and from the live claims: what they cost does not grow with the queue."""
        conn = self._db.connection()
        now = self._db.now()
        row = conn.execute(
            "SELECT messages FROM queues WHERE project = ? AND name = ?", (project, name)
        ).fetchone()
        if row is None:
            raise QueueDoesNotExist(project, name)
        (expired,) = conn.execute(
            "SELECT COUNT(*) FROM messages WHERE project = ? AND queue = ? AND expires <= ?",
            (project, name, now),
        ).fetchone()
        total = row[0] - expired
        (claimed,) = conn.execute(
            "SELECT COUNT(*) FROM messages WHERE project = ? AND queue = ? "
            "AND claim_id IS NOT NULL AND claim_expires > ? AND +expires > ?",
            (project, name, now, now),
        ).fetchone()
        if total <= 0:
            return QueueStats(total=0, claimed=0, oldest=None, newest=None)
        ends: list[MessageStamp | None] = []
        for order in ("ASC", "DESC"):
            row = conn.execute(
                "SELECT id, created FROM messages WHERE project = ? AND queue = ? "
                f"AND +expires > ? ORDER BY marker {order} LIMIT 1",
                (project, name, now),
            ).fetchone()
            ends.append(MessageStamp(id=row[0], created=row[1]) if row else None)
        return QueueStats(total=total, claimed=claimed, oldest=ends[0], newest=ends[1])
