"""API v1 against the live servers (spec v1.md and the v1 WADL): every endpoint and
every error case, on both stores."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator

import pytest

from tests.api.helpers import (
    CLOSE,
    INVALID_QUEUE,
    UNKNOWN_ID,
    assert_empty,
    assert_error,
    assert_status,
    last_segment,
    split_href,
)
from tests.api.legacy import (
    CLAIM_GRACE_RANGE,
    CLAIM_TTL_RANGE,
    MESSAGE_LIMIT,
    MISSING_CLIENT,
    QUEUE_LIMIT,
    TTL_RANGE,
    V1_MESSAGE_KEYS,
    claim_id_of,
    href_claim,
    post_v1,
    type_error,
)
from tests.live_server import Api

INVALID_API = "Invalid API request"
INVALID_BODY = "Invalid request body"
Q = "/v1/queues/q"


@pytest.fixture
def queue(api: Api) -> str:
    """An existing v1 queue ``q`` in the test's project."""
    assert_status(api.put(Q), 201)
    return "q"


def no_project(api: Api, **extra: str) -> dict[str, str]:
    """Headers of a client of the global namespace (no X-Project-ID)."""
    return {"Client-ID": api.client_id, **extra}


@pytest.fixture
def global_queue(api: Api) -> Iterator[str]:
    """A queue of its own in the global namespace, deleted afterwards."""
    name = f"g-{uuid.uuid4().hex[:12]}"
    yield name
    api.delete(f"/v1/queues/{name}", headers=no_project(api), replace_headers=True)


# --- home document and health ----------------------------------------------------------

HOME = {
    "rel/queues": ("/v1/queues{?marker,limit,detailed}", ["GET"]),
    "rel/queue": ("/v1/queues/{queue_name}", ["GET", "HEAD", "PUT", "DELETE"]),
    "rel/queue-metadata": ("/v1/queues/{queue_name}/metadata", ["GET", "PUT"]),
    "rel/queue-stats": ("/v1/queues/{queue_name}/stats", ["GET"]),
    "rel/messages": ("/v1/queues/{queue_name}/messages{?marker,limit,echo,include_claimed}",
                     ["GET"]),
    "rel/post-messages": ("/v1/queues/{queue_name}/messages", ["POST"]),
    "rel/claim": ("/v1/queues/{queue_name}/claims{?limit}", ["POST"]),
}


def test_home_document_without_any_header(api: Api) -> None:
    resp = api.get("/v1/", headers={}, replace_headers=True)
    assert_status(resp, 200)
    assert resp.headers["Content-Type"] == "application/json-home"
    assert resp.headers["Cache-Control"] == "max-age=86400"
    resources = resp.json()["resources"]
    assert set(resources) == set(HOME)
    for rel, (template, allow) in HOME.items():
        assert resources[rel]["href-template"] == template, rel
        assert resources[rel]["hints"]["allow"] == allow, rel
    assert resources["rel/messages"]["href-vars"]["limit"] == "param/messages_limit"
    assert resources["rel/claim"]["href-vars"] == {"queue_name": "param/queue_name",
                                                   "limit": "param/claim_limit"}
    assert resources["rel/post-messages"]["hints"]["accept-post"] == ["application/json"]


@pytest.mark.parametrize("client_id", ["not-a-uuid", "", "3381af922b9e11e3b19171861300734"])
def test_a_malformed_client_id_is_refused_anywhere(api: Api, client_id: str) -> None:
    for path in ("/v1/", "/v1/queues", "/v1/health"):
        resp = api.get(path, headers={"Client-ID": client_id}, replace_headers=True)
        assert_error(resp, 400, "Wrong UUID value", "Malformed hexadecimal UUID.")


def test_undashed_and_urn_client_ids_are_uuids(api: Api, queue: str) -> None:
    for client_id in (uuid.uuid4().hex, f"urn:uuid:{uuid.uuid4()}", f"{{{uuid.uuid4()}}}"):
        resp = api.get(f"{Q}/messages", headers={"Client-ID": client_id})
        assert_empty(resp)


def test_empty_project_header_is_refused(api: Api) -> None:
    resp = api.get("/v1/queues", headers={"X-Project-ID": ""})
    assert_error(resp, 400, "Empty project header not allowed")


def test_accept_must_allow_json(api: Api) -> None:
    assert_error(api.put(Q, headers={"Accept": "text/plain"}), 406, "406 Not Acceptable")
    assert_status(api.put(Q, headers={"Accept": "*/*"}), 201)


