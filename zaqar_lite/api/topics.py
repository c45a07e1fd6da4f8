"""Topics (API v2): a second, queue-like namespace at ``/v2/topics``.

Topic routes mount the queue, message and subscription resources with topic
views and ``topics`` set in their header policy, so the request steps validate
the topic in ``{queue_name}`` as a topic name and move the request into the
project's topic scope
(``zaqar_lite.scopes``). Unlike the reference, whose topic message and
subscription routes answer 500, they all work as their queue twins do.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from zaqar_lite.api.resources.messages import MessageCollection, MessageItem
from zaqar_lite.api.resources.queues import (
    PatchableQueueItem,
    QueueCollection,
    QueuePurge,
    QueueStats,
)
from zaqar_lite.api.resources.subscriptions import (
    SubscriptionCollection,
    SubscriptionConfirmation,
    SubscriptionItem,
)
from zaqar_lite.api.version import Mount, ResourceClass
from zaqar_lite.api.views import Views
from zaqar_lite.config import Settings
from zaqar_lite.core.rules import VersionRules

TOPIC = "/topics/{queue_name}"
SHOWN_RESERVED = ("_max_messages_post_size", "_default_message_ttl", "_default_message_delay")


class TopicViews(Views):
    """Queue views with topic hrefs, a ``topics`` listing without a count, and only
    three reserved keys shown (as the reference shows topics)."""

    collection = "topics"
    counted = False

    def __init__(self, root: str, rules: VersionRules, settings: Settings) -> None:
        super().__init__(root, rules, settings)
        self._defaults = {key: value for key, value in self._defaults.items()
                          if key in SHOWN_RESERVED}


def in_topics(resource: ResourceClass) -> ResourceClass:
    """The resource, mounted for topics."""

    def build(mount: Mount) -> Any:
        views = TopicViews(mount.views.root, mount.rules, mount.views.settings)
        return resource(dataclasses.replace(mount, views=views, topics=True))

    return build


TOPIC_ROUTES: tuple[tuple[str, ResourceClass], ...] = (
    ("/topics", in_topics(QueueCollection)),
    (TOPIC, in_topics(PatchableQueueItem)),
    (f"{TOPIC}/stats", in_topics(QueueStats)),
    (f"{TOPIC}/purge", in_topics(QueuePurge)),
    (f"{TOPIC}/messages", in_topics(MessageCollection)),
    (f"{TOPIC}/messages/{{message_id}}", in_topics(MessageItem)),
    (f"{TOPIC}/subscriptions", in_topics(SubscriptionCollection)),
    (f"{TOPIC}/subscriptions/{{subscription_id}}", in_topics(SubscriptionItem)),
    (f"{TOPIC}/subscriptions/{{subscription_id}}/confirm", in_topics(SubscriptionConfirmation)),
)
