"""Routes more than one API version has.

``MESSAGE_ROUTES`` (queue listing and stats, messages, claims) are every
version's; ``SERVICE_ROUTES`` (home document, ping, health report) are those of
v1.1 and v2. Each version's package adds its own queue item and the rest.
"""

from __future__ import annotations

from zaqar_lite.api.resources.claims import ClaimCollection, ClaimItem
from zaqar_lite.api.resources.health import Health, Ping
from zaqar_lite.api.resources.home import HomeDocument
from zaqar_lite.api.resources.messages import MessageCollection, MessageItem
from zaqar_lite.api.resources.queues import QueueCollection, QueueStats
from zaqar_lite.api.version import ResourceClass

QUEUE = "/queues/{queue_name}"

SERVICE_ROUTES: tuple[tuple[str, ResourceClass], ...] = (
    ("/", HomeDocument),
    ("/ping", Ping),
    ("/health", Health),
)

MESSAGE_ROUTES: tuple[tuple[str, ResourceClass], ...] = (
    ("/queues", QueueCollection),
    (f"{QUEUE}/stats", QueueStats),
    (f"{QUEUE}/messages", MessageCollection),
    (f"{QUEUE}/messages/{{message_id}}", MessageItem),
    (f"{QUEUE}/claims", ClaimCollection),
    (f"{QUEUE}/claims/{{claim_id}}", ClaimItem),
)
