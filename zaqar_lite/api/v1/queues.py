"""API v1's own queue resources: existence checks and the metadata sub-resource."""

from __future__ import annotations

import falcon

from zaqar_lite.api.errors import on_failure
from zaqar_lite.api.media import RequestBody
from zaqar_lite.api.resources import Resource
from zaqar_lite.api.resources.queues import QueueItem


class QueueExistence(QueueItem):
    """``/v1/queues/{queue_name}``: GET and HEAD only say whether the queue exists."""

    @on_failure("Queue existence could not be checked.")
    def on_get(self, req: falcon.Request, resp: falcon.Response, queue_name: str) -> None:
        exists = self._core.queues.exists(req.context.project, queue_name)
        self._views.existence(req, resp, exists)

    on_head = on_get


class QueueMetadata(Resource):
    """``/v1/queues/{queue_name}/metadata``: read, or replace as a whole."""

    @on_failure("Queue metadata could not be retrieved.")
    def on_get(self, req: falcon.Request, resp: falcon.Response, queue_name: str) -> None:
        metadata = self._core.queues.metadata(req.context.project, queue_name, self._rules)
        self._views.queue(req, resp, metadata)

    @on_failure("Metadata could not be updated.")
    def on_put(self, req: falcon.Request, resp: falcon.Response, queue_name: str) -> None:
        self._core.queues.replace_metadata(req.context.project, queue_name, RequestBody(req))
        self._views.metadata_replaced(resp, queue_name)
