"""The home document and routes of API v2."""

from __future__ import annotations

from zaqar_lite.api import home
from zaqar_lite.api.resources.queues import PatchableQueueItem, QueuePurge, QueueShare
from zaqar_lite.api.resources.subscriptions import (
    SubscriptionCollection,
    SubscriptionConfirmation,
    SubscriptionItem,
)
from zaqar_lite.api.routes import MESSAGE_ROUTES, QUEUE, SERVICE_ROUTES
from zaqar_lite.api.topics import TOPIC_ROUTES
from zaqar_lite.api.version import HomeEntry, ResourceClass

HOME: tuple[HomeEntry, ...] = (
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
    *home.SERVICE,
)

ROUTES: tuple[tuple[str, ResourceClass], ...] = (
    *SERVICE_ROUTES,
    (QUEUE, PatchableQueueItem),
    (f"{QUEUE}/purge", QueuePurge),
    (f"{QUEUE}/share", QueueShare),
    *MESSAGE_ROUTES,
    (f"{QUEUE}/subscriptions", SubscriptionCollection),
    (f"{QUEUE}/subscriptions/{{subscription_id}}", SubscriptionItem),
    (f"{QUEUE}/subscriptions/{{subscription_id}}/confirm", SubscriptionConfirmation),
    *TOPIC_ROUTES,
)
