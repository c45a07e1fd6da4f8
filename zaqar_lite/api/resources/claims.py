"""Claims: lease messages, read, renew and release a lease."""

from __future__ import annotations

import falcon

from zaqar_lite.api import params
from zaqar_lite.api.errors import on_failure
from zaqar_lite.api.media import RequestBody
from zaqar_lite.api.resources import Resource


class ClaimCollection(Resource):
    """``POST /queues/{queue_name}/claims``: 201 with messages, or 204 if none."""

    @on_failure("Claim could not be created.")
    def on_post(self, req: falcon.Request, resp: falcon.Response, queue_name: str) -> None:
        claim_id, messages = self._core.claims.create(
            req.context.project, queue_name, RequestBody(req), params.get_int(req, "limit"),
            self._rules)
        self._views.claim_created(resp, queue_name, claim_id, messages, self._core.now())


class ClaimItem(Resource):
    """``/queues/{queue_name}/claims/{claim_id}``."""

    @on_failure("Claim could not be queried.")
    def on_get(
        self, req: falcon.Request, resp: falcon.Response, queue_name: str, claim_id: str
    ) -> None:
        claim = self._core.claims.get(req.context.project, queue_name, claim_id)
        self._views.claim(req, resp, queue_name, claim, self._core.now())

    @on_failure("Claim could not be updated.")
    def on_patch(
        self, req: falcon.Request, resp: falcon.Response, queue_name: str, claim_id: str
    ) -> None:
        self._core.claims.renew(req.context.project, queue_name, claim_id, RequestBody(req),
                                self._rules)
        resp.status = falcon.HTTP_204

    @on_failure("Claim could not be deleted.")
    def on_delete(
        self, req: falcon.Request, resp: falcon.Response, queue_name: str, claim_id: str
    ) -> None:
        self._core.claims.release(req.context.project, queue_name, claim_id)
        resp.status = falcon.HTTP_204
