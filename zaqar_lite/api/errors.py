"""The one place that turns exceptions into HTTP answers.

Domain errors carry their status and title; 503s get the failing operation's
own sentence (declared on the responder with ``@on_failure``) plus a request
to retry; anything unexpected becomes a logged 500 with a reference id and no
traceback in the body.
"""

from __future__ import annotations

import functools
import logging
import uuid
from collections.abc import Callable
from typing import Any, TypeVar

import falcon

from zaqar_lite.errors import RETRY_SUFFIX, StorageUnavailable, ZaqarError

LOG = logging.getLogger(__name__)

Responder = TypeVar("Responder", bound=Callable[..., Any])


def on_failure(sentence: str) -> Callable[[Responder], Responder]:
    """Name what failed when the store is unavailable, e.g. "Queue could not be created."."""

    def decorate(responder: Responder) -> Responder:
        @functools.wraps(responder)
        def wrapper(self: Any, req: falcon.Request, *args: Any, **kwargs: Any) -> Any:
            req.context.failure = sentence
            return responder(self, req, *args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorate


def handle_zaqar_error(
    req: falcon.Request, resp: falcon.Response, error: ZaqarError, params: dict[str, Any]
) -> None:
    if isinstance(error, StorageUnavailable):
        sentence = getattr(req.context, "failure", "The request could not be completed.")
        LOG.warning("%s %s %s: storage unavailable: %s", req.context.get("request_id"),
                    req.method, req.path, error.reason)
        raise falcon.HTTPError(falcon.code_to_http_status(error.status), title=error.title,
                               description=sentence + RETRY_SUFFIX)
    LOG.info("%s %s %s -> %d %s: %s", req.context.get("request_id"), req.method, req.path,
             error.status, error.title, error.description)
    raise falcon.HTTPError(falcon.code_to_http_status(error.status), title=error.title,
                           description=error.description or None,
                           headers=error.headers or None)


def handle_unexpected(
    req: falcon.Request, resp: falcon.Response, error: Exception, params: dict[str, Any]
) -> None:
    if isinstance(error, falcon.HTTPError):
        raise error
    ref = str(uuid.uuid4())
    LOG.exception("unexpected error ref=%s on %s %s", ref, req.method, req.path)
    raise falcon.HTTPInternalServerError(
        title="Internal server error",
        description=f"An unexpected error occurred (reference {ref}); it has been logged.",
    )


def serialize_error(req: falcon.Request, resp: falcon.Response, error: falcon.HTTPError) -> None:
    """Every error body is JSON, even for a client whose ``Accept`` excludes it (406)."""
    resp.data = error.to_json(resp.options.media_handlers[falcon.MEDIA_JSON])
    resp.content_type = falcon.MEDIA_JSON
    resp.append_header("Vary", "Accept")


def install(app: falcon.App[falcon.Request, falcon.Response]) -> None:
    """Register the handlers (the most specific one wins in Falcon) and the serializer."""
    app.add_error_handler(Exception, handle_unexpected)
    app.add_error_handler(ZaqarError, handle_zaqar_error)
    app.set_error_serializer(serialize_error)
