"""Routes outside the implemented v2 surface, and garbage input: never a 5xx."""

from __future__ import annotations

import pytest
import requests

from tests.api.helpers import PATCH_TYPE, assert_error, assert_status, describe, post_messages
from tests.live_server import Api

SOME_ID = "5f1e8a2b9c0d4e5f6a7b8c9d"

OUT_OF_SCOPE = [
    ("GET", "/v2/queues/q/metadata"),
    ("PUT", "/v2/queues/q/metadata"),
    ("GET", "/v2/pools"),
    ("PUT", "/v2/pools/p"),
    ("GET", "/v2/flavors"),
    ("PUT", "/v2/flavors/f"),
    ("GET", "/v2/queues/q/claims/x/y"),
    ("GET", "/v2/queues/q/messages/x/y"),
    ("GET", "/v2/topics/t/claims"),
    ("POST", "/v2/topics/t/share"),
]


@pytest.mark.parametrize(("method", "path"), OUT_OF_SCOPE)
def test_out_of_scope_routes_are_clean_404s(api: Api, method: str, path: str) -> None:
    resp = api.request(method, path, json={"subscriber": "http://example.com", "ttl": 3600})
    assert assert_error(resp, 404) == {"title": "404 Not Found"}
    resp = api.request(method, path, headers={}, replace_headers=True)
    assert assert_error(resp, 404) == {"title": "404 Not Found"}
    assert api.get("/v2/queues").json()["queues"] == []


# -- garbage in, 4xx out ----------------------------------------------------------------

DEEP = b'{"messages": [{"body": ' + b"[" * 3000 + b"]" * 3000 + b"}]}"
NEAR_LIMIT = b'{"messages": [{"body": ' + b"[" * 900 + b"]" * 900 + b"}]}"
BODIES: list[bytes] = [
    b"", b" ", b"null", b"true", b"0", b"[]", b"{}", b"[[[[", b"}{", b"\x00\x01\x02", b"\xff\xfe",
    b"\xef\xbb\xbf{}", b'"\\ud800"', b"1e999", b"-1e999", b"NaN", b"[null]", b"[1, 2]",
    b'{"messages": null}', b'{"messages": [null]}', b'{"messages": [{"body": 1, "ttl": 1e308}]}',
    b'{"messages": [{"body": 1, "ttl": -1e308}]}', b'{"messages": [{"body": {"$gt": ""}}]}',
    b'{"messages": [{"body": 1, "delay": 1e20}]}', b'{"messages": [{"body": "\\u0000"}]}',
    DEEP, NEAR_LIMIT,
    b'{"ttl": {"$gt": 1}, "grace": [], "limit": {}}', b'{"ttl": 1e20, "grace": 1e20}',
    b'{"ttl": true, "grace": false, "limit": true}', b'{"limit": -1e400}',
    b'{"resource_types": null}', b'{"resource_types": [null, {}, []]}',
    b'{"$where": "sleep(1)", "a.b": {"$ne": 1}, "_default_message_ttl": {"$gt": 1}}',
    b'{"_retry_policy": {"minimum_delay": 1e999}}', b'{"_retry_policy": {"minimum_delay": []}}',
    b'{"_max_messages_post_size": true, "_default_message_delay": false}',
    b'{"_dead_letter_queue": {"$x": 1}, "_max_claim_count": -1e20}',
    b'[{"op": "add", "path": "/metadata/$where", "value": {"$set": 1}}]',
    b'[{"op": "add", "path": "/metadata/a.b", "value": 1}]',
    b'[{"op": "add", "path": "/metadata/", "value": 1}]',
    b'[{"op": "remove", "path": "/"}]', b'[{"op": "add", "path": "/ / ", "value": 1}]',
    b'[{"op": "replace", "path": "/metadata/_max_claim_count", "value": [1]}]',
    b'[{"op": "add", "path": "/metadata/_retry_policy", "value": {"maximum_delay": "x"}}]',
    b'[{"op": "add", "path": "/metadata/k", "value": 1e999}]',
    b'[{"op": {"x": 1}, "path": {"y": 2}}]',
]
QUERIES: list[str] = [
    "limit=%00", "limit=1e309", "limit=-0", "limit=%EF%BC%91", "limit=" + "9" * 400,
    "marker=%FF", "marker=" + "9" * 400, "marker=-" + "9" * 400, "marker=%00",
    "marker=5f1e8a2b9c0d4e5f6a7b8c9d", "ids=%FF%FE", "ids=" + ",".join(["x"] * 50),
    "ids=%00&ids=", "pop=%00", "pop=" + "9" * 400, "echo=%E2%9C%93", "include_claimed=[]",
    "include_delayed=%00", "detailed=%FF", "with_count=1e3", "name=%5C", "name=(%2A%2B",
    "name=" + "a" * 2000, "$where=1", "size=" + "9" * 40, "claim_id=%00", "claim_ids=%FF",
    "a[b]=c", "%FF=1", "=1", "&&&", "limit",
]
ENDPOINTS = [
    ("GET", "/v2/queues"),
    ("PUT", "/v2/queues/g"),
    ("GET", "/v2/queues/g"),
    ("PATCH", "/v2/queues/g"),
    ("DELETE", "/v2/queues/g"),
    ("GET", "/v2/queues/g/stats"),
    ("POST", "/v2/queues/g/purge"),
    ("POST", "/v2/queues/g/messages"),
    ("GET", "/v2/queues/g/messages"),
    ("DELETE", "/v2/queues/g/messages"),
    ("GET", f"/v2/queues/g/messages/{SOME_ID}"),
    ("DELETE", f"/v2/queues/g/messages/{SOME_ID}"),
    ("POST", "/v2/queues/g/claims"),
    ("GET", f"/v2/queues/g/claims/{SOME_ID}"),
    ("PATCH", f"/v2/queues/g/claims/{SOME_ID}"),
    ("DELETE", f"/v2/queues/g/claims/{SOME_ID}"),
    ("GET", "/v2/ping"),
    ("GET", "/v2/"),
]


