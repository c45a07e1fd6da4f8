"""The routes every API version has: queue listing and stats, messages and claims.

Each version's package adds its own (home document, queue item, health...).
"""

from __future__ import annotations

from zaqar_lite.api.resources.claims import ClaimCollection, ClaimItem
from zaqar_lite.api.resources.messages import MessageCollection, MessageItem
from zaqar_lite.api.resources.queues import QueueCollection, QueueStats
from zaqar_lite.api.version import ResourceClass

QUEUE = "/queues/{queue_name}"

MESSAGE_ROUTES: tuple[tuple[str, ResourceClass], ...] = (
    ("/queues", QueueCollection),
    (f"{QUEUE}/stats", QueueStats),
    (f"{QUEUE}/messages", MessageCollection),
    (f"{QUEUE}/messages/{{message_id}}", MessageItem),
    (f"{QUEUE}/claims", ClaimCollection),
    (f"{QUEUE}/claims/{{claim_id}}", ClaimItem),
)
