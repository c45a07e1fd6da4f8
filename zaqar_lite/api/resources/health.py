"""Liveness (``/ping``, v1's ``/health``) and the storage health report (``/health``)."""

from __future__ import annotations

import falcon

from zaqar_lite.api.errors import on_failure
from zaqar_lite.api.resources import Resource


class Ping(Resource):
    """GET: 204 when the store answers, 503 otherwise. HEAD: always 204."""

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        resp.status = falcon.HTTP_204 if self._core.ping() else falcon.HTTP_503

    def on_head(self, req: falcon.Request, resp: falcon.Response) -> None:
        resp.status = falcon.HTTP_204


class Health(Resource):
    """GET: exercise the store end to end and report each step's timing."""

    @on_failure("Health status could not be read.")
    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        resp.media = self._core.health()
