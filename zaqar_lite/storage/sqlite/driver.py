"""SQLiteStore: the embedded default store over one database file."""

from __future__ import annotations

import logging
import sqlite3

from zaqar_lite.storage.base import Clock, MessageVolume, Store, system_clock
from zaqar_lite.storage.sqlite.claims import SQLiteClaims
from zaqar_lite.storage.sqlite.database import Database, translate_errors
from zaqar_lite.storage.sqlite.messages import SQLiteMessages
from zaqar_lite.storage.sqlite.outbox import SQLiteOutbox
from zaqar_lite.storage.sqlite.queues import SQLiteQueues
from zaqar_lite.storage.sqlite.subscriptions import SQLiteSubscriptions

LOG = logging.getLogger(__name__)


class SQLiteStore(Store):
    """The embedded store: one database file shared by every worker."""

    def __init__(self, path: str, *, clock: Clock = system_clock) -> None:
        self.path = path
        self.clock = clock
        self._db = Database(path, clock)
        self.queues = SQLiteQueues(self._db)
        self.messages = SQLiteMessages(self._db)
        self.claims = SQLiteClaims(self._db)
        self.subscriptions = SQLiteSubscriptions(self._db)
        self.outbox = SQLiteOutbox(self._db)

    def ping(self) -> bool:
        try:
            self._db.connection().execute("SELECT 1").fetchone()
        except sqlite3.Error as exc:
            LOG.warning("SQLite ping failed: %s", exc)
            return False
        return True

    @translate_errors
    def message_volume(self) -> MessageVolume:
        total, claimed = self._db.connection().execute(
            "SELECT COUNT(*), COUNT(claim_id) FROM messages WHERE expires > ?",
            (self._db.now(),),
        ).fetchone()
        return MessageVolume(total=total, claimed=claimed)

    def close(self) -> None:
        self._db.close()
