"""Queues: list, create, read, JSON-patch update, delete, stats and purge."""

from __future__ import annotations

from typing import Any

import falcon

from zaqar_lite.api import media, params
from zaqar_lite.api.errors import on_failure
from zaqar_lite.api.services import Services
from zaqar_lite.api.views import Views
from zaqar_lite.errors import Conflict, InvalidBody, QueueDoesNotExist, ValidationFailed
from zaqar_lite.storage.base import QueueRecord
from zaqar_lite.validation import DEFAULT_PAGE_SIZE, PATCH_MEDIA_TYPE, QUEUE_NAME_MAX_LENGTH

LIST_PARAMS = ("marker", "limit", "detailed", "name", "with_count")


class QueueCollection:
    """``GET /queues``: a project's queues by name, with paging and filters."""

    def __init__(self, services: Services, views: Views) -> None:
        self.services = services
        self.views = views

    @on_failure("Queues could not be listed.")
    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        limit = params.get_int(req, "limit")
        if limit is not None:
            self.services.validator.queue_limit(limit)
        detailed = params.get_bool(req, "detailed")
        with_count = params.get_bool(req, "with_count")
        given = {key: params.get_str(req, key) for key in req.params if key not in LIST_PARAMS}
        filters = {key: _filter_value(value) for key, value in given.items() if value}
        project = req.context.project
        name = params.get_str(req, "name")
        queues: list[QueueRecord] = []
        if name is None or len(name) <= QUEUE_NAME_MAX_LENGTH:
            queues = self.services.store.queues.list(
                project,
                marker=params.get_str(req, "marker"),
                limit=limit or DEFAULT_PAGE_SIZE,
                name_contains=name,
                metadata_filters=filters,
            )
        items = []
        for queue in queues:
            item: dict[str, Any] = {"name": queue.name, "href": self.views.queue_href(queue.name)}
            if detailed:
                item["metadata"] = self.views.queue_metadata(queue.metadata)
            items.append(item)
        body: dict[str, Any] = {
            "queues": items,
            "links": params.next_link(req, LIST_PARAMS, queues[-1].name) if queues else [],
        }
        if with_count:
            count = self.services.store.queues.count(project)
            if count:
                body["count"] = count
        resp.media = body


def _filter_value(value: str) -> Any:
    """Metadata filters compare as integers when the text is one."""
    try:
        return int(value)
    except ValueError:
        return value


class QueueItem:
    """``/queues/{queue_name}``: create with metadata, read, patch, delete."""

    def __init__(self, services: Services, views: Views) -> None:
        self.services = services
        self.views = views

    @on_failure("Queue could not be created.")
    def on_put(self, req: falcon.Request, resp: falcon.Response, queue_name: str) -> None:
        too_large = self.services.validator.metadata_too_large(req.content_length)
        if too_large:
            raise ValidationFailed(too_large)
        metadata = media.read_object(req) or {}
        self.services.validator.queue_metadata(metadata, ValidationFailed)
        created = self.services.store.queues.create(req.context.project, queue_name, metadata)
        resp.status = falcon.HTTP_201 if created else falcon.HTTP_204
        resp.location = self.views.queue_href(queue_name)

    @on_failure("Queue metadata could not be retrieved.")
    def on_get(self, req: falcon.Request, resp: falcon.Response, queue_name: str) -> None:
        try:
            metadata = self.services.store.queues.get_metadata(req.context.project, queue_name)
        except QueueDoesNotExist:
            metadata = {}
        resp.media = self.views.queue_metadata(metadata)

    @on_failure("Queue could not be updated.")
    def on_patch(self, req: falcon.Request, resp: falcon.Response, queue_name: str) -> None:
        validator = self.services.validator
        too_large = validator.metadata_too_large(req.content_length)
        if too_large:
            raise InvalidBody(too_large)
        if req.content_type != PATCH_MEDIA_TYPE:
            raise falcon.HTTPUnsupportedMediaType(
                description="Accepted media type for PATCH: "
                            f"{{'Accept-Patch': '{PATCH_MEDIA_TYPE}'}}.")
        raw = media.read_raw(req)
        if raw is None:
            raise InvalidBody("PATCH body could not be empty for update.")
        operations = validator.patch_operations(media.parse_json(raw))
        store = self.services.store.queues
        project = req.context.project
        metadata = store.get_metadata(project, queue_name)
        reserved = self.views.reserved_defaults()
        for operation in operations:
            key = operation.key
            if operation.op == "add":
                metadata[key] = operation.value
            elif operation.op == "replace":
                if key not in metadata and key not in reserved:
                    raise Conflict(f"Can't replace non-existent object {key}.")
                metadata[key] = operation.value
            elif key in metadata:
                del metadata[key]
            elif key not in reserved:
                raise Conflict(f"Can't remove non-existent object {key}.")
        validator.queue_metadata(metadata, InvalidBody)
        store.set_metadata(project, queue_name, metadata)
        resp.media = self.views.queue_metadata(metadata)

    @on_failure("Queue could not be deleted.")
    def on_delete(self, req: falcon.Request, resp: falcon.Response, queue_name: str) -> None:
        self.services.store.queues.delete(req.context.project, queue_name)
        resp.status = falcon.HTTP_204


class QueueStatsResource:
    """``GET /queues/{queue_name}/stats``: zero counts for a missing queue."""

    def __init__(self, services: Services, views: Views) -> None:
        self.services = services
        self.views = views

    @on_failure("Queue stats could not be read.")
    def on_get(self, req: falcon.Request, resp: falcon.Response, queue_name: str) -> None:
        try:
            stats = self.services.store.queues.stats(req.context.project, queue_name)
        except QueueDoesNotExist:
            resp.media = {"messages": {"claimed": 0, "free": 0, "total": 0}}
            return
        resp.media = self.views.stats(queue_name, stats, self.services.now())


class QueuePurge:
    """``POST /queues/{queue_name}/purge``: drop free messages (and subscriptions)."""

    def __init__(self, services: Services) -> None:
        self.services = services

    @on_failure("Queue could not be purged.")
    def on_post(self, req: falcon.Request, resp: falcon.Response, queue_name: str) -> None:
        resources = self.services.validator.purge_resources(media.read_json(req))
        if "messages" in resources:
            self.services.store.messages.purge(req.context.project, queue_name)
        resp.status = falcon.HTTP_204
