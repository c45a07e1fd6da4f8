"""What subscribers are sent, as Zaqar builds it: notifications and confirmations.

A notification is the posted message as received (``ttl``, ``body`` and,
where delays apply, ``delay``) with ``"Message_Type": "Notification"`` and the
``queue_name``; no id, href or age. A confirmation request carries a URL
signed for ``PUT`` on the subscription's ``confirm`` path, sent when
``[notification] require_confirmation`` is on and a signing key is set.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from zaqar_lite.config import Settings
from zaqar_lite.signing import DATE_FORMAT, sign, utc_from_timestamp
from zaqar_lite.storage.base import Clock, NewDelivery, NewMessage, Notice, Store, Subscription

LOG = logging.getLogger(__name__)

Doorbell = Callable[[], None]
"""Tells this process's deliverer that deliveries may be due."""


def notification(message: NewMessage, queue: str, *, with_delay: bool) -> dict[str, Any]:
    payload: dict[str, Any] = {"ttl": message.ttl, "body": message.body}
    if with_delay:
        payload["delay"] = message.delay
    payload["Message_Type"] = "Notification"
    payload["queue_name"] = queue
    return payload


class Notifications:
    """Builds notices for posts and sends confirmation requests through the outbox."""

    def __init__(self, store: Store, settings: Settings, clock: Clock,
                 doorbell: Doorbell | None) -> None:
        self._store = store
        self._settings = settings
        self._clock = clock
        self._doorbell = doorbell

    def notice(self, queue: str, messages: Sequence[NewMessage],
               metadata: Mapping[str, Any]) -> Notice:
        """The notice of a post of ``messages`` to a queue with ``metadata``."""
        delayed = bool(metadata.get("_default_message_delay"))
        policy = metadata.get("_retry_policy")
        return Notice(
            payloads=[notification(msg, queue, with_delay=delayed or bool(msg.delay))
                      for msg in messages],
            confirmed_only=self._settings.require_confirmation,
            queue_policy=policy if isinstance(policy, dict) else {},
            on_stored=self._doorbell)

    def ring(self) -> None:
        if self._doorbell is not None:
            self._doorbell()

    def request_confirmation(self, project: str, subscription: Subscription, confirm_path: str,
                             *, unsubscribed: bool, lifetime: int) -> None:
        """Ask the subscriber to confirm (or tell it it unsubscribed), when confirmation is
        required; the signed URL is valid for ``lifetime`` seconds."""
        settings = self._settings
        if not settings.require_confirmation:
            return
        if settings.secret_key is None:
            LOG.error("cannot ask %s to confirm: [signed_url] secret_key is not set",
                      subscription.subscriber)
            return
        now = self._clock()
        expires = utc_from_timestamp(int(now) + lifetime).strftime(DATE_FORMAT)
        signed = sign(settings.secret_key, [confirm_path], project=project, now=now,
                      methods=["PUT"], expires=expires)
        queue = subscription.queue
        if unsubscribed:
            kind = "UnsubscribeConfirmation"
            text = (f"You have unsubscribed successfully to the queue: {queue}, you can "
                    "resubscribe it by using confirmed=True.")
        else:
            kind = "SubscriptionConfirmation"
            text = f"You have chosen to subscribe to the queue: {queue}"
        payload = {
            "Message_Type": kind, "Message": text, "URL-Signature": signed.signature,
            "URL-Methods": signed.methods[0], "URL-Paths": signed.paths[0],
            "X-Project-ID": signed.project, "URL-Expires": signed.expires,
            "SubscribeBody": {"confirmed": True}, "UnsubscribeBody": {"confirmed": False},
            "queue_name": queue,
        }
        self._store.outbox.add([NewDelivery(
            project=project, queue=queue, subscription_id=subscription.id,
            subscriber=subscription.subscriber, options=subscription.options, payload=payload,
            queue_policy={})])
        self.ring()