def test_health(api: Api) -> None:
    for method in ("GET", "HEAD"):
        assert_empty(api.request(method, "/v1/health", headers={}, replace_headers=True))
    assert_error(api.post("/v1/health"), 405)


@pytest.mark.parametrize("path", ["/v1/ping", "/v1/pools", "/v1/flavors", "/v1",
                                  "/v1/queues/q/purge", "/v1/queues/q/share"])
def test_what_v1_does_not_have_is_404(api: Api, path: str) -> None:
    assert assert_error(api.get(path), 404) == {"title": "404 Not Found"}


# --- queues ----------------------------------------------------------------------------

def test_create_is_201_then_204_and_ignores_the_body(api: Api) -> None:
    resp = api.put(Q, json={"owner": "ops"})
    assert_empty(resp, 201)
    assert resp.headers["Location"] == Q
    resp = api.put(Q)
    assert_empty(resp)
    assert resp.headers["Location"] == Q
    assert api.get(f"{Q}/metadata").json() == {}


@pytest.mark.parametrize("name", ["i" * 65, "@$@^qw", "\u6c49\u5b57", "sp ace"])
def test_invalid_queue_names(api: Api, name: str) -> None:
    for method, suffix in (("PUT", ""), ("GET", ""), ("HEAD", ""), ("GET", "/metadata"),
                           ("GET", "/stats"), ("GET", "/messages"), ("DELETE", "")):
        resp = api.request(method, f"/v1/queues/{name}{suffix}")
        assert resp.status_code == 400, (method, suffix)
        if method != "HEAD":
            assert_error(resp, 400, INVALID_QUEUE)


def test_long_and_dotted_names_are_valid(api: Api) -> None:
    for name in ("i" * 64, "a.b-c_D9", "_undersore"):
        assert_status(api.put(f"/v1/queues/{name}"), 201)


def test_existence_check(api: Api) -> None:
    for method in ("GET", "HEAD"):
        resp = api.request(method, Q)
        assert_status(resp, 404)
        assert resp.content == b""
        assert resp.headers["Content-Location"] == Q
    api.put(Q)
    for method in ("GET", "HEAD"):
        resp = api.request(method, Q)
        assert_empty(resp)
        assert resp.headers["Content-Location"] == Q


def test_delete_queue_removes_its_messages(api: Api, queue: str) -> None:
    ids = post_v1(api, queue, 2)
    assert_empty(api.delete(Q))
    assert_status(api.get(Q), 404)
    assert_empty(api.delete(Q))
    api.put(Q)
    assert_status(api.get(f"{Q}/messages?ids={','.join(ids)}"), 204)


def test_queue_methods_not_allowed(api: Api) -> None:
    for method in ("PATCH", "POST"):
        resp = api.request(method, Q, json={})
        assert_error(resp, 405, "405 Method Not Allowed")
        assert "HEAD" in resp.headers["Allow"]


def test_list_is_204_when_empty(api: Api) -> None:
    resp = api.get("/v1/queues")
    assert_empty(resp)
    assert resp.headers["Content-Location"] == "/v1/queues"


def test_list_pages_by_name(api: Api) -> None:
    for name in ("charlie", "alpha", "bravo"):
        api.put(f"/v1/queues/{name}")
    resp = api.get("/v1/queues?limit=2")
    assert_status(resp, 200)
    assert resp.headers["Content-Location"] == "/v1/queues?limit=2"
    body = resp.json()
    assert set(body) == {"queues", "links"}
    assert body["queues"] == [{"name": "alpha", "href": "/v1/queues/alpha"},
                              {"name": "bravo", "href": "/v1/queues/bravo"}]
    path, query = split_href(body["links"][0]["href"])
    assert body["links"][0]["rel"] == "next"
    assert path == "/v1/queues" and query == {"limit": ["2"], "marker": ["bravo"]}
    page = api.get(body["links"][0]["href"]).json()
    assert [q["name"] for q in page["queues"]] == ["charlie"]
    assert_empty(api.get(page["links"][0]["href"]))
    assert_empty(api.get("/v1/queues?marker=zzz"))


def test_list_detailed_shows_metadata_as_stored(api: Api, queue: str) -> None:
    api.put(f"{Q}/metadata", json={"owner": "ops"})
    items = api.get("/v1/queues?detailed=true").json()["queues"]
    assert items == [{"name": "q", "href": Q, "metadata": {"owner": "ops"}}]
    assert "metadata" not in api.get("/v1/queues").json()["queues"][0]


