"""Messages: post, list (echo, claims, delays, paging), get, get by ids, delete, pop."""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

import pytest

from tests.api.helpers import (
    CLOSE,
    ID_PATTERN,
    MESSAGE_KEYS,
    PATCH_TYPE,
    POPPED_KEYS,
    UNKNOWN_ID,
    assert_empty,
    assert_error,
    assert_status,
    claim,
    create_queue,
    last_segment,
    list_messages,
    next_href,
    post_messages,
    split_href,
    stats,
)
from tests.live_server import Api

INVALID_BODY = "Invalid request body"
INVALID_API = "Invalid API request"
TTL_RANGE = ("The TTL for a message may not exceed 1209600 seconds, and must be at least 60 "
             "seconds long.")
DELAY_RANGE = ("The Delay TTL for a message may not exceed 900 seconds,and must be at least 0 "
               "seconds long.")
LIMIT_RANGE = "Limit must be at least 1 and may not be greater than 20."
IDS_RANGE = "ids parameter should have at least 1 and not greater than 20 values."
POP_RANGE = "Pop value must be at least 1 and may not be greater than 20."


def bodies(page: dict[str, Any]) -> list[Any]:
    return [message["body"] for message in page["messages"]]


def sized_post(size: int) -> bytes:
    """A valid post body of exactly ``size`` bytes."""
    padding = size - len(json.dumps({"messages": [{"body": ""}]}))
    data = json.dumps({"messages": [{"body": "x" * padding}]}).encode()
    assert len(data) == size
    return data


# -- post -----------------------------------------------------------------------

def test_post_returns_resources_and_location(api: Api) -> None:
    messages = [{"body": {"event": "BackupStarted"}, "ttl": 300},
                {"body": {"event": "BackupProgress"}}, {"body": None}]
    resp = api.post("/v2/queues/orders/messages", json={"messages": messages})
    assert_status(resp, 201)
    resources = resp.json()["resources"]
    assert resp.json() == {"resources": resources} and len(resources) == 3
    ids = [last_segment(href) for href in resources]
    assert all(ID_PATTERN.match(mid) for mid in ids) and len(set(ids)) == 3
    assert resources == [f"/v2/queues/orders/messages/{mid}" for mid in ids]
    assert resp.headers["Location"] == f"/v2/queues/orders/messages?ids={','.join(ids)}"
    shown = [api.get(href).json() for href in resources]
    assert [m["body"] for m in shown] == [{"event": "BackupStarted"}, {"event": "BackupProgress"},
                                          None]
    assert [m["ttl"] for m in shown] == [300, 3600, 3600]
    by_location = api.get(resp.headers["Location"]).json()["messages"]
    assert sorted(m["id"] for m in by_location) == sorted(ids)


@pytest.mark.parametrize("body", [
    None, 0, -1.5, "text", "", [], {}, [1, "a", None], {"nested": {"deep": [{"x": True}]}},
    "ünïcödé ✓ 日本", {"$set": {"a": 1}, "a.b": 2, "": 3}, 2**63 - 1, -2**63,
])
def test_any_json_body_round_trips(api: Api, body: Any) -> None:
    (mid,) = post_messages_raw(api, "q", [{"body": body}])
    message = api.get(f"/v2/queues/q/messages/{mid}").json()
    assert message["body"] == body
    assert list_messages(api, "q", "echo=true")["messages"][0]["body"] == body


def post_messages_raw(api: Api, queue: str, messages: list[dict[str, Any]]) -> list[str]:
    resp = api.post(f"/v2/queues/{queue}/messages", json={"messages": messages})
    assert_status(resp, 201)
    return [last_segment(href) for href in resp.json()["resources"]]


def test_message_representation(api: Api) -> None:
    (mid,) = post_messages(api, "q", 1, ttl=120)
    message = api.get(f"/v2/queues/q/messages/{mid}").json()
    assert set(message) == MESSAGE_KEYS
    assert message["id"] == mid
    assert message["href"] == f"/v2/queues/q/messages/{mid}"
    assert message["ttl"] == 120
    assert isinstance(message["age"], int) and 0 <= message["age"] <= 5


def test_post_has_no_count_limit(api: Api) -> None:
    ids = post_messages(api, "q", 50)
    assert len(ids) == 50 and len(set(ids)) == 50
    assert stats(api, "q")["total"] == 50


def test_ttl_defaults_from_the_queue_then_the_config(api: Api) -> None:
    create_queue(api, "short", {"_default_message_ttl": 90})
    (short,) = post_messages(api, "short", 1)
    (explicit,) = post_messages(api, "short", 1, ttl=200)
    (plain,) = post_messages(api, "plain", 1)
    assert api.get(f"/v2/queues/short/messages/{short}").json()["ttl"] == 90
    assert api.get(f"/v2/queues/short/messages/{explicit}").json()["ttl"] == 200
    assert api.get(f"/v2/queues/plain/messages/{plain}").json()["ttl"] == 3600


