"""The request steps: small named checks run, in order, before every responder.

The order follows Zaqar's request pipeline: a pre-signed URL's signature (only
when one is sent), body media type, ``Accept``, ``Client-ID``,
``X-Project-ID``, then the queue name in the path. Unknown paths never reach
them (they are a plain 404). A later check (a policy) is one more entry in the
list ``default_steps`` returns.

Each step reads what it needs from the request and from the header policy of
the version that owns the resource (``resource.header_policy``).
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable, Sequence
from typing import Any

import falcon

from zaqar_lite.config import Settings
from zaqar_lite.core.rules import HeaderPolicy, Presence
from zaqar_lite.errors import HeaderError, MissingClientId
from zaqar_lite.metrics import request_seconds_by, requests_by
from zaqar_lite.scopes import public_project, topic_scope
from zaqar_lite.signing import verify
from zaqar_lite.storage.base import Clock
from zaqar_lite.validation import RequestValidator

LOG = logging.getLogger("zaqar_lite.access")

Step = Callable[[falcon.Request, HeaderPolicy, dict[str, Any]], None]

NOT_ACCEPTABLE = (
    "Endpoint only serves `application/json`; specify client-side media type support "
    'with the "Accept" header.'
)
PROJECT_HEADERS = ("X-Project-ID", "X-Tenant-Id", "X-Tenant")
DRAIN_LIMIT = 1024 * 1024
"""Unread request bodies up to this size are read before answering, so that a
keep-alive connection survives a rejected (e.g. oversized) body; gunicorn
would otherwise drop the connection after 64 KiB."""


SIGNED_HEADERS = ("URL-Signature", "URL-Expires", "URL-Methods", "URL-Paths", "X-Project-ID")


def signed_url(secret_key: str | None, clock: Clock) -> Step:
    """A request carrying ``URL-Signature`` must carry a valid, unexpired signature
    for its method and path (a bare 404 otherwise, as in Zaqar); it then goes
    through the other steps like any request."""

    def check_signature(req: falcon.Request, policy: HeaderPolicy,
                        params: dict[str, Any]) -> None:
        if req.get_header("URL-Signature") is None:
            return
        headers = {name: req.get_header(name) for name in SIGNED_HEADERS}
        if not verify(secret_key, headers, req.method, req.path, clock()):
            raise falcon.HTTPNotFound()

    return check_signature


def media_type(req: falcon.Request, policy: HeaderPolicy, params: dict[str, Any]) -> None:
    """Form-encoded bodies are refused; any other announced body is read as JSON."""
    content_type = (req.content_type or "").lower()
    if req.content_length and content_type.startswith("application/x-www-form-urlencoded"):
        raise HeaderError("Invalid Content-Type",
                          "Form-encoded bodies are not supported; send application/json.")


def accept(req: falcon.Request, policy: HeaderPolicy, params: dict[str, Any]) -> None:
    """The client must accept JSON (no ``Accept`` header accepts anything)."""
    if not req.client_accepts_json:
        raise falcon.HTTPNotAcceptable(
            description=NOT_ACCEPTABLE,
            href="http://www.w3.org/Protocols/rfc2616/rfc2616-sec14.html",
            href_text="14.1 Accept, Hypertext Transfer Protocol -- HTTP/1.1",
        )


def client_id(validator: RequestValidator) -> Step:
    """``Client-ID``: required, or (v1) checked only when sent; normalised for echo."""

    def check_client_id(req: falcon.Request, policy: HeaderPolicy,
                        params: dict[str, Any]) -> None:
        if policy.client_id is Presence.IGNORED:
            return
        value = req.get_header("Client-ID")
        if value is None:
            if policy.client_id is Presence.REQUIRED:
                raise MissingClientId()
            return
        req.context.client_id = validator.client_id(value)

    return check_client_id


def project(req: falcon.Request, policy: HeaderPolicy, params: dict[str, Any]) -> None:
    """``X-Project-ID`` (or a tenant fallback): required, or (v1) the global
    namespace ``""`` when absent; never empty."""
    if policy.project is Presence.IGNORED:
        return
    for header in PROJECT_HEADERS:
        value = req.get_header(header)
        if value is not None:
            break
    else:
        if policy.project is Presence.REQUIRED:
            raise HeaderError("Project-Id Missing", "The header X-PROJECT-ID was missing")
        return
    if value == "":
        raise HeaderError(
            "Empty project header not allowed",
            "X-PROJECT-ID cannot be an empty string. Specify the right header "
            "X-PROJECT-ID and retry.",
        )
    req.context.project = value


def queue_name(validator: RequestValidator) -> Step:
    """A ``{queue_name}`` in the path must be a valid queue (or, on topic routes,
    topic) name, and the project short enough. Topic routes then work in the
    project's topic scope."""

    def check_queue_name(req: falcon.Request, policy: HeaderPolicy,
                         params: dict[str, Any]) -> None:
        queue = params.get("queue_name")
        if queue is not None:
            check = (validator.topic_identification if policy.topics
                     else validator.queue_identification)
            check(queue, req.context.project)
        if policy.topics:
            req.context.project = topic_scope(req.context.project)

    return check_queue_name


def default_steps(validator: RequestValidator, settings: Settings,
                  clock: Clock) -> tuple[Step, ...]:
    """Zaqar's checks, in its order."""
    return (signed_url(settings.secret_key, clock), media_type, accept, client_id(validator),
            project, queue_name(validator))


class RequestSteps:
    """Falcon middleware: sets up ``req.context``, runs the steps, records the answer.

    ``req.context.project`` is the project id (``""`` for v1's global namespace)
    and ``req.context.client_id`` the normalised Client-ID or None. Every answer
    carries ``x-openstack-request-id``, is counted and timed by route template
    (``zaqar_http_*`` metrics) and, with ``access_log``, logged at INFO with its
    request id, method, path, status, duration and project.
    """

    def __init__(self, steps: Sequence[Step], *, access_log: bool) -> None:
        self._steps = tuple(steps)
        self._access_log = access_log

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
        policy = resource.header_policy
        for step in self._steps:
            step(req, policy, params)

    def process_response(
        self, req: falcon.Request, resp: falcon.Response, resource: Any, req_succeeded: bool
    ) -> None:
        resp.set_header("x-openstack-request-id", req.context.request_id)
        if req.content_length and req.content_length <= DRAIN_LIMIT:
            req.bounded_stream.exhaust()
        elapsed = time.monotonic() - req.context.started
        status = falcon.http_status_to_code(resp.status)
        route = req.uri_template or "(no route)"
        requests_by(req.method, route, str(status)).inc()
        request_seconds_by(req.method, route).observe(elapsed)
        if self._access_log:
            LOG.info("%s %s %s %d %.1fms project=%s", req.context.request_id, req.method,
                     req.relative_uri, status, elapsed * 1000,
                     public_project(req.context.project))
