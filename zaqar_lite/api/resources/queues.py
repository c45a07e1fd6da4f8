"""Queues: list, create, read, JSON-patch update, delete, stats and purge."""

from __future__ import annotations

import dataclasses

import falcon

from zaqar_lite.api import params
from zaqar_lite.api.errors import on_failure
from zaqar_lite.api.media import RequestBody
from zaqar_lite.api.resources import Resource


class QueueCollection(Resource):
    """``GET /queues``: a project's queues by name, with paging (and v2 filters)."""

    @on_failure("Queues could not be listed.")
    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        query = params.queue_list_query(req, self._rules)
        if not self._views.counted:
            query = dataclasses.replace(query, with_count=False)
        page = self._core.queues.list_page(req.context.project, query)
        self._views.queue_page(req, resp, page, query.detailed)


class QueueItem(Resource):
    """``/queues/{queue_name}``: create, read metadata, delete."""

    @on_failure("Queue could not be created.")
    def on_put(self, req: falcon.Request, resp: falcon.Response, queue_name: str) -> None:
        created = self._core.queues.create(
            req.context.project, queue_name, RequestBody(req), self._rules)
        self._views.queue_created(resp, queue_name, created)

    @on_failure("Queue metadata could not be retrieved.")
    def on_get(self, req: falcon.Request, resp: falcon.Response, queue_name: str) -> None:
        metadata = self._core.queues.metadata(req.context.project, queue_name, self._rules)
        self._views.queue(req, resp, metadata)

    @on_failure("Queue could not be deleted.")
    def on_delete(self, req: falcon.Request, resp: falcon.Response, queue_name: str) -> None:
        self._core.queues.delete(req.context.project, queue_name)
        resp.status = falcon.HTTP_204


class PatchableQueueItem(QueueItem):
    """``/queues/{queue_name}`` with JSON-patch edits of its metadata (v2)."""

    @on_failure("Queue could not be updated.")
    def on_patch(self, req: falcon.Request, resp: falcon.Response, queue_name: str) -> None:
        metadata = self._core.queues.patch(req.context.project, queue_name, RequestBody(req))
        self._views.queue(req, resp, metadata)


class QueueStats(Resource):
    """``GET /queues/{queue_name}/stats``."""

    @on_failure("Queue stats could not be read.")
    def on_get(self, req: falcon.Request, resp: falcon.Response, queue_name: str) -> None:
        stats = self._core.queues.stats(req.context.project, queue_name, self._rules)
        self._views.stats(req, resp, queue_name, stats, self._core.now())


class QueuePurge(Resource):
    """``POST /queues/{queue_name}/purge``: drop free messages and/or subscriptions."""

    @on_failure("Queue could not be purged.")
    def on_post(self, req: falcon.Request, resp: falcon.Response, queue_name: str) -> None:
        self._core.queues.purge(req.context.project, queue_name, RequestBody(req))
        resp.status = falcon.HTTP_204


class QueueShare(Resource):
    """``POST /queues/{queue_name}/share``: a pre-signed URL for the queue's resources."""

    @on_failure("Queue could not be shared.")
    def on_post(self, req: falcon.Request, resp: falcon.Response, queue_name: str) -> None:
        signed = self._core.sharing.share(req.context.project,
                                          req.path.rsplit("/", 1)[0], RequestBody(req))
        resp.media = signed.as_dict()
