"""Build the Falcon application: store, middleware, error handling, routes."""

from __future__ import annotations

import functools
import json
import logging

import falcon
import falcon.media

from zaqar_lite.api import errors
from zaqar_lite.api.context import RequestContext
from zaqar_lite.api.services import Services
from zaqar_lite.api.v2 import claims, health, home, messages, queues
from zaqar_lite.api.views import Views
from zaqar_lite.config import Settings
from zaqar_lite.storage import open_store
from zaqar_lite.storage.base import Clock, Store, system_clock
from zaqar_lite.validation import RequestValidator

LOG = logging.getLogger(__name__)

QUEUE = "/queues/{queue_name}"


def create_app(
    settings: Settings, *, store: Store | None = None, clock: Clock = system_clock
) -> falcon.App:
    """A WSGI app serving API v2 from ``store`` (opened from settings if not given)."""
    if store is None:
        store = open_configured_store(settings, clock)
    validator = RequestValidator(settings)
    services = Services(store=store, validator=validator, settings=settings, clock=clock)

    app = falcon.App(middleware=[RequestContext(validator)])
    app.req_options.auto_parse_qs_csv = True
    app.req_options.keep_blank_qs_values = False
    app.req_options.strip_url_path_trailing_slash = False
    json_handler = falcon.media.JSONHandler(
        dumps=functools.partial(json.dumps, ensure_ascii=False), loads=json.loads)
    app.resp_options.media_handlers[falcon.MEDIA_JSON] = json_handler
    errors.install(app)

    views = Views(settings)
    root = views.root
    app.add_route("/", home.VersionList())
    app.add_route(f"{root}/", home.HomeDocument(views))
    app.add_route(f"{root}/ping", health.Ping(services))
    app.add_route(f"{root}/health", health.Health(services))
    app.add_route(f"{root}/queues", queues.QueueCollection(services, views))
    app.add_route(f"{root}{QUEUE}", queues.QueueItem(services, views))
    app.add_route(f"{root}{QUEUE}/stats", queues.QueueStatsResource(services, views))
    app.add_route(f"{root}{QUEUE}/purge", queues.QueuePurge(services))
    app.add_route(f"{root}{QUEUE}/messages", messages.MessageCollection(services, views))
    app.add_route(f"{root}{QUEUE}/messages/{{message_id}}", messages.MessageItem(services, views))
    app.add_route(f"{root}{QUEUE}/claims", claims.ClaimCollection(services, views))
    app.add_route(f"{root}{QUEUE}/claims/{{claim_id}}", claims.ClaimItem(services, views))
    LOG.info("serving API v2 from %s", _redacted(settings.storage_url))
    return app


def open_configured_store(settings: Settings, clock: Clock = system_clock) -> Store:
    """Open the store the settings name, with the driver's own options."""
    url = settings.storage_url
    if url.startswith("mongodb"):
        return open_store(url, clock=clock, database=settings.mongodb_database,
                          max_reconnect_attempts=settings.mongodb_max_reconnect_attempts)
    return open_store(url, clock=clock)


def _redacted(url: str) -> str:
    """The storage URL without any password, for logs."""
    scheme, sep, rest = url.partition("://")
    if "@" in rest:
        rest = "***@" + rest.split("@", 1)[1]
    return scheme + sep + rest
