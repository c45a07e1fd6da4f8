"""MongoStore: the production store, shared by any number of servers.

The document layout is described in ``documents.py``.
"""

from __future__ import annotations

import logging

from pymongo.errors import PyMongoError

from zaqar_lite.storage.base import Clock, MessageVolume, Store, system_clock
from zaqar_lite.storage.mongodb.claims import MongoClaims
from zaqar_lite.storage.mongodb.database import Database, with_retries
from zaqar_lite.storage.mongodb.messages import MongoMessages
from zaqar_lite.storage.mongodb.outbox import MongoOutbox
from zaqar_lite.storage.mongodb.queues import MongoQueues
from zaqar_lite.storage.mongodb.subscriptions import MongoSubscriptions

LOG = logging.getLogger(__name__)


class MongoStore(Store):
    """The MongoDB store: its collections live in one database."""

    def __init__(
        self,
        url: str,
        *,
        clock: Clock = system_clock,
        database: str = "zaqar",
        max_reconnect_attempts: int = 10,
        unreliable: bool = False,
        count_commands: bool = False,
    ) -> None:
        self.clock = clock
        self._db = Database(url, database, clock, max_reconnect_attempts,
                            unreliable=unreliable, count_commands=count_commands)
        self.queues = MongoQueues(self._db)
        self.messages = MongoMessages(self._db)
        self.claims = MongoClaims(self._db)
        self.subscriptions = MongoSubscriptions(self._db)
        self.outbox = MongoOutbox(self._db)

    def ping(self) -> bool:
        try:
            self._db.client.admin.command("ping")
        except PyMongoError as exc:
            LOG.warning("MongoDB ping failed: %s", exc)
            return False
        return True

    def message_volume(self) -> MessageVolume:
        now = self._db.now()
        docs = self._db.message_docs

        def count() -> MessageVolume:
            live = {"e": {"$gt": now}}
            return MessageVolume(
                total=docs.count_documents(live),
                claimed=docs.count_documents({**live, "c.id": {"$ne": None}}),
            )

        return with_retries(self._db.max_reconnect_attempts, count)

    def close(self) -> None:
        self._db.close()