@pytest.mark.parametrize("query", ["limit=0", "limit=-1", "limit=21", "limit=1001"])
def test_list_limit_out_of_range(api: Api, query: str) -> None:
    assert_error(api.get(f"/v1/queues?{query}"), 400, INVALID_API, QUEUE_LIMIT)


@pytest.mark.parametrize("query", ["limit=abc", "detailed=maybe"])
def test_list_malformed_parameters(api: Api, query: str) -> None:
    assert_error(api.get(f"/v1/queues?{query}"), 400, "Invalid parameter")


def test_list_ignores_v2_filters(api: Api, queue: str) -> None:
    body = api.get("/v1/queues?name=zzz&with_count=true&owner=nobody").json()
    assert [q["name"] for q in body["queues"]] == ["q"] and "count" not in body


def test_global_namespace_is_apart_from_projects(api: Api, global_queue: str) -> None:
    headers = no_project(api)
    assert_status(api.put(f"/v1/queues/{global_queue}", headers=headers,
                          replace_headers=True), 201)
    assert_empty(api.get(f"/v1/queues/{global_queue}", headers=headers, replace_headers=True))
    assert_status(api.get(f"/v1/queues/{global_queue}"), 404)
    before = global_queue[:-1] + chr(ord(global_queue[-1]) - 1)
    listed = api.get(f"/v1/queues?limit=1&marker={before}", headers=headers,
                     replace_headers=True)
    assert [q["name"] for q in listed.json()["queues"]] == [global_queue]
    assert global_queue not in [q["name"] for q in api.get("/v2/queues").json()["queues"]]
    resp = api.get(f"/v1/queues/{global_queue}/metadata", headers=headers,
                   replace_headers=True)
    assert resp.json() == {}
    api.put(Q)
    assert_status(api.get(Q, headers=headers, replace_headers=True), 404)


def test_global_namespace_messages_and_errors(api: Api, global_queue: str) -> None:
    headers = no_project(api)
    path = f"/v1/queues/{global_queue}"
    api.put(path, headers=headers, replace_headers=True)
    ids = post_v1(api, global_queue, 2, headers={"X-Project-ID": None})
    resp = api.get(f"{path}/messages/{ids[0]}", headers=headers, replace_headers=True)
    assert resp.json()["body"] == {"n": 0}
    resp = api.get("/v1/queues/missing-one/metadata", headers=headers, replace_headers=True)
    assert_error(resp, 404, "Not found", "Queue missing-one does not exist for project None")


# --- metadata --------------------------------------------------------------------------

def test_metadata_is_replaced_as_a_whole(api: Api, queue: str) -> None:
    resp = api.get(f"{Q}/metadata")
    assert_status(resp, 200)
    assert resp.json() == {}
    assert resp.headers["Content-Location"] == f"{Q}/metadata"
    document = {"owner": "billing", "retention": {"days": 3}, "@queue": "x",
                "\u6c49\u5b57": "Unicode: \u6c49\u5b57"}
    resp = api.put(f"{Q}/metadata", json=document)
    assert_empty(resp)
    assert resp.headers["Location"] == f"{Q}/metadata"
    assert api.get(f"{Q}/metadata").json() == document
    assert_empty(api.put(f"{Q}/metadata", json={"other": 1}))
    assert api.get(f"{Q}/metadata").json() == {"other": 1}
    assert_empty(api.put(f"{Q}/metadata", json={}))
    assert api.get(f"{Q}/metadata").json() == {}


def test_metadata_up_to_the_size_limit(api: Api, queue: str) -> None:
    big = {"queue": "i" * 65000}
    assert_empty(api.put(f"{Q}/metadata", json=big))
    assert api.get(f"{Q}/metadata").json() == big
    resp = api.put(f"{Q}/metadata", json={"queue": "i" * 65537}, headers=CLOSE)
    assert_error(resp, 400, INVALID_API, "Queue metadata is too large. Max size: 65536")


@pytest.mark.parametrize(("data", "title", "description"), [
    ("", INVALID_BODY, "Request body could not be parsed."),
    ("{", INVALID_BODY, "Request body could not be parsed."),
    ('"not_a_dict"', INVALID_BODY, "Request body could not be parsed."),
    ("[]", INVALID_BODY, "Document type not supported."),
    ('{"_ttl": 1}', INVALID_API, 'Reserved queue attributes in metadata (which names start '
                                 'with "_") can not be set in API v1.'),
    ('{"_default_message_ttl": 100, "a": 1}', INVALID_API,
     'Reserved queue attributes in metadata (which names start with "_") can not be set in '
     "API v1."),
])
def test_metadata_errors(api: Api, queue: str, data: str, title: str, description: str) -> None:
    resp = api.put(f"{Q}/metadata", data=data, headers={"Content-Type": "application/json"})
    assert_error(resp, 400, title, description)
    assert api.get(f"{Q}/metadata").json() == {}


