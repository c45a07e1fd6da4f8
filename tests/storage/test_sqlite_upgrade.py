"""SQLite only: a database file from an older release keeps working."""

from __future__ import annotations

import sqlite3

from zaqar_lite.storage import open_store
from zaqar_lite.storage.base import NewMessage
from zaqar_lite.storage.sqlite.schema import SCHEMA


def test_sqlite_database_of_an_older_release_gains_new_columns(tmp_path, clock):
    """A database file written before ``checksum`` existed opens and stores checksums."""
    path = tmp_path / "old.db"
    conn = sqlite3.connect(path)
    conn.executescript(SCHEMA.replace(",\n    checksum      TEXT", ""))
    conn.execute("INSERT INTO queues VALUES ('p', 'q', '{}', 1, 0)")
    conn.commit()
    conn.close()
    store = open_store(f"sqlite:///{path}", clock=clock)
    try:
        [mid] = store.messages.post("p", "q", [NewMessage(body=1, ttl=60, checksum="MD5:x")],
                                    None, create_queue=False)
        assert store.messages.get("p", "q", mid).checksum == "MD5:x"
    finally:
        store.close()
