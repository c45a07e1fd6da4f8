"""Claims: create (limits, defaults, ordering of checks), query, renew, release, dead letters."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from tests.api.helpers import (
    ID_PATTERN,
    MESSAGE_KEYS,
    UNKNOWN_ID,
    assert_empty,
    assert_error,
    assert_status,
    claim,
    create_queue,
    list_messages,
    post_messages,
    stats,
)
from tests.live_server import Api

INVALID_BODY = "Invalid request body"
INVALID_API = "Invalid API request"
TTL_RANGE = ("The TTL for a claim may not exceed 43200 seconds, and must be at least 60 "
             "seconds long.")
GRACE_RANGE = ("The grace for a claim may not exceed 43200 seconds, and must be at least 60 "
               "seconds long.")
LIMIT_RANGE = "Limit must be at least 1 and may not be greater than 20."


def type_error(field: str) -> str:
    return f'The value of the "{field}" field must be a int.'


def get_claim(api: Api, claim_id: str, queue: str = "q") -> dict[str, Any]:
    resp = api.get(f"/v2/queues/{queue}/claims/{claim_id}")
    assert_status(resp, 200)
    return resp.json()


# -- create -------------------------------------------------------------------------

def test_create_claim(api: Api) -> None:
    ids = post_messages(api, "q", 3)
    resp = api.post("/v2/queues/q/claims", json={"ttl": 120, "grace": 60})
    assert_status(resp, 201)
    location = resp.headers["Location"]
    assert location.startswith("/v2/queues/q/claims/")
    claim_id = location.rsplit("/", 1)[1]
    assert ID_PATTERN.match(claim_id)
    messages = resp.json()["messages"]
    assert set(resp.json()) == {"messages"}
    assert [m["id"] for m in messages] == ids
    for message in messages:
        assert set(message) == MESSAGE_KEYS
        assert message["href"] == f"/v2/queues/q/messages/{message['id']}?claim_id={claim_id}"
        assert message["ttl"] == 3600
    assert [m["body"] for m in messages] == [{"n": 0}, {"n": 1}, {"n": 2}]


def test_claim_without_body_uses_defaults(api: Api) -> None:
    post_messages(api, "q", 12)
    resp = api.post("/v2/queues/q/claims")
    assert_status(resp, 201)
    claim_id = resp.headers["Location"].rsplit("/", 1)[1]
    assert len(resp.json()["messages"]) == 10
    shown = get_claim(api, claim_id)
    assert shown["ttl"] == 300


@pytest.mark.parametrize("body", [{}, {"ttl": 100}, {"grace": 100}, {"unknown": "x", "id": 1}])
def test_claim_with_partial_body(api: Api, body: dict) -> None:
    post_messages(api, "q", 1)
    claim_id, messages = claim(api, "q", body)
    assert claim_id is not None and len(messages) == 1
    assert get_claim(api, claim_id)["ttl"] == body.get("ttl", 300)


def test_limit_from_query_body_and_default(api: Api) -> None:
    post_messages(api, "q", 20)
    assert len(claim(api, "q", limit=3)[1]) == 3
    assert len(claim(api, "q", {"limit": 2})[1]) == 2
    assert len(claim(api, "q", {"limit": 1}, limit=4)[1]) == 4
    assert len(claim(api, "q")[1]) == 10
    assert len(claim(api, "q")[1]) == 1
    assert claim(api, "q") == (None, [])


def test_limit_twenty(api: Api) -> None:
    post_messages(api, "q", 21)
    assert len(claim(api, "q", limit=20)[1]) == 20
    assert len(claim(api, "q", {"limit": 20})[1]) == 1


def test_claims_take_the_oldest_free_messages_including_own(api: Api) -> None:
    ids = post_messages(api, "q", 5)
    first, got = claim(api, "q", limit=2)
    assert [m["id"] for m in got] == ids[:2]
    second, got = claim(api, "q", limit=2)
    assert [m["id"] for m in got] == ids[2:4]
    assert first != second
    assert_empty(api.delete(f"/v2/queues/q/claims/{first}"))
    _, got = claim(api, "q", limit=5)
    assert [m["id"] for m in got] == ids[:2] + ids[4:]


@pytest.mark.parametrize("queue", ["missing", "empty"])
def test_nothing_to_claim_is_204(api: Api, queue: str) -> None:
    create_queue(api, "empty")
    resp = api.post(f"/v2/queues/{queue}/claims", json={"ttl": 60, "grace": 60})
    assert_empty(resp)
    assert "Location" not in resp.headers
    assert [q["name"] for q in api.get("/v2/queues").json()["queues"]] == ["empty"]


def test_everything_claimed_is_204(api: Api) -> None:
    post_messages(api, "q", 2)
    claim(api, "q")
    assert claim(api, "q") == (None, [])


def test_claim_ignores_unknown_query_parameters(api: Api) -> None:
    post_messages(api, "q", 1)
    resp = api.post("/v2/queues/q/claims?foo=bar&grace=5", json={})
    assert_status(resp, 201)


def test_claim_extends_short_lived_messages(api: Api) -> None:
    (short,) = post_messages(api, "q", 1, ttl=60)
    (long,) = post_messages(api, "q", 1, ttl=3600)
    claim_id, messages = claim(api, "q", {"ttl": 120, "grace": 90})
    assert {m["id"]: m["ttl"] for m in messages} == {short: 210, long: 3600}
    assert api.get(f"/v2/queues/q/messages/{short}").json()["ttl"] == 210
    assert {m["id"]: m["ttl"] for m in get_claim(api, claim_id)["messages"]} == {
        short: 210, long: 3600}


@pytest.mark.parametrize(("body", "query", "title", "description"), [
    ({"ttl": 59}, "", INVALID_API, TTL_RANGE),
    ({"ttl": 43201}, "", INVALID_API, TTL_RANGE),
    ({"ttl": 0}, "", INVALID_API, TTL_RANGE),
    ({"ttl": -1}, "", INVALID_API, TTL_RANGE),
    ({"ttl": 2**63 - 1}, "", INVALID_API, TTL_RANGE),
    ({"grace": 59}, "", INVALID_API, GRACE_RANGE),
    ({"grace": 43201}, "", INVALID_API, GRACE_RANGE),
    ({"grace": -60}, "", INVALID_API, GRACE_RANGE),
    ({}, "?limit=0", INVALID_API, LIMIT_RANGE),
    ({}, "?limit=-1", INVALID_API, LIMIT_RANGE),
    ({}, "?limit=21", INVALID_API, LIMIT_RANGE),
    ({}, "?limit=99999999999999999999", INVALID_API, LIMIT_RANGE),
    ({"limit": 0}, "", INVALID_API, LIMIT_RANGE),
    ({"limit": 21}, "", INVALID_API, LIMIT_RANGE),
    ({"limit": 5}, "?limit=21", INVALID_API, LIMIT_RANGE),
    ({"ttl": "60"}, "", INVALID_BODY, type_error("ttl")),
    ({"ttl": 60.5}, "", INVALID_BODY, type_error("ttl")),
    # Zaqar's isinstance(ttl, int) refuses a whole number written with a fraction.
    ({"ttl": 60.0}, "", INVALID_BODY, type_error("ttl")),
    # ... and takes true and false as 1 and 0, which its range checks then refuse.
    ({"ttl": True}, "", INVALID_API, TTL_RANGE),
    ({"grace": False}, "", INVALID_API, GRACE_RANGE),
    ({"grace": 60.0}, "", INVALID_BODY, type_error("grace")),
    ({"limit": 2.0}, "", INVALID_BODY, type_error("limit")),
    ({"ttl": [60]}, "", INVALID_BODY, type_error("ttl")),
    ({"grace": "60"}, "", INVALID_BODY, type_error("grace")),
    ({"grace": {}}, "", INVALID_BODY, type_error("grace")),
    ({"limit": "5"}, "", INVALID_BODY, type_error("limit")),
    ({"limit": 2.5}, "", INVALID_BODY, type_error("limit")),
    # python-zaqarclient sends members it was not given as null.
    ({"ttl": None, "grace": None}, "", INVALID_BODY, type_error("ttl")),
    ({"ttl": 100, "grace": None}, "", INVALID_BODY, type_error("grace")),
    # Checks run in the order body shape, ttl, limit, grace.
    ({"grace": "x", "ttl": 5}, "", INVALID_BODY, type_error("grace")),
    ({"grace": 5, "ttl": 5}, "?limit=0", INVALID_API, TTL_RANGE),
    ({"grace": 5}, "?limit=0", INVALID_API, LIMIT_RANGE),
    ({"grace": 5, "limit": 50}, "", INVALID_API, LIMIT_RANGE),
])
def test_claim_errors(api: Api, body: dict, query: str, title: str, description: str) -> None:
    post_messages(api, "q", 1)
    resp = api.post(f"/v2/queues/q/claims{query}", json=body)
    assert_error(resp, 400, title, description)
    assert stats(api, "q")["claimed"] == 0


@pytest.mark.parametrize("limit", ["abc", "1.5", "ten"])
def test_claim_limit_not_an_integer(api: Api, limit: str) -> None:
    assert_error(api.post(f"/v2/queues/q/claims?limit={limit}"), 400, "Invalid parameter",
                 'The "limit" parameter is invalid. The value must be an integer.')


@pytest.mark.parametrize(("data", "description"), [
    ("[", "Request body could not be parsed."),
    (".", "Request body could not be parsed."),
    ('"fail"', "Request body could not be parsed."),
    ("[]", "Document type not supported."),
    ('[{"ttl": 60}]', "Document type not supported."),
    ('{"ttl": 1e999}', "Request body could not be parsed."),
    ('{"ttl": 9223372036854775808}', "JSON contains integer that is too large."),
])
def test_claim_malformed_body(api: Api, data: str, description: str) -> None:
    post_messages(api, "q", 1)
    resp = api.post("/v2/queues/q/claims", data=data, headers={"Content-Type": "application/json"})
    assert_error(resp, 400, INVALID_BODY, description)


def test_claim_bounds_accepted(api: Api) -> None:
    post_messages(api, "q", 2)
    claim_id, _ = claim(api, "q", {"ttl": 60, "grace": 43200}, limit=1)
    assert get_claim(api, claim_id)["ttl"] == 60
    claim_id, _ = claim(api, "q", {"ttl": 43200, "grace": 60}, limit=1)
    assert get_claim(api, claim_id)["ttl"] == 43200


def test_claim_on_a_delayed_queue(api: Api) -> None:
    create_queue(api, "slow", {"_default_message_delay": 60})
    post_messages(api, "slow", 2)
    assert claim(api, "slow") == (None, [])


def test_claims_are_scoped_to_project_and_queue(api: Api, make_api) -> None:
    post_messages(api, "q", 2)
    other = make_api()
    assert claim(other, "q") == (None, [])
    claim_id, _ = claim(api, "q")
    assert_error(other.get(f"/v2/queues/q/claims/{claim_id}"), 404, "Not found")
    assert_error(api.get(f"/v2/queues/other/claims/{claim_id}"), 404, "Not found")
    assert_empty(other.delete(f"/v2/queues/q/claims/{claim_id}"))
    assert_error(other.patch(f"/v2/queues/q/claims/{claim_id}", json={}), 404, "Not found")
    assert get_claim(api, claim_id)["ttl"] == 300


# -- query ---------------------------------------------------------------------------

def test_query_claim(api: Api) -> None:
    ids = post_messages(api, "q", 3)
    claim_id, _ = claim(api, "q", {"ttl": 500, "grace": 60}, limit=2)
    shown = get_claim(api, claim_id)
    assert set(shown) == {"age", "ttl", "href", "messages"}
    assert shown["ttl"] == 500 and isinstance(shown["age"], int) and 0 <= shown["age"] <= 5
    assert shown["href"] == f"/v2/queues/q/claims/{claim_id}"
    assert [m["id"] for m in shown["messages"]] == ids[:2]
    for message in shown["messages"]:
        assert set(message) == MESSAGE_KEYS
        assert message["href"].endswith(f"?claim_id={claim_id}")


@pytest.mark.parametrize("claim_id", [UNKNOWN_ID, "abc", "-1", UNKNOWN_ID.upper()])
def test_query_unknown_claim(api: Api, claim_id: str) -> None:
    post_messages(api, "q", 1)
    claim(api, "q")
    for queue in ("q", "missing"):
        resp = api.get(f"/v2/queues/{queue}/claims/{claim_id}")
        assert_error(resp, 404, "Not found", f"Claim {claim_id} does not exist in queue {queue} "
                                             f"for project {api.project}")


def test_query_released_claim_is_404(api: Api) -> None:
    post_messages(api, "q", 1)
    claim_id, _ = claim(api, "q")
    assert_empty(api.delete(f"/v2/queues/q/claims/{claim_id}"))
    assert_error(api.get(f"/v2/queues/q/claims/{claim_id}"), 404, "Not found")


def test_query_claim_whose_messages_are_gone_is_404(api: Api) -> None:
    post_messages(api, "q", 2)
    claim_id, messages = claim(api, "q")
    assert_empty(api.delete(f"/v2/queues/q/messages/{messages[0]['id']}?claim_id={claim_id}"))
    assert [m["id"] for m in get_claim(api, claim_id)["messages"]] == [messages[1]["id"]]
    assert_empty(api.delete(f"/v2/queues/q/messages?ids={messages[1]['id']}"))
    assert_error(api.get(f"/v2/queues/q/claims/{claim_id}"), 404, "Not found")


def test_claim_vanishes_with_its_queue(api: Api) -> None:
    post_messages(api, "q", 1)
    claim_id, _ = claim(api, "q")
    assert_empty(api.delete("/v2/queues/q"))
    assert_error(api.get(f"/v2/queues/q/claims/{claim_id}"), 404, "Not found")


# -- renew ----------------------------------------------------------------------------

@pytest.mark.parametrize(("body", "ttl"), [
    ({}, 300), ({"ttl": 120}, 120), ({"grace": 90}, 300), ({"ttl": 43200}, 43200),
    ({"ttl": 60, "grace": 10}, 60), ({"id": "whatever", "ttl": 200}, 200),
])
def test_renew(api: Api, body: dict, ttl: int) -> None:
    post_messages(api, "q", 1)
    claim_id, _ = claim(api, "q", {"ttl": 1000})
    assert_empty(api.patch(f"/v2/queues/q/claims/{claim_id}", json=body))
    shown = get_claim(api, claim_id)
    assert shown["ttl"] == ttl and shown["age"] <= 2


def test_renew_extends_message_lifetimes(api: Api) -> None:
    (mid,) = post_messages(api, "q", 1, ttl=60)
    claim_id, _ = claim(api, "q", {"ttl": 120, "grace": 60})
    assert api.get(f"/v2/queues/q/messages/{mid}").json()["ttl"] == 180
    assert_empty(api.patch(f"/v2/queues/q/claims/{claim_id}", json={"ttl": 200, "grace": 100}))
    assert api.get(f"/v2/queues/q/messages/{mid}").json()["ttl"] == 300


@pytest.mark.parametrize(("data", "title", "description"), [
    (None, INVALID_BODY, "Request body could not be parsed."),
    ("", INVALID_BODY, "Request body could not be parsed."),
    ("{", INVALID_BODY, "Request body could not be parsed."),
    ('"x"', INVALID_BODY, "Request body could not be parsed."),
    ("[]", INVALID_BODY, "Document type not supported."),
    ('{"ttl": "100"}', INVALID_BODY, type_error("ttl")),
    ('{"grace": "100"}', INVALID_BODY, type_error("grace")),
    ('{"ttl": null}', INVALID_BODY, type_error("ttl")),
    ('{"ttl": 100.0}', INVALID_BODY, type_error("ttl")),
    ('{"ttl": 100, "grace": 60.0}', INVALID_BODY, type_error("grace")),
    ('{"ttl": 59}', INVALID_API, TTL_RANGE),
    ('{"ttl": 43201}', INVALID_API, TTL_RANGE),
    ('{"ttl": 99999999999999999999}', INVALID_BODY, "JSON contains integer that is too large."),
])
def test_renew_errors(api: Api, data: str | None, title: str, description: str) -> None:
    post_messages(api, "q", 1)
    claim_id, _ = claim(api, "q", {"ttl": 1000})
    for target in (claim_id, UNKNOWN_ID):
        resp = api.patch(f"/v2/queues/q/claims/{target}", data=data,
                         headers={"Content-Type": "application/json"})
        assert_error(resp, 400, title, description)
    assert get_claim(api, claim_id)["ttl"] == 1000


@pytest.mark.parametrize("path", [f"q/claims/{UNKNOWN_ID}", f"missing/claims/{UNKNOWN_ID}",
                                  "q/claims/not-an-id"])
def test_renew_unknown_claim_is_404(api: Api, path: str) -> None:
    post_messages(api, "q", 1)
    claim(api, "q")
    resp = api.patch(f"/v2/queues/{path}", json={"ttl": 100})
    queue, _, claim_id = path.split("/")
    assert_error(resp, 404, "Not found",
                 f"Claim {claim_id} does not exist in queue {queue} for project {api.project}")


def test_renew_released_claim_is_404(api: Api) -> None:
    post_messages(api, "q", 1)
    claim_id, _ = claim(api, "q")
    assert_empty(api.delete(f"/v2/queues/q/claims/{claim_id}"))
    assert_error(api.patch(f"/v2/queues/q/claims/{claim_id}", json={}), 404, "Not found")


# -- release --------------------------------------------------------------------------

def test_release_frees_the_messages(api: Api) -> None:
    ids = post_messages(api, "q", 2)
    claim_id, _ = claim(api, "q")
    assert list_messages(api, "q", "echo=true")["messages"] == []
    assert_empty(api.delete(f"/v2/queues/q/claims/{claim_id}"))
    page = list_messages(api, "q", "echo=true")
    assert [m["id"] for m in page["messages"]] == ids
    assert all("claim_id" not in m["href"] for m in page["messages"])
    assert stats(api, "q")["claimed"] == 0
    assert [m["id"] for m in claim(api, "q")[1]] == ids


@pytest.mark.parametrize("path", [f"q/claims/{UNKNOWN_ID}", f"missing/claims/{UNKNOWN_ID}",
                                  "q/claims/not-an-id", "q/claims/"])
def test_release_unknown_claim_is_204(api: Api, path: str) -> None:
    post_messages(api, "q", 1)
    claim(api, "q")
    assert_empty(api.delete(f"/v2/queues/{path}"))
    assert stats(api, "q")["claimed"] == 1


def test_claim_methods_not_allowed(api: Api) -> None:
    for method, path in (("GET", "/v2/queues/q/claims"), ("PUT", "/v2/queues/q/claims"),
                         ("DELETE", "/v2/queues/q/claims"), ("PATCH", "/v2/queues/q/claims"),
                         ("POST", f"/v2/queues/q/claims/{UNKNOWN_ID}"),
                         ("PUT", f"/v2/queues/q/claims/{UNKNOWN_ID}")):
        resp = api.request(method, path, json={})
        assert_error(resp, 405, "405 Method Not Allowed")
        assert method not in resp.headers["Allow"]


# -- dead-letter queue ------------------------------------------------------------------

def test_dead_letter_after_max_claims_even_with_renew_and_release(api: Api) -> None:
    create_queue(api, "q", {"_max_claim_count": 2, "_dead_letter_queue": "dlq",
                            "_dead_letter_queue_messages_ttl": 120})
    (mid,) = post_messages(api, "q", 1)
    first, got = claim(api, "q")
    assert [m["id"] for m in got] == [mid]
    assert_empty(api.patch(f"/v2/queues/q/claims/{first}", json={"ttl": 100}))
    assert_empty(api.delete(f"/v2/queues/q/claims/{first}"))
    second, got = claim(api, "q")
    assert [m["id"] for m in got] == [mid]
    assert_empty(api.delete(f"/v2/queues/q/claims/{second}"))
    assert claim(api, "q") == (None, [])
    assert stats(api, "q")["total"] == 0
    moved = api.get(f"/v2/queues/dlq/messages/{mid}")
    assert_status(moved, 200)
    assert moved.json()["ttl"] == 120 and moved.json()["body"] == {"n": 0}
    assert stats(api, "dlq")["total"] == 1
    assert "dlq" in [q["name"] for q in api.get("/v2/queues").json()["queues"]]


def test_only_messages_over_the_limit_are_dead_lettered(api: Api) -> None:
    create_queue(api, "q", {"_max_claim_count": 1, "_dead_letter_queue": "dlq"})
    (old,) = post_messages(api, "q", 1)
    first, _ = claim(api, "q")
    assert_empty(api.delete(f"/v2/queues/q/claims/{first}"))
    (new,) = post_messages(api, "q", 1)
    claim_id, got = claim(api, "q")
    assert [m["id"] for m in got] == [new]
    assert_status(api.get(f"/v2/queues/dlq/messages/{old}"), 200)
    assert_error(api.get(f"/v2/queues/q/messages/{old}"), 404, "Not found")


def test_no_dead_lettering_without_both_keys(api: Api) -> None:
    create_queue(api, "q", {"_max_claim_count": 1})
    post_messages(api, "q", 1)
    for _ in range(3):
        claim_id, got = claim(api, "q")
        assert len(got) == 1
        assert_empty(api.delete(f"/v2/queues/q/claims/{claim_id}"))
    assert stats(api, "q")["total"] == 1


def test_claim_id_in_href_is_what_python_zaqarclient_parses(api: Api) -> None:
    post_messages(api, "q", 1, headers={"Client-ID": uuid.uuid4().hex})
    claim_id, messages = claim(api, "q", {"ttl": 60, "grace": 60})
    parsed = messages[0]["href"].rsplit("=", 1)[1]
    assert parsed == claim_id
    mid = messages[0]["href"].split("?")[0].rsplit("/", 1)[1]
    assert_empty(api.delete(f"/v2/queues/q/messages/{mid}?claim_id={parsed}"))