def assert_sane(resp: requests.Response) -> None:
    assert resp.status_code < 500, describe(resp)
    if resp.status_code >= 400 and resp.request.method != "HEAD":
        assert resp.headers["Content-Type"] == "application/json", describe(resp)
        assert isinstance(resp.json().get("title"), str), describe(resp)


@pytest.mark.parametrize(("method", "path"), ENDPOINTS)
def test_garbage_bodies(api: Api, method: str, path: str) -> None:
    post_messages(api, "g", 2)
    for content_type in ("application/json", PATCH_TYPE):
        for body in BODIES:
            assert_sane(api.request(method, path, data=body,
                                    headers={"Content-Type": content_type}))
    assert_status(api.get("/v2/ping"), 204)


@pytest.mark.parametrize(("method", "path"), ENDPOINTS)
def test_garbage_queries(api: Api, method: str, path: str) -> None:
    post_messages(api, "g", 2)
    for query in QUERIES:
        assert_sane(api.request(method, f"{path}?{query}"))


@pytest.mark.parametrize("path", [
    "/v2/queues/%00", "/v2/queues/a%2Fb", "/v2/queues/..", "/v2/queues/%2E%2E%2F",
    "/v2/queues/%FF%FE", "/v2/queues/" + "a" * 3000, "/v2/queues/q/messages/%FF",
    "/v2/queues/q/claims/%00", "/v2/queues/q%0A", "/v2/queues/$where", "/v2/queues/q/messages/" +
    "a" * 3000,
])
@pytest.mark.parametrize("method", ["GET", "PUT", "POST", "PATCH", "DELETE"])
def test_garbage_paths(api: Api, path: str, method: str) -> None:
    assert_sane(api.request(method, path, json={"messages": [{"body": 1}]}))


@pytest.mark.parametrize("headers", [
    {"X-Project-ID": "$where"}, {"X-Project-ID": "a.b"}, {"X-Project-ID": "../../etc"},
    {"X-Project-ID": "p\u00e9\u00ff"}, {"X-Project-ID": "a b"}, {"X-Project-ID": "p" * 4000},
    {"Client-ID": "\u00e9" * 36}, {"Client-ID": "urn:uuid:{" + "0" * 32 + "}"},
    {"Accept": "application/json;q=abc"}, {"Accept": ";;;"}, {"Accept": "*/*;q=0"},
    {"Content-Type": ";;;"}, {"Content-Type": "application/json; charset=latin-1"},
    {"Content-Length": "0"},
])
def test_garbage_headers(api: Api, headers: dict[str, str]) -> None:
    for method, path in ENDPOINTS:
        assert_sane(api.request(method, path, data=b'{"messages": [{"body": 1}]}',
                                headers=headers))


def test_odd_project_ids_are_isolated_and_listed(api: Api, make_api) -> None:
    names = set()
    for project in ("$where", "a.b", "p\u00e9", "{\"$ne\": 1}"):
        client = make_api(project=project + api.project)
        post_messages(client, "q", 1)
        listing = client.get("/v2/queues").json()
        names.add(tuple(q["name"] for q in listing["queues"]))
        assert client.get("/v2/queues/q/stats").json()["messages"]["total"] == 1
    assert names == {("q",)}