@pytest.mark.parametrize("ttl", [60, 1209600])
def test_ttl_bounds_accepted(api: Api, ttl: int) -> None:
    (mid,) = post_messages(api, "q", 1, ttl=ttl)
    assert api.get(f"/v2/queues/q/messages/{mid}").json()["ttl"] == ttl


@pytest.mark.parametrize(("message", "title", "description"), [
    ({"body": 1, "ttl": 59}, INVALID_API, TTL_RANGE),
    ({"body": 1, "ttl": 0}, INVALID_API, TTL_RANGE),
    ({"body": 1, "ttl": -1}, INVALID_API, TTL_RANGE),
    ({"body": 1, "ttl": 1209601}, INVALID_API, TTL_RANGE),
    ({"body": 1, "ttl": 2**63 - 1}, INVALID_API, TTL_RANGE),
    ({"body": 1, "ttl": "60"}, INVALID_BODY, 'The value of the "ttl" field must be a int.'),
    ({"body": 1, "ttl": 60.5}, INVALID_BODY, 'The value of the "ttl" field must be a int.'),
    ({"body": 1, "ttl": 60.0}, INVALID_BODY, 'The value of the "ttl" field must be a int.'),
    # Zaqar's isinstance(ttl, int) takes true and false as 1 and 0, then range-checks them.
    ({"body": 1, "ttl": True}, INVALID_API, TTL_RANGE),
    ({"body": 1, "ttl": False}, INVALID_API, TTL_RANGE),
    ({"body": 1, "ttl": None}, INVALID_BODY, 'The value of the "ttl" field must be a int.'),
    ({"body": 1, "ttl": [60]}, INVALID_BODY, 'The value of the "ttl" field must be a int.'),
    ({"body": 1, "delay": 901}, INVALID_API, DELAY_RANGE),
    ({"body": 1, "delay": -1}, INVALID_API, DELAY_RANGE),
    ({"body": 1, "delay": "5"}, INVALID_BODY, 'The value of the "delay" field must be a int.'),
    ({"body": 1, "delay": 1.5}, INVALID_BODY, 'The value of the "delay" field must be a int.'),
    ({"body": 1, "delay": 5.0}, INVALID_BODY, 'The value of the "delay" field must be a int.'),
    ({"ttl": 60}, INVALID_BODY, 'Missing "body" field.'),
    ({}, INVALID_BODY, 'Missing "body" field.'),
    ({"Body": 1}, INVALID_BODY, 'Missing "body" field.'),
])
def test_message_field_errors(api: Api, message: dict, title: str, description: str) -> None:
    resp = api.post("/v2/queues/q/messages", json={"messages": [{"body": "ok"}, message]})
    assert_error(resp, 400, title, description)
    assert stats(api, "q")["total"] == 0


def test_type_errors_are_reported_before_range_errors(api: Api) -> None:
    messages = [{"body": 1, "ttl": 5}, {"body": 2, "ttl": "x"}]
    resp = api.post("/v2/queues/q/messages", json={"messages": messages})
    assert_error(resp, 400, INVALID_BODY, 'The value of the "ttl" field must be a int.')


def test_first_bad_message_is_reported(api: Api) -> None:
    messages = [{"body": n} for n in range(12)]
    messages[2]["ttl"] = "two"
    messages[10]["delay"] = "ten"
    resp = api.post("/v2/queues/q/messages", json={"messages": messages})
    assert_error(resp, 400, INVALID_BODY, 'The value of the "ttl" field must be a int.')


@pytest.mark.parametrize(("data", "title", "description"), [
    (None, INVALID_BODY, "Request body could not be parsed."),
    ("", INVALID_BODY, "Request body could not be parsed."),
    ("{", INVALID_BODY, "Request body could not be parsed."),
    ("messages", INVALID_BODY, "Request body could not be parsed."),
    ('"messages"', INVALID_BODY, "Request body could not be parsed."),
    ("null", INVALID_BODY, "Request body could not be parsed."),
    ('{"messages": [{"body": 1e999}]}', INVALID_BODY, "Request body could not be parsed."),
    ('{"messages": [{"body": -Infinity}]}', INVALID_BODY, "Request body could not be parsed."),
    ('{"messages": [{"body": 9223372036854775808}]}', INVALID_BODY,
     "JSON contains integer that is too large."),
    ('{"messages": [{"body": 1, "ttl": 99999999999999999999}]}', INVALID_BODY,
     "JSON contains integer that is too large."),
    ("{}", INVALID_API, "No messages were found in the request body."),
    ('{"message": [{"body": 1}]}', INVALID_API, "No messages were found in the request body."),
    ('[{"body": 1}]', INVALID_API, "No messages were found in the request body."),
    ("[]", INVALID_API, "No messages were found in the request body."),
    ('{"messages": []}', INVALID_API, "No messages to enqueu."),
    ('{"messages": {"body": 1}}', INVALID_BODY, "Document type not supported."),
    ('{"messages": "body"}', INVALID_BODY, "Document type not supported."),
    ('{"messages": null}', INVALID_BODY, "Document type not supported."),
    ('{"messages": [1]}', INVALID_BODY, None),
    ('{"messages": ["body"]}', INVALID_BODY, None),
    ('{"messages": [[{"body": 1}]]}', INVALID_BODY, None),
    ('{"messages": [null]}', INVALID_BODY, None),
])
def test_post_body_errors(api: Api, data: str | None, title: str, description: str | None) -> None:
    resp = api.post("/v2/queues/q/messages", data=data,
                    headers={"Content-Type": "application/json"})
    assert_error(resp, 400, title, description)
    assert stats(api, "q")["total"] == 0


