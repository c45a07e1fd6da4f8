"""Claims in SQLite: tags on message rows, changed inside one write transaction."""

from __future__ import annotations

import json
import sqlite3

from zaqar_lite.errors import ClaimDoesNotExist
from zaqar_lite.storage.base import Claim, ClaimController, Message, is_valid_id, new_id
from zaqar_lite.storage.rules import ClaimTerms, DeadLetterPolicy, split_candidates
from zaqar_lite.storage.sqlite.database import Database, translate_errors
from zaqar_lite.storage.sqlite.queues import count_removed, reserve_markers
from zaqar_lite.storage.sqlite.schema import MESSAGE_COLUMNS, message_from_row, placeholders


class SQLiteClaims(ClaimController):
    def __init__(self, db: Database) -> None:
        self._db = db

    @translate_errors
    def create(
        self, project: str, queue: str, *, ttl: int, grace: int, limit: int
    ) -> tuple[str | None, list[Message]]:
        terms = ClaimTerms(moment=self._db.clock(), ttl=ttl, grace=grace)
        now = terms.now
        claim_id = new_id()
        with self._db.write() as conn:
            row = conn.execute(
                "SELECT metadata FROM queues WHERE project = ? AND name = ?", (project, queue)
            ).fetchone()
            policy = DeadLetterPolicy.from_metadata(json.loads(row[0]) if row else None)
            candidates = conn.execute(
                "SELECT id, claim_count FROM messages WHERE project = ? AND queue = ? "
                "AND +expires > ? AND +claim_expires <= ? AND +delay_expires <= ? "
                "ORDER BY marker LIMIT ?",
                (project, queue, now, now, now, limit),
            ).fetchall()
            if not candidates:
                return None, []
            live, dead = split_candidates(candidates, policy)
            if live:
                conn.execute(
                    "UPDATE messages SET claim_id = ?, claim_expires = ?, claim_ttl = ?, "
                    f"claim_count = claim_count + 1 WHERE id IN ({placeholders(len(live))})",
                    (claim_id, terms.expires, ttl, *live),
                )
                _extend_lifetimes(conn, project, queue, claim_id, terms)
            if dead and policy is not None:
                _move_to_dead_letter_queue(conn, project, queue, dead, policy, claim_id, terms)
            if not live:
                return None, []
            messages = _claimed_messages(conn, project, queue, claim_id, now)
        return claim_id, messages

    @translate_errors
    def get(self, project: str, queue: str, claim_id: str) -> Claim:
        moment = self._db.clock()
        now = int(moment)
        messages = []
        if is_valid_id(claim_id):
            messages = _claimed_messages(self._db.connection(), project, queue, claim_id, now)
        if not messages:
            raise ClaimDoesNotExist(project, queue, claim_id)
        return Claim.of(claim_id, messages, moment)

    @translate_errors
    def update(self, project: str, queue: str, claim_id: str, *, ttl: int, grace: int) -> None:
        terms = ClaimTerms(moment=self._db.clock(), ttl=ttl, grace=grace)
        now = terms.now
        with self._db.write() as conn:
            cursor = conn.execute(
                "UPDATE messages SET claim_expires = ?, claim_ttl = ? WHERE project = ? "
                "AND queue = ? AND claim_id = ? AND +claim_expires > ? AND +expires > ?",
                (terms.expires, ttl, project, queue, claim_id, now, now),
            )
            if cursor.rowcount == 0:
                raise ClaimDoesNotExist(project, queue, claim_id)
            _extend_lifetimes(conn, project, queue, claim_id, terms)

    @translate_errors
    def delete(self, project: str, queue: str, claim_id: str) -> None:
        with self._db.write() as conn:
            conn.execute(
                "UPDATE messages SET claim_id = NULL, claim_expires = 0, claim_ttl = 0 "
                "WHERE project = ? AND queue = ? AND claim_id = ?",
                (project, queue, claim_id),
            )


def _extend_lifetimes(
    conn: sqlite3.Connection, project: str, queue: str, claim_id: str, terms: ClaimTerms
) -> None:
    """Messages that would expire before the claim live on until it ends plus grace."""
    extended = terms.extended
    conn.execute(
        "UPDATE messages SET expires = ?, ttl = ? WHERE project = ? AND queue = ? "
        "AND claim_id = ? AND +expires < ?",
        (extended.expires, extended.ttl, project, queue, claim_id, terms.expires),
    )


def _move_to_dead_letter_queue(
    conn: sqlite3.Connection, project: str, queue: str, message_ids: list[str],
    policy: DeadLetterPolicy, claim_id: str, terms: ClaimTerms,
) -> None:
    """Move messages to the dead-letter queue, tagged with this claim there."""
    first, _metadata, _subscribed = reserve_markers(
        conn, project, policy.queue, len(message_ids), terms.now, create=True)
    count_removed(conn, project, queue, len(message_ids))
    lifetime = policy.moved_lifetime(terms.moment)
    for offset, mid in enumerate(message_ids):
        conn.execute(
            "UPDATE messages SET queue = ?, marker = ?, claim_id = ?, claim_expires = ?, "
            "claim_ttl = ?, ttl = COALESCE(?, ttl), expires = COALESCE(?, expires) "
            "WHERE id = ?",
            (policy.queue, first + offset, claim_id, terms.expires, terms.ttl,
             lifetime.ttl if lifetime else None, lifetime.expires if lifetime else None, mid),
        )


def _claimed_messages(
    conn: sqlite3.Connection, project: str, queue: str, claim_id: str, now: int
) -> list[Message]:
    rows = conn.execute(
        f"SELECT {MESSAGE_COLUMNS} FROM messages WHERE project = ? AND queue = ? "
        "AND claim_id = ? AND +claim_expires > ? AND +expires > ? ORDER BY marker",
        (project, queue, claim_id, now, now),
    ).fetchall()
    return [message_from_row(row) for row in rows]
