"""Assertions and small request helpers shared by the HTTP API suite."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qs, urlsplit

import requests

from tests.live_server import Api

PATCH_TYPE = "application/openstack-messaging-v2.0-json-patch"
ID_PATTERN = re.compile(r"^[0-9a-f]{24}$")
UNKNOWN_ID = "5f1e8a2b9c0d4e5f6a7b8c9d"
"""A well-formed message or claim id that names nothing."""
MESSAGE_KEYS = {"id", "href", "ttl", "age", "body"}
POPPED_KEYS = {"id", "age", "ttl", "claim_count", "body", "claim_id"}
RESERVED_DEFAULTS: dict[str, Any] = {
    "_max_messages_post_size": 262144,
    "_default_message_ttl": 3600,
    "_default_message_delay": 0,
    "_dead_letter_queue": None,
    "_dead_letter_queue_messages_ttl": None,
    "_max_claim_count": None,
    "_enable_encrypt_messages": False,
}
# Sent with bodies the server rejects unread: gunicorn drains at most 64 KiB of
# an unread body and otherwise drops the kept-alive connection after answering.
CLOSE = {"Connection": "close"}
INVALID_QUEUE = "Invalid queue identification"
INVALID_QUEUE_TEXT = "The format of the submitted queue name or project id is not valid."


def describe(resp: requests.Response) -> str:
    url = resp.request.url or ""
    if len(url) > 300:
        url = url[:300] + "..."
    return f"{resp.request.method} {url} -> {resp.status_code} {resp.text[:500]!r}"


def assert_status(resp: requests.Response, status: int) -> None:
    assert resp.status_code == status, describe(resp)


def assert_error(
    resp: requests.Response, status: int, title: str | None = None,
    description: str | None = None,
) -> dict[str, Any]:
    """The response is a JSON error with this status (and title/description if given)."""
    assert_status(resp, status)
    assert resp.headers.get("Content-Type", "").startswith("application/json"), describe(resp)
    body = resp.json()
    assert isinstance(body, dict) and isinstance(body.get("title"), str), describe(resp)
    if title is not None:
        assert body["title"] == title, describe(resp)
    if description is not None:
        assert body.get("description") == description, describe(resp)
    return body


def assert_empty(resp: requests.Response, status: int = 204) -> None:
    """A success without a body (and, for 204, without a Content-Type)."""
    assert_status(resp, status)
    assert resp.content == b"", describe(resp)
    if status == 204:
        assert "Content-Type" not in resp.headers, describe(resp)


def split_href(href: str) -> tuple[str, dict[str, list[str]]]:
    """Path and parsed query of a relative href."""
    parts = urlsplit(href)
    return parts.path, parse_qs(parts.query)


def next_href(body: dict[str, Any]) -> str:
    links = body["links"]
    assert len(links) == 1 and links[0]["rel"] == "next", body
    return links[0]["href"]


def last_segment(href: str) -> str:
    return urlsplit(href).path.rsplit("/", 1)[-1]


def create_queue(api: Api, name: str, metadata: dict[str, Any] | None = None) -> None:
    resp = api.put(f"/v2/queues/{name}", json=metadata) if metadata is not None \
        else api.put(f"/v2/queues/{name}")
    assert_status(resp, 201)


def post_messages(
    api: Api, queue: str, count: int = 1, *, headers: dict[str, str] | None = None,
    **fields: Any,
) -> list[str]:
    """Post ``count`` messages ``{"body": {"n": i}, **fields}``; return their ids."""
    messages = [{"body": {"n": index}, **fields} for index in range(count)]
    resp = api.post(f"/v2/queues/{queue}/messages", json={"messages": messages},
                    headers=headers)
    assert_status(resp, 201)
    return [last_segment(href) for href in resp.json()["resources"]]


def claim(
    api: Api, queue: str, body: dict[str, Any] | None = None, limit: int | None = None,
) -> tuple[str | None, list[dict[str, Any]]]:
    """Create a claim; ``(claim_id, messages)`` or ``(None, [])`` on 204."""
    path = f"/v2/queues/{queue}/claims" + (f"?limit={limit}" if limit is not None else "")
    resp = api.post(path, json=body if body is not None else {})
    if resp.status_code == 204:
        assert_empty(resp)
        return None, []
    assert_status(resp, 201)
    claim_id = resp.headers["Location"].rsplit("claims/", 1)[1]
    return claim_id, resp.json()["messages"]


def list_messages(api: Api, queue: str, query: str = "") -> dict[str, Any]:
    resp = api.get(f"/v2/queues/{queue}/messages" + (f"?{query}" if query else ""))
    assert_status(resp, 200)
    return resp.json()


def stats(api: Api, queue: str) -> dict[str, Any]:
    resp = api.get(f"/v2/queues/{queue}/stats")
    assert_status(resp, 200)
    return resp.json()["messages"]
