"""API v1.1 against the live servers (spec v1_1.md): every endpoint and every error
case, on both stores."""

from __future__ import annotations

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
    IDS_LIMIT,
    MESSAGE_LIMIT,
    MISSING_CLIENT,
    QUEUE_LIMIT,
    TTL_RANGE,
    V1_1_MESSAGE_KEYS,
    claim_id_of,
    href_claim,
    post_v1_1,
    type_error,
)
from tests.live_server import Api

INVALID_API = "Invalid API request"
INVALID_BODY = "Invalid request body"
Q = "/v1.1/queues/q"
POP_RANGE = "Pop value must be at least 1 and may not be greater than 20."

HOME = {
    "rel/queues": ("/v1.1/queues{?marker,limit,detailed}", ["GET"]),
    "rel/queue": ("/v1.1/queues/{queue_name}", ["PUT", "DELETE"]),
    "rel/queue_stats": ("/v1.1/queues/{queue_name}/stats", ["GET"]),
    "rel/messages": ("/v1.1/queues/{queue_name}/messages{?marker,limit,echo,include_claimed}",
                     ["GET"]),
    "rel/post_messages": ("/v1.1/queues/{queue_name}/messages", ["POST"]),
    "rel/messages_delete": ("/v1.1/queues/{queue_name}/messages{?ids,pop}", ["DELETE"]),
    "rel/message_delete": ("/v1.1/queues/{queue_name}/messages/{message_id}{?claim}",
                           ["DELETE"]),
    "rel/claim": ("/v1.1/queues/{queue_name}/claims/{claim_id}", ["GET"]),
    "rel/post_claim": ("/v1.1/queues/{queue_name}/claims{?limit}", ["POST"]),
    "rel/patch_claim": ("/v1.1/queues/{queue_name}/claims/{claim_id}", ["PATCH"]),
    "rel/delete_claim": ("/v1.1/queues/{queue_name}/claims/{claim_id}", ["DELETE"]),
    "rel/ping": ("/v1.1/ping", ["GET"]),
}


# --- home, headers, ping and health ----------------------------------------------------

def test_home_document(api: Api) -> None:
    resp = api.get("/v1.1/")
    assert_status(resp, 200)
    assert resp.headers["Content-Type"] == "application/json-home"
    resources = resp.json()["resources"]
    assert set(resources) == set(HOME) | {"rel/health"}
    for rel, (template, allow) in HOME.items():
        assert resources[rel]["href-template"] == template, rel
        assert resources[rel]["hints"]["allow"] == allow, rel
    assert resources["rel/message_delete"]["href-vars"]["claim"] == "param/claim_id"
    assert resources["rel/health"]["href"] == "/v1.1/health"


@pytest.mark.parametrize("path", ["/v1.1/", "/v1.1/queues", "/v1.1/ping", f"{Q}/messages"])
def test_client_id_and_project_are_required_everywhere(api: Api, path: str) -> None:
    resp = api.get(path, headers={"X-Project-ID": api.project}, replace_headers=True)
    assert_error(resp, 400, "Missing header value", MISSING_CLIENT)
    resp = api.get(path, headers={"Client-ID": api.client_id}, replace_headers=True)
    assert_error(resp, 400, "Project-Id Missing", "The header X-PROJECT-ID was missing")
    assert_error(api.get(path, headers={"Client-ID": "1234"}), 400, "Wrong UUID value")


def test_ping_and_health(api: Api) -> None:
    assert_empty(api.get("/v1.1/ping"))
    assert_empty(api.request("HEAD", "/v1.1/ping"))
    resp = api.get("/v1.1/health")
    assert_status(resp, 200)
    report = resp.json()
    assert report["storage_reachable"] is True
    assert all(step["succeeded"] for step in report["operation_status"].values())
    assert set(report["message_volume"]) == {"free", "claimed", "total"}
    assert_status(api.request("HEAD", "/v1.1/health"), 405)


@pytest.mark.parametrize("path", ["/v1.1/pools", "/v1.1/flavors", "/v1.1/queues/q/metadata",
                                  "/v1.1/queues/q/purge", "/v1.1/queues/q/subscriptions",
                                  "/v1.1"])