def test_metadata_of_a_missing_queue(api: Api) -> None:
    text = f"Queue q does not exist for project {api.project}"
    assert_error(api.get(f"{Q}/metadata"), 404, "Not found", text)
    assert_error(api.put(f"{Q}/metadata", json={"a": 1}), 404, "Not found", text)
    assert_status(api.get(Q), 404)


def test_metadata_methods_not_allowed(api: Api, queue: str) -> None:
    assert_error(api.post(f"{Q}/metadata", json={}), 405)
    assert_error(api.patch(f"{Q}/metadata", json={}), 405)


# --- stats -----------------------------------------------------------------------------

def test_stats(api: Api, queue: str) -> None:
    resp = api.get(f"{Q}/stats")
    assert_status(resp, 200)
    assert resp.json() == {"messages": {"claimed": 0, "free": 0, "total": 0}}
    assert resp.headers["Content-Location"] == f"{Q}/stats"
    ids = post_v1(api, queue, 3)
    api.post(f"{Q}/claims?limit=1", json={"ttl": 300, "grace": 300})
    counts = api.get(f"{Q}/stats").json()["messages"]
    assert {k: counts[k] for k in ("claimed", "free", "total")} == {
        "claimed": 1, "free": 2, "total": 3}
    assert counts["oldest"]["href"] == f"{Q}/messages/{ids[0]}"
    assert counts["newest"]["href"] == f"{Q}/messages/{ids[2]}"
    assert set(counts["oldest"]) == {"href", "age", "created"}
    assert_status(api.get(counts["oldest"]["href"]), 200)


def test_stats_of_a_missing_queue_is_404(api: Api) -> None:
    assert_error(api.get(f"{Q}/stats"), 404, "Not found")


# --- posting ---------------------------------------------------------------------------

def test_post_bare_array(api: Api, queue: str) -> None:
    messages = [{"ttl": 300, "body": {"event": "BackupStarted"}},
                {"ttl": 60, "body": "plain string bodies are fine", "extra": 1},
                {"ttl": 60, "body": None}]
    resp = api.post(f"{Q}/messages", json=messages)
    assert_status(resp, 201)
    body = resp.json()
    assert body["partial"] is False and set(body) == {"resources", "partial"}
    ids = [last_segment(href) for href in body["resources"]]
    assert body["resources"] == [f"{Q}/messages/{mid}" for mid in ids]
    assert resp.headers["Location"] == f"{Q}/messages?ids={','.join(ids)}"
    got = [api.get(href).json() for href in body["resources"]]
    assert [m["body"] for m in got] == [m["body"] for m in messages]
    assert [m["ttl"] for m in got] == [300, 60, 60]


def test_post_requires_client_id(api: Api, queue: str) -> None:
    resp = api.post(f"{Q}/messages", json=[{"ttl": 60, "body": 1}],
                    headers={"X-Project-ID": api.project}, replace_headers=True)
    assert_error(resp, 400, "Missing header value", MISSING_CLIENT)
    resp = api.post(f"{Q}/messages", json=[{"ttl": 60, "body": 1}],
                    headers={"Client-ID": "1234"})
    assert_error(resp, 400, "Wrong UUID value")


def test_post_to_a_missing_queue_is_404(api: Api) -> None:
    resp = api.post(f"{Q}/messages", json=[{"ttl": 200, "body": {"Home": ""}}])
    assert_error(resp, 404, "Not found")
    assert_status(api.get(Q), 404)


