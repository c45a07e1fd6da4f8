"""Tables of the SQLite store, the mapping of rows to storage values, SQL helpers."""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from zaqar_lite.storage.base import Message

SCHEMA = """
CREATE TABLE IF NOT EXISTS queues (
    project  TEXT NOT NULL,
    name     TEXT NOT NULL,
    metadata TEXT NOT NULL,
    counter  INTEGER NOT NULL,
    created  INTEGER NOT NULL,
    messages INTEGER NOT NULL DEFAULT 0,
    subscribed INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (project, name)
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS messages (
    id            TEXT PRIMARY KEY,
    project       TEXT NOT NULL,
    queue         TEXT NOT NULL,
    marker        INTEGER NOT NULL,
    ttl           INTEGER NOT NULL,
    created       INTEGER NOT NULL,
    expires       INTEGER NOT NULL,
    delay_expires INTEGER NOT NULL,
    client_id     TEXT,
    body          TEXT NOT NULL,
    claim_id      TEXT,
    claim_expires INTEGER NOT NULL DEFAULT 0,
    claim_ttl     INTEGER NOT NULL DEFAULT 0,
    claim_count   INTEGER NOT NULL DEFAULT 0,
    checksum      TEXT
);

CREATE UNIQUE INDEX IF NOT EXISTS messages_queue_marker
    ON messages (project, queue, marker);
DROP INDEX IF EXISTS messages_claim;
DROP INDEX IF EXISTS messages_claim_marker;
DROP INDEX IF EXISTS messages_queue_claim_expires;
DROP INDEX IF EXISTS messages_expires;
CREATE INDEX IF NOT EXISTS messages_claimed_marker
    ON messages (project, queue, claim_id, marker) WHERE claim_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS messages_claimed_expires
    ON messages (project, queue, claim_expires) WHERE claim_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS messages_queue_expires ON messages (project, queue, expires);

CREATE TABLE IF NOT EXISTS subscriptions (
    id         TEXT PRIMARY KEY,
    project    TEXT NOT NULL,
    queue      TEXT NOT NULL,
    subscriber TEXT NOT NULL,
    ttl        INTEGER NOT NULL,
    options    TEXT NOT NULL,
    created    INTEGER NOT NULL,
    expires    INTEGER NOT NULL,
    confirmed  INTEGER NOT NULL DEFAULT 0
);

CREATE UNIQUE INDEX IF NOT EXISTS subscriptions_subscriber
    ON subscriptions (project, queue, subscriber);
CREATE INDEX IF NOT EXISTS subscriptions_queue ON subscriptions (project, queue, id);
CREATE INDEX IF NOT EXISTS subscriptions_expires ON subscriptions (expires);

CREATE TABLE IF NOT EXISTS outbox (
    id              TEXT PRIMARY KEY,
    project         TEXT NOT NULL,
    queue           TEXT NOT NULL,
    subscription_id TEXT NOT NULL,
    subscriber      TEXT NOT NULL,
    options         TEXT NOT NULL,
    payload         TEXT NOT NULL,
    queue_policy    TEXT NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    due             REAL NOT NULL,
    owner           TEXT,
    created         INTEGER NOT NULL,
    failed          INTEGER NOT NULL DEFAULT 0,
    keep_until      INTEGER,
    error           TEXT
);

CREATE INDEX IF NOT EXISTS outbox_due ON outbox (failed, due);
CREATE INDEX IF NOT EXISTS outbox_failed ON outbox (failed, keep_until);
CREATE INDEX IF NOT EXISTS outbox_owner ON outbox (owner) WHERE owner IS NOT NULL;
"""
"""A ``+`` before a column in a query (``+expires > ?``) keeps SQLite's planner from
choosing an index for that term, so each query walks the index meant for it.

``queues.messages`` counts the queue's stored messages (expired ones included until
the sweep deletes them), so stats need not count rows. ``queues.subscribed`` is set
once the queue has had a subscription: only then does a post look for subscribers.

Indexes: FIFO order; a claim's messages in order; live claims of a queue (counted for
stats); and expired messages of a queue (counted for stats, and deleted queue by queue
by the sweep). The two claim indexes hold only messages that have been claimed
(``claim_id IS NOT NULL``, which a query must say for the second), so a post writes
three index entries, not six.

A subscription is unique per (project, queue, subscriber); listing walks
(project, queue, id). The outbox is found by (failed, due): leasing an entry
moves ``due`` to the end of the lease and sets ``owner`` (indexed where set, for
finding a host's lease holders); failed entries are kept until ``keep_until``."""

MESSAGE_COLUMNS = (
    "id, marker, ttl, created, expires, body, client_id, claim_id, claim_expires, "
    "claim_ttl, claim_count, delay_expires, checksum"
)

MIGRATIONS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("messages", "checksum", ("ALTER TABLE messages ADD COLUMN checksum TEXT",)),
    ("queues", "messages", (
        "ALTER TABLE queues ADD COLUMN messages INTEGER NOT NULL DEFAULT 0",
        "UPDATE queues SET messages = (SELECT COUNT(*) FROM messages AS m "
        "WHERE m.project = queues.project AND m.queue = queues.name)",
    )),
    ("queues", "subscribed", (
        "ALTER TABLE queues ADD COLUMN subscribed INTEGER NOT NULL DEFAULT 0",
        "UPDATE queues SET subscribed = 1",
    )),
)
"""Columns added since the first release: (table, column, statements adding it).

Every queue of an upgraded database counts as subscribed to (its posts look for
subscribers as before): the flag may be set needlessly, never missing."""


def dump_json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def message_from_row(row: sqlite3.Row | tuple[Any, ...]) -> Message:
    """Build a Message from a row selected with MESSAGE_COLUMNS."""
    (mid, marker, ttl, created, expires, body, client_id, claim_id, claim_expires,
     claim_ttl, claim_count, delay_expires, checksum) = row
    return Message(
        id=mid,
        marker=marker,
        ttl=ttl,
        created=created,
        expires=expires,
        body=json.loads(body),
        client_id=client_id,
        claim_id=claim_id,
        claim_expires=claim_expires,
        claim_ttl=claim_ttl,
        claim_count=claim_count,
        delay_expires=delay_expires,
        checksum=checksum,
    )


NEW_QUEUE = ("INSERT OR IGNORE INTO queues (project, name, metadata, counter, created) "
             "VALUES (?, ?, ?, 1, ?)")
"""Create a queue (project, name, metadata JSON, now) unless it exists."""
SUBSCRIBED_QUEUE = ("INSERT INTO queues (project, name, metadata, counter, created, subscribed) "
                    "VALUES (?, ?, '{}', 1, ?, 1) "
                    "ON CONFLICT (project, name) DO UPDATE SET subscribed = 1")
"""Flag a queue (project, name, now) as subscribed to, creating it if missing."""


def placeholders(count: int) -> str:
    """``?,?,...`` for an ``IN`` list of ``count`` values."""
    return ",".join("?" * count)