def test_what_v1_1_does_not_have_is_404(api: Api, path: str) -> None:
    assert assert_error(api.get(path), 404) == {"title": "404 Not Found"}


# --- queues ----------------------------------------------------------------------------

def test_create_with_metadata_then_read_it_as_stored(api: Api) -> None:
    metadata = {"queue": "Has Metadata", "_default_message_ttl": 120}
    resp = api.put(Q, json=metadata)
    assert_empty(resp, 201)
    assert resp.headers["Location"] == Q
    assert api.get(Q).json() == metadata
    assert_empty(api.put(Q, json={"other": 1}))
    assert api.get(Q).json() == metadata
    assert_empty(api.put("/v1.1/queues/plain"), 201)
    assert api.get("/v1.1/queues/plain").json() == {}


def test_get_of_a_missing_queue_is_an_empty_object(api: Api) -> None:
    resp = api.get(Q)
    assert_status(resp, 200)
    assert resp.json() == {}


@pytest.mark.parametrize(("document", "description"), [
    ({"_default_message_ttl": 59}, "_default_message_ttl can not exceed 1209600 seconds, and "
                                   "must be at least 60 seconds long."),
    ({"_default_message_ttl": "60"}, "_default_message_ttl must be integer."),
    ({"_max_messages_post_size": 0}, "_max_messages_post_size can not exceed 262144,  and must "
                                     "be at least greater than 0."),
    ({"_enable_encrypt_messages": "yes"}, "_enable_encrypt_messages must be boolean."),
    ({"_max_claim_count": "3"}, "_max_claim_count must be integer."),
    ({"_retry_policy": [1]}, "retry_policy must be a dict."),
])
def test_create_validates_reserved_metadata(api: Api, document: dict[str, object],
                                            description: str) -> None:
    assert_error(api.put(Q, json=document), 400, INVALID_API, description)
    assert api.get("/v1.1/queues").json()["queues"] == []


@pytest.mark.parametrize(("data", "description"), [
    ("[]", "Document type not supported."),
    ("{", "Request body could not be parsed."),
])
def test_create_with_an_unreadable_body(api: Api, data: str, description: str) -> None:
    resp = api.put(Q, data=data, headers={"Content-Type": "application/json"})
    assert_error(resp, 400, INVALID_BODY, description)


def test_create_with_too_much_metadata(api: Api) -> None:
    resp = api.put(Q, json={"queue": "i" * 65537}, headers=CLOSE)
    assert_error(resp, 400, INVALID_API, "Queue metadata is too large. Max size: 65536")


def test_queue_methods_not_allowed(api: Api) -> None:
    api.put(Q)
    for method in ("HEAD", "PATCH", "POST"):
        resp = api.request(method, Q, json={} if method != "HEAD" else None)
        assert_status(resp, 405)
        assert "PUT" in resp.headers["Allow"]


@pytest.mark.parametrize("name", ["i" * 65, "@$@^qw", "\u6c49\u5b57"])
def test_invalid_queue_names(api: Api, name: str) -> None:
    assert_error(api.put(f"/v1.1/queues/{name}"), 400, INVALID_QUEUE)
    assert_error(api.get(f"/v1.1/queues/{name}/stats"), 400, INVALID_QUEUE)


def test_delete_queue(api: Api) -> None:
    post_v1_1(api, "q", 2)
    assert_empty(api.delete(Q))
    assert api.get(f"{Q}/stats").json() == {"messages": {"claimed": 0, "free": 0, "total": 0}}
    assert_empty(api.delete(Q))