def test_post_body_of_exactly_the_size_limit(api: Api) -> None:
    resp = api.post("/v2/queues/q/messages", data=sized_post(262144))
    assert_status(resp, 201)
    (href,) = resp.json()["resources"]
    assert len(api.get(href).json()["body"]) > 262100


def test_post_body_over_the_size_limit(api: Api) -> None:
    resp = api.post("/v2/queues/q/messages", data=sized_post(262145), headers=CLOSE)
    assert_error(resp, 400, INVALID_API, "Message collection size is too large. Max size 262144")
    assert stats(api, "q")["total"] == 0


def test_size_counts_whitespace_and_comes_before_parsing(api: Api) -> None:
    data = b'{"messages": [{"body": 1}]}' + b" " * 262144
    resp = api.post("/v2/queues/q/messages", data=data, headers=CLOSE)
    assert_error(resp, 400, INVALID_API, "Message collection size is too large. Max size 262144")
    resp = api.post("/v2/queues/q/messages", data=b"{" * 262145, headers=CLOSE)
    assert_error(resp, 400, INVALID_API, "Message collection size is too large. Max size 262144")


def test_an_invalid_post_still_creates_the_queue(api: Api) -> None:
    # As in Zaqar v2, the queue is made before the body is checked.
    resp = api.post("/v2/queues/made/messages", json={"messages": [{"ttl": 60}]})
    assert_error(resp, 400, INVALID_BODY, 'Missing "body" field.')
    assert [q["name"] for q in api.get("/v2/queues").json()["queues"]] == ["made"]
    assert stats(api, "made")["total"] == 0


def test_per_queue_post_size(api: Api) -> None:
    create_queue(api, "small", {"_max_messages_post_size": 1000})
    assert_status(api.post("/v2/queues/small/messages", data=sized_post(1000)), 201)
    resp = api.post("/v2/queues/small/messages", data=sized_post(1001))
    assert_error(resp, 400, INVALID_API,
                 "Message collection size is too large. The max size for current queue is 1000. "
                 "It is calculated by max size = min(max_messages_post_size_config: 262144, "
                 "max_messages_post_size_queue: 1000).")
    assert stats(api, "small")["total"] == 1


def test_per_queue_post_size_comes_before_parsing(api: Api) -> None:
    create_queue(api, "small", {"_max_messages_post_size": 1000})
    resp = api.post("/v2/queues/small/messages", data=b"{" * 1001)
    body = assert_error(resp, 400, INVALID_API)
    assert body["description"].startswith(
        "Message collection size is too large. The max size for current queue is 1000.")
    resp = api.post("/v2/queues/small/messages", data=b"{" * 999)
    assert_error(resp, 400, INVALID_BODY)


def test_per_queue_post_size_at_the_config_maximum(api: Api) -> None:
    create_queue(api, "big", {"_max_messages_post_size": 262144})
    assert_status(api.post("/v2/queues/big/messages", data=sized_post(262144)), 201)
    resp = api.post("/v2/queues/big/messages", data=sized_post(262145), headers=CLOSE)
    body = assert_error(resp, 400, INVALID_API)
    assert body["description"].startswith("Message collection size is too large.")


def test_per_queue_post_size_after_patch(api: Api) -> None:
    create_queue(api, "q")
    ops = [{"op": "add", "path": "/metadata/_max_messages_post_size", "value": 100}]
    resp = api.patch("/v2/queues/q", json=ops, headers={"Content-Type": PATCH_TYPE})
    assert_status(resp, 200)
    assert_error(api.post("/v2/queues/q/messages", data=sized_post(101)), 400, INVALID_API)
    assert_status(api.post("/v2/queues/q/messages", data=sized_post(100)), 201)


# -- list -------------------------------------------------------------------------

def test_list_empty_and_missing_queue(api: Api) -> None:
    assert list_messages(api, "missing") == {"messages": [], "links": []}
    create_queue(api, "empty")
    assert list_messages(api, "empty") == {"messages": [], "links": []}
    assert api.get("/v2/queues").json()["queues"] == [{"name": "empty",
                                                       "href": "/v2/queues/empty"}]


