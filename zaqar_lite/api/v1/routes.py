"""The home document and routes of API v1."""

from __future__ import annotations

from zaqar_lite.api.resources.health import Ping
from zaqar_lite.api.resources.home import HomeDocument
from zaqar_lite.api.routes import MESSAGE_ROUTES, QUEUE
from zaqar_lite.api.v1.queues import QueueExistence, QueueMetadata
from zaqar_lite.api.version import HomeEntry, ResourceClass

HOME: tuple[HomeEntry, ...] = (
    ("rel/queues", "/queues{?marker,limit,detailed}", ("GET",)),
    ("rel/queue", QUEUE, ("GET", "HEAD", "PUT", "DELETE")),
    ("rel/queue-metadata", f"{QUEUE}/metadata", ("GET", "PUT")),
    ("rel/queue-stats", f"{QUEUE}/stats", ("GET",)),
    ("rel/messages", f"{QUEUE}/messages{{?marker,limit,echo,include_claimed}}", ("GET",)),
    ("rel/post-messages", f"{QUEUE}/messages", ("POST",)),
    ("rel/claim", f"{QUEUE}/claims{{?limit}}", ("POST",)),
)

ROUTES: tuple[tuple[str, ResourceClass], ...] = (
    ("/", HomeDocument),
    ("/health", Ping),
    (QUEUE, QueueExistence),
    (f"{QUEUE}/metadata", QueueMetadata),
    *MESSAGE_ROUTES,
)