def test_list_queues(api: Api) -> None:
    empty = api.get("/v1.1/queues")
    assert_status(empty, 200)
    assert empty.json() == {"queues": [], "links": []}
    assert "Content-Location" not in empty.headers
    for name in ("b", "a", "c"):
        api.put(f"/v1.1/queues/{name}", json={"_default_message_delay": 5, "k": name})
    body = api.get("/v1.1/queues?limit=2&detailed=true&with_count=true&k=a&name=zz").json()
    assert set(body) == {"queues", "links"}
    assert body["queues"] == [
        {"name": "a", "href": "/v1.1/queues/a",
         "metadata": {"_default_message_delay": 5, "k": "a"}},
        {"name": "b", "href": "/v1.1/queues/b",
         "metadata": {"_default_message_delay": 5, "k": "b"}},
    ]
    path, query = split_href(body["links"][0]["href"])
    assert path == "/v1.1/queues"
    assert query == {"limit": ["2"], "detailed": ["true"], "marker": ["b"]}
    last = api.get(body["links"][0]["href"]).json()
    assert [q["name"] for q in last["queues"]] == ["c"]
    assert api.get(last["links"][0]["href"]).json() == {"queues": [], "links": []}
    assert api.get("/v1.1/queues?marker=zzz").json() == {"queues": [], "links": []}


@pytest.mark.parametrize("query", ["limit=0", "limit=-1", "limit=1001"])
def test_list_queue_limit(api: Api, query: str) -> None:
    assert_error(api.get(f"/v1.1/queues?{query}"), 400, INVALID_API, QUEUE_LIMIT)


def test_stats(api: Api) -> None:
    missing = api.get(f"{Q}/stats")
    assert_status(missing, 200)
    assert missing.json() == {"messages": {"claimed": 0, "free": 0, "total": 0}}
    assert "Content-Location" not in missing.headers
    ids = post_v1_1(api, "q", 3)
    api.post(f"{Q}/claims?limit=1", json={"ttl": 300, "grace": 300})
    counts = api.get(f"{Q}/stats").json()["messages"]
    assert (counts["claimed"], counts["free"], counts["total"]) == (1, 2, 3)
    assert counts["oldest"]["href"] == f"{Q}/messages/{ids[0]}"
    assert counts["newest"]["href"] == f"{Q}/messages/{ids[2]}"


# --- posting ---------------------------------------------------------------------------

def test_post_creates_the_queue_and_defaults_the_ttl(api: Api) -> None:
    resp = api.post(f"{Q}/messages", json={"messages": [{"ttl": 300, "body": {"a": 1}},
                                                        {"body": "uses the default ttl"}]})
    assert_status(resp, 201)
    body = resp.json()
    assert set(body) == {"resources"}
    ids = [last_segment(href) for href in body["resources"]]
    assert body["resources"] == [f"{Q}/messages/{mid}" for mid in ids]
    assert resp.headers["Location"] == f"{Q}/messages?ids={','.join(ids)}"
    assert [api.get(href).json()["ttl"] for href in body["resources"]] == [300, 3600]
    assert [q["name"] for q in api.get("/v1.1/queues").json()["queues"]] == ["q"]


def test_post_ignores_queue_settings_and_delays(api: Api) -> None:
    api.put(Q, json={"_default_message_ttl": 120, "_max_messages_post_size": 100,
                     "_default_message_delay": 60})
    body = {"messages": [{"body": "x" * 200, "delay": "later"}]}
    resp = api.post(f"{Q}/messages", json=body)
    assert_status(resp, 201)
    [href] = resp.json()["resources"]
    assert api.get(href).json()["ttl"] == 3600
    listed = api.get(f"{Q}/messages?echo=true").json()["messages"]
    assert [m["href"] for m in listed] == [href]


@pytest.mark.parametrize(("document", "title", "description"), [
    ({}, INVALID_API, "No messages were found in the request body."),
    ([{"ttl": 60, "body": 1}], INVALID_API, "No messages were found in the request body."),
    ({"messages": {"body": 1}}, INVALID_BODY, "Document type not supported."),
    ({"messages": []}, INVALID_API, "No messages to enqueu."),
    ({"messages": [{"ttl": 60}]}, INVALID_BODY, 'Missing "body" field.'),
    ({"messages": [{"ttl": "60", "body": 1}]}, INVALID_BODY, type_error("ttl")),
    ({"messages": [{"ttl": 59, "body": 1}]}, INVALID_API, TTL_RANGE),
    ({"messages": [{"ttl": 1209601, "body": 1}]}, INVALID_API, TTL_RANGE),
    ({"messages": [1]}, INVALID_BODY, "Document type not supported."),
])
def test_post_errors_do_not_create_the_queue(api: Api, document: object, title: str,
                                             description: str) -> None:
    assert_error(api.post(f"{Q}/messages", json=document), 400, title, description)
    assert api.get("/v1.1/queues").json()["queues"] == []


