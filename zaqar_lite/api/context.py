"""Per-request checks and context, run before every routed responder.

Order follows Zaqar's request pipeline: body media type, ``Accept``,
``Client-ID``, ``X-Project-ID``, then the queue name in the path. Unknown
paths never reach these checks (they are a plain 404).
"""

from __future__ import annotations

import logging
import time
import uuid
from typing import Any

import falcon

from zaqar_lite.errors import HeaderError
from zaqar_lite.validation import RequestValidator

LOG = logging.getLogger("zaqar_lite.access")

NOT_ACCEPTABLE = (
    "Endpoint only serves `application/json`; specify client-side media type support "
    'with the "Accept" header.'
)
PROJECT_HEADERS = ("X-Project-ID", "X-Tenant-Id", "X-Tenant")
DRAIN_LIMIT = 1024 * 1024
"""Unread request bodies up to this size are read before answering, so that a
keep-alive connection survives a rejected (e.g. oversized) body; gunicorn
would otherwise drop the connection after 64 KiB."""


class RequestContext:
    """Falcon middleware: validates headers and fills ``req.context``.

    ``req.context.project`` is the project id ("" for v1's global namespace)
    and ``req.context.client_id`` the normalised Client-ID or None. Resources
    say which headers they require through ``requires_client_id`` and
    ``requires_project`` attributes (both default to True).
    """

    def __init__(self, validator: RequestValidator) -> None:
        self._validator = validator

    def process_request(self, req: falcon.Request, resp: falcon.Response) -> None:
        req.context.started = time.monotonic()
        req.context.request_id = f"req-{uuid.uuid4()}"
        req.context.project = ""
        req.context.client_id = None

    def process_resource(
        self, req: falcon.Request, resp: falcon.Response, resource: Any, params: dict[str, Any]
    ) -> None:
        if resource is None:
            return
        content_type = (req.content_type or "").lower()
        if req.content_length and content_type.startswith("application/x-www-form-urlencoded"):
            raise HeaderError("Invalid Content-Type",
                              "Form-encoded bodies are not supported; send application/json.")
        if not req.client_accepts_json:
            raise falcon.HTTPNotAcceptable(
                description=NOT_ACCEPTABLE,
                href="http://www.w3.org/Protocols/rfc2616/rfc2616-sec14.html",
                href_text="14.1 Accept, Hypertext Transfer Protocol -- HTTP/1.1",
            )
        if getattr(resource, "requires_client_id", True):
            req.context.client_id = self._client_id(req)
        if getattr(resource, "requires_project", True):
            req.context.project = self._project(req)
        queue = params.get("queue_name")
        if queue is not None:
            self._validator.queue_identification(queue, req.context.project)

    def process_response(
        self, req: falcon.Request, resp: falcon.Response, resource: Any, req_succeeded: bool
    ) -> None:
        resp.set_header("x-openstack-request-id", req.context.request_id)
        if req.content_length and req.content_length <= DRAIN_LIMIT:
            req.bounded_stream.exhaust()
        elapsed = time.monotonic() - req.context.started
        LOG.debug("%s %s %s %s %.1fms project=%s", req.context.request_id, req.method,
                  req.relative_uri, resp.status, elapsed * 1000, req.context.project)

    def _client_id(self, req: falcon.Request) -> str:
        value = req.get_header("Client-ID")
        if value is None:
            raise HeaderError("Missing header value", 'The "Client-ID" header is required.')
        return self._validator.client_id(value)

    @staticmethod
    def _project(req: falcon.Request) -> str:
        for header in PROJECT_HEADERS:
            value = req.get_header(header)
            if value is not None:
                break
        else:
            raise HeaderError("Project-Id Missing", "The header X-PROJECT-ID was missing")
        if value == "":
            raise HeaderError(
                "Empty project header not allowed",
                "X-PROJECT-ID cannot be an empty string. Specify the right header "
                "X-PROJECT-ID and retry.",
            )
        return value
