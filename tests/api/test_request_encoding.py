"""Bodies that are not valid Unicode are client errors (400 with a JSON body saying
where), never a 500, on every version and store; and a seeded stream of generated
requests never gets a 5xx."""

from __future__ import annotations

import json
import random
import re
import string
import uuid
from typing import Any

import pytest

from tests.api.helpers import PATCH_TYPE, assert_error, assert_status
from tests.live_server import Api

INVALID_BODY = "Invalid request body"
JSON = {"Content-Type": "application/json"}


def surrogate_error(where: str) -> str:
    return (f"Request body: {where} holds a lone UTF-16 surrogate (an unpaired "
            "\\ud800-\\udfff escape), which is not valid Unicode.")


@pytest.mark.parametrize(("path", "data", "description"), [
    ("/v2/queues/q/messages", b'{"messages": [{"body": "\\ud800"}]}',
     surrogate_error("the string at $.messages[0].body")),
    ("/v2/queues/q/messages", b'{"messages": [{"body": {"ok": ["\\udfff"]}}]}',
     surrogate_error("the string at $.messages[0].body.ok[0]")),
    ("/v2/queues/q/messages", b'{"messages": [{"body": {"\\ud800": 1}}]}',
     surrogate_error("a key of $.messages[0].body")),
    ("/v2/queues/q/messages", b'{"messages": [{"body": "\xed\xa0\x80"}]}',
     "Request body could not be parsed: it is not valid UTF-8 (byte 24)."),
    ("/v2/queues/q/messages", b'{"messages": [{"body": "\xff"}]}',
     "Request body could not be parsed: it is not valid UTF-8 (byte 24)."),
    ("/v1.1/queues/q/messages", b'{"messages": [{"body": "x\\udc00"}]}',
     surrogate_error("the string at $.messages[0].body")),
    ("/v1/queues/q/messages", b'[{"ttl": 60, "body": "\\ud800"}]',
     surrogate_error("the string at $[0].body")),
    ("/v2/queues/q/claims", b'{"ttl": 60, "\\ud800": 1}', surrogate_error("a key of $")),
])
def test_posts_with_lone_surrogates(api: Api, path: str, data: bytes, description: str) -> None:
    api.put("/v1/queues/q")
    resp = api.post(path, data=data, headers=JSON)
    assert_error(resp, 400, INVALID_BODY, description)
    assert api.get("/v2/queues/q/stats").json()["messages"]["total"] == 0


def test_metadata_with_lone_surrogates(api: Api) -> None:
    resp = api.put("/v2/queues/q", data=b'{"a": "\\udc00"}', headers=JSON)
    assert_error(resp, 400, INVALID_BODY, surrogate_error("the string at $.a"))
    assert api.get("/v2/queues").json()["queues"] == []
    api.put("/v2/queues/q", json={"a": 1})
    patch = b'[{"op": "add", "path": "/metadata/b", "value": "\\ud800"}]'
    resp = api.patch("/v2/queues/q", data=patch, headers={"Content-Type": PATCH_TYPE})
    assert_error(resp, 400, INVALID_BODY, surrogate_error("the string at $[0].value"))
    api.put("/v1/queues/q1")
    resp = api.put("/v1/queues/q1/metadata", data=b'{"\\ud800": 1}', headers=JSON)
    assert_error(resp, 400, INVALID_BODY, surrogate_error("a key of $"))
    assert api.get("/v2/queues/q").json()["a"] == 1


def nested(levels: int) -> Any:
    """A JSON value of ``levels`` objects and arrays, one inside the other."""
    value: Any = "leaf"
    for level in range(levels):
        value = [value] if level % 2 else {"k": value}
    return value


def depth_error(key: str) -> str:
    return (f"Queue metadata is nested too deeply under the key '{key}': at most 99 levels "
            "of objects and arrays, the metadata itself included.")


def test_metadata_nested_deeper_than_a_store_keeps_is_refused(api: Api) -> None:
    """99 levels, the metadata object included, are stored and read back on every
    store; one more is a 400 naming the key, for create, PATCH and v1's PUT."""
    deepest = {"shallow": 1, "deep": nested(98)}
    assert_status(api.put("/v2/queues/q", json=deepest), 201)
    assert api.get("/v2/queues/q").json()["deep"] == nested(98)
    resp = api.put("/v2/queues/q2", json={"shallow": 1, "deep": nested(99)})
    assert_error(resp, 400, "Invalid API request", depth_error("deep"))
    patch = json.dumps([{"op": "add", "path": "/metadata/more", "value": nested(99)}])
    resp = api.patch("/v2/queues/q", data=patch.encode(), headers={"Content-Type": PATCH_TYPE})
    assert_error(resp, 400, INVALID_BODY, depth_error("more"))
    api.put("/v1/queues/q1")
    resp = api.put("/v1/queues/q1/metadata", json={"deep": nested(99)})
    assert_error(resp, 400, "Invalid API request", depth_error("deep"))
    assert_status(api.put("/v1/queues/q1/metadata", json={"deep": nested(98)}), 204)
    assert api.get("/v1/queues/q1/metadata").json() == {"deep": nested(98)}
    listed = api.get("/v2/queues?detailed=true").json()["queues"]
    assert [(queue["name"], queue["metadata"].get("deep")) for queue in listed] == [
        ("q", nested(98)), ("q1", nested(98))]