@pytest.mark.parametrize(("document", "title", "description"), [
    ({"messages": [{"ttl": 60, "body": 1}]}, INVALID_BODY, "Document type not supported."),
    ({}, INVALID_BODY, "Document type not supported."),
    ([], INVALID_API, "No messages to enqueu."),
    ([{"body": 1}], INVALID_BODY, 'Missing "ttl" field.'),
    ([{"ttl": 60}], INVALID_BODY, 'Missing "body" field.'),
    ([{}], INVALID_BODY, 'Missing "ttl" field.'),
    ([{"ttl": "60", "body": 1}], INVALID_BODY, type_error("ttl")),
    ([{"ttl": 60.5, "body": 1}], INVALID_BODY, type_error("ttl")),
    ([{"ttl": 60.0, "body": 1}], INVALID_BODY, type_error("ttl")),
    ([{"ttl": None, "body": 1}], INVALID_BODY, type_error("ttl")),
    ([{"ttl": 59, "body": 1}], INVALID_API, TTL_RANGE),
    ([{"ttl": 1209601, "body": 1}], INVALID_API, TTL_RANGE),
    ([{"ttl": -100, "body": 1}], INVALID_API, TTL_RANGE),
    ([{"ttl": 60, "body": 1}, {"ttl": 30, "body": 2}], INVALID_API, TTL_RANGE),
    ([1], INVALID_BODY, "Document type not supported."),
])
def test_post_errors(api: Api, queue: str, document: object, title: str,
                     description: str) -> None:
    assert_error(api.post(f"{Q}/messages", json=document), 400, title, description)
    assert api.get(f"{Q}/stats").json()["messages"]["total"] == 0


@pytest.mark.parametrize(("data", "description"), [
    ("", "Request body could not be parsed."),
    ("[", "Request body could not be parsed."),
    ('[{"ttl": 99999999999999999999, "body": 1}]', "JSON contains integer that is too large."),
])
def test_post_unreadable_bodies(api: Api, queue: str, data: str, description: str) -> None:
    resp = api.post(f"{Q}/messages", data=data, headers={"Content-Type": "application/json"})
    assert_error(resp, 400, INVALID_BODY, description)


@pytest.mark.parametrize(("offset", "status"), [(-1, 201), (0, 201), (1, 400)])
def test_post_size_limit_is_the_whole_body(api: Api, queue: str, offset: int,
                                           status: int) -> None:
    template = '[{"ttl": 300, "body": "%s"}]'
    data = template % ("x" * (262144 - len(template % "") + offset))
    resp = api.post(f"{Q}/messages", data=data, headers={"Content-Type": "application/json",
                                                         **CLOSE})
    assert_status(resp, status)
    if status == 400:
        assert_error(resp, 400, INVALID_API, "Message collection size is too large. "
                                             "Max size 262144")


# --- listing ---------------------------------------------------------------------------

def test_list_hides_own_messages_unless_echo(api: Api, queue: str) -> None:
    post_v1(api, queue, 2)
    resp = api.get(f"{Q}/messages")
    assert_empty(resp)
    assert resp.headers["Content-Location"] == f"{Q}/messages"
    resp = api.get(f"{Q}/messages?echo=True")
    assert_status(resp, 200)
    assert resp.headers["Content-Location"] == f"{Q}/messages?echo=True"
    messages = resp.json()["messages"]
    assert [m["body"] for m in messages] == [{"n": 0}, {"n": 1}]
    assert all(set(m) == V1_MESSAGE_KEYS for m in messages)
    other = {"Client-ID": str(uuid.uuid4())}
    assert len(api.get(f"{Q}/messages", headers=other).json()["messages"]) == 2


def test_list_follows_next_links_to_204(api: Api, queue: str) -> None:
    ids = post_v1(api, queue, 20)
    seen: list[str] = []
    href = f"{Q}/messages?echo=true&limit=7"
    while True:
        resp = api.get(href)
        if resp.status_code == 204:
            break
        assert_status(resp, 200)
        body = resp.json()
        assert len(body["messages"]) <= 7
        seen += [last_segment(m["href"]) for m in body["messages"]]
        [link] = body["links"]
        path, query = split_href(link["href"])
        assert path == f"{Q}/messages" and query["limit"] == ["7"] and query["echo"] == ["true"]
        href = link["href"]
    assert seen == ids


def test_list_include_claimed_and_hrefs_without_claims(api: Api, queue: str) -> None:
    post_v1(api, queue, 2)
    claimed = api.post(f"{Q}/claims?limit=1", json={"ttl": 300, "grace": 60}).json()
    assert href_claim(claimed[0]["href"]) is not None
    listed = api.get(f"{Q}/messages?echo=true").json()["messages"]
    assert [m["body"] for m in listed] == [{"n": 1}]
    listed = api.get(f"{Q}/messages?echo=true&include_claimed=true").json()["messages"]
    assert [m["body"] for m in listed] == [{"n": 0}, {"n": 1}]
    assert all(href_claim(m["href"]) is None for m in listed)


