"""The home document and routes of API v1.1."""

from __future__ import annotations

from zaqar_lite.api import home
from zaqar_lite.api.resources.queues import QueueItem
from zaqar_lite.api.routes import MESSAGE_ROUTES, QUEUE, SERVICE_ROUTES
from zaqar_lite.api.version import HomeEntry, ResourceClass

HOME: tuple[HomeEntry, ...] = (
    home.QUEUES,
    ("rel/queue", QUEUE, ("PUT", "DELETE")),
    home.QUEUE_STATS,
    *home.MESSAGES,
    *home.CLAIMS,
    *home.SERVICE,
)

ROUTES: tuple[tuple[str, ResourceClass], ...] = (
    *SERVICE_ROUTES,
    (QUEUE, QueueItem),
    *MESSAGE_ROUTES,
)
