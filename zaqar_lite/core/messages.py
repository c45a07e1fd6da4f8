"""Message operations shared by every API version: post, list, get, delete, pop."""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
from typing import Any

from zaqar_lite.config import Settings
from zaqar_lite.core.body import Body
from zaqar_lite.core.encryption import BodyCipher
from zaqar_lite.core.notifications import Notifications
from zaqar_lite.core.rules import VersionRules
from zaqar_lite.errors import (
    ClaimIdMalformed,
    InvalidBody,
    MessageDoesNotExist,
    MissingClientId,
    MissingIds,
    QueueDoesNotExist,
    ValidationFailed,
)
from zaqar_lite.metrics import MESSAGES
from zaqar_lite.storage.base import Draft, Message, NewMessage, Notice, Store, is_valid_id
from zaqar_lite.validation import DEFAULT_PAGE_SIZE, INT64_MAX, RequestValidator

POSTED = MESSAGES.labels("posted")
DELETED = MESSAGES.labels("deleted")
"""Deletes asked for by id (an id that names nothing counts too)."""
POPPED = MESSAGES.labels("popped")


@dataclasses.dataclass(frozen=True)
class MessageListQuery:
    """A message listing request (``include_delayed`` only where queues delay)."""

    marker: str | None = None
    limit: int | None = None
    echo: bool = False
    include_claimed: bool = False
    include_delayed: bool = False


