"""Claims: lease messages, read, renew and release a lease."""

from __future__ import annotations

import falcon

from zaqar_lite.api import media, params
from zaqar_lite.api.errors import on_failure
from zaqar_lite.api.services import Services
from zaqar_lite.api.views import Views


class ClaimCollection:
    """``POST /queues/{queue_name}/claims``: 201 with messages, or 204 if none."""

    def __init__(self, services: Services, views: Views) -> None:
        self.services = services
        self.views = views

    @on_failure("Claim could not be created.")
    def on_post(self, req: falcon.Request, resp: falcon.Response, queue_name: str) -> None:
        ttl, grace, limit = self.services.validator.claim_create(
            media.read_object(req), params.get_int(req, "limit"))
        claim_id, messages = self.services.store.claims.create(
            req.context.project, queue_name, ttl=ttl, grace=grace, limit=limit)
        if claim_id is None:
            resp.status = falcon.HTTP_204
            return
        now = self.services.now()
        resp.status = falcon.HTTP_201
        resp.location = self.views.claim_href(queue_name, claim_id)
        resp.media = {"messages": [self.views.message(queue_name, msg, now) for msg in messages]}


class ClaimItem:
    """``/queues/{queue_name}/claims/{claim_id}``."""

    def __init__(self, services: Services, views: Views) -> None:
        self.services = services
        self.views = views

    @on_failure("Claim could not be queried.")
    def on_get(
        self, req: falcon.Request, resp: falcon.Response, queue_name: str, claim_id: str
    ) -> None:
        claim = self.services.store.claims.get(req.context.project, queue_name, claim_id)
        resp.media = self.views.claim(queue_name, claim, self.services.now())

    @on_failure("Claim could not be updated.")
    def on_patch(
        self, req: falcon.Request, resp: falcon.Response, queue_name: str, claim_id: str
    ) -> None:
        ttl, grace = self.services.validator.claim_update(media.read_object(req, required=True))
        self.services.store.claims.update(
            req.context.project, queue_name, claim_id, ttl=ttl, grace=grace)
        resp.status = falcon.HTTP_204

    @on_failure("Claim could not be deleted.")
    def on_delete(
        self, req: falcon.Request, resp: falcon.Response, queue_name: str, claim_id: str
    ) -> None:
        self.services.store.claims.delete(req.context.project, queue_name, claim_id)
        resp.status = falcon.HTTP_204