TOO_DEEP = "Request body is nested too deeply: at most 200 levels of objects and arrays."


def test_bodies_nested_past_the_limit_are_refused_and_the_deepest_read_back(api: Api) -> None:
    """A body may nest 200 levels (its envelope included). The deepest message is
    listed, claimed and fetched by every version; one level more, or far more, is
    a 400, and nothing is stored."""
    body = nested(197)  # within {"messages": [{"body": ...}]}: 200 levels
    resp = api.post("/v2/queues/q/messages", json={"messages": [{"body": body}]})
    assert_status(resp, 201)
    href = resp.json()["resources"][0]
    for deeper in (json.dumps(nested(198)), "[" * 5000 + "1" + "]" * 5000):
        data = '{"messages": [{"body": ' + deeper + "}]}"
        resp = api.post("/v2/queues/q/messages", data=data.encode(), headers=JSON)
        assert_error(resp, 400, INVALID_BODY, TOO_DEEP)
    resp = api.post("/v1/queues/q/messages", json=[{"ttl": 60, "body": nested(199)}])
    assert_error(resp, 400, INVALID_BODY, TOO_DEEP)
    assert api.get(href).json()["body"] == body
    for path in ("/v1/queues/q/messages?echo=true", "/v1.1/queues/q/messages?echo=true",
                 "/v2/queues/q/messages?echo=true"):
        assert [m["body"] for m in api.get(path).json()["messages"]] == [body]
    claimed = api.post("/v2/queues/q/claims", json={"ttl": 60, "grace": 60})
    assert_status(claimed, 201)
    assert [m["body"] for m in claimed.json()["messages"]] == [body]
    assert api.get("/v2/queues/q/stats").json()["messages"]["total"] == 1


def test_paired_surrogates_and_escaped_backslashes_are_fine(api: Api) -> None:
    data = b'{"messages": [{"body": ["\\ud83d\\ude00", "\\\\ud800"]}]}'
    resp = api.post("/v2/queues/q/messages", data=data, headers=JSON)
    assert_status(resp, 201)
    body = api.get(resp.json()["resources"][0]).json()["body"]
    assert body == ["\U0001f600", "\\ud800"]


def test_a_byte_order_mark_is_allowed(api: Api) -> None:
    resp = api.post("/v2/queues/q/messages", data=b'\xef\xbb\xbf{"messages": [{"body": 1}]}',
                    headers=JSON)
    assert_status(resp, 201)


# --- generated requests --------------------------------------------------------------

WEIRD = ["\ud800", "\x00", "%", "\u00e9", "\U0001f600", "a" * 300, "-1", "0", "1e999", "null",
         "true", "[]", "{}", " ", "..", "6b0f47f4e18089c08b0cb9fd", "99999999999999999999", ""]
PATHS = ["", "/", "/queues", "/queues/{q}", "/queues/{q}/messages", "/queues/{q}/messages/{m}",
         "/queues/{q}/claims", "/queues/{q}/claims/{m}", "/queues/{q}/stats",
         "/queues/{q}/purge", "/queues/{q}/metadata", "/ping", "/health",
         "/queues/{q}/subscriptions", "/queues/{q}/subscriptions/{m}",
         "/queues/{q}/subscriptions/{m}/confirm", "/queues/{q}/share", "/topics",
         "/topics/{q}", "/topics/{q}/messages", "/topics/{q}/subscriptions",
         "/topics/{q}/subscriptions/{m}", "/topics/{q}/stats"]
PARAMS = ["limit", "marker", "echo", "ids", "pop", "claim_id", "detailed", "name",
          "with_count", "include_claimed", "include_delayed", "claim_ids", "owner"]
KEYS = ["ttl", "body", "grace", "limit", "messages", "delay", "op", "path", "value",
        "_max_claim_count", "_dead_letter_queue", "_default_message_ttl", "resource_types",
        "subscriber", "options", "confirmed", "methods", "paths", "expires", "post_data",
        "post_headers", "subject", "from", "_retry_policy", "_enable_encrypt_messages"]
SIGNED_URL_HEADERS = ["URL-Signature", "URL-Expires", "URL-Methods", "URL-Paths"]
HEADER_VALUES = [value for value in WEIRD if value.isascii() and value.strip() == value
                 and "\x00" not in value] + [
    "GET,POST", "2000-01-01T00:00:00", "2099-01-01T00:00:00", "/v2/queues/q1/messages"]
