"""API v1 shapes: bare arrays, 204 for empty results, ``Content-Location`` on reads,
and messages of four members (``href``, ``ttl``, ``age``, ``body``)."""

from __future__ import annotations

from typing import Any

import falcon

from zaqar_lite.api import views
from zaqar_lite.storage.base import Message


class Views(views.Views):
    """The representations of API v1."""

    def locate(self, req: falcon.Request, resp: falcon.Response) -> None:
        resp.content_location = req.relative_uri

    def _page(self, req: falcon.Request, resp: falcon.Response, body: Any,
              found: bool) -> None:
        self.locate(req, resp)
        if found:
            resp.media = body
        else:
            resp.status = falcon.HTTP_204

    def message(self, queue: str, message: Message, now: int) -> dict[str, Any]:
        """A message outside a claim's response: its href never names the claim."""
        return {"href": self.message_href(queue, message.id), "ttl": message.ttl,
                "age": message.age(now), "body": message.body}

    def claimed_message(self, queue: str, message: Message, now: int) -> dict[str, Any]:
        view = self.message(queue, message, now)
        view["href"] += f"?claim_id={message.claim_id}"
        return view

    def _posted_body(self, hrefs: list[str]) -> dict[str, Any]:
        """Posts are all or nothing, so ``partial`` is always false."""
        return {"resources": hrefs, "partial": False}

    def messages_by_id(self, req: falcon.Request, resp: falcon.Response, project: str,
                       queue: str, ids: list[str], messages: list[Message], now: int) -> None:
        """A bare array of the messages found, or 204 when none was."""
        self._page(req, resp, [self.message(queue, msg, now) for msg in messages],
                   bool(messages))

    def _claimed_body(self, messages: list[dict[str, Any]]) -> Any:
        return messages
