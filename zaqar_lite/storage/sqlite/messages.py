"""Messages in SQLite: posting, FIFO listing, deletes and pop."""

from __future__ import annotations

import builtins
import json
import sqlite3
from collections.abc import Sequence
from typing import Any

from zaqar_lite.errors import MessageDoesNotExist, ZaqarError
from zaqar_lite.storage.base import (
    Draft,
    Message,
    MessageController,
    NewDelivery,
    NewMessage,
    Notice,
    is_valid_id,
    new_id,
)
from zaqar_lite.storage.rules import (
    MessageTimes,
    check_claim_ids,
    check_deletable,
    deliveries_for,
)
from zaqar_lite.storage.sqlite.database import Database, translate_errors
from zaqar_lite.storage.sqlite.outbox import insert_deliveries
from zaqar_lite.storage.sqlite.queues import count_removed, reserve_markers
from zaqar_lite.storage.sqlite.schema import (
    MESSAGE_COLUMNS,
    dump_json,
    message_from_row,
    placeholders,
)
from zaqar_lite.storage.sqlite.subscriptions import live_subscriptions


class SQLiteMessages(MessageController):
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
        """The messages and their deliveries are one transaction, which also reads
        the queue's metadata for a draft."""
        draft = Draft.of(messages, notice)
        moment = self._db.clock()
        now = int(moment)
        self._db.sweep_expired(now)
        refusal: ZaqarError | None = None
        deliveries: builtins.list[NewDelivery] = []
        with self._db.write() as conn:
            first, metadata, subscribed = reserve_markers(
                conn, project, queue, draft.count, now, create=create_queue)
            try:
                final, notice = draft.finish(json.loads(metadata))
            except ZaqarError as exc:
                # Refused: nothing is stored, but a queue created for the post stays.
                count_removed(conn, project, queue, draft.count)
                refusal = exc
            else:
                ids = self._insert(conn, project, queue, final, client_id, first, moment)
                if notice is not None and subscribed:
                    subscriptions = live_subscriptions(conn, project, queue, now)
                    deliveries = deliveries_for(project, queue, subscriptions, notice)
                    if deliveries:
                        insert_deliveries(conn, deliveries, now)
        if refusal is not None:
            raise refusal
        if deliveries and notice is not None and notice.on_stored is not None:
            notice.on_stored()
        return ids

    @staticmethod
    def _insert(conn: sqlite3.Connection, project: str, queue: str,
                messages: Sequence[NewMessage], client_id: str | None, first: int,
                moment: float) -> builtins.list[str]:
        """Insert the messages from marker ``first``; their ids."""
        ids = [new_id() for _ in messages]
        rows = []
        for index, (mid, msg) in enumerate(zip(ids, messages, strict=True)):
            at = MessageTimes.of(moment, msg)
            rows.append((mid, project, queue, first + index, msg.ttl, at.created, at.expires,
                         at.delay_expires, client_id, dump_json(msg.body), msg.checksum))
        conn.executemany(
            "INSERT INTO messages (id, project, queue, marker, ttl, created, expires, "
            "delay_expires, client_id, body, checksum) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
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
        now = self._db.now()
        sql = (f"SELECT {MESSAGE_COLUMNS} FROM messages WHERE project = ? AND queue = ? "
               "AND marker > ? AND +expires > ?")
        params: builtins.list[Any] = [project, queue, after if after is not None else 0, now]
        if not echo and client_id is not None:
            sql += " AND (client_id IS NULL OR client_id != ?)"
            params.append(client_id)
        if not include_claimed:
            sql += " AND +claim_expires <= ?"
            params.append(now)
        if not include_delayed:
            sql += " AND +delay_expires <= ?"
            params.append(now)
        sql += " ORDER BY marker LIMIT ?"
        params.append(limit)
        rows = self._db.connection().execute(sql, params).fetchall()
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
        rows = self._db.connection().execute(
            f"SELECT {MESSAGE_COLUMNS} FROM messages WHERE +project = ? AND +queue = ? "
            f"AND +expires > ? AND id IN ({placeholders(len(ids))}) ORDER BY marker",
            (project, queue, self._db.now(), *ids),
        ).fetchall()
        return [message_from_row(row) for row in rows]

    @translate_errors
    def delete(self, project: str, queue: str, message_id: str, claim_id: str | None) -> None:
        if not is_valid_id(message_id):
            return
        now = self._db.now()
        with self._db.write() as conn:
            row = conn.execute(
                "SELECT claim_id, claim_expires FROM messages WHERE id = ? AND +project = ? "
                "AND +queue = ? AND +expires > ?",
                (message_id, project, queue, now),
            ).fetchone()
            if row is None:
                return
            held_by, claim_expires = row
            check_deletable(held_by, claim_expires, claim_id, now)
            conn.execute("DELETE FROM messages WHERE id = ?", (message_id,))
            count_removed(conn, project, queue, 1)

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
        where = f"+project = ? AND +queue = ? AND id IN ({placeholders(len(ids))})"
        with self._db.write() as conn:
            if claim_ids is not None:
                held = {
                    row[0] for row in conn.execute(
                        f"SELECT claim_id FROM messages WHERE {where}", (project, queue, *ids))
                }
                check_claim_ids(held, claim_ids)
            deleted = conn.execute(
                f"DELETE FROM messages WHERE {where}", (project, queue, *ids)).rowcount
            count_removed(conn, project, queue, deleted)

    @translate_errors
    def pop(self, project: str, queue: str, limit: int) -> builtins.list[Message]:
        now = self._db.now()
        with self._db.write() as conn:
            rows = conn.execute(
                f"SELECT {MESSAGE_COLUMNS} FROM messages WHERE project = ? AND queue = ? "
                "AND +expires > ? AND +claim_expires <= ? ORDER BY marker LIMIT ?",
                (project, queue, now, now, limit),
            ).fetchall()
            popped = [message_from_row(row) for row in rows]
            if popped:
                conn.execute(
                    f"DELETE FROM messages WHERE id IN ({placeholders(len(popped))})",
                    [msg.id for msg in popped],
                )
                count_removed(conn, project, queue, len(popped))
        return popped

    @translate_errors
    def purge(self, project: str, queue: str) -> None:
        with self._db.write() as conn:
            deleted = conn.execute(
                "DELETE FROM messages WHERE project = ? AND queue = ? AND +claim_expires <= ?",
                (project, queue, self._db.now()),
            ).rowcount
            count_removed(conn, project, queue, deleted)