def test_post_empty_or_oversized_body(api: Api) -> None:
    resp = api.post(f"{Q}/messages", data="", headers={"Content-Type": "application/json"})
    assert_error(resp, 400, INVALID_BODY, "Request body could not be parsed.")
    body = '{"messages": [{"ttl": 300, "body": "%s"}]}'
    data = body % ("x" * (262144 - len(body % "") + 1))
    resp = api.post(f"{Q}/messages", data=data,
                    headers={"Content-Type": "application/json", **CLOSE})
    assert_error(resp, 400, INVALID_API, "Message collection size is too large. Max size 262144")
    data = body % ("x" * (262144 - len(body % "")))
    assert_status(api.post(f"{Q}/messages", data=data,
                           headers={"Content-Type": "application/json"}), 201)


# --- listing, getting ------------------------------------------------------------------

def test_list_messages(api: Api) -> None:
    assert api.get(f"{Q}/messages").json() == {"messages": [], "links": []}
    ids = post_v1_1(api, "q", 3)
    assert api.get(f"{Q}/messages").json() == {"messages": [], "links": []}
    resp = api.get(f"{Q}/messages?echo=true&limit=2&include_delayed=no-such-value")
    assert_status(resp, 200)
    body = resp.json()
    assert "Content-Location" not in resp.headers
    assert [m["id"] for m in body["messages"]] == ids[:2]
    for message in body["messages"]:
        assert set(message) == V1_1_MESSAGE_KEYS
        assert message["href"] == f"{Q}/messages/{message['id']}"
    path, query = split_href(body["links"][0]["href"])
    assert query == {"echo": ["true"], "limit": ["2"], "marker": query["marker"]}
    rest = api.get(body["links"][0]["href"]).json()
    assert [m["id"] for m in rest["messages"]] == ids[2:]
    assert api.get(rest["links"][0]["href"]).json() == {"messages": [], "links": []}
    assert api.get(f"{Q}/messages?echo=true&marker=invalid").json()["messages"] == []


def test_claimed_messages_carry_their_claim_in_hrefs(api: Api) -> None:
    ids = post_v1_1(api, "q", 2)
    resp = api.post(f"{Q}/claims?limit=1", json={"ttl": 300, "grace": 60})
    claim_id = claim_id_of(resp.headers["Location"])
    listed = api.get(f"{Q}/messages?echo=true&include_claimed=true").json()["messages"]
    assert [href_claim(m["href"]) for m in listed] == [claim_id, None]
    assert href_claim(api.get(f"{Q}/messages/{ids[0]}").json()["href"]) == claim_id
    api.delete(f"{Q}/claims/{claim_id}")
    assert href_claim(api.get(f"{Q}/messages/{ids[0]}").json()["href"]) is None


def test_delayed_messages_are_never_listed(api: Api) -> None:
    api.put("/v2/queues/delayed", json={"_default_message_delay": 600})
    api.post("/v2/queues/delayed/messages", json={"messages": [{"body": 1}]})
    path = "/v1.1/queues/delayed/messages?echo=true&include_delayed=true"
    assert api.get(path).json()["messages"] == []
    assert len(api.get("/v2/queues/delayed/messages?echo=true&include_delayed=true")
               .json()["messages"]) == 1


@pytest.mark.parametrize("limit", ["0", "21", "-100"])
def test_list_limit(api: Api, limit: str) -> None:
    assert_error(api.get(f"{Q}/messages?limit={limit}"), 400, INVALID_API, MESSAGE_LIMIT)


