"""Build the Falcon application: store, core, request steps, error handling, versions."""

from __future__ import annotations

import functools
import json
import logging
from collections.abc import Callable, Mapping
from typing import Any

import falcon
import falcon.media

from zaqar_lite.api import errors
from zaqar_lite.api.resources.home import VersionList
from zaqar_lite.api.resources.metrics import Metrics
from zaqar_lite.api.steps import RequestSteps, default_steps
from zaqar_lite.api.v1 import VERSION as V1
from zaqar_lite.api.v1_1 import VERSION as V1_1
from zaqar_lite.api.v2 import VERSION as V2
from zaqar_lite.api.version import Version
from zaqar_lite.config import Settings, redacted_url
from zaqar_lite.core.notifications import Doorbell
from zaqar_lite.core.operations import Core
from zaqar_lite.notify.deliverer import Deliverer
from zaqar_lite.serving.bridge import WsgiBridge, writes
from zaqar_lite.storage import open_store
from zaqar_lite.storage.base import Clock, Store, system_clock

LOG = logging.getLogger(__name__)

MIN_BODY_BUFFER = 1024 * 1024
"""Bodies up to this size (or the configured post and metadata limits, if larger)
reach the app, which answers oversized ones with its own 400."""

VERSIONS: tuple[Version, ...] = (V1, V1_1, V2)
"""Every version the server can serve, in the order ``GET /`` lists them."""


def enabled_versions(settings: Settings) -> tuple[Version, ...]:
    """v2, and the deprecated versions ``enable_deprecated_api_versions`` names."""
    return tuple(version for version in VERSIONS
                 if version.status == "CURRENT" or version.id in settings.deprecated_api_versions)


def create_app(
    settings: Settings, *, store: Store | None = None, clock: Clock = system_clock,
    doorbell: Doorbell | None = None,
) -> falcon.App[falcon.Request, falcon.Response]:
    """A WSGI app serving the enabled API versions from ``store`` (opened from
    settings if not given); ``doorbell`` is rung after posts that may notify."""
    if store is None:
        store = open_configured_store(settings, clock)
    core = Core(store, settings, clock, doorbell)
    versions = enabled_versions(settings)

    steps = default_steps(core.validator, settings, clock)
    app = falcon.App(middleware=[RequestSteps(steps, access_log=settings.access_log)])
    app.req_options.auto_parse_qs_csv = True
    app.req_options.keep_blank_qs_values = False
    app.req_options.strip_url_path_trailing_slash = False
    json_handler = falcon.media.JSONHandler(
        dumps=functools.partial(json.dumps, ensure_ascii=False), loads=json.loads)
    app.resp_options.media_handlers[falcon.MEDIA_JSON] = json_handler
    errors.install(app)

    app.add_route("/", VersionList(versions))
    app.add_route("/metrics", Metrics())
    for version in versions:
        for path, resource in version.mount(core, settings):
            app.add_route(path, resource)
    LOG.info("serving API %s from %s", ", ".join(version.id for version in versions),
             redacted_url(settings.storage_url))
    return app


def create_delivering_app(
    settings: Settings,
) -> tuple[falcon.App[falcon.Request, falcon.Response], Deliverer | None]:
    """The app on the configured store, and the notification deliverer on the same
    store that its posts ring (none if ``deliver_in_server`` is off); the caller
    starts and stops the deliverer."""
    store = open_configured_store(settings)
    deliverer = Deliverer(store, settings) if settings.deliver_in_server else None
    app = create_app(settings, store=store, doorbell=deliverer.ring if deliverer else None)
    return app, deliverer


def create_asgi_app(settings: Settings) -> WsgiBridge:
    """The app as ``zaqar-lite serve`` runs it: ``create_delivering_app`` behind a
    bridge that hands it only whole requests (see ``zaqar_lite.serving``) and runs
    the deliverer for as long as it serves."""
    app, deliverer = create_delivering_app(settings)
    return WsgiBridge(app, threads=settings.request_threads,
                      max_body=max(MIN_BODY_BUFFER, settings.max_messages_post_size,
                                   settings.max_queue_metadata),
                      request_timeout=settings.request_timeout,
                      pooled=pooled_requests(settings),
                      services=[deliverer] if deliverer else [])


STORELESS_PATHS = frozenset(
    {b"/", *(f"{version.root}{end}".encode() for version in VERSIONS for end in ("", "/"))})
"""The version list and the home documents, which are served from memory (raw paths)."""


SLOW_READ_PATHS = frozenset(
    {b"/metrics", *(f"{version.root}/health".encode() for version in VERSIONS)})
"""Reads that would hold up an event loop: the metrics page merges the samples of
every worker, and the health checks post, claim and delete (raw paths)."""


def pooled_requests(settings: Settings) -> Callable[[Mapping[str, Any]], bool]:
    """What the request threads run: on MongoDB every request that may wait on the
    network (all but ``STORELESS_PATHS``); on SQLite the writes, which wait on a
    commit that concurrent writes share, and ``SLOW_READ_PATHS``, while other reads
    are cheaper on the event loop's thread."""
    return reads_store if settings.store_on_network else writes_or_slow_reads


def writes_or_slow_reads(scope: Mapping[str, Any]) -> bool:
    """A request that may change something, or one for ``SLOW_READ_PATHS``."""
    return writes(scope) or scope["raw_path"] in SLOW_READ_PATHS


def reads_store(scope: Mapping[str, Any]) -> bool:
    """A request for anything but the version list and the home documents."""
    return scope["raw_path"] not in STORELESS_PATHS


def open_configured_store(settings: Settings, clock: Clock = system_clock) -> Store:
    """Open the store the settings name, with the driver's own options."""
    url = settings.storage_url
    if url.startswith("mongodb"):
        return open_store(url, clock=clock, database=settings.mongodb_database_name,
                          max_reconnect_attempts=settings.mongodb_max_reconnect_attempts,
                          unreliable=settings.unreliable,
                          count_commands=settings.mongodb_count_commands)
    return open_store(url, clock=clock)