def test_list_is_fifo_with_default_page_of_ten(api: Api, make_api) -> None:
    reader = make_api(project=api.project)
    ids = post_messages(api, "q", 8) + post_messages(api, "q", 7)
    page = list_messages(reader, "q")
    assert [m["id"] for m in page["messages"]] == ids[:10]
    assert all(set(m) == MESSAGE_KEYS for m in page["messages"])
    path, query = split_href(next_href(page))
    assert path == "/v2/queues/q/messages"
    assert set(query) == {"marker"} and query["marker"][0].isdigit()
    rest = reader.get(next_href(page)).json()
    assert [m["id"] for m in rest["messages"]] == ids[10:]
    end = reader.get(next_href(rest)).json()
    assert end == {"messages": [], "links": []}


def test_list_next_link_keeps_the_parameters(api: Api) -> None:
    post_messages(api, "q", 5)
    page = list_messages(api, "q", "limit=2&echo=true&include_claimed=false&unknown=1")
    path, query = split_href(next_href(page))
    assert path == "/v2/queues/q/messages"
    assert {k: v for k, v in query.items() if k != "marker"} == {
        "limit": ["2"], "echo": ["true"], "include_claimed": ["false"]}
    seen = bodies(page)
    href = next_href(page)
    while True:
        page = api.get(href).json()
        if not page["messages"]:
            assert page["links"] == []
            break
        seen += bodies(page)
        href = next_href(page)
    assert seen == [{"n": n} for n in range(5)]


@pytest.mark.parametrize("limit", ["0", "-1", "21", "100", "99999999999999999999"])
def test_list_limit_out_of_range(api: Api, limit: str) -> None:
    assert_error(api.get(f"/v2/queues/q/messages?limit={limit}"), 400, INVALID_API, LIMIT_RANGE)


@pytest.mark.parametrize("limit", ["abc", "2.0", "1e1", "twenty"])
def test_list_limit_not_an_integer(api: Api, limit: str) -> None:
    assert_error(api.get(f"/v2/queues/q/messages?limit={limit}"), 400, "Invalid parameter",
                 'The "limit" parameter is invalid. The value must be an integer.')


def test_list_limit_bounds(api: Api) -> None:
    post_messages(api, "q", 21)
    assert len(list_messages(api, "q", "echo=true&limit=20")["messages"]) == 20
    assert len(list_messages(api, "q", "echo=true&limit=1")["messages"]) == 1
    assert len(list_messages(api, "q", "echo=true&limit=20&limit=3")["messages"]) == 3


@pytest.mark.parametrize("name", ["echo", "include_claimed", "include_delayed"])
@pytest.mark.parametrize("value", ["maybe", "None", "2", "yess"])
def test_list_boolean_parameters_are_validated(api: Api, name: str, value: str) -> None:
    body = assert_error(api.get(f"/v2/queues/q/messages?{name}={value}"), 400,
                        "Invalid parameter")
    assert body["description"] == (f'The "{name}" parameter is invalid. '
                                   'The value of the parameter must be "true" or "false".')


def test_echo_hides_own_messages_in_any_uuid_spelling(api: Api) -> None:
    client = uuid.uuid4()
    post_messages(api, "q", 2, headers={"Client-ID": str(client)})
    for spelling in (str(client), client.hex, client.hex.upper(), f"urn:uuid:{client}",
                     f"{{{client}}}"):
        headers = {"Client-ID": spelling}
        page = api.get("/v2/queues/q/messages", headers=headers).json()
        assert page == {"messages": [], "links": []}, spelling
        page = api.get("/v2/queues/q/messages?echo=true", headers=headers).json()
        assert bodies(page) == [{"n": 0}, {"n": 1}], spelling
        page = api.get("/v2/queues/q/messages?echo=false", headers=headers).json()
        assert page["messages"] == [], spelling
    stranger = {"Client-ID": str(uuid.uuid4())}
    assert bodies(api.get("/v2/queues/q/messages", headers=stranger).json()) == [{"n": 0},
                                                                                 {"n": 1}]


def test_echo_applies_per_message(api: Api) -> None:
    me, other = str(uuid.uuid4()), uuid.uuid4().hex
    post_messages(api, "q", 1, headers={"Client-ID": me})
    post_messages_raw_as(api, other, [{"body": "theirs"}])
    assert bodies(api.get("/v2/queues/q/messages", headers={"Client-ID": me}).json()) == [
        "theirs"]


def post_messages_raw_as(api: Api, client_id: str, messages: list[dict[str, Any]]) -> None:
    resp = api.post("/v2/queues/q/messages", json={"messages": messages},
                    headers={"Client-ID": client_id})
    assert_status(resp, 201)


