"""Messages: post, list, get by id(s), delete by id(s), pop."""

from __future__ import annotations

from typing import Any

import falcon

from zaqar_lite.api import media, params
from zaqar_lite.api.errors import on_failure
from zaqar_lite.api.services import Services
from zaqar_lite.api.views import Views
from zaqar_lite.errors import (
    ClaimIdMalformed,
    MessageDoesNotExist,
    MessagesNotFound,
    QueueDoesNotExist,
    ValidationFailed,
)
from zaqar_lite.storage.base import is_valid_id
from zaqar_lite.validation import DEFAULT_PAGE_SIZE

LIST_PARAMS = ("marker", "limit", "echo", "include_claimed", "include_delayed")


class MessageCollection:
    """``/queues/{queue_name}/messages``."""

    def __init__(self, services: Services, views: Views) -> None:
        self.services = services
        self.views = views

    @on_failure("Messages could not be enqueued.")
    def on_post(self, req: falcon.Request, resp: falcon.Response, queue_name: str) -> None:
        services = self.services
        project = req.context.project
        metadata = self._metadata_creating_queue(project, queue_name)
        services.validator.message_post_size(
            req.content_length, metadata.get("_max_messages_post_size"))
        messages = services.validator.messages(
            media.read_json(req, required=True),
            default_ttl=metadata.get("_default_message_ttl")
            or services.settings.default_message_ttl,
            default_delay=metadata.get("_default_message_delay")
            or services.settings.default_message_delay,
        )
        ids = services.store.messages.post(
            project, queue_name, messages, req.context.client_id, create_queue=True)
        resp.status = falcon.HTTP_201
        resp.location = f"{self.views.queue_href(queue_name)}/messages?ids={','.join(ids)}"
        resp.media = {"resources": [self.views.message_href(queue_name, mid) for mid in ids]}

    def _metadata_creating_queue(self, project: str, queue: str) -> dict[str, Any]:
        """The queue's metadata; a missing queue is created first, as Zaqar does
        (even if the post then fails validation)."""
        queues = self.services.store.queues
        try:
            return queues.get_metadata(project, queue)
        except QueueDoesNotExist:
            if queues.create(project, queue, {}):
                return {}
            return queues.get_metadata(project, queue)

    def on_get(self, req: falcon.Request, resp: falcon.Response, queue_name: str) -> None:
        ids = params.get_list(req, "ids")
        if ids is not None:
            self._get_by_ids(req, resp, queue_name, ids)
        else:
            self._list(req, resp, queue_name)

    @on_failure("Message could not be retrieved.")
    def _get_by_ids(
        self, req: falcon.Request, resp: falcon.Response, queue_name: str, ids: list[str]
    ) -> None:
        self.services.validator.message_ids(ids)
        project = req.context.project
        found = self.services.store.messages.get_many(project, queue_name, ids)
        if not found:
            raise MessagesNotFound(project, queue_name, ids)
        now = self.services.now()
        resp.media = {"messages": [self.views.message(queue_name, msg, now) for msg in found]}

    @on_failure("Messages could not be listed.")
    def _list(self, req: falcon.Request, resp: falcon.Response, queue_name: str) -> None:
        limit = params.get_int(req, "limit")
        if limit is not None:
            self.services.validator.message_limit(limit)
        echo = params.get_bool(req, "echo")
        include_claimed = params.get_bool(req, "include_claimed")
        include_delayed = params.get_bool(req, "include_delayed")
        project = req.context.project
        store = self.services.store.messages
        after = self._resolve_marker(project, queue_name, params.get_str(req, "marker"))
        messages = []
        if after is not None:
            messages = store.list(
                project, queue_name, after=after, limit=limit or DEFAULT_PAGE_SIZE,
                client_id=req.context.client_id, echo=echo,
                include_claimed=include_claimed, include_delayed=include_delayed,
            )
        now = self.services.now()
        resp.media = {
            "messages": [self.views.message(queue_name, msg, now) for msg in messages],
            "links": params.next_link(req, LIST_PARAMS, str(messages[-1].marker))
            if messages else [],
        }

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
            return max(after, 0) if after <= media.INT64_MAX else None
        try:
            return self.services.store.messages.get(project, queue, marker).marker
        except MessageDoesNotExist:
            return None

    def on_delete(self, req: falcon.Request, resp: falcon.Response, queue_name: str) -> None:
        ids = params.get_list(req, "ids")
        pop = params.get_int(req, "pop")
        if ids is None and pop is None:
            raise ValidationFailed(
                'The request should have either "ids" or "pop" parameter in the request, '
                "to be able to delete.")
        if ids is not None and pop is not None:
            raise ValidationFailed(
                "pop and id params cannot be present together in the delete request.")
        if pop is not None:
            self._pop(req, resp, queue_name, pop)
        else:
            self._delete_by_ids(req, resp, queue_name, ids or [])

    @on_failure("Messages could not be popped.")
    def _pop(self, req: falcon.Request, resp: falcon.Response, queue_name: str, pop: int) -> None:
        self.services.validator.pop_limit(pop)
        popped = self.services.store.messages.pop(req.context.project, queue_name, pop)
        now = self.services.now()
        resp.media = {"messages": [self.views.popped(msg, now) for msg in popped]}

    @on_failure("Messages could not be deleted.")
    def _delete_by_ids(
        self, req: falcon.Request, resp: falcon.Response, queue_name: str, ids: list[str]
    ) -> None:
        self.services.validator.message_ids(ids)
        claim_ids = None
        if self.services.settings.message_delete_with_claim_id:
            claim_ids = params.get_list(req, "claim_ids")
            if claim_ids is None:
                raise ValidationFailed(
                    'The request should have both "ids" and "claim_ids" parameter in the '
                    "request when message_delete_with_claim_id is True.")
        self.services.store.messages.delete_many(req.context.project, queue_name, ids, claim_ids)
        resp.status = falcon.HTTP_204


class MessageItem:
    """``/queues/{queue_name}/messages/{message_id}``."""

    def __init__(self, services: Services, views: Views) -> None:
        self.services = services
        self.views = views

    @on_failure("Message could not be retrieved.")
    def on_get(
        self, req: falcon.Request, resp: falcon.Response, queue_name: str, message_id: str
    ) -> None:
        message = self.services.store.messages.get(req.context.project, queue_name, message_id)
        resp.media = self.views.message(queue_name, message, self.services.now())

    @on_failure("Message could not be deleted.")
    def on_delete(
        self, req: falcon.Request, resp: falcon.Response, queue_name: str, message_id: str
    ) -> None:
        resp.status = falcon.HTTP_204
        if not is_valid_id(message_id):
            return
        claim_id = params.get_str(req, "claim_id")
        if claim_id is not None and not is_valid_id(claim_id):
            raise ClaimIdMalformed()
        self.services.store.messages.delete(req.context.project, queue_name, message_id, claim_id)
