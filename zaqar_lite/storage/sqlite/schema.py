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
CREATE INDEX IF NOT EXISTS messages_claim ON messages (project, queue, claim_id);
CREATE INDEX IF NOT EXISTS messages_expires ON messages (expires);
"""

MESSAGE_COLUMNS = (
    "id, marker, ttl, created, expires, body, client_id, claim_id, claim_expires, "
    "claim_ttl, claim_count, delay_expires, checksum"
)

MIGRATIONS = (
    ("messages", "checksum", "ALTER TABLE messages ADD COLUMN checksum TEXT"),
)
"""Columns added since the first release: (table, column, statement adding it)."""


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


def placeholders(count: int) -> str:
    """``?,?,...`` for an ``IN`` list of ``count`` values."""
    return ",".join("?" * count)