def test_get_one_and_by_ids(api: Api) -> None:
    ids = post_v1_1(api, "q", 3)
    message = api.get(f"{Q}/messages/{ids[1]}").json()
    assert set(message) == V1_1_MESSAGE_KEYS and message["id"] == ids[1]
    assert_error(api.get(f"{Q}/messages/non-existing-message"), 404, "Not found")
    resp = api.get(f"{Q}/messages?ids={ids[0]},{ids[2]},nonexisting")
    assert_status(resp, 200)
    assert set(resp.json()) == {"messages"}
    assert sorted(m["id"] for m in resp.json()["messages"]) == sorted([ids[0], ids[2]])


def test_get_by_ids_none_found_is_404(api: Api) -> None:
    post_v1_1(api, "q", 1)
    resp = api.get(f"{Q}/messages?ids=not_there1,not_there2")
    assert_error(resp, 404, "Not found", "No messages with IDs: ['not_there1', 'not_there2'] "
                                         f"found in the queue q for project {api.project}.")
    assert_error(api.get(f"/v1.1/queues/nope/messages?ids={UNKNOWN_ID}"), 404)
    ids = ",".join(str(i) for i in range(21))
    assert_error(api.get(f"{Q}/messages?ids={ids}"), 400, INVALID_API, MESSAGE_LIMIT)
    assert_error(api.get(f"{Q}/messages?ids=,"), 400, INVALID_API, MESSAGE_LIMIT)


# --- deleting and popping --------------------------------------------------------------

def test_bulk_delete(api: Api) -> None:
    ids = post_v1_1(api, "q", 3)
    api.post(f"{Q}/claims?limit=1", json={"ttl": 300, "grace": 60})
    assert_empty(api.delete(f"{Q}/messages?ids={','.join(ids)},nonexisting"))
    assert_error(api.get(f"{Q}/messages?ids={','.join(ids)}"), 404)
    assert_empty(api.delete(f"/v1.1/queues/nope/messages?ids={UNKNOWN_ID}"))


def test_pop(api: Api) -> None:
    ids = post_v1_1(api, "q", 5)
    api.post(f"{Q}/claims?limit=1", json={"ttl": 300, "grace": 60})
    resp = api.delete(f"{Q}/messages?pop=3")
    assert_status(resp, 200)
    popped = resp.json()["messages"]
    assert [m["id"] for m in popped] == ids[1:4]
    for message in popped:
        assert set(message) == {"id", "age", "ttl", "claim_count", "body", "claim_id"}
        assert message["claim_id"] is None and message["ttl"] == 3600
    assert [m["id"] for m in api.delete(f"{Q}/messages?pop=20").json()["messages"]] == ids[4:]
    assert api.delete(f"{Q}/messages?pop=2").json() == {"messages": []}
    assert api.delete("/v1.1/queues/nope/messages?pop=2").json() == {"messages": []}


@pytest.mark.parametrize(("query", "description"), [
    ("", 'The request should have either "ids" or "pop" parameter in the request, to be able '
         "to delete."),
    (f"ids={UNKNOWN_ID}&pop=1",
     "pop and id params cannot be present together in the delete request."),
    ("pop=0", POP_RANGE),
    ("pop=-1", POP_RANGE),
    ("pop=10000000", POP_RANGE),
    ("ids=" + ",".join(str(i) for i in range(21)), IDS_LIMIT),
    ("ids=,", IDS_LIMIT),
])
def test_delete_many_errors(api: Api, query: str, description: str) -> None:
    post_v1_1(api, "q", 1)
    assert_error(api.delete(f"{Q}/messages?{query}"), 400, INVALID_API, description)
    assert len(api.get(f"{Q}/messages?echo=true").json()["messages"]) == 1


def test_pop_must_be_an_integer(api: Api) -> None:
    assert_error(api.delete(f"{Q}/messages?pop=one"), 400, "Invalid parameter")


def test_delete_one(api: Api) -> None:
    free, held = post_v1_1(api, "q", 2)
    assert_empty(api.delete(f"{Q}/messages/{free}"))
    assert_error(api.get(f"{Q}/messages/{free}"), 404)
    assert_empty(api.delete(f"{Q}/messages/non-existing"))
    claimed = api.post(f"{Q}/claims", json={}).json()["messages"]
    assert_error(api.delete(f"{Q}/messages/{held}"), 403, "Unable to delete")
    assert_error(api.delete(f"{Q}/messages/{held}?claim_id=x"), 400, "Unable to delete",
                 "The specified claim does not exist or has expired.")
    assert_empty(api.delete(claimed[0]["href"]))


