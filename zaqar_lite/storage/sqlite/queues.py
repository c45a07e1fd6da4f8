"""Queues in SQLite: one row per (project, name) with metadata and counter."""

from __future__ import annotations

import builtins
import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from zaqar_lite.errors import QueueDoesNotExist
from zaqar_lite.storage.base import (
    QueueController,
    QueueRecord,
    QueueStats,
    matches_filters,
)
from zaqar_lite.storage.sqlite.driver import translate_errors
from zaqar_lite.storage.sqlite.schema import (
    MESSAGE_COLUMNS,
    dump_json,
    message_from_row,
)

if TYPE_CHECKING:
    from zaqar_lite.storage.sqlite.driver import SQLiteStore

_LIST_CHUNK = 200


class SQLiteQueues(QueueController):
    def __init__(self, store: SQLiteStore) -> None:
        self._store = store

    @translate_errors
    def create(self, project: str, name: str, metadata: Mapping[str, Any]) -> bool:
        with self._store.write() as conn:
            cursor = conn.execute(
                "INSERT OR IGNORE INTO queues (project, name, metadata, counter, created) "
                "VALUES (?, ?, ?, 1, ?)",
                (project, name, dump_json(dict(metadata)), self._store.now()),
            )
            return cursor.rowcount == 1

    @translate_errors
    def exists(self, project: str, name: str) -> bool:
        row = self._store.connection().execute(
            "SELECT 1 FROM queues WHERE project = ? AND name = ?", (project, name)
        ).fetchone()
        return row is not None

    @translate_errors
    def get_metadata(self, project: str, name: str) -> dict[str, Any]:
        row = self._store.connection().execute(
            "SELECT metadata FROM queues WHERE project = ? AND name = ?", (project, name)
        ).fetchone()
        if row is None:
            raise QueueDoesNotExist(project, name)
        return json.loads(row[0])

    @translate_errors
    def set_metadata(self, project: str, name: str, metadata: Mapping[str, Any]) -> None:
        with self._store.write() as conn:
            cursor = conn.execute(
                "UPDATE queues SET metadata = ? WHERE project = ? AND name = ?",
                (dump_json(dict(metadata)), project, name),
            )
            if cursor.rowcount == 0:
                raise QueueDoesNotExist(project, name)

    @translate_errors
    def delete(self, project: str, name: str) -> None:
        with self._store.write() as conn:
            conn.execute("DELETE FROM messages WHERE project = ? AND queue = ?", (project, name))
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
        conn = self._store.connection()
        found: builtins.list[QueueRecord] = []
        after = marker or ""
        sql = "SELECT name, metadata FROM queues WHERE project = ? AND name > ?"
        params: builtins.list[Any] = [project]
        if name_contains:
            sql += " AND instr(name, ?) > 0"
            params.append(name_contains)
        sql += " ORDER BY name LIMIT ?"
        chunk = limit if not metadata_filters else _LIST_CHUNK
        while len(found) < limit:
            rows = conn.execute(sql, (params[0], after, *params[1:], chunk)).fetchall()
            for name, metadata_text in rows:
                metadata = json.loads(metadata_text)
                if matches_filters(metadata, metadata_filters):
                    found.append(QueueRecord(name=name, metadata=metadata))
                    if len(found) == limit:
                        break
            if len(rows) < chunk:
                break
            after = rows[-1][0]
        return found

    @translate_errors
    def count(self, project: str) -> int:
        return self._store.connection().execute(
            "SELECT COUNT(*) FROM queues WHERE project = ?", (project,)
        ).fetchone()[0]

    @translate_errors
    def stats(self, project: str, name: str) -> QueueStats:
        if not self.exists(project, name):
            raise QueueDoesNotExist(project, name)
        conn = self._store.connection()
        now = self._store.now()
        total, claimed = conn.execute(
            "SELECT COUNT(*), COALESCE(SUM(claim_expires > ?), 0) FROM messages "
            "WHERE project = ? AND queue = ? AND expires > ?",
            (now, project, name, now),
        ).fetchone()
        if total == 0:
            return QueueStats(total=0, claimed=0, oldest=None, newest=None)
        ends = []
        for order in ("ASC", "DESC"):
            row = conn.execute(
                f"SELECT {MESSAGE_COLUMNS} FROM messages WHERE project = ? AND queue = ? "
                f"AND expires > ? ORDER BY marker {order} LIMIT 1",
                (project, name, now),
            ).fetchone()
            ends.append(message_from_row(row) if row else None)
        return QueueStats(total=total, claimed=claimed, oldest=ends[0], newest=ends[1])