def test_claimed_messages_are_listed_only_on_request(api: Api) -> None:
    ids = post_messages(api, "q", 3)
    claim_id, claimed = claim(api, "q", limit=1)
    assert [m["id"] for m in claimed] == ids[:1]
    page = list_messages(api, "q", "echo=true")
    assert [m["id"] for m in page["messages"]] == ids[1:]
    page = list_messages(api, "q", "echo=true&include_claimed=true")
    assert [m["id"] for m in page["messages"]] == ids
    assert page["messages"][0]["href"] == f"/v2/queues/q/messages/{ids[0]}?claim_id={claim_id}"
    assert page["messages"][1]["href"] == f"/v2/queues/q/messages/{ids[1]}"


def test_list_marker_may_be_a_message_id(api: Api) -> None:
    ids = post_messages(api, "q", 6)
    page = list_messages(api, "q", f"echo=true&marker={ids[2]}")
    assert [m["id"] for m in page["messages"]] == ids[3:]
    page = list_messages(api, "q", f"echo=true&limit=2&marker={ids[3]}")
    assert [m["id"] for m in page["messages"]] == ids[4:]


@pytest.mark.parametrize("marker", ["abc", UNKNOWN_ID, "99999999999999999999999999",
                                    "9223372036854775807", "1.5", "0x10", "-"])
def test_odd_markers_give_an_empty_page(api: Api, marker: str) -> None:
    post_messages(api, "q", 2)
    page = api.get("/v2/queues/q/messages", params={"echo": "true", "marker": marker})
    assert_status(page, 200)
    assert page.json() == {"messages": [], "links": []}


@pytest.mark.parametrize("marker", ["0", "-5", "-99999999999999999999999999", ""])
def test_low_markers_list_from_the_start(api: Api, marker: str) -> None:
    post_messages(api, "q", 2)
    page = api.get("/v2/queues/q/messages", params={"echo": "true", "marker": marker})
    assert_status(page, 200)
    assert bodies(page.json()) == [{"n": 0}, {"n": 1}]


def test_list_is_scoped_to_project_and_queue(api: Api, make_api) -> None:
    post_messages(api, "q", 2)
    post_messages(api, "other", 1)
    assert list_messages(make_api(), "q") == {"messages": [], "links": []}
    assert len(list_messages(api, "q", "echo=true")["messages"]) == 2


# -- delays -------------------------------------------------------------------------

def test_per_message_delay_on_a_plain_queue(api: Api) -> None:
    (delayed,) = post_messages(api, "q", 1, delay=60)
    (ready,) = post_messages(api, "q", 1)
    page = list_messages(api, "q", "echo=true")
    assert [m["id"] for m in page["messages"]] == [ready]
    page = list_messages(api, "q", "echo=true&include_delayed=true")
    assert [m["id"] for m in page["messages"]] == [delayed, ready]
    assert api.get(f"/v2/queues/q/messages/{delayed}").json()["id"] == delayed
    claim_id, claimed = claim(api, "q")
    assert [m["id"] for m in claimed] == [ready]
    assert claim(api, "q") == (None, [])
    counts = stats(api, "q")
    assert (counts["total"], counts["free"], counts["claimed"]) == (2, 1, 1)


def test_a_delay_of_true_is_taken_as_one_second_as_in_zaqar(api: Api) -> None:
    resp = api.post("/v2/queues/q/messages", json={"messages": [{"body": 1, "delay": True}]})
    assert_status(resp, 201)
    assert len(list_messages(api, "q", "echo=true&include_delayed=true")["messages"]) == 1


def test_delay_ends(api: Api) -> None:
    (mid,) = post_messages(api, "q", 1, delay=1)
    assert list_messages(api, "q", "echo=true")["messages"] == []
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        page = list_messages(api, "q", "echo=true")
        if page["messages"]:
            assert page["messages"][0]["id"] == mid
            return
        time.sleep(0.2)
    pytest.fail("a message posted with delay=1 never became visible")


def test_queue_default_delay(api: Api) -> None:
    create_queue(api, "slow", {"_default_message_delay": 30})
    post_messages(api, "slow", 2)
    (now,) = post_messages(api, "slow", 1, delay=0)
    page = list_messages(api, "slow", "echo=true")
    assert [m["id"] for m in page["messages"]] == [now]
    assert len(list_messages(api, "slow", "echo=true&include_delayed=true")["messages"]) == 3


# -- get one / get by ids ------------------------------------------------------------

def test_get_ignores_echo_claims_and_delay(api: Api) -> None:
    (claimed, delayed) = post_messages(api, "q", 1) + post_messages(api, "q", 1, delay=100)
    claim_id, _ = claim(api, "q")
    message = api.get(f"/v2/queues/q/messages/{claimed}").json()
    assert message["href"] == f"/v2/queues/q/messages/{claimed}?claim_id={claim_id}"
    assert api.get(f"/v2/queues/q/messages/{delayed}").json()["body"] == {"n": 0}


