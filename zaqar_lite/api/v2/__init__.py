"""API v2: the current version (queues with reserved metadata, delays, purge)."""

from __future__ import annotations

from zaqar_lite.api import home
from zaqar_lite.api.resources.health import Health, Ping
from zaqar_lite.api.resources.home import HomeDocument
from zaqar_lite.api.resources.queues import PatchableQueueItem, QueuePurge
from zaqar_lite.api.routes import MESSAGE_ROUTES, QUEUE
from zaqar_lite.api.version import Version
from zaqar_lite.api.views import Views
from zaqar_lite.core.rules import HeaderPolicy, Presence, ReservedMetadata, VersionRules

HOME = (
    home.QUEUES,
    ("rel/queue", QUEUE, ("GET", "PUT", "DELETE", "PATCH")),
    home.QUEUE_STATS,
    ("rel/queue_share", f"{QUEUE}/share", ("POST",)),
    ("rel/queue_purge", f"{QUEUE}/purge", ("POST",)),
    *home.MESSAGES,
    ("rel/message_get", f"{QUEUE}/messages/{{message_id}}", ("GET",)),
    *home.CLAIMS,
    ("rel/subscriptions_get", f"{QUEUE}/subscriptions{{?marker,limit}}", ("GET",)),
    ("rel/subscriptions_post", f"{QUEUE}/subscriptions", ("POST",)),
    ("rel/subscription", f"{QUEUE}/subscriptions/{{subscriptions_id}}", ("GET", "DELETE")),
    ("rel/subscription_patch", f"{QUEUE}/subscriptions/{{subscriptions_id}}", ("PATCH",)),
    home.PING,
    home.HEALTH,
)

VERSION = Version(
    id="2",
    status="CURRENT",
    updated="2014-9-24T04:06:47Z",
    rules=VersionRules(
        headers=HeaderPolicy(client_id=Presence.REQUIRED, project=Presence.REQUIRED),
        lazy_queues=True, ttl_defaults=True, enveloped=True, queue_settings=True,
        reserved_metadata=ReservedMetadata.DEFAULTED, pop=True, queue_filters=True,
    ),
    views=Views,
    home=HOME,
    routes=(
        ("/", HomeDocument),
        ("/ping", Ping),
        ("/health", Health),
        (QUEUE, PatchableQueueItem),
        (f"{QUEUE}/purge", QueuePurge),
        *MESSAGE_ROUTES,
    ),
)
