"""Subscriptions in SQLite: one row each, unique per (project, queue, subscriber)."""

from __future__ import annotations

import builtins
import json
import sqlite3
from collections.abc import Mapping, Sequence
from typing import Any

from zaqar_lite.errors import SubscriptionDoesNotExist, SubscriptionExists
from zaqar_lite.storage.base import (
    Subscription,
    SubscriptionChanges,
    SubscriptionController,
    is_valid_id,
    new_id,
)
from zaqar_lite.storage.rules import deadline
from zaqar_lite.storage.sqlite.database import (
    Database,
    delete_expired_subscriptions,
    translate_errors,
)
from zaqar_lite.storage.sqlite.schema import SUBSCRIBED_QUEUE, dump_json, placeholders

COLUMNS = "id, queue, subscriber, ttl, options, created, expires, confirmed"


def subscription_from_row(row: tuple[Any, ...]) -> Subscription:
    sid, queue, subscriber, ttl, options, created, expires, confirmed = row
    return Subscription(id=sid, queue=queue, subscriber=subscriber, ttl=ttl,
                        options=json.loads(options), created=created, expires=expires,
                        confirmed=bool(confirmed))


def live_subscriptions(conn: sqlite3.Connection, project: str, queue: str,
                       now: int) -> list[Subscription]:
    """Every live subscription of the queue, in creation order."""
    rows = conn.execute(
        f"SELECT {COLUMNS} FROM subscriptions WHERE project = ? AND queue = ? "
        "AND +expires > ? ORDER BY id", (project, queue, now)).fetchall()
    return [subscription_from_row(row) for row in rows]


class SQLiteSubscriptions(SubscriptionController):
    def __init__(self, db: Database) -> None:
        self._db = db

    @translate_errors
    def create(self, project: str, queue: str, subscriber: str, ttl: int,
               options: Mapping[str, Any]) -> tuple[Subscription, bool]:
        moment = self._db.clock()
        now = int(moment)
        with self._db.write() as conn:
            conn.execute(SUBSCRIBED_QUEUE, (project, queue, now))
            row = conn.execute(
                f"SELECT {COLUMNS} FROM subscriptions WHERE project = ? AND queue = ? "
                "AND subscriber = ?", (project, queue, subscriber)).fetchone()
            if row is not None:
                existing = subscription_from_row(row)
                if existing.expires > now:
                    return existing, False
                conn.execute("DELETE FROM subscriptions WHERE id = ?", (existing.id,))
            created = Subscription(id=new_id(), queue=queue, subscriber=subscriber, ttl=ttl,
                                   options=dict(options), created=now,
                                   expires=deadline(moment, ttl), confirmed=False)
            conn.execute(
                "INSERT INTO subscriptions (id, project, queue, subscriber, ttl, options, "
                "created, expires) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (created.id, project, queue, subscriber, ttl, dump_json(created.options), now,
                 created.expires))
        return created, True

    @translate_errors
    def list(self, project: str, queue: str, *, marker: str | None = None,
             limit: int = 10) -> builtins.list[Subscription]:
        rows = self._db.connection().execute(
            f"SELECT {COLUMNS} FROM subscriptions WHERE project = ? AND queue = ? AND id > ? "
            "AND +expires > ? ORDER BY id LIMIT ?",
            (project, queue, marker or "", self._db.now(), limit)).fetchall()
        return [subscription_from_row(row) for row in rows]

    @translate_errors
    def get(self, project: str, queue: str, subscription_id: str) -> Subscription:
        row = self._db.connection().execute(
            f"SELECT {COLUMNS} FROM subscriptions WHERE id = ? AND project = ? AND queue = ? "
            "AND expires > ?", (subscription_id, project, queue, self._db.now())).fetchone()
        if row is None:
            raise SubscriptionDoesNotExist(subscription_id)
        return subscription_from_row(row)

    @translate_errors
    def update(self, project: str, queue: str, subscription_id: str,
               changes: SubscriptionChanges) -> None:
        moment = self._db.clock()
        now = int(moment)
        assignments: builtins.list[str] = []
        values: builtins.list[Any] = []
        if changes.subscriber is not None:
            assignments.append("subscriber = ?")
            values.append(changes.subscriber)
        if changes.ttl is not None:
            assignments.append("ttl = ?, expires = ?")
            values += [changes.ttl, deadline(moment, changes.ttl)]
        if changes.options is not None:
            assignments.append("options = ?")
            values.append(dump_json(changes.options))
        with self._db.write() as conn:
            if changes.subscriber is not None:
                # An expired holder of the subscriber gives way; a live one conflicts.
                conn.execute(
                    "DELETE FROM subscriptions WHERE project = ? AND queue = ? AND subscriber = ? "
                    "AND expires <= ? AND id != ?",
                    (project, queue, changes.subscriber, now, subscription_id))
            try:
                cursor = conn.execute(
                    f"UPDATE subscriptions SET {', '.join(assignments)} WHERE id = ? "
                    "AND project = ? AND queue = ? AND expires > ?",
                    (*values, subscription_id, project, queue, now))
            except sqlite3.IntegrityError:
                raise SubscriptionExists() from None
            if cursor.rowcount == 0:
                raise SubscriptionDoesNotExist(subscription_id)

    @translate_errors
    def confirm(self, project: str, queue: str, subscription_id: str,
                confirmed: bool) -> Subscription:
        with self._db.write() as conn:
            row = conn.execute(
                f"UPDATE subscriptions SET confirmed = ? WHERE id = ? AND project = ? "
                f"AND queue = ? AND expires > ? RETURNING {COLUMNS}",
                (int(confirmed), subscription_id, project, queue, self._db.now())).fetchone()
        if row is None:
            raise SubscriptionDoesNotExist(subscription_id)
        return subscription_from_row(row)

    @translate_errors
    def delete(self, project: str, queue: str, subscription_id: str) -> None:
        with self._db.write() as conn:
            conn.execute("DELETE FROM subscriptions WHERE id = ? AND project = ? AND queue = ?",
                         (subscription_id, project, queue))

    @translate_errors
    def purge(self, project: str, queue: str) -> None:
        with self._db.write() as conn:
            conn.execute("DELETE FROM subscriptions WHERE project = ? AND queue = ?",
                         (project, queue))

    @translate_errors
    def live_ids(self, subscription_ids: Sequence[str]) -> set[str]:
        ids = sorted({sid for sid in subscription_ids if is_valid_id(sid)})
        if not ids:
            return set()
        rows = self._db.connection().execute(
            f"SELECT id FROM subscriptions WHERE id IN ({placeholders(len(ids))}) "
            "AND expires > ?", (*ids, self._db.now())).fetchall()
        return {row[0] for row in rows}

    @translate_errors
    def remove_expired(self) -> int:
        with self._db.write() as conn:
            return delete_expired_subscriptions(conn, self._db.now())