@pytest.mark.parametrize("message_id", [UNKNOWN_ID, "abc", "5F1E8A2B9C0D4E5F6A7B8C9D", "-1",
                                        "5f1e8a2b9c0d4e5f6a7b8c9d0"])
def test_get_unknown_message(api: Api, message_id: str) -> None:
    post_messages(api, "q", 1)
    resp = api.get(f"/v2/queues/q/messages/{message_id}")
    assert_error(resp, 404, "Not found",
                 f"Message {message_id} does not exist in queue q for project {api.project}")


def test_get_message_of_missing_queue_other_queue_or_project(api: Api, make_api) -> None:
    (mid,) = post_messages(api, "q", 1)
    assert_error(api.get(f"/v2/queues/missing/messages/{mid}"), 404, "Not found",
                 f"Message {mid} does not exist in queue missing for project {api.project}")
    post_messages(api, "other", 1)
    assert_error(api.get(f"/v2/queues/other/messages/{mid}"), 404, "Not found")
    other = make_api()
    assert_error(other.get(f"/v2/queues/q/messages/{mid}"), 404, "Not found",
                 f"Message {mid} does not exist in queue q for project {other.project}")


def test_get_by_ids(api: Api) -> None:
    ids = post_messages(api, "q", 4)
    claim(api, "q", limit=1)
    for query in (f"ids={ids[0]},{ids[2]}", f"ids={ids[0]}&ids={ids[2]}",
                  f"ids={ids[0]},,{ids[2]},", f"ids={ids[0]},{UNKNOWN_ID},bogus&ids={ids[2]}"):
        resp = api.get(f"/v2/queues/q/messages?{query}")
        assert_status(resp, 200)
        body = resp.json()
        assert set(body) == {"messages"}, query
        assert sorted(m["id"] for m in body["messages"]) == sorted([ids[0], ids[2]]), query
        assert all(set(m) == MESSAGE_KEYS for m in body["messages"])


def test_get_by_ids_up_to_twenty(api: Api) -> None:
    ids = post_messages(api, "q", 20)
    resp = api.get(f"/v2/queues/q/messages?ids={','.join(ids)}")
    assert len(resp.json()["messages"]) == 20


@pytest.mark.parametrize("count", [21, 40])
def test_get_by_too_many_ids(api: Api, count: int) -> None:
    # Zaqar checks the count of ids to read as a page size.
    ids = [UNKNOWN_ID] * count
    assert_error(api.get(f"/v2/queues/q/messages?ids={','.join(ids)}"), 400, INVALID_API,
                 LIMIT_RANGE)
    query = "&".join(f"ids={mid}" for mid in ids)
    assert_error(api.get(f"/v2/queues/q/messages?{query}"), 400, INVALID_API, LIMIT_RANGE)


@pytest.mark.parametrize(("query", "listed"), [
    ("ids=-1", "['-1']"),
    (f"ids={UNKNOWN_ID}", f"['{UNKNOWN_ID}']"),
    (f"ids=a,{UNKNOWN_ID}", f"['a', '{UNKNOWN_ID}']"),
    ("ids=a&ids=b", "['a', 'b']"),
])
def test_get_by_ids_nothing_found(api: Api, query: str, listed: str) -> None:
    post_messages(api, "q", 1)
    for queue in ("q", "missing"):
        resp = api.get(f"/v2/queues/{queue}/messages?{query}")
        assert_error(resp, 404, "Not found", f"No messages with IDs: {listed} found in the queue "
                                             f"{queue} for project {api.project}.")


def test_an_empty_ids_parameter_means_a_listing_and_commas_alone_no_ids(api: Api) -> None:
    post_messages(api, "q", 1)
    for query in ("ids=", "ids=&ids="):
        assert bodies(list_messages(api, "q", f"echo=true&{query}")) == [{"n": 0}]
    for query in ("ids=,", "ids=,,,"):
        assert_error(api.get(f"/v2/queues/q/messages?{query}"), 400, INVALID_API, LIMIT_RANGE)
        assert_error(api.delete(f"/v2/queues/q/messages?{query}"), 400, INVALID_API, IDS_RANGE)
    assert stats(api, "q")["total"] == 1


# -- delete one -----------------------------------------------------------------------

def test_delete_message(api: Api) -> None:
    (mid, keep) = post_messages(api, "q", 2)
    assert_empty(api.delete(f"/v2/queues/q/messages/{mid}"))
    assert_error(api.get(f"/v2/queues/q/messages/{mid}"), 404, "Not found")
    assert_empty(api.delete(f"/v2/queues/q/messages/{mid}"))
    assert [m["id"] for m in list_messages(api, "q", "echo=true")["messages"]] == [keep]