def test_list_requires_client_id(api: Api, queue: str) -> None:
    resp = api.get(f"{Q}/messages", headers={"X-Project-ID": api.project},
                   replace_headers=True)
    assert_error(resp, 400, "Missing header value", MISSING_CLIENT)


@pytest.mark.parametrize("client_id", ["1234", "aa2-bb3", "103e09c6-31b7-11e3-86bc-b8ca3ad0f5d81",
                                       "103e09c6-31b7-11e3-86bc-b8ca3ad0f5d"])
def test_list_invalid_client_ids(api: Api, queue: str, client_id: str) -> None:
    assert_error(api.get(f"{Q}/messages", headers={"Client-ID": client_id}), 400,
                 "Wrong UUID value")


@pytest.mark.parametrize("limit", ["0", "-100", "21", "30", "10000000000000000000"])
def test_list_limit_out_of_range_messages(api: Api, queue: str, limit: str) -> None:
    assert_error(api.get(f"{Q}/messages?limit={limit}"), 400, INVALID_API, MESSAGE_LIMIT)


@pytest.mark.parametrize("query", ["echo=maybe", "include_claimed=2", "limit=x"])
def test_list_malformed_parameters_messages(api: Api, queue: str, query: str) -> None:
    assert_error(api.get(f"{Q}/messages?{query}"), 400, "Invalid parameter")


def test_list_with_a_bad_marker_or_a_missing_queue_is_204(api: Api, queue: str) -> None:
    post_v1(api, queue, 1)
    assert_empty(api.get(f"{Q}/messages?echo=true&marker=invalid"))
    assert_empty(api.get("/v1/queues/nope/messages?echo=true"))


# --- get, get by ids -------------------------------------------------------------------

def test_get_one(api: Api, queue: str) -> None:
    [mid] = post_v1(api, queue, 1, ttl=120)
    resp = api.get(f"{Q}/messages/{mid}", headers={"Client-ID": None})
    assert_status(resp, 200)
    assert resp.headers["Content-Location"] == f"{Q}/messages/{mid}"
    message = resp.json()
    assert set(message) == V1_MESSAGE_KEYS
    assert message["href"] == f"{Q}/messages/{mid}" and message["ttl"] == 120
    api.post(f"{Q}/claims", json={"ttl": 300, "grace": 60})
    assert href_claim(api.get(f"{Q}/messages/{mid}").json()["href"]) is None


@pytest.mark.parametrize("message_id", [UNKNOWN_ID, "non-existing-message", "0" * 24])
def test_get_one_missing(api: Api, queue: str, message_id: str) -> None:
    assert_error(api.get(f"{Q}/messages/{message_id}"), 404, "Not found")


def test_get_by_ids(api: Api, queue: str) -> None:
    ids = post_v1(api, queue, 3)
    path = f"{Q}/messages?ids={ids[0]},{ids[2]},nonexisting"
    resp = api.get(path, headers={"Client-ID": None})
    assert_status(resp, 200)
    assert resp.headers["Content-Location"] == path
    found = resp.json()
    assert isinstance(found, list)
    assert sorted(m["body"]["n"] for m in found) == [0, 2]
    assert all(set(m) == V1_MESSAGE_KEYS for m in found)
    repeated = api.get(f"{Q}/messages?ids={ids[0]}&ids={ids[1]}").json()
    assert sorted(m["body"]["n"] for m in repeated) == [0, 1]


def test_get_by_ids_none_found_is_204(api: Api, queue: str) -> None:
    assert_empty(api.get(f"{Q}/messages?ids=not_there1,not_there2"))
    assert_empty(api.get(f"/v1/queues/nope/messages?ids={UNKNOWN_ID}"))


@pytest.mark.parametrize("ids", [",".join(str(i) for i in range(21)), ",", ",,"])
def test_get_by_too_many_or_no_ids(api: Api, queue: str, ids: str) -> None:
    assert_error(api.get(f"{Q}/messages?ids={ids}"), 400, INVALID_API, MESSAGE_LIMIT)


# --- deleting --------------------------------------------------------------------------

def test_bulk_delete_ignores_claims(api: Api, queue: str) -> None:
    ids = post_v1(api, queue, 3)
    api.post(f"{Q}/claims?limit=2", json={"ttl": 300, "grace": 60})
    resp = api.delete(f"{Q}/messages?ids={','.join(ids)},nonexisting",
                      headers={"Client-ID": None})
    assert_empty(resp)
    assert_empty(api.get(f"{Q}/messages?ids={','.join(ids)}"))
    assert_empty(api.delete(f"/v1/queues/nope/messages?ids={UNKNOWN_ID}"))