SUBSCRIBERS = ["http://127.0.0.1:9/x", "https://h/x", "mailto:a@b.c?subject=%FF",
               "trust+http://h/x", "ftp://h", "http://", "mailto:"]


class Generator:
    """Random but reproducible requests: odd values in every place a client can put one."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)

    def value(self, depth: int = 0) -> Any:
        rng = self.rng
        kind = rng.random()
        if kind < 0.2:
            return rng.choice(WEIRD)
        if kind < 0.4:
            return rng.randint(-10**20, 10**20)
        if kind < 0.5 or depth > 2:
            return None
        if kind < 0.6:
            return [self.value(depth + 1) for _ in range(rng.randint(0, 3))]
        if kind < 0.75:
            return {rng.choice(KEYS): self.value(depth + 1) for _ in range(rng.randint(0, 3))}
        if kind < 0.85:
            return rng.random() * 1e6
        return "".join(rng.choice(string.printable) for _ in range(rng.randint(0, 10)))

    def body(self) -> bytes | None:
        rng = self.rng
        kind = rng.random()
        if kind < 0.15:
            return None
        if kind < 0.3:
            return rng.choice([b"{", b"\xed\xa0\x80", b"\xff\xfe{}", b"[" * 5000,
                               b'{"messages":[{"body":"\\ud800"}]}', b'{"a":1}{"a":1}'])
        document = rng.choice([
            {"messages": [{"body": self.value(), "ttl": self.value()}
                          for _ in range(rng.randint(0, 3))]},
            [{"body": self.value(), "ttl": self.value()}],
            {"ttl": self.value(), "grace": self.value()},
            {"subscriber": rng.choice([*SUBSCRIBERS, self.value()]), "ttl": self.value(),
             "options": self.value()},
            {"paths": self.value(), "methods": self.value(), "expires": self.value()},
            [{"op": rng.choice(["add", "remove", "replace", "x"]),
              "path": rng.choice(["/metadata/a", "/metadata/_max_claim_count", "/a/b", ""]),
              "value": self.value()}],
            self.value(),
        ])
        return json.dumps(document).encode("utf-8", "surrogatepass")

    def request(self) -> tuple[str, str, dict[str, str], bytes | None]:
        rng = self.rng
        path = rng.choice(["/v1", "/v1.1", "/v2"]) + rng.choice(PATHS)
        path = path.replace("{q}", rng.choice(["q1", "q2", "Q.x", "a" * 65, "%25", "%C3%A9"]))
        path = path.replace("{m}", rng.choice(["6b0f47f4e18089c08b0cb9fd", "x", "%ED%A0%80"]))
        query = "&".join(
            f"{rng.choice(PARAMS)}={rng.choice(['1', 'true', 'x', '%FF', '%ED%A0%80', '-5', ''])}"
            for _ in range(rng.randint(0, 3)))
        headers = {}
        if rng.random() < 0.9:
            headers["Client-ID"] = rng.choice([str(uuid.uuid4()), uuid.uuid4().hex, "x", ""])
        if rng.random() < 0.9:
            headers["X-Project-ID"] = rng.choice(["fuzz-1", "fuzz-2", "", "x" * 300])
        if rng.random() < 0.3:
            headers["Content-Type"] = rng.choice([
                "application/json", "application/x-www-form-urlencoded", PATCH_TYPE,
                "text/plain"])
        for name in SIGNED_URL_HEADERS:
            if rng.random() < 0.1:
                headers[name] = rng.choice(HEADER_VALUES)
        if rng.random() < 0.1:
            headers["Accept"] = rng.choice(["text/plain", "*/*", "application/xml"])
        method = rng.choice(["GET", "PUT", "POST", "DELETE", "PATCH", "HEAD"])
        return method, path + (f"?{query}" if query else ""), headers, self.body()


def bare_by_spec(method: str, path: str, headers: dict[str, str]) -> bool:
    """Answers the spec gives no body: HEAD, v1's queue existence check and failed
    signed URLs (a bare 404)."""
    return (method == "HEAD" or "URL-Signature" in headers
            or (method == "GET" and re.fullmatch(r"/v1/queues/[^/?]+(\?.*)?", path) is not None))


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_generated_requests_never_get_a_server_error(api: Api, seed: int) -> None:
    generator = Generator(seed)
    for _ in range(400):
        method, path, headers, data = generator.request()
        resp = api.request(method, path, headers=headers, replace_headers=True, data=data)
        described = (f"{method} {path} {headers} {data!r:.200} -> {resp.status_code} "
                     f"{resp.text:.300}")
        assert resp.status_code < 500, described
        if resp.status_code >= 400 and not bare_by_spec(method, path, headers):
            assert resp.headers["Content-Type"].startswith("application/json"), described
            assert isinstance(resp.json()["title"], str), described
