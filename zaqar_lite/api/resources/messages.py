"""Messages: post, list, get by id(s), delete by id(s), pop."""

from __future__ import annotations

import falcon

from zaqar_lite.api import params
from zaqar_lite.api.errors import on_failure
from zaqar_lite.api.media import RequestBody
from zaqar_lite.api.resources import Resource


class MessageCollection(Resource):
    """``/queues/{queue_name}/messages``."""

    @on_failure("Messages could not be enqueued.")
    def on_post(self, req: falcon.Request, resp: falcon.Response, queue_name: str) -> None:
        ids = self._core.messages.post(req.context.project, queue_name, RequestBody(req),
                                       req.context.client_id, self._rules)
        self._views.posted(resp, queue_name, ids)

    def on_get(self, req: falcon.Request, resp: falcon.Response, queue_name: str) -> None:
        ids = params.get_list(req, "ids")
        if ids is not None:
            self._get_by_ids(req, resp, queue_name, ids)
        else:
            self._list(req, resp, queue_name)

    @on_failure("Message could not be retrieved.")
    def _get_by_ids(
        self, req: falcon.Request, resp: falcon.Response, queue_name: str, ids: list[str]
    ) -> None:
        project = req.context.project
        found = self._core.messages.get_many(project, queue_name, ids)
        self._views.messages_by_id(req, resp, project, queue_name, ids, found,
                                   self._core.now())

    @on_failure("Messages could not be listed.")
    def _list(self, req: falcon.Request, resp: falcon.Response, queue_name: str) -> None:
        query = params.message_list_query(req, self._rules)
        messages = self._core.messages.list_page(req.context.project, queue_name, query,
                                            req.context.client_id, self._rules)
        self._views.message_page(req, resp, queue_name, messages, self._core.now())

    def on_delete(self, req: falcon.Request, resp: falcon.Response, queue_name: str) -> None:
        pop = params.get_int(req, "pop") if self._rules.pop else None
        if pop is None:
            self._delete_by_ids(req, resp, queue_name)
        else:
            self._pop(req, resp, queue_name, pop)

    @on_failure("Messages could not be deleted.")
    def _delete_by_ids(self, req: falcon.Request, resp: falcon.Response, queue_name: str
                       ) -> None:
        self._core.messages.delete_many(req.context.project, queue_name,
                                        params.get_list(req, "ids"),
                                        params.get_list(req, "claim_ids"), self._rules)
        resp.status = falcon.HTTP_204

    @on_failure("Messages could not be popped.")
    def _pop(self, req: falcon.Request, resp: falcon.Response, queue_name: str, pop: int
             ) -> None:
        popped = self._core.messages.pop(req.context.project, queue_name, pop,
                                         params.get_list(req, "ids"))
        self._views.popped(resp, popped, self._core.now())


class MessageItem(Resource):
    """``/queues/{queue_name}/messages/{message_id}``."""

    @on_failure("Message could not be retrieved.")
    def on_get(
        self, req: falcon.Request, resp: falcon.Response, queue_name: str, message_id: str
    ) -> None:
        message = self._core.messages.get(req.context.project, queue_name, message_id)
        self._views.one_message(req, resp, queue_name, message, self._core.now())

    @on_failure("Message could not be deleted.")
    def on_delete(
        self, req: falcon.Request, resp: falcon.Response, queue_name: str, message_id: str
    ) -> None:
        self._core.messages.delete(req.context.project, queue_name, message_id,
                                   params.get_str(req, "claim_id"))
        resp.status = falcon.HTTP_204
