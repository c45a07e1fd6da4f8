"""Claims in SQLite: tags on message rows, changed inside one write transaction."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from zaqar_lite.errors import ClaimDoesNotExist
from zaqar_lite.storage.base import (
    Claim,
    ClaimController,
    DeadLetterPolicy,
    Message,
    is_valid_id,
    new_id,
)
from zaqar_lite.storage.sqlite.driver import translate_errors
from zaqar_lite.storage.sqlite.messages import placeholders, reserve_markers
from zaqar_lite.storage.sqlite.schema import MESSAGE_COLUMNS, message_from_row

if TYPE_CHECKING:
    import sqlite3

    from zaqar_lite.storage.sqlite.driver import SQLiteStore


class SQLiteClaims(ClaimController):
    def __init__(self, store: SQLiteStore) -> None:
        self._store = store

    @translate_errors
    def create(
        self, project: str, queue: str, *, ttl: int, grace: int, limit: int
    ) -> tuple[str | None, list[Message]]:
        now = self._store.now()
        claim_id = new_id()
        with self._store.write() as conn:
            row = conn.execute(
                "SELECT metadata FROM queues WHERE project = ? AND name = ?", (project, queue)
            ).fetchone()
            policy = DeadLetterPolicy.from_metadata(json.loads(row[0])) if row else None
            candidates = conn.execute(
                "SELECT id, claim_count FROM messages WHERE project = ? AND queue = ? "
                "AND expires > ? AND claim_expires <= ? AND delay_expires <= ? "
                "ORDER BY marker LIMIT ?",
                (project, queue, now, now, now, limit),
            ).fetchall()
            if not candidates:
                return None, []
            dead = [mid for mid, count in candidates
                    if policy is not None and count >= policy.max_claim_count]
            live = [mid for mid, _ in candidates if mid not in dead]
            if live:
                conn.execute(
                    "UPDATE messages SET claim_id = ?, claim_expires = ?, claim_ttl = ?, "
                    f"claim_count = claim_count + 1 WHERE id IN ({placeholders(len(live))})",
                    (claim_id, now + ttl, ttl, *live),
                )
                _extend_lifetimes(conn, project, queue, claim_id, now, ttl, grace)
            if dead and policy is not None:
                _move_to_dead_letter_queue(conn, project, dead, policy, claim_id, now, ttl)
            if not live:
                return None, []
            messages = _claimed_messages(conn, project, queue, claim_id, now)
        return claim_id, messages

    @translate_errors
    def get(self, project: str, queue: str, claim_id: str) -> Claim:
        now = self._store.now()
        messages = []
        if is_valid_id(claim_id):
            messages = _claimed_messages(self._store.connection(), project, queue, claim_id, now)
        if not messages:
            raise ClaimDoesNotExist(project, queue, claim_id)
        return Claim.of(claim_id, messages, now)

    @translate_errors
    def update(self, project: str, queue: str, claim_id: str, *, ttl: int, grace: int) -> None:
        now = self._store.now()
        with self._store.write() as conn:
            cursor = conn.execute(
                "UPDATE messages SET claim_expires = ?, claim_ttl = ? WHERE project = ? "
                "AND queue = ? AND claim_id = ? AND claim_expires > ? AND expires > ?",
                (now + ttl, ttl, project, queue, claim_id, now, now),
            )
            if cursor.rowcount == 0:
                raise ClaimDoesNotExist(project, queue, claim_id)
            _extend_lifetimes(conn, project, queue, claim_id, now, ttl, grace)

    @translate_errors
    def delete(self, project: str, queue: str, claim_id: str) -> None:
        with self._store.write() as conn:
            conn.execute(
                "UPDATE messages SET claim_id = NULL, claim_expires = 0, claim_ttl = 0 "
                "WHERE project = ? AND queue = ? AND claim_id = ?",
                (project, queue, claim_id),
            )


def _extend_lifetimes(
    conn: sqlite3.Connection, project: str, queue: str, claim_id: str,
    now: int, ttl: int, grace: int,
) -> None:
    """Messages that would expire before the claim live on until it ends plus grace."""
    conn.execute(
        "UPDATE messages SET expires = ?, ttl = ? WHERE project = ? AND queue = ? "
        "AND claim_id = ? AND expires < ?",
        (now + ttl + grace, ttl + grace, project, queue, claim_id, now + ttl),
    )


def _move_to_dead_letter_queue(
    conn: sqlite3.Connection, project: str, message_ids: list[str], policy: DeadLetterPolicy,
    claim_id: str, now: int, ttl: int,
) -> None:
    """Move messages to the dead-letter queue, tagged with this claim there."""
    first = reserve_markers(conn, project, policy.queue, len(message_ids), now, create=True)
    for offset, mid in enumerate(message_ids):
        conn.execute(
            "UPDATE messages SET queue = ?, marker = ?, claim_id = ?, claim_expires = ?, "
            "claim_ttl = ?, ttl = COALESCE(?, ttl), expires = COALESCE(?, expires) "
            "WHERE id = ?",
            (policy.queue, first + offset, claim_id, now + ttl, ttl, policy.messages_ttl,
             now + policy.messages_ttl if policy.messages_ttl else None, mid),
        )


def _claimed_messages(
    conn: sqlite3.Connection, project: str, queue: str, claim_id: str, now: int
) -> list[Message]:
    rows = conn.execute(
        f"SELECT {MESSAGE_COLUMNS} FROM messages WHERE project = ? AND queue = ? "
        "AND claim_id = ? AND claim_expires > ? AND expires > ? ORDER BY marker",
        (project, queue, claim_id, now, now),
    ).fetchall()
    return [message_from_row(row) for row in rows]
