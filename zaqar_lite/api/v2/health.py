"""Liveness (``/ping``) and the storage health report (``/health``)."""

from __future__ import annotations

import falcon

from zaqar_lite.api.errors import on_failure
from zaqar_lite.api.services import Services
from zaqar_lite.health import run_health_check


class Ping:
    """GET: 204 when the store answers, 503 otherwise. HEAD: always 204."""

    def __init__(self, services: Services) -> None:
        self.services = services

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        resp.status = falcon.HTTP_204 if self.services.store.ping() else falcon.HTTP_503

    def on_head(self, req: falcon.Request, resp: falcon.Response) -> None:
        resp.status = falcon.HTTP_204


class Health:
    """GET: exercise the store end to end and report each step's timing."""

    def __init__(self, services: Services) -> None:
        self.services = services

    @on_failure("Health status could not be read.")
    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        resp.media = run_health_check(self.services.store)