class Messages:
    def __init__(self, store: Store, validator: RequestValidator, settings: Settings,
                 notifications: Notifications, cipher: BodyCipher) -> None:
        self._store = store
        self._validator = validator
        self._settings = settings
        self._notifications = notifications
        self._cipher = cipher

    def post(self, project: str, queue: str, body: Body, client_id: str | None,
             rules: VersionRules) -> list[str]:
        """Validate and store the posted messages (all or nothing); their ids in order.

        With queue settings, the queue's metadata sets the size cap and defaults:
        the store reads it in the round trip that takes the markers and finishes
        the messages with it (``Draft``). As in Zaqar, a missing queue is created
        even if the post then fails validation, and a refused body is checked
        against the queue's size cap first (Zaqar checks it before parsing). The
        queue's subscribers are notified of each message through the outbox,
        stored with the messages. Encrypted queues store sealed bodies (the
        checksum and notifications are of the plaintext).
        """
        if client_id is None:
            raise MissingClientId()
        try:
            self._validator.message_post_size(body.length, None)
            items = self._validator.message_items(body.json(required=True), rules)
        except (InvalidBody, ValidationFailed):
            if rules.queue_settings:
                metadata = self._metadata_creating_queue(project, queue)
                self._validator.message_post_size(
                    body.length, metadata.get("_max_messages_post_size"))
            raise
        draft = Draft(len(items), functools.partial(self._finish, queue, body.length, items,
                                                    rules))
        ids = self._store.messages.post(project, queue, draft, client_id,
                                        create_queue=rules.lazy_queues)
        POSTED.inc(len(ids))
        return ids

    def _metadata_creating_queue(self, project: str, queue: str) -> dict[str, Any]:
        """The queue's metadata; a missing queue is created first."""
        queues = self._store.queues
        try:
            return queues.get_metadata(project, queue)
        except QueueDoesNotExist:
            if queues.create(project, queue, {}):
                return {}
            return queues.get_metadata(project, queue)

    def _finish(self, queue: str, length: int | None, items: list[dict[str, Any]],
                rules: VersionRules, metadata: dict[str, Any]
                ) -> tuple[list[NewMessage], Notice | None]:
        """The messages as stored, and their notice, under the queue's metadata."""
        if not rules.queue_settings:
            metadata = {}
        settings = self._settings
        self._validator.message_post_size(length, metadata.get("_max_messages_post_size"))
        default_ttl = metadata.get("_default_message_ttl") or settings.default_message_ttl
        default_delay = metadata.get("_default_message_delay") or settings.default_message_delay
        messages = [
            NewMessage(body=item["body"], ttl=int(item.get("ttl", default_ttl)),
                       delay=int(item.get("delay", default_delay)) if rules.queue_settings else 0)
            for item in items
        ]
        if settings.enable_checksum:
            messages = [dataclasses.replace(msg, checksum=checksum(msg.body)) for msg in messages]
        notice = self._notifications.notice(queue, messages, metadata)
        if metadata.get("_enable_encrypt_messages") is True:
            messages = self._cipher.seal_all(messages)
        return messages, notice

    def list_page(self, project: str, queue: str, query: MessageListQuery, client_id: str | None,
             rules: VersionRules) -> list[Message]:
        """A page of messages in FIFO order after ``marker``."""
        if client_id is None:
            raise MissingClientId()
        if query.limit is not None:
            self._validator.message_limit(query.limit)
        after = self._resolve_marker(project, queue, query.marker)
        if after is None:
            return []
        return self._cipher.open_all(self._store.messages.list(
            project, queue, after=after, limit=query.limit or DEFAULT_PAGE_SIZE,
            client_id=client_id, echo=query.echo, include_claimed=query.include_claimed,
            include_delayed=query.include_delayed and rules.queue_settings,
        ))

    def _resolve_marker(self, project: str, queue: str, marker: str | None) -> int | None:
        """The sequence number to list after; None means "nothing can follow".

        Markers are the decimal sequence numbers of our ``next`` links; a
        message id (what openstacksdk sends) resumes after that message.
        """
        if marker is None:
            return 0
        try:
            after = int(marker)
        except ValueError:
            pass
        else:
            # Sequence numbers are positive 64-bit integers.
            return max(after, 0) if after <= INT64_MAX else None
        try:
            return self._store.messages.get(project, queue, marker).marker
        except MessageDoesNotExist:
            return None

    def get(self, project: str, queue: str, message_id: str) -> Message:
        return self._cipher.open_one(self._store.messages.get(project, queue, message_id))

    def get_many(self, project: str, queue: str, ids: list[str]) -> list[Message]:
        """The existing messages among 1 to ``max_messages_per_page`` ids (Zaqar
        checks their count as a page size)."""
        self._validator.message_limit(len(ids))
        return self._cipher.open_all(self._store.messages.get_many(project, queue, ids))

    def delete(self, project: str, queue: str, message_id: str, claim_id: str | None) -> None:
        """Delete one message, honouring its claim.

        A malformed message id names nothing (a no-op, checked first); a
        malformed claim id is an error even if the message is missing.
        """
        if not is_valid_id(message_id):
            return
        if claim_id is not None and not is_valid_id(claim_id):
            raise ClaimIdMalformed()
        self._store.messages.delete(project, queue, message_id, claim_id)
        DELETED.inc()

    def delete_many(self, project: str, queue: str, ids: list[str] | None,
                    claim_ids: list[str] | None, rules: VersionRules) -> None:
        """Delete the listed messages, claimed or not.

        ``ids`` is required (or, where the version pops, ``ids`` or ``pop``);
        with ``message_delete_with_claim_id`` the claims must be named too. Where
        there is no pop (v1), Zaqar checks the count of ids as a page size.
        """
        if ids is None:
            if not rules.pop:
                raise MissingIds()
            raise ValidationFailed(
                'The request should have either "ids" or "pop" parameter in the request, '
                "to be able to delete.")
        if rules.pop:
            self._validator.message_ids(ids)
        else:
            self._validator.message_limit(len(ids))
        if self._settings.message_delete_with_claim_id:
            if claim_ids is None:
                raise ValidationFailed(
                    'The request should have both "ids" and "claim_ids" parameter in the '
                    "request when message_delete_with_claim_id is True.")
            self._store.messages.delete_many(project, queue, ids, claim_ids)
        else:
            self._store.messages.delete_many(project, queue, ids)
        DELETED.inc(len(ids))

    def pop(self, project: str, queue: str, limit: int, ids: list[str] | None) -> list[Message]:
        """Remove and return up to ``limit`` free messages (not together with ``ids``)."""
        if ids is not None:
            raise ValidationFailed(
                "pop and id params cannot be present together in the delete request.")
        self._validator.pop_limit(limit)
        popped = self._store.messages.pop(project, queue, limit)
        POPPED.inc(len(popped))
        return self._cipher.open_all(popped)


def checksum(body: Any) -> str | None:
    """``MD5:<hex>`` of the body serialised as Python's json.dumps does by default,
    as Zaqar computes it; a null body has none."""
    if body is None:
        return None
    return "MD5:" + hashlib.md5(json.dumps(body).encode("utf-8")).hexdigest()
