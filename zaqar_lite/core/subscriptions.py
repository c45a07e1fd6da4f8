"""Subscription operations: create (queue first, as Zaqar), list, read, update,
confirm, delete; confirmation requests go out through the outbox."""

from __future__ import annotations

from zaqar_lite.config import Settings
from zaqar_lite.core.body import Body
from zaqar_lite.core.notifications import Notifications
from zaqar_lite.errors import SubscriptionExists
from zaqar_lite.storage.base import Clock, Store, Subscription, SubscriptionChanges
from zaqar_lite.validation import DEFAULT_PAGE_SIZE, RequestValidator


class Subscriptions:
    def __init__(self, store: Store, validator: RequestValidator, settings: Settings,
                 clock: Clock, notifications: Notifications) -> None:
        self._store = store
        self._validator = validator
        self._settings = settings
        self._clock = clock
        self._notifications = notifications

    def create(self, project: str, queue: str, body: Body, collection_path: str
               ) -> Subscription:
        """Subscribe; the new subscription, or the subscriber's existing one.

        The queue is created first (even if the body then fails validation), as
        Zaqar does. The same subscriber again returns the existing subscription,
        unchanged, while it is unconfirmed (and asks it to confirm again); once
        confirmed it is a conflict.
        """
        self._store.queues.create(project, queue, {})
        fields = self._validator.subscription(body.json() or {}, creating=True,
                                              now=int(self._clock()))
        assert fields.subscriber is not None
        ttl = fields.ttl or self._settings.default_subscription_ttl
        subscription, created = self._store.subscriptions.create(
            project, queue, fields.subscriber, ttl, fields.options or {})
        if not created and subscription.confirmed:
            raise SubscriptionExists(collection_path)
        self._notifications.request_confirmation(
            project, subscription, f"{collection_path}/{subscription.id}/confirm",
            unsubscribed=False, lifetime=ttl)
        return subscription

    def list_page(self, project: str, queue: str, marker: str | None,
                  limit: int | None) -> list[Subscription]:
        if limit is not None:
            self._validator.subscription_limit(limit)
        return self._store.subscriptions.list(project, queue, marker=marker,
                                              limit=limit or DEFAULT_PAGE_SIZE)

    def get(self, project: str, queue: str, subscription_id: str) -> Subscription:
        return self._store.subscriptions.get(project, queue, subscription_id)

    def update(self, project: str, queue: str, subscription_id: str, body: Body) -> None:
        """Replace the given members; the body is validated before the lookup."""
        fields = self._validator.subscription(body.json() or {}, creating=False,
                                              now=int(self._clock()))
        self._store.subscriptions.update(project, queue, subscription_id, SubscriptionChanges(
            subscriber=fields.subscriber, ttl=fields.ttl, options=fields.options))

    def confirm(self, project: str, queue: str, subscription_id: str, body: Body,
                path: str) -> None:
        """Set the confirmed flag; unconfirming tells the subscriber so (when
        confirmation is required), with a URL to confirm again."""
        confirmed = self._validator.confirmation(body.json())
        subscription = self._store.subscriptions.confirm(project, queue, subscription_id,
                                                         confirmed)
        if not confirmed:
            self._notifications.request_confirmation(
                project, subscription, path, unsubscribed=True,
                lifetime=self._settings.default_subscription_ttl)

    def delete(self, project: str, queue: str, subscription_id: str) -> None:
        self._store.subscriptions.delete(project, queue, subscription_id)
