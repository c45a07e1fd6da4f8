"""Subscriptions: subscribe, list, read, update, unsubscribe, confirm."""

from __future__ import annotations

import falcon

from zaqar_lite.api import params
from zaqar_lite.api.errors import on_failure
from zaqar_lite.api.media import RequestBody
from zaqar_lite.api.resources import Resource


class SubscriptionCollection(Resource):
    """``/queues/{queue_name}/subscriptions``."""

    @on_failure("Subscription could not be created.")
    def on_post(self, req: falcon.Request, resp: falcon.Response, queue_name: str) -> None:
        subscription = self._core.subscriptions.create(
            req.context.project, queue_name, RequestBody(req), req.path)
        self._views.subscribed(resp, req.path, subscription)

    @on_failure("Subscriptions could not be listed.")
    def on_get(self, req: falcon.Request, resp: falcon.Response, queue_name: str) -> None:
        found = self._core.subscriptions.list_page(
            req.context.project, queue_name, params.get_str(req, "marker"),
            params.get_int(req, "limit"))
        self._views.subscription_page(req, resp, found, self._core.now())


class SubscriptionItem(Resource):
    """``/queues/{queue_name}/subscriptions/{subscription_id}``."""

    @on_failure("Subscription could not be retrieved.")
    def on_get(self, req: falcon.Request, resp: falcon.Response, queue_name: str,
               subscription_id: str) -> None:
        subscription = self._core.subscriptions.get(req.context.project, queue_name,
                                                    subscription_id)
        resp.media = self._views.subscription(subscription, self._core.now())

    @on_failure("Subscription could not be updated.")
    def on_patch(self, req: falcon.Request, resp: falcon.Response, queue_name: str,
                 subscription_id: str) -> None:
        self._core.subscriptions.update(req.context.project, queue_name, subscription_id,
                                        RequestBody(req))
        resp.status = falcon.HTTP_204
        resp.location = req.path

    @on_failure("Subscription could not be deleted.")
    def on_delete(self, req: falcon.Request, resp: falcon.Response, queue_name: str,
                  subscription_id: str) -> None:
        self._core.subscriptions.delete(req.context.project, queue_name, subscription_id)
        resp.status = falcon.HTTP_204


class SubscriptionConfirmation(Resource):
    """``PUT /queues/{queue_name}/subscriptions/{subscription_id}/confirm``."""

    @on_failure("Subscription could not be confirmed.")
    def on_put(self, req: falcon.Request, resp: falcon.Response, queue_name: str,
               subscription_id: str) -> None:
        self._core.subscriptions.confirm(req.context.project, queue_name, subscription_id,
                                         RequestBody(req), req.path)
        resp.status = falcon.HTTP_204
        resp.location = req.path