@pytest.mark.parametrize("query", ["", "?pop=1", "?ids="])
def test_bulk_delete_requires_ids(api: Api, queue: str, query: str) -> None:
    post_v1(api, queue, 1)
    assert_error(api.delete(f"{Q}/messages{query}"), 400, "Missing parameter",
                 'The "ids" parameter is required.')
    assert api.get(f"{Q}/stats").json()["messages"]["total"] == 1


@pytest.mark.parametrize("ids", [",".join(str(i) for i in range(21)), ","])
def test_bulk_delete_too_many_or_no_ids(api: Api, queue: str, ids: str) -> None:
    # v1 checks the count of ids as a page size, as it does for a listing.
    assert_error(api.delete(f"{Q}/messages?ids={ids}"), 400, INVALID_API, MESSAGE_LIMIT)


def test_delete_one_decision_table(api: Api, queue: str) -> None:
    free, held, other = post_v1(api, queue, 3)
    assert_empty(api.delete(f"{Q}/messages/{free}"))
    assert_error(api.get(f"{Q}/messages/{free}"), 404)
    assert_empty(api.delete(f"{Q}/messages/non-existing"))
    assert_error(api.delete(f"{Q}/messages/{UNKNOWN_ID}?claim_id=bad"), 400, "Unable to delete",
                 "The specified claim does not exist or has expired.")
    resp = api.post(f"{Q}/claims?limit=1", json={"ttl": 300, "grace": 60})
    claim_id = claim_id_of(resp.headers["Location"])
    assert_error(api.delete(f"{Q}/messages/{held}"), 403, "Unable to delete",
                 "This message is claimed; it cannot be deleted without a valid claim ID.")
    assert_error(api.delete(f"{Q}/messages/{held}?claim_id={UNKNOWN_ID}"), 403,
                 "Unable to delete")
    assert_error(api.delete(f"{Q}/messages/{other}?claim_id={claim_id}"), 400,
                 "Unable to delete",
                 "A claim was specified, but the message is not currently claimed.")
    assert_empty(api.delete(f"{Q}/messages/{held}?claim_id={claim_id}"))
    assert_empty(api.get(f"{Q}/messages?ids={held}"))


# --- claims ----------------------------------------------------------------------------

def test_claim_returns_a_bare_array(api: Api, queue: str) -> None:
    ids = post_v1(api, queue, 3, ttl=60)
    resp = api.post(f"{Q}/claims?limit=2", json={"ttl": 300, "grace": 100})
    assert_status(resp, 201)
    claim_id = claim_id_of(resp.headers["Location"])
    assert resp.headers["Location"] == f"{Q}/claims/{claim_id}"
    claimed = resp.json()
    assert isinstance(claimed, list) and len(claimed) == 2
    for message, mid in zip(claimed, ids, strict=False):
        assert set(message) == V1_MESSAGE_KEYS
        assert message["href"] == f"{Q}/messages/{mid}?claim_id={claim_id}"
        assert message["ttl"] == 400  # lived shorter than the claim: ttl + grace
    for message in claimed:
        assert_empty(api.delete(message["href"]))


def test_claim_defaults_to_ten(api: Api, queue: str) -> None:
    post_v1(api, queue, 12)
    assert len(api.post(f"{Q}/claims", json={"ttl": 60, "grace": 60}).json()) == 10


def test_claim_nothing_is_204(api: Api, queue: str) -> None:
    assert_empty(api.post(f"{Q}/claims", json={"ttl": 60, "grace": 60}))
    assert_empty(api.post("/v1/queues/nope/claims", json={"ttl": 200, "grace": 300}))