# --- claims ----------------------------------------------------------------------------

@pytest.mark.parametrize(("body", "ttl"), [(None, 300), ({}, 300), ({"grace": 100}, 300),
                                           ({"ttl": 120}, 120)])
def test_claim_defaults(api: Api, body: dict[str, int] | None, ttl: int) -> None:
    post_v1_1(api, "q", 2)
    resp = api.post(f"{Q}/claims?limit=1", json=body) if body is not None else \
        api.post(f"{Q}/claims?limit=1")
    assert_status(resp, 201)
    location = resp.headers["Location"]
    claim_id = claim_id_of(location)
    [message] = resp.json()["messages"]
    assert set(resp.json()) == {"messages"}
    assert set(message) == V1_1_MESSAGE_KEYS
    assert message["href"] == f"{Q}/messages/{message['id']}?claim_id={claim_id}"
    claim = api.get(location).json()
    assert set(claim) == {"age", "ttl", "href", "messages"}
    assert claim["ttl"] == ttl and claim["href"] == location


def test_claim_nothing_is_204(api: Api) -> None:
    assert_empty(api.post(f"{Q}/claims", json={"ttl": 200, "grace": 300}))


@pytest.mark.parametrize(("data", "title", "description"), [
    ("[", INVALID_BODY, "Request body could not be parsed."),
    ("[]", INVALID_BODY, "Document type not supported."),
    (".", INVALID_BODY, "Request body could not be parsed."),
    ('"fail"', INVALID_BODY, "Request body could not be parsed."),
    ('{"ttl": "x"}', INVALID_BODY, type_error("ttl")),
    ('{"ttl": 300, "grace": null}', INVALID_BODY, type_error("grace")),
    ('{"ttl": 59}', INVALID_API, CLAIM_TTL_RANGE),
    ('{"ttl": 43201}', INVALID_API, CLAIM_TTL_RANGE),
    ('{"grace": 43201}', INVALID_API, CLAIM_GRACE_RANGE),
])
def test_claim_errors(api: Api, data: str, title: str, description: str) -> None:
    post_v1_1(api, "q", 1)
    resp = api.post(f"{Q}/claims", data=data, headers={"Content-Type": "application/json"})
    assert_error(resp, 400, title, description)


def test_claim_limit(api: Api) -> None:
    post_v1_1(api, "q", 1)
    assert_error(api.post(f"{Q}/claims?limit=21", json={}), 400, INVALID_API,
                 "Limit must be at least 1 and may not be greater than 20.")
    assert_status(api.post(f"{Q}/claims?unknown=1", json={}), 201)


def test_renew_defaults_and_release(api: Api) -> None:
    post_v1_1(api, "q", 1)
    location = api.post(f"{Q}/claims", json={"ttl": 100, "grace": 100}).headers["Location"]
    assert_empty(api.patch(location, json={"ttl": 300, "grace": 60}))
    assert api.get(location).json()["ttl"] == 300
    assert_empty(api.patch(location, json={"ttl": 120}))
    assert_empty(api.patch(location, json={"grace": 90}))
    assert api.get(location).json()["ttl"] == 300
    assert_empty(api.patch(location, json={}))
    resp = api.patch(location, data="", headers={"Content-Type": "application/json"})
    assert_error(resp, 400, INVALID_BODY, "Request body could not be parsed.")
    assert_error(api.patch(location, json={"ttl": 43201}), 400, INVALID_API, CLAIM_TTL_RANGE)
    assert_empty(api.delete(location))
    for claim_id in ("non-existing-claim", UNKNOWN_ID):
        path = f"{Q}/claims/{claim_id}"
        assert_error(api.get(path), 404, "Not found")
        assert_error(api.patch(path, json={"ttl": 400}), 404, "Not found")
        assert_empty(api.delete(path))
