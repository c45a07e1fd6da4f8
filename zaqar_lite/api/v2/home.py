"""The v2 home document (JSON-home) and the version list at ``/``."""

from __future__ import annotations

import json
from typing import Any

import falcon

from zaqar_lite.api.views import Views

JSON_HOME = "application/json-home"

# rel, href template (after the root), allowed methods.
_RESOURCES: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("rel/queues", "/queues{?marker,limit,detailed}", ("GET",)),
    ("rel/queue", "/queues/{queue_name}", ("GET", "PUT", "DELETE", "PATCH")),
    ("rel/queue_stats", "/queues/{queue_name}/stats", ("GET",)),
    ("rel/queue_share", "/queues/{queue_name}/share", ("POST",)),
    ("rel/queue_purge", "/queues/{queue_name}/purge", ("POST",)),
    ("rel/messages", "/queues/{queue_name}/messages{?marker,limit,echo,include_claimed}",
     ("GET",)),
    ("rel/post_messages", "/queues/{queue_name}/messages", ("POST",)),
    ("rel/messages_delete", "/queues/{queue_name}/messages{?ids,pop}", ("DELETE",)),
    ("rel/message_delete", "/queues/{queue_name}/messages/{message_id}{?claim}",
     ("DELETE",)),
    ("rel/message_get", "/queues/{queue_name}/messages/{message_id}", ("GET",)),
    ("rel/claim", "/queues/{queue_name}/claims/{claim_id}", ("GET",)),
    ("rel/post_claim", "/queues/{queue_name}/claims{?limit}", ("POST",)),
    ("rel/patch_claim", "/queues/{queue_name}/claims/{claim_id}", ("PATCH",)),
    ("rel/delete_claim", "/queues/{queue_name}/claims/{claim_id}", ("DELETE",)),
    ("rel/subscriptions_get", "/queues/{queue_name}/subscriptions{?marker,limit}", ("GET",)),
    ("rel/subscriptions_post", "/queues/{queue_name}/subscriptions", ("POST",)),
    ("rel/subscription", "/queues/{queue_name}/subscriptions/{subscriptions_id}",
     ("GET", "DELETE")),
    ("rel/subscription_patch", "/queues/{queue_name}/subscriptions/{subscriptions_id}",
     ("PATCH",)),
    ("rel/ping", "/ping", ("GET",)),
)

# Template variables whose parameter has another name.
_PARAMS = {"claim": "claim_id"}


def _limit_param(template: str) -> str:
    """Zaqar names the page size after what is paged."""
    if "/claims" in template:
        return "claim_limit"
    if "/messages" in template:
        return "messages_limit"
    if "/subscriptions" in template:
        return "subscriptions_limit"
    return "queue_limit"


def _entry(root: str, template: str, methods: tuple[str, ...]) -> dict[str, Any]:
    names = [name.strip("{}?") for name in _template_vars(template)]
    hints: dict[str, Any] = {"allow": list(methods), "formats": {"application/json": {}}}
    if "POST" in methods:
        hints["accept-post"] = ["application/json"]
    entry: dict[str, Any] = {"href-template": root + template, "hints": hints}
    if names:
        entry["href-vars"] = {
            name: "param/" + (_limit_param(template) if name == "limit"
                              else _PARAMS.get(name, name))
            for name in names
        }
    return entry


def _template_vars(template: str) -> list[str]:
    names: list[str] = []
    for chunk in template.split("{")[1:]:
        inner = chunk.split("}")[0].lstrip("?")
        names.extend(inner.split(","))
    return names


def home_document(views: Views) -> dict[str, Any]:
    resources = {rel: _entry(views.root, template, methods)
                 for rel, template, methods in _RESOURCES}
    resources["rel/health"] = {
        "href": f"{views.root}/health",
        "hints": {"allow": ["GET"], "formats": {"application/json": {}}},
    }
    return {"resources": resources}


class HomeDocument:
    """``GET /v2/``: the JSON-home document, cacheable for a day."""

    def __init__(self, views: Views) -> None:
        self._body = json.dumps(home_document(views), ensure_ascii=False)

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        resp.text = self._body
        resp.content_type = JSON_HOME
        resp.cache_control = ["max-age=86400"]


class VersionList:
    """``GET /``: every API version served (300 Multiple Choices, no headers needed)."""

    requires_client_id = False
    requires_project = False

    VERSIONS = (
        {
            "id": "2",
            "status": "CURRENT",
            "updated": "2014-9-24T04:06:47Z",
            "media-types": [{"base": "application/json",
                             "type": "application/vnd.openstack.messaging-v2+json"}],
            "links": [{"href": "/v2/", "rel": "self"}],
        },
    )

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        resp.status = falcon.HTTP_300
        resp.media = {"versions": list(self.VERSIONS)}
