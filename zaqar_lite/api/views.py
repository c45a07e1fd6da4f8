"""Response shapes: how core values are shown to clients of one API version.

``Views`` renders API v1.1 and v2, which share their envelopes; v1 subclasses
it and changes only what differs (bare arrays, 204 for empty pages,
``Content-Location``, the four-member message). Every envelope, href,
``Location``/``Content-Location`` and "empty → status" decision lives here,
so resources stay version-neutral.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

import falcon

from zaqar_lite.api import params
from zaqar_lite.config import Settings
from zaqar_lite.core.queues import QueuePage
from zaqar_lite.core.rules import ReservedMetadata, VersionRules
from zaqar_lite.errors import MessagesNotFound
from zaqar_lite.storage.base import Claim, Message, QueueStats, Subscription
from zaqar_lite.validation import reserved_defaults


class Views:
    """The representations of API v1.1 and v2."""

    collection = "queues"
    """Where queues live, in paths and as the listing's key."""
    counted = True
    """Whether a listing may carry the ``count`` that ``with_count`` asks for."""

    def __init__(self, root: str, rules: VersionRules, settings: Settings) -> None:
        self.root = root
        self.rules = rules
        self.settings = settings
        self._defaults = (reserved_defaults(settings)
                          if rules.reserved_metadata is ReservedMetadata.DEFAULTED else {})

    # -- hrefs ----------------------------------------------------------

    def queue_href(self, queue: str) -> str:
        return f"{self.root}/{self.collection}/{queue}"

    def message_href(self, queue: str, message_id: str) -> str:
        return f"{self.queue_href(queue)}/messages/{message_id}"

    def claim_href(self, queue: str, claim_id: str) -> str:
        return f"{self.queue_href(queue)}/claims/{claim_id}"

    def locate(self, req: falcon.Request, resp: falcon.Response) -> None:
        """Where a read says what it shows; only v1 sets ``Content-Location``."""

    # -- queues ---------------------------------------------------------

    def metadata(self, metadata: Mapping[str, Any]) -> dict[str, Any]:
        """Stored metadata, with the reserved keys' defaults filled in where the
        version shows them and the stored value is missing or falsy."""
        shown = dict(metadata)
        for key, default in self._defaults.items():
            if not shown.get(key):
                shown[key] = default
        return shown

    def queue_page(self, req: falcon.Request, resp: falcon.Response, page: QueuePage,
                   detailed: bool) -> None:
        items = []
        for queue in page.queues:
            item: dict[str, Any] = {"name": queue.name, "href": self.queue_href(queue.name)}
            if detailed:
                item["metadata"] = self.metadata(queue.metadata)
            items.append(item)
        body = listing(req, self.collection, items, params.queue_list_params(self.rules),
                       page.queues[-1].name if page.queues else None)
        if page.count is not None:
            body["count"] = page.count
        self._page(req, resp, body, bool(items))

    def _page(self, req: falcon.Request, resp: falcon.Response, body: Any,
              found: bool) -> None:
        """A listing, shown whether or not it found anything."""
        resp.media = body

    def queue_created(self, resp: falcon.Response, queue: str, created: bool) -> None:
        resp.status = falcon.HTTP_201 if created else falcon.HTTP_204
        resp.location = self.queue_href(queue)

    def queue(self, req: falcon.Request, resp: falcon.Response,
              metadata: Mapping[str, Any]) -> None:
        """A queue's metadata (a JSON object)."""
        self.locate(req, resp)
        resp.media = self.metadata(metadata)

    def existence(self, req: falcon.Request, resp: falcon.Response, exists: bool) -> None:
        """204 if the queue exists, a bare 404 if not (API v1's existence check)."""
        self.locate(req, resp)
        resp.status = falcon.HTTP_204 if exists else falcon.HTTP_404

    def metadata_replaced(self, resp: falcon.Response, queue: str) -> None:
        """API v1's metadata sub-resource was replaced."""
        resp.status = falcon.HTTP_204
        resp.location = f"{self.queue_href(queue)}/metadata"

    def stats(self, req: falcon.Request, resp: falcon.Response, queue: str,
              stats: QueueStats, now: int) -> None:
        counts: dict[str, Any] = {"claimed": stats.claimed, "free": stats.free,
                                  "total": stats.total}
        for label, message in (("oldest", stats.oldest), ("newest", stats.newest)):
            if message is not None:
                counts[label] = {
                    "href": self.message_href(queue, message.id),
                    "age": message.age(now),
                    "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(message.created)),
                }
        self.locate(req, resp)
        resp.media = {"messages": counts}

    # -- messages -------------------------------------------------------

    def message(self, queue: str, message: Message, now: int) -> dict[str, Any]:
        """A message; the href names the claim whenever the message carries one."""
        href = self.message_href(queue, message.id)
        if message.claim_id:
            href += f"?claim_id={message.claim_id}"
        view = {"id": message.id, "href": href, "ttl": message.ttl,
                "age": message.age(now), "body": message.body}
        if message.checksum is not None:
            view["checksum"] = message.checksum
        return view

    def claimed_message(self, queue: str, message: Message, now: int) -> dict[str, Any]:
        """A message in a claim's response (always tagged with that claim)."""
        return self.message(queue, message, now)

    def posted(self, resp: falcon.Response, queue: str, ids: list[str]) -> None:
        resp.status = falcon.HTTP_201
        resp.location = f"{self.queue_href(queue)}/messages?ids={','.join(ids)}"
        resp.media = self._posted_body([self.message_href(queue, mid) for mid in ids])

    def _posted_body(self, hrefs: list[str]) -> dict[str, Any]:
        return {"resources": hrefs}

    def message_page(self, req: falcon.Request, resp: falcon.Response, queue: str,
                     messages: list[Message], now: int) -> None:
        body = listing(req, "messages", [self.message(queue, msg, now) for msg in messages],
                       params.message_list_params(self.rules),
                       str(messages[-1].marker) if messages else None)
        self._page(req, resp, body, bool(messages))

    def messages_by_id(self, req: falcon.Request, resp: falcon.Response, project: str,
                       queue: str, ids: list[str], messages: list[Message], now: int) -> None:
        """The messages found among ``ids``; none found is a 404 naming them."""
        if not messages:
            raise MessagesNotFound(project, queue, ids)
        resp.media = {"messages": [self.message(queue, msg, now) for msg in messages]}

    def one_message(self, req: falcon.Request, resp: falcon.Response, queue: str,
                    message: Message, now: int) -> None:
        self.locate(req, resp)
        resp.media = self.message(queue, message, now)

    def popped(self, resp: falcon.Response, messages: list[Message], now: int) -> None:
        """Popped messages, in the reference's raw storage form (no href)."""
        resp.media = {"messages": [
            {"id": msg.id, "age": msg.age(now), "ttl": msg.ttl, "claim_count": msg.claim_count,
             "body": msg.body, "claim_id": msg.claim_id}
            for msg in messages
        ]}

    # -- claims ---------------------------------------------------------

    def claim_created(self, resp: falcon.Response, queue: str, claim_id: str | None,
                      messages: list[Message], now: int) -> None:
        """201 with the claimed messages, or 204 when nothing could be claimed."""
        if claim_id is None:
            resp.status = falcon.HTTP_204
            return
        resp.status = falcon.HTTP_201
        resp.location = self.claim_href(queue, claim_id)
        resp.media = self._claimed_body(
            [self.claimed_message(queue, msg, now) for msg in messages])

    def _claimed_body(self, messages: list[dict[str, Any]]) -> Any:
        return {"messages": messages}

    def claim(self, req: falcon.Request, resp: falcon.Response, queue: str, claim: Claim,
              now: int) -> None:
        self.locate(req, resp)
        resp.media = {
            "age": claim.age, "ttl": claim.ttl, "href": self.claim_href(queue, claim.id),
            "messages": [self.claimed_message(queue, msg, now) for msg in claim.messages],
        }


    # -- subscriptions --------------------------------------------------

    def subscription(self, subscription: Subscription, now: int) -> dict[str, Any]:
        return {"id": subscription.id, "source": subscription.queue,
                "subscriber": subscription.subscriber, "ttl": subscription.ttl,
                "age": subscription.age(now), "options": subscription.options,
                "confirmed": subscription.confirmed}

    def subscribed(self, resp: falcon.Response, collection: str,
                   subscription: Subscription) -> None:
        resp.status = falcon.HTTP_201
        resp.location = collection
        resp.media = {"subscription_id": subscription.id}

    def subscription_page(self, req: falcon.Request, resp: falcon.Response,
                          subscriptions: list[Subscription], now: int) -> None:
        resp.media = listing(req, "subscriptions",
                             [self.subscription(sub, now) for sub in subscriptions],
                             params.SUBSCRIPTION_PAGING,
                             subscriptions[-1].id if subscriptions else None)


def listing(req: falcon.Request, key: str, items: list[Any], paging: tuple[str, ...],
            last_marker: str | None) -> dict[str, Any]:
    """A page of ``items`` under ``key``, with the link to the next page when the
    page has a last item (``last_marker``) to continue after."""
    links = [] if last_marker is None else params.next_link(req, paging, last_marker)
    return {key: items, "links": links}