@pytest.mark.parametrize(("data", "title", "description"), [
    ("", INVALID_BODY, "Request body could not be parsed."),
    ("[]", INVALID_BODY, "Document type not supported."),
    ("[", INVALID_BODY, "Request body could not be parsed."),
    ("{}", INVALID_BODY, 'Missing "ttl" field.'),
    ('{"ttl": 60}', INVALID_BODY, 'Missing "grace" field.'),
    ('{"grace": 60}', INVALID_BODY, 'Missing "ttl" field.'),
    ('{"ttl": "60", "grace": 60}', INVALID_BODY, type_error("ttl")),
    ('{"ttl": 60, "grace": null}', INVALID_BODY, type_error("grace")),
    ('{"ttl": 59, "grace": 60}', INVALID_API, CLAIM_TTL_RANGE),
    ('{"ttl": 43201, "grace": 60}', INVALID_API, CLAIM_TTL_RANGE),
    ('{"ttl": 60, "grace": 59}', INVALID_API, CLAIM_GRACE_RANGE),
    ('{"ttl": 100, "grace": 10000000000000000000}', INVALID_BODY,
     "JSON contains integer that is too large."),
])
def test_claim_errors(api: Api, queue: str, data: str, title: str, description: str) -> None:
    post_v1(api, queue, 1)
    resp = api.post(f"{Q}/claims", data=data, headers={"Content-Type": "application/json"})
    assert_error(resp, 400, title, description)
    assert api.get(f"{Q}/stats").json()["messages"]["claimed"] == 0


@pytest.mark.parametrize("limit", ["0", "21", "-1"])
def test_claim_limit_out_of_range(api: Api, queue: str, limit: str) -> None:
    resp = api.post(f"{Q}/claims?limit={limit}", json={"ttl": 60, "grace": 60})
    assert_error(resp, 400, INVALID_API,
                 "Limit must be at least 1 and may not be greater than 20.")


def test_query_renew_release(api: Api, queue: str) -> None:
    post_v1(api, queue, 2, ttl=3600)
    resp = api.post(f"{Q}/claims", json={"ttl": 300, "grace": 400})
    location = resp.headers["Location"]
    claim_id = claim_id_of(location)
    resp = api.get(location)
    assert_status(resp, 200)
    assert resp.headers["Content-Location"] == location
    claim = resp.json()
    assert set(claim) == {"age", "ttl", "href", "messages"}
    assert claim["ttl"] == 300 and claim["href"] == location
    assert [href_claim(m["href"]) for m in claim["messages"]] == [claim_id, claim_id]
    assert all(set(m) == V1_MESSAGE_KEYS for m in claim["messages"])
    assert_empty(api.patch(location, json={"ttl": 120}))
    assert api.get(location).json()["ttl"] == 120
    assert_empty(api.patch(location, json={"ttl": 120, "grace": 1}))  # grace is not checked
    assert_empty(api.delete(location))
    assert_error(api.get(location), 404, "Not found")
    assert_empty(api.delete(location))
    assert len(api.get(f"{Q}/messages?echo=true").json()["messages"]) == 2


@pytest.mark.parametrize(("data", "title", "description"), [
    ("", INVALID_BODY, "Request body could not be parsed."),
    ("{}", INVALID_BODY, 'Missing "ttl" field.'),
    ('{"grace": 60}', INVALID_BODY, 'Missing "ttl" field.'),
    ('{"ttl": "x"}', INVALID_BODY, type_error("ttl")),
    ('{"ttl": 59}', INVALID_API, CLAIM_TTL_RANGE),
    ('{"ttl": 43201}', INVALID_API, CLAIM_TTL_RANGE),
])
def test_renew_errors(api: Api, queue: str, data: str, title: str, description: str) -> None:
    post_v1(api, queue, 1)
    location = api.post(f"{Q}/claims", json={"ttl": 100, "grace": 100}).headers["Location"]
    resp = api.patch(location, data=data, headers={"Content-Type": "application/json"})
    assert_error(resp, 400, title, description)


def test_missing_claims(api: Api, queue: str) -> None:
    for claim_id in ("non-existing-claim", UNKNOWN_ID):
        path = f"{Q}/claims/{claim_id}"
        assert_error(api.get(path), 404, "Not found")
        assert_error(api.patch(path, json={"ttl": 400}), 404, "Not found")
        assert_empty(api.delete(path))


def test_claims_and_messages_collections_methods(api: Api, queue: str) -> None:
    assert_error(api.get(f"{Q}/claims"), 405)
    assert_error(api.put(f"{Q}/messages", json=[]), 405)
    assert_error(api.post(f"{Q}/claims/{UNKNOWN_ID}", json={}), 405)


def test_v1_sees_the_queues_and_messages_of_v2(api: Api) -> None:
    api.post("/v2/queues/shared/messages", json={"messages": [{"body": {"from": "v2"}}]})
    assert_empty(api.get("/v1/queues/shared"))
    listed = api.get("/v1/queues/shared/messages?echo=true").json()["messages"]
    assert [m["body"] for m in listed] == [{"from": "v2"}]
    assert json.loads(api.get("/v1/queues").text)["queues"][0]["name"] == "shared"
