"""Messages in SQLite: posting, FIFO listing, deletes and pop."""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from zaqar_lite.errors import (
    ClaimMismatch,
    MessageDoesNotExist,
    MessageIsClaimed,
    MessageNotClaimed,
    QueueDoesNotExist,
)
from zaqar_lite.storage.base import (
    Message,
    MessageController,
    NewMessage,
    is_valid_id,
    new_id,
)
from zaqar_lite.storage.sqlite.driver import translate_errors
from zaqar_lite.storage.sqlite.schema import (
    MESSAGE_COLUMNS,
    dump_json,
    message_from_row,
)

if TYPE_CHECKING:
    import sqlite3

    from zaqar_lite.storage.sqlite.driver import SQLiteStore


def reserve_markers(
    conn: sqlite3.Connection, project: str, queue: str, count: int, now: int, *, create: bool
) -> int:
    """Take ``count`` markers from the queue's counter; return the first.

    Runs inside a write transaction. Creates the queue if ``create``.
    """
    row = conn.execute(
        "SELECT counter FROM queues WHERE project = ? AND name = ?", (project, queue)
    ).fetchone()
    if row is None:
        if not create:
            raise QueueDoesNotExist(project, queue)
        conn.execute(
            "INSERT INTO queues (project, name, metadata, counter, created) "
            "VALUES (?, ?, '{}', 1, ?)",
            (project, queue, now),
        )
        first = 1
    else:
        first = row[0]
    conn.execute(
        "UPDATE queues SET counter = ? WHERE project = ? AND name = ?",
        (first + count, project, queue),
    )
    return first


def placeholders(count: int) -> str:
    return ",".join("?" * count)


class SQLiteMessages(MessageController):
    def __init__(self, store: SQLiteStore) -> None:
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
        now = self._store.now()
        self._store.sweep_expired(now)
        ids = [new_id() for _ in messages]
        with self._store.write() as conn:
            first = reserve_markers(conn, project, queue, len(messages), now, create=create_queue)
            conn.executemany(
                "INSERT INTO messages (id, project, queue, marker, ttl, created, expires, "
                "delay_expires, client_id, body) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    (mid, project, queue, first + index, msg.ttl, now, now + msg.ttl,
                     now + msg.delay, client_id, dump_json(msg.body))
                    for index, (mid, msg) in enumerate(zip(ids, messages, strict=True))
                ],
            )
        return ids

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
        now = self._store.now()
        sql = (f"SELECT {MESSAGE_COLUMNS} FROM messages WHERE project = ? AND queue = ? "
               "AND marker > ? AND expires > ?")
        params: builtins.list[Any] = [project, queue, after if after is not None else 0, now]
        if not echo and client_id is not None:
            sql += " AND (client_id IS NULL OR client_id != ?)"
            params.append(client_id)
        if not include_claimed:
            sql += " AND claim_expires <= ?"
            params.append(now)
        if not include_delayed:
            sql += " AND delay_expires <= ?"
            params.append(now)
        sql += " ORDER BY marker LIMIT ?"
        params.append(limit)
        rows = self._store.connection().execute(sql, params).fetchall()
        return [message_from_row(row) for row in rows]

    @translate_errors
    def get(self, project: str, queue: str, message_id: str) -> Message:
        found = self.get_many(project, queue, [message_id])
        if not found:
            raise MessageDoesNotExist(project, queue, message_id)
        return found[0]

    @translate_errors
    def get_many(
        self, project: str, queue: str, message_ids: Sequence[str]
    ) -> builtins.list[Message]:
        ids = sorted({mid for mid in message_ids if is_valid_id(mid)})
        if not ids:
            return []
        rows = self._store.connection().execute(
            f"SELECT {MESSAGE_COLUMNS} FROM messages WHERE project = ? AND queue = ? "
            f"AND expires > ? AND id IN ({placeholders(len(ids))}) ORDER BY marker",
            (project, queue, self._store.now(), *ids),
        ).fetchall()
        return [message_from_row(row) for row in rows]

    @translate_errors
    def delete(self, project: str, queue: str, message_id: str, claim_id: str | None) -> None:
        if not is_valid_id(message_id):
            return
        now = self._store.now()
        with self._store.write() as conn:
            row = conn.execute(
                "SELECT claim_id, claim_expires FROM messages WHERE id = ? AND project = ? "
                "AND queue = ? AND expires > ?",
                (message_id, project, queue, now),
            ).fetchone()
            if row is None:
                return
            held_by, claim_expires = row
            live = held_by is not None and claim_expires > now
            if claim_id is None and live:
                raise MessageIsClaimed()
            if claim_id is not None and held_by != claim_id:
                raise MessageIsClaimed() if live else MessageNotClaimed()
            conn.execute("DELETE FROM messages WHERE id = ?", (message_id,))

    @translate_errors
    def delete_many(
        self,
        project: str,
        queue: str,
        message_ids: Sequence[str],
        claim_ids: Sequence[str] | None = None,
    ) -> None:
        ids = sorted({mid for mid in message_ids if is_valid_id(mid)})
        if not ids:
            return
        where = f"project = ? AND queue = ? AND id IN ({placeholders(len(ids))})"
        with self._store.write() as conn:
            if claim_ids is not None:
                held = {
                    row[0] for row in conn.execute(
                        f"SELECT claim_id FROM messages WHERE {where}", (project, queue, *ids))
                }
                if any(is_valid_id(cid) and cid not in held for cid in claim_ids):
                    raise ClaimMismatch()
            conn.execute(f"DELETE FROM messages WHERE {where}", (project, queue, *ids))

    @translate_errors
    def pop(self, project: str, queue: str, limit: int) -> builtins.list[Message]:
        now = self._store.now()
        with self._store.write() as conn:
            rows = conn.execute(
                f"SELECT {MESSAGE_COLUMNS} FROM messages WHERE project = ? AND queue = ? "
                "AND expires > ? AND claim_expires <= ? ORDER BY marker LIMIT ?",
                (project, queue, now, now, limit),
            ).fetchall()
            popped = [message_from_row(row) for row in rows]
            if popped:
                conn.execute(
                    f"DELETE FROM messages WHERE id IN ({placeholders(len(popped))})",
                    [msg.id for msg in popped],
                )
        return popped

    @translate_errors
    def purge(self, project: str, queue: str) -> None:
        with self._store.write() as conn:
            conn.execute(
                "DELETE FROM messages WHERE project = ? AND queue = ? AND claim_expires <= ?",
                (project, queue, self._store.now()),
            )
