"""Home documents (JSON-home) of each version, and the version list at ``/``."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import falcon

from zaqar_lite.api.resources import Resource
from zaqar_lite.api.version import HomeEntry, Mount, Version
from zaqar_lite.core.rules import HeaderPolicy, Presence

JSON_HOME = "application/json-home"
BODY_METHODS = {"POST", "PATCH"}

# Template variables whose parameter has another name.
_PARAMS = {"claim": "claim_id"}


def _limit_param(template: str) -> str:
    """Zaqar names the page size after what is paged."""
    if "/claims" in template:
        return "claim_limit"
    if "/messages" in template:
        return "messages_limit"
    if "/subscriptions" in template:
        return "subscription_limit"
    return "queue_limit"


def _template_vars(template: str) -> list[str]:
    names: list[str] = []
    for chunk in template.split("{")[1:]:
        inner = chunk.split("}")[0].lstrip("?")
        names.extend(inner.split(","))
    return names


def _entry(root: str, template: str, methods: tuple[str, ...]) -> dict[str, Any]:
    hints: dict[str, Any] = {"allow": list(methods), "formats": {"application/json": {}}}
    if set(methods) <= BODY_METHODS:
        # Zaqar names the body type of every entry that only takes bodies.
        hints["accept-post"] = ["application/json"]
    if not template.startswith("/"):
        # A plain link rather than a template (``rel/health``).
        return {"href": root + "/" + template, "hints": hints}
    entry: dict[str, Any] = {"href-template": root + template, "hints": hints}
    names = _template_vars(template)
    if names:
        entry["href-vars"] = {
            name: "param/" + (_limit_param(template) if name == "limit"
                              else _PARAMS.get(name, name))
            for name in names
        }
    return entry


def home_document(root: str, entries: Sequence[HomeEntry]) -> dict[str, Any]:
    """The JSON-home document of the resources ``entries`` describe.

    A template that does not start with ``/`` is a plain link under the root.
    """
    return {"resources": {rel: _entry(root, template, methods)
                          for rel, template, methods in entries}}


class HomeDocument(Resource):
    """``GET /vX/``: the version's JSON-home document, cacheable for a day."""

    def __init__(self, mount: Mount) -> None:
        super().__init__(mount)
        version = mount.version
        self._body = json.dumps(home_document(version.root, version.home), ensure_ascii=False)

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        resp.text = self._body
        resp.content_type = JSON_HOME
        resp.cache_control = ["max-age=86400"]


class VersionList:
    """``GET /``: every API version served (300 Multiple Choices, no headers needed)."""

    header_policy = HeaderPolicy(client_id=Presence.IGNORED, project=Presence.IGNORED)

    def __init__(self, versions: Sequence[Version]) -> None:
        self._versions = [version.entry for version in versions]

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        resp.status = falcon.HTTP_300
        resp.media = {"versions": self._versions}