@pytest.mark.parametrize("path", [
    f"/v2/queues/missing/messages/{UNKNOWN_ID}", f"/v2/queues/q/messages/{UNKNOWN_ID}",
    f"/v2/queues/q/messages/{UNKNOWN_ID}?claim_id={UNKNOWN_ID}",
    "/v2/queues/q/messages/not-an-id", "/v2/queues/q/messages/not-an-id?claim_id=garbage",
    "/v2/queues/q/messages/", "/v2/queues/q/messages/?claim_id=x",
])
def test_delete_missing_or_malformed_is_204(api: Api, path: str) -> None:
    post_messages(api, "q", 1)
    assert_empty(api.delete(path))
    assert stats(api, "q")["total"] == 1


def test_delete_message_of_another_project_does_nothing(api: Api, make_api) -> None:
    (mid,) = post_messages(api, "q", 1)
    assert_empty(make_api().delete(f"/v2/queues/q/messages/{mid}"))
    assert_status(api.get(f"/v2/queues/q/messages/{mid}"), 200)


CLAIMED = "This message is claimed; it cannot be deleted without a valid claim ID."
NOT_CLAIMED = "A claim was specified, but the message is not currently claimed."
BAD_CLAIM = "The specified claim does not exist or has expired."


@pytest.mark.parametrize("claim_id", ["garbage", "5F1E8A2B9C0D4E5F6A7B8C9D", "123"])
def test_delete_with_malformed_claim_id_is_400(api: Api, claim_id: str) -> None:
    (mid,) = post_messages(api, "q", 1)
    for path in (f"/v2/queues/q/messages/{mid}", f"/v2/queues/q/messages/{UNKNOWN_ID}",
                 f"/v2/queues/missing/messages/{UNKNOWN_ID}"):
        resp = api.delete(f"{path}?claim_id={claim_id}")
        assert_error(resp, 400, "Unable to delete", BAD_CLAIM)
    assert_status(api.get(f"/v2/queues/q/messages/{mid}"), 200)


def test_delete_claimed_message_requires_its_claim(api: Api) -> None:
    (mid,) = post_messages(api, "q", 1)
    claim_id, _ = claim(api, "q")
    assert_error(api.delete(f"/v2/queues/q/messages/{mid}"), 403, "Unable to delete", CLAIMED)
    assert_error(api.delete(f"/v2/queues/q/messages/{mid}?claim_id={UNKNOWN_ID}"), 403,
                 "Unable to delete", CLAIMED)
    assert_status(api.get(f"/v2/queues/q/messages/{mid}"), 200)
    assert_empty(api.delete(f"/v2/queues/q/messages/{mid}?claim_id={claim_id}"))
    assert_error(api.get(f"/v2/queues/q/messages/{mid}"), 404, "Not found")


def test_delete_with_another_live_claim_is_403(api: Api) -> None:
    (first, second) = post_messages(api, "q", 2)
    claim_a, _ = claim(api, "q", limit=1)
    claim_b, _ = claim(api, "q", limit=1)
    resp = api.delete(f"/v2/queues/q/messages/{first}?claim_id={claim_b}")
    assert_error(resp, 403, "Unable to delete", CLAIMED)
    assert_empty(api.delete(f"/v2/queues/q/messages/{second}?claim_id={claim_b}"))
    assert_empty(api.delete(f"/v2/queues/q/messages/{first}?claim_id={claim_a}"))
    assert stats(api, "q")["total"] == 0


def test_delete_unclaimed_message_with_a_claim_id_is_400(api: Api) -> None:
    (mid, other) = post_messages(api, "q", 2)
    resp = api.delete(f"/v2/queues/q/messages/{mid}?claim_id={UNKNOWN_ID}")
    assert_error(resp, 400, "Unable to delete", NOT_CLAIMED)
    claim_id, _ = claim(api, "q", limit=1)
    resp = api.delete(f"/v2/queues/q/messages/{other}?claim_id={claim_id}")
    assert_error(resp, 400, "Unable to delete", NOT_CLAIMED)
    assert stats(api, "q")["total"] == 2


def test_delete_after_release_with_the_old_claim_is_400(api: Api) -> None:
    (mid,) = post_messages(api, "q", 1)
    claim_id, _ = claim(api, "q")
    assert_empty(api.delete(f"/v2/queues/q/claims/{claim_id}"))
    resp = api.delete(f"/v2/queues/q/messages/{mid}?claim_id={claim_id}")
    assert_error(resp, 400, "Unable to delete", NOT_CLAIMED)
    assert_empty(api.delete(f"/v2/queues/q/messages/{mid}"))


def test_delete_with_empty_claim_id_counts_as_none(api: Api) -> None:
    (mid,) = post_messages(api, "q", 1)
    assert_empty(api.delete(f"/v2/queues/q/messages/{mid}?claim_id="))
    assert stats(api, "q")["total"] == 0


# -- bulk delete and pop -------------------------------------------------------------

