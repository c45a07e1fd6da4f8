"""SQLite only: a database file from an older release keeps working."""

from __future__ import annotations

import sqlite3

from zaqar_lite.storage import open_store
from zaqar_lite.storage.base import NewMessage

FIRST_RELEASE_SCHEMA = """
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
    claim_count   INTEGER NOT NULL DEFAULT 0
);

CREATE UNIQUE INDEX IF NOT EXISTS messages_queue_marker
    ON messages (project, queue, marker);
CREATE INDEX IF NOT EXISTS messages_claim ON messages (project, queue, claim_id);
CREATE INDEX IF NOT EXISTS messages_expires ON messages (expires);
"""
"""The tables as the first release wrote them."""


def test_a_database_of_the_first_release_is_upgraded_in_place(tmp_path, clock):
    """Columns added since (``checksum``, the queues' message count) appear, with the
    messages already stored counted, and the indexes are those of this release."""
    path = tmp_path / "old.db"
    conn = sqlite3.connect(path)
    conn.executescript(FIRST_RELEASE_SCHEMA)
    conn.execute("INSERT INTO queues VALUES ('p', 'q', '{}', 3, 0)")
    conn.executemany(
        "INSERT INTO messages (id, project, queue, marker, ttl, created, expires, "
        "delay_expires, client_id, body) VALUES (?, 'p', 'q', ?, 3600, ?, ?, ?, NULL, '1')",
        [(f"{n:024x}", n, int(clock()), int(clock()) + 3600, int(clock())) for n in (1, 2)])
    conn.commit()
    conn.close()
    store = open_store(f"sqlite:///{path}", clock=clock)
    try:
        assert store.queues.stats("p", "q").total == 2
        [mid] = store.messages.post("p", "q", [NewMessage(body=1, ttl=60, checksum="MD5:x")],
                                    None, create_queue=False)
        assert store.messages.get("p", "q", mid).checksum == "MD5:x"
        assert store.queues.stats("p", "q").total == 3
    finally:
        store.close()
    with sqlite3.connect(path) as conn:
        indexes = {name for (name,) in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'messages' "
            "AND sql IS NOT NULL")}
        # Queues of the old file look for subscribers on every post, as they did.
        flags = conn.execute("SELECT subscribed FROM queues").fetchall()
    assert indexes == {"messages_queue_marker", "messages_claimed_marker",
                       "messages_claimed_expires", "messages_queue_expires"}
    assert flags == [(1,)]
