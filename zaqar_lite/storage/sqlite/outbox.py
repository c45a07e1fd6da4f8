"""The notification outbox in SQLite: one row per delivery, leased by moving ``due``."""

from __future__ import annotations

import builtins
import json
import sqlite3
from collections.abc import Collection, Sequence
from typing import Any

from zaqar_lite.storage.base import (
    Delivery,
    NewDelivery,
    OutboxController,
    OutboxCounts,
    Settlement,
    new_id,
)
from zaqar_lite.storage.rules import prefix_range
from zaqar_lite.storage.sqlite.database import Database, translate_errors
from zaqar_lite.storage.sqlite.schema import dump_json, placeholders

COLUMNS = ("id, project, queue, subscription_id, subscriber, options, payload, queue_policy, "
           "attempts, created")


def insert_deliveries(conn: sqlite3.Connection, deliveries: Sequence[NewDelivery],
                      now: int) -> None:
    """Store deliveries, due at once, in the caller's write transaction."""
    conn.executemany(
        "INSERT INTO outbox (id, project, queue, subscription_id, subscriber, options, "
        "payload, queue_policy, due, created) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [(new_id(), entry.project, entry.queue, entry.subscription_id, entry.subscriber,
          dump_json(entry.options), dump_json(entry.payload), dump_json(entry.queue_policy),
          now, now) for entry in deliveries])


def _delivery(row: tuple[Any, ...]) -> Delivery:
    (did, project, queue, subscription_id, subscriber, options, payload, queue_policy,
     attempts, created) = row
    entry = NewDelivery(project=project, queue=queue, subscription_id=subscription_id,
                        subscriber=subscriber, options=json.loads(options),
                        payload=json.loads(payload), queue_policy=json.loads(queue_policy))
    return Delivery(id=did, entry=entry, attempts=attempts, created=created)


class SQLiteOutbox(OutboxController):
    def __init__(self, db: Database) -> None:
        self._db = db

    @translate_errors
    def add(self, deliveries: Sequence[NewDelivery]) -> None:
        if deliveries:
            with self._db.write() as conn:
                insert_deliveries(conn, deliveries, self._db.now())

    @translate_errors
    def lease(self, owner: str, limit: int, seconds: float) -> builtins.list[Delivery]:
        """Due ids are read first, so an idle outbox costs no write transaction."""
        moment = self._db.clock()
        due = self._db.connection().execute(
            "SELECT id FROM outbox WHERE failed = 0 AND due <= ? ORDER BY due, id LIMIT ?",
            (moment, limit)).fetchall()
        if not due:
            return []
        ids = [row[0] for row in due]
        with self._db.write() as conn:
            rows = conn.execute(
                f"UPDATE outbox SET due = ?, owner = ? WHERE id IN ({placeholders(len(ids))}) "
                f"AND failed = 0 AND due <= ? RETURNING {COLUMNS}",
                (moment + seconds, owner, *ids, moment)).fetchall()
        return sorted((_delivery(row) for row in rows), key=lambda delivery: delivery.id)

    @translate_errors
    def settle(self, owner: str, settlements: Sequence[Settlement]) -> None:
        done = [(item.delivery_id, owner) for item in settlements if item.done]
        retried = [(item.retry_at, item.error, item.delivery_id, owner) for item in settlements
                   if item.retrying]
        failed = [(item.error, item.keep_until, item.delivery_id, owner) for item in settlements
                  if item.failed]
        with self._db.write() as conn:
            conn.executemany("DELETE FROM outbox WHERE id = ? AND owner = ?", done)
            conn.executemany(
                "UPDATE outbox SET due = ?, owner = NULL, attempts = attempts + 1, error = ? "
                "WHERE id = ? AND owner = ?", retried)
            conn.executemany(
                "UPDATE outbox SET failed = 1, owner = NULL, attempts = attempts + 1, "
                "error = ?, keep_until = ? WHERE id = ? AND owner = ?", failed)

    @translate_errors
    def leaseholders(self, prefix: str) -> builtins.set[str]:
        rows = self._db.connection().execute(
            "SELECT DISTINCT owner FROM outbox WHERE owner >= ? AND owner < ? "
            "AND +failed = 0 AND +due > ?", (*prefix_range(prefix), self._db.clock())).fetchall()
        return {row[0] for row in rows}

    @translate_errors
    def release(self, owners: Collection[str]) -> int:
        if not owners:
            return 0
        moment = self._db.clock()
        with self._db.write() as conn:
            released: int = conn.execute(
                f"UPDATE outbox SET due = ?, owner = NULL WHERE owner IN "
                f"({placeholders(len(owners))}) AND +failed = 0 AND +due > ?",
                (moment, *owners, moment)).rowcount
        return released

    @translate_errors
    def counts(self) -> OutboxCounts:
        rows = dict(self._db.connection().execute(
            "SELECT failed, COUNT(*) FROM outbox GROUP BY failed").fetchall())
        return OutboxCounts(pending=rows.get(0, 0), failed=rows.get(1, 0))

    @translate_errors
    def sweep(self, keep_failed: int) -> int:
        with self._db.write() as conn:
            removed = conn.execute("DELETE FROM outbox WHERE failed = 1 AND keep_until <= ?",
                                   (self._db.now(),)).rowcount
            removed += conn.execute(
                "DELETE FROM outbox WHERE id IN (SELECT id FROM outbox WHERE failed = 1 "
                "ORDER BY keep_until DESC, id DESC LIMIT -1 OFFSET ?)", (keep_failed,)).rowcount
        return removed