def test_bulk_delete(api: Api) -> None:
    ids = post_messages(api, "q", 6)
    claim(api, "q", limit=1)
    assert_empty(api.delete(f"/v2/queues/q/messages?ids={ids[0]},{ids[1]}"))
    assert_empty(api.delete(f"/v2/queues/q/messages?ids={ids[2]}&ids={ids[3]}"
                            f"&ids={UNKNOWN_ID},junk"))
    remaining = list_messages(api, "q", "echo=true&include_claimed=true")["messages"]
    assert [m["id"] for m in remaining] == ids[4:]


def test_bulk_delete_missing_queue_and_unknown_ids(api: Api) -> None:
    post_messages(api, "q", 1)
    assert_empty(api.delete(f"/v2/queues/missing/messages?ids={UNKNOWN_ID}"))
    assert_empty(api.delete("/v2/queues/q/messages?ids=junk,-1"))
    assert stats(api, "q")["total"] == 1


def test_bulk_delete_up_to_twenty_ids(api: Api) -> None:
    ids = post_messages(api, "q", 21)
    assert_error(api.delete(f"/v2/queues/q/messages?ids={','.join(ids)}"), 400, INVALID_API,
                 IDS_RANGE)
    assert stats(api, "q")["total"] == 21
    assert_empty(api.delete(f"/v2/queues/q/messages?ids={','.join(ids[:20])}"))
    assert stats(api, "q")["total"] == 1


@pytest.mark.parametrize("query", ["", "?ids=", "?pop=", "?claim_ids=x", "?other=1"])
def test_bulk_delete_needs_ids_or_pop(api: Api, query: str) -> None:
    post_messages(api, "q", 1)
    assert_error(api.delete(f"/v2/queues/q/messages{query}"), 400, INVALID_API,
                 'The request should have either "ids" or "pop" parameter in the request, '
                 "to be able to delete.")
    assert stats(api, "q")["total"] == 1


@pytest.mark.parametrize("query", [f"ids={UNKNOWN_ID}&pop=1", "pop=0&ids=a", "pop=abc&ids=a"])
def test_ids_and_pop_together(api: Api, query: str) -> None:
    resp = api.delete(f"/v2/queues/q/messages?{query}")
    if "abc" in query:
        assert_error(resp, 400, "Invalid parameter",
                     'The "pop" parameter is invalid. The value must be an integer.')
    else:
        assert_error(resp, 400, INVALID_API,
                     "pop and id params cannot be present together in the delete request.")


def test_pop(api: Api) -> None:
    ids = post_messages(api, "q", 5)
    claim_id, _ = claim(api, "q", limit=1)
    resp = api.delete("/v2/queues/q/messages?pop=3")
    assert_status(resp, 200)
    popped = resp.json()["messages"]
    assert len(popped) == 3
    for message in popped:
        assert set(message) == POPPED_KEYS
        assert message["claim_count"] == 0 and message["claim_id"] is None
        assert message["ttl"] == 3600 and isinstance(message["age"], int)
        assert message["body"] == {"n": ids.index(message["id"])}
    assert ids[0] not in {m["id"] for m in popped}
    rest = api.delete("/v2/queues/q/messages?pop=20").json()["messages"]
    assert {m["id"] for m in popped + rest} == set(ids[1:])
    assert api.delete("/v2/queues/q/messages?pop=1").json() == {"messages": []}
    counts = stats(api, "q")
    assert {key: counts[key] for key in ("claimed", "free", "total")} == {
        "claimed": 1, "free": 0, "total": 1}
    assert last_segment(counts["oldest"]["href"]) == ids[0]
    assert last_segment(counts["newest"]["href"]) == ids[0]


def test_pop_missing_queue(api: Api) -> None:
    resp = api.delete("/v2/queues/missing/messages?pop=5")
    assert_status(resp, 200)
    assert resp.json() == {"messages": []}


@pytest.mark.parametrize("pop", ["0", "-1", "21", "99999999999999999999"])
def test_pop_out_of_range(api: Api, pop: str) -> None:
    post_messages(api, "q", 1)
    assert_error(api.delete(f"/v2/queues/q/messages?pop={pop}"), 400, INVALID_API, POP_RANGE)
    assert stats(api, "q")["total"] == 1


@pytest.mark.parametrize("pop", ["abc", "1.0", "true"])
def test_pop_not_an_integer(api: Api, pop: str) -> None:
    assert_error(api.delete(f"/v2/queues/q/messages?pop={pop}"), 400, "Invalid parameter",
                 'The "pop" parameter is invalid. The value must be an integer.')


def test_messages_collection_methods_not_allowed(api: Api) -> None:
    for method in ("PUT", "PATCH"):
        resp = api.request(method, "/v2/queues/q/messages", json={})
        assert_error(resp, 405, "405 Method Not Allowed")
        assert {m.strip() for m in resp.headers["Allow"].split(",")} >= {"GET", "POST",
                                                                         "DELETE"}
    for method in ("PUT", "PATCH", "POST"):
        resp = api.request(method, f"/v2/queues/q/messages/{UNKNOWN_ID}", json={})
        assert_error(resp, 405, "405 Method Not Allowed")
