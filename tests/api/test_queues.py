"""Queues: create, read, delete, list (paging, filters, counts) and name rules."""

from __future__ import annotations

import json

import pytest

from tests.api.helpers import (
    CLOSE,
    INVALID_QUEUE,
    INVALID_QUEUE_TEXT,
    PATCH_TYPE,
    RESERVED_DEFAULTS,
    assert_empty,
    assert_error,
    assert_status,
    create_queue,
    next_href,
    post_messages,
    split_href,
    stats,
)
from tests.live_server import Api

BAD_NAMES = ["a" * 65, "q@1", "q%20x", "%C3%BC", "caf%C3%A9", "q!", "q*", "q+x", "q,x", "q~x",
             "%E6%97%A5"]


# -- create -----------------------------------------------------------------

def test_create_then_exists_and_second_put_is_204(api: Api) -> None:
    resp = api.put("/v2/queues/orders", json={"description": "customer orders"})
    assert_empty(resp, 201)
    assert resp.headers["Location"] == "/v2/queues/orders"
    again = api.put("/v2/queues/orders", json={"description": "changed", "extra": 1})
    assert_empty(again)
    assert again.headers["Location"] == "/v2/queues/orders"
    assert api.get("/v2/queues/orders").json() == {"description": "customer orders",
                                                   **RESERVED_DEFAULTS}


def test_create_without_body_and_with_empty_body(api: Api) -> None:
    assert_empty(api.put("/v2/queues/a"), 201)
    assert_empty(api.put("/v2/queues/b", data=b"", headers={"Content-Length": "0"}), 201)
    for name in ("a", "b"):
        assert api.get(f"/v2/queues/{name}").json() == RESERVED_DEFAULTS


def test_create_stores_the_metadata_openstacksdk_sends(api: Api) -> None:
    metadata = {"name": "q1", "_default_message_ttl": 300, "_max_messages_post_size": 1024,
                "description": "d"}
    assert_status(api.put("/v2/queues/q1", json=metadata), 201)
    assert api.get("/v2/queues/q1").json() == {**RESERVED_DEFAULTS, **metadata}


def test_create_keeps_arbitrary_metadata(api: Api) -> None:
    metadata = {"nested": {"a": [1, 2, {"b": None}]}, "_ttl": "not reserved", "ünï": "cödé",
                "flag": True, "n": -2**63, "m": 2**63 - 1, "f": 1.5}
    assert_status(api.put("/v2/queues/q", json=metadata), 201)
    assert api.get("/v2/queues/q").json() == {**RESERVED_DEFAULTS, **metadata}


@pytest.mark.parametrize("name", ["1234", "a", "a" * 64, "Q.with-dots_and-DASHES", "...", "-",
                                  "_"])
def test_valid_queue_names(api: Api, name: str) -> None:
    assert_empty(api.put(f"/v2/queues/{name}"), 201)
    names = [q["name"] for q in api.get("/v2/queues").json()["queues"]]
    assert names == [name]


@pytest.mark.parametrize("name", BAD_NAMES)
@pytest.mark.parametrize("method", ["PUT", "GET", "DELETE", "PATCH"])
def test_invalid_queue_names(api: Api, name: str, method: str) -> None:
    resp = api.request(method, f"/v2/queues/{name}", json=[])
    assert_error(resp, 400, INVALID_QUEUE, INVALID_QUEUE_TEXT)


@pytest.mark.parametrize("suffix", ["stats", "purge", "messages", "claims",
                                    "messages/5f1e8a2b9c0d4e5f6a7b8c9d",
                                    "claims/5f1e8a2b9c0d4e5f6a7b8c9d"])
@pytest.mark.parametrize("name", ["a" * 65, "q@1", "%C3%BC"])
def test_invalid_queue_names_on_sub_resources(api: Api, suffix: str, name: str) -> None:
    for method in ("GET", "POST", "DELETE", "PATCH"):
        resp = api.request(method, f"/v2/queues/{name}/{suffix}")
        if resp.status_code == 405:
            continue
        assert_error(resp, 400, INVALID_QUEUE, INVALID_QUEUE_TEXT)
    assert api.get("/v2/queues").json()["queues"] == []


@pytest.mark.parametrize("method", ["PUT", "GET", "DELETE", "PATCH"])
def test_empty_queue_name(api: Api, method: str) -> None:
    resp = api.request(method, "/v2/queues/")
    assert_error(resp, 400, INVALID_QUEUE, INVALID_QUEUE_TEXT)


def test_metadata_size_limit(api: Api) -> None:
    def body_of(size: int) -> bytes:
        padding = size - len(json.dumps({"pad": ""}))
        data = json.dumps({"pad": "x" * padding}).encode()
        assert len(data) == size
        return data

    assert_status(api.put("/v2/queues/fits", data=body_of(65536)), 201)
    resp = api.put("/v2/queues/too-big", data=body_of(65537), headers=CLOSE)
    assert_error(resp, 400, "Invalid API request", "Queue metadata is too large. Max size: 65536")
    resp = api.put("/v2/queues/too-big", data=b"{" + b" " * 65536, headers=CLOSE)
    assert_error(resp, 400, "Invalid API request", "Queue metadata is too large. Max size: 65536")
    assert [q["name"] for q in api.get("/v2/queues").json()["queues"]] == ["fits"]


@pytest.mark.parametrize(("data", "description"), [
    ("[]", "Document type not supported."),
    ('[{"a": 1}]', "Document type not supported."),
    ("{", "Request body could not be parsed."),
    ("not json", "Request body could not be parsed."),
    ('"a string"', "Request body could not be parsed."),
    ("42", "Request body could not be parsed."),
    ("null", "Request body could not be parsed."),
    ('{"a": NaN}', "Request body could not be parsed."),
    ('{"a": Infinity}', "Request body could not be parsed."),
    ('{"a": 1e999}', "Request body could not be parsed."),
    ('{"a": 1} {"b": 2}', "Request body could not be parsed."),
    ('{"a": 9223372036854775808}', "JSON contains integer that is too large."),
    ('{"a": -9223372036854775809}', "JSON contains integer that is too large."),
    ('{"a": {"b": [99999999999999999999999]}}', "JSON contains integer that is too large."),
])
def test_create_with_bad_body(api: Api, data: str, description: str) -> None:
    resp = api.put("/v2/queues/q", data=data, headers={"Content-Type": "application/json"})
    assert_error(resp, 400, "Invalid request body", description)
    assert api.get("/v2/queues").json()["queues"] == []


def test_create_with_non_utf8_body(api: Api) -> None:
    resp = api.put("/v2/queues/q", data=b'{"a": "\xff\xfe"}')
    assert_error(resp, 400, "Invalid request body",
                 "Request body could not be parsed: it is not valid UTF-8 (byte 7).")


def test_int64_bounds_are_accepted(api: Api) -> None:
    data = '{"max": 9223372036854775807, "min": -9223372036854775808}'
    assert_status(api.put("/v2/queues/q", data=data), 201)
    body = api.get("/v2/queues/q").json()
    assert (body["max"], body["min"]) == (2**63 - 1, -2**63)


RESERVED_ERRORS = [
    ({"_default_message_ttl": "123"}, "_default_message_ttl must be integer."),
    ({"_default_message_ttl": 100.5}, "_default_message_ttl must be integer."),
    ({"_default_message_ttl": [1]}, "_default_message_ttl must be integer."),
    ({"_default_message_ttl": 59}, "_default_message_ttl can not exceed 1209600 seconds, and "
                                   "must be at least 60 seconds long."),
    ({"_default_message_ttl": 0}, "_default_message_ttl can not exceed 1209600 seconds, and "
                                  "must be at least 60 seconds long."),
    ({"_default_message_ttl": 1209601}, "_default_message_ttl can not exceed 1209600 seconds, "
                                        "and must be at least 60 seconds long."),
    ({"_max_messages_post_size": "big"}, "_max_messages_post_size must be integer."),
    ({"_max_messages_post_size": 0}, "_max_messages_post_size can not exceed 262144,  and must "
                                     "be at least greater than 0."),
    ({"_max_messages_post_size": -5}, "_max_messages_post_size can not exceed 262144,  and "
                                      "must be at least greater than 0."),
    ({"_max_messages_post_size": 262145}, "_max_messages_post_size can not exceed 262144,  and "
                                          "must be at least greater than 0."),
    ({"_max_claim_count": "3"}, "_max_claim_count must be integer."),
    ({"_max_claim_count": 2.5}, "_max_claim_count must be integer."),
    ({"_dead_letter_queue_messages_ttl": "x"}, "_dead_letter_queue_messages_ttl must be "
                                               "integer."),
    ({"_dead_letter_queue_messages_ttl": 59}, "The TTL for a message may not exceed 1209600 "
                                              "seconds, and must be at least 60 seconds long."),
    ({"_dead_letter_queue_messages_ttl": 1209601}, "The TTL for a message may not exceed "
                                                   "1209600 seconds, and must be at least 60 "
                                                   "seconds long."),
    ({"_default_message_delay": "5"}, "_default_message_delay must be integer."),
    ({"_default_message_delay": 901}, "The TTL can not exceed 900 seconds, and must be at "
                                      "least 0 seconds long."),
    ({"_default_message_delay": -1}, "The TTL can not exceed 900 seconds, and must be at least "
                                     "0 seconds long."),
    ({"_enable_encrypt_messages": "yes"}, "_enable_encrypt_messages must be boolean."),
    ({"_enable_encrypt_messages": 1}, "_enable_encrypt_messages must be boolean."),
    ({"_retry_policy": "often"}, "retry_policy must be a dict."),
    ({"_retry_policy": [1]}, "retry_policy must be a dict."),
    ({"_retry_policy": {"retries_with_no_delay": "3"}},
     "Retry policy: retries_with_no_delay must be a integer."),
    ({"_retry_policy": {"minimum_delay_retries": 1.5}},
     "Retry policy: minimum_delay_retries must be a integer."),
    ({"_retry_policy": {"minimum_delay": "5"}}, "Retry policy: minimum_delay must be a integer."),
    ({"_retry_policy": {"maximum_delay": None}}, "Retry policy: maximum_delay must be a integer."),
    ({"_retry_policy": {"maximum_delay_retries": "x"}},
     "Retry policy: maximum_delay_retries must be a integer."),
    ({"_retry_policy": {"retry_backoff_function": 1}}, "retry_backoff_function must be a "
                                                       "string."),
    ({"_retry_policy": {"retry_backoff_function": "cubic"}}, "invalid retry_backoff_function."),
    ({"_retry_policy": {"ignore_subscription_override": "no"}},
     "ignore_subscription_override must be a boolean."),
    ({"_retry_policy": {"minimum_delay": 30, "maximum_delay": 30}},
     "invalid minimum_delay and maximum_delay."),
    ({"_retry_policy": {"minimum_delay": 40}}, "minimum_delay must less than maximum_delay."),
    ({"_retry_policy": {"minimum_delay": 25, "maximum_delay": 30}},
     "invalid minimum_delay and maximum_delay."),
    ({"_retry_policy": {"maximum_delay": 14}}, "invalid minimum_delay and maximum_delay."),
]


@pytest.mark.parametrize(("metadata", "description"), RESERVED_ERRORS)
def test_reserved_metadata_validation_on_create(
    api: Api, metadata: dict, description: str
) -> None:
    resp = api.put("/v2/queues/q", json=metadata)
    assert_error(resp, 400, "Invalid API request", description)
    assert api.get("/v2/queues").json()["queues"] == []


@pytest.mark.parametrize("metadata", [
    {"_default_message_ttl": 60}, {"_default_message_ttl": 1209600},
    {"_max_messages_post_size": 1}, {"_max_messages_post_size": 262144},
    {"_max_claim_count": 0}, {"_max_claim_count": 100000}, {"_max_claim_count": True},
    {"_dead_letter_queue": "dlq", "_dead_letter_queue_messages_ttl": 60},
    {"_default_message_delay": 0}, {"_default_message_delay": 900},
    {"_enable_encrypt_messages": False},
    {"_default_message_ttl": None, "_max_claim_count": None},
    {"_retry_policy": {}},
    {"_retry_policy": {"retries_with_no_delay": 3, "minimum_delay_retries": 3,
                       "minimum_delay": 5, "maximum_delay": 15, "maximum_delay_retries": 3,
                       "retry_backoff_function": "exponential",
                       "ignore_subscription_override": True}},
    {"_flavor": "gold"},
])
def test_reserved_metadata_accepted_on_create(api: Api, metadata: dict) -> None:
    assert_status(api.put("/v2/queues/q", json=metadata), 201)
    shown = api.get("/v2/queues/q").json()
    for key, value in metadata.items():
        assert shown[key] == (value or RESERVED_DEFAULTS.get(key, value)), key


# -- get ----------------------------------------------------------------------

def test_get_missing_queue_shows_the_defaults(api: Api) -> None:
    resp = api.get("/v2/queues/never-created")
    assert_status(resp, 200)
    assert resp.json() == RESERVED_DEFAULTS
    assert api.get("/v2/queues").json()["queues"] == []


def test_get_fills_in_falsy_reserved_values(api: Api) -> None:
    metadata = {"_default_message_delay": 0, "_enable_encrypt_messages": False,
                "_dead_letter_queue": "", "_max_claim_count": 0,
                "_dead_letter_queue_messages_ttl": None}
    assert_status(api.put("/v2/queues/q", json=metadata), 201)
    assert api.get("/v2/queues/q").json() == RESERVED_DEFAULTS


def test_get_does_not_invent_flavor_or_retry_policy(api: Api) -> None:
    create_queue(api, "q")
    shown = api.get("/v2/queues/q").json()
    assert "_flavor" not in shown and "_retry_policy" not in shown


def test_head_on_a_queue_is_405(api: Api) -> None:
    create_queue(api, "q")
    resp = api.request("HEAD", "/v2/queues/q")
    assert_status(resp, 405)
    allowed = {method.strip() for method in resp.headers["Allow"].split(",")}
    assert {"GET", "PUT", "PATCH", "DELETE"} <= allowed
    assert "HEAD" not in allowed and "POST" not in allowed


@pytest.mark.parametrize(("method", "path"), [
    ("POST", "/v2/queues/q"), ("POST", "/v2/queues"), ("PUT", "/v2/queues"),
    ("DELETE", "/v2/queues"), ("PATCH", "/v2/queues"),
])
def test_methods_not_allowed(api: Api, method: str, path: str) -> None:
    resp = api.request(method, path, json={})
    assert_error(resp, 405, "405 Method Not Allowed")
    assert method not in resp.headers["Allow"]


# -- delete -------------------------------------------------------------------

def test_delete_removes_queue_and_messages(api: Api) -> None:
    create_queue(api, "q", {"owner": "x"})
    ids = post_messages(api, "q", 3)
    assert_empty(api.delete("/v2/queues/q"))
    assert api.get("/v2/queues").json()["queues"] == []
    assert api.get("/v2/queues/q").json() == RESERVED_DEFAULTS
    assert stats(api, "q") == {"claimed": 0, "free": 0, "total": 0}
    create_queue(api, "q")
    assert stats(api, "q")["total"] == 0
    assert_error(api.get(f"/v2/queues/q/messages/{ids[0]}"), 404, "Not found")


def test_delete_missing_queue_is_204(api: Api) -> None:
    assert_empty(api.delete("/v2/queues/missing"))
    assert_empty(api.delete("/v2/queues/missing"))


def test_delete_only_touches_own_project(api: Api, make_api) -> None:
    other = make_api()
    create_queue(api, "q")
    create_queue(other, "q")
    post_messages(other, "q", 2)
    assert_empty(api.delete("/v2/queues/q"))
    assert [q["name"] for q in other.get("/v2/queues").json()["queues"]] == ["q"]
    assert stats(other, "q")["total"] == 2


# -- list ---------------------------------------------------------------------

def names_of(body: dict) -> list[str]:
    return [q["name"] for q in body["queues"]]


def test_list_empty_project(api: Api) -> None:
    resp = api.get("/v2/queues")
    assert_status(resp, 200)
    assert resp.json() == {"queues": [], "links": []}
    assert api.get("/v2/queues?with_count=true").json() == {"queues": [], "links": []}


def test_list_items_and_default_page(api: Api) -> None:
    names = [f"q{index:02d}" for index in range(12)]
    for name in reversed(names):
        create_queue(api, name)
    body = api.get("/v2/queues").json()
    assert body["queues"] == [{"name": n, "href": f"/v2/queues/{n}"} for n in names[:10]]
    path, query = split_href(next_href(body))
    assert path == "/v2/queues"
    assert query == {"marker": ["q09"]}


def test_list_follows_next_links_to_an_empty_page(api: Api) -> None:
    names = sorted(["b", "a", "c.d", "C", "1", "a-b", "a_b"])
    for name in names:
        create_queue(api, name)
    seen: list[str] = []
    href = "/v2/queues?limit=3"
    for _ in range(5):
        body = api.get(href).json()
        if not body["queues"]:
            assert body["links"] == []
            break
        seen += names_of(body)
        href = next_href(body)
        assert split_href(href)[1]["limit"] == ["3"]
    assert seen == names
    assert len(seen) == 7


def test_list_marker_is_strictly_after(api: Api) -> None:
    for name in ("a", "b", "c", "d"):
        create_queue(api, name)
    assert names_of(api.get("/v2/queues?marker=b").json()) == ["c", "d"]
    assert names_of(api.get("/v2/queues?marker=bb").json()) == ["c", "d"]
    assert names_of(api.get("/v2/queues?marker=").json()) == ["a", "b", "c", "d"]
    assert api.get("/v2/queues?marker=zzz").json() == {"queues": [], "links": []}


@pytest.mark.parametrize("limit", ["0", "-1", "21", "200", "99999999999999999999999"])
def test_list_limit_out_of_range(api: Api, limit: str) -> None:
    resp = api.get(f"/v2/queues?limit={limit}")
    assert_error(resp, 400, "Invalid API request",
                 "Limit must be at least 1 and no greater than 20.")


@pytest.mark.parametrize("limit", ["abc", "1.5", "1e3", "0x10", " ", "ten"])
def test_list_limit_not_an_integer(api: Api, limit: str) -> None:
    resp = api.get("/v2/queues", params={"limit": limit})
    assert_error(resp, 400, "Invalid parameter",
                 'The "limit" parameter is invalid. The value must be an integer.')


def test_list_empty_limit_counts_as_absent(api: Api) -> None:
    for index in range(11):
        create_queue(api, f"q{index:02d}")
    assert len(api.get("/v2/queues?limit=").json()["queues"]) == 10


def test_list_limit_bounds_accepted(api: Api) -> None:
    for index in range(21):
        create_queue(api, f"q{index:02d}")
    assert len(api.get("/v2/queues?limit=20").json()["queues"]) == 20
    assert names_of(api.get("/v2/queues?limit=1").json()) == ["q00"]
    assert len(api.get("/v2/queues?limit=1&limit=20").json()["queues"]) == 20
    assert len(api.get("/v2/queues?limit=20,2").json()["queues"]) == 2


@pytest.mark.parametrize("name", ["detailed", "with_count"])
@pytest.mark.parametrize("value", ["None", "maybe", "2", "truee"])
def test_list_boolean_parameters_are_validated(api: Api, name: str, value: str) -> None:
    body = assert_error(api.get(f"/v2/queues?{name}={value}"), 400, "Invalid parameter")
    assert body["description"] == (f'The "{name}" parameter is invalid. '
                                   'The value of the parameter must be "true" or "false".')


@pytest.mark.parametrize(("value", "expected"), [
    ("true", True), ("True", True), ("t", True), ("yes", True), ("y", True), ("1", True),
    ("on", True), ("false", False), ("False", False), ("f", False), ("no", False),
    ("n", False), ("0", False), ("off", False),
])
def test_list_detailed(api: Api, value: str, expected: bool) -> None:
    create_queue(api, "q", {"owner": "me", "_default_message_ttl": 120})
    item = api.get(f"/v2/queues?detailed={value}").json()["queues"][0]
    if expected:
        assert item == {"name": "q", "href": "/v2/queues/q",
                        "metadata": {**RESERVED_DEFAULTS, "owner": "me",
                                     "_default_message_ttl": 120}}
    else:
        assert item == {"name": "q", "href": "/v2/queues/q"}


def test_list_name_is_a_plain_substring(api: Api) -> None:
    for name in ("orders", "orders-eu", "eu-orders", "abc", "a.c", "ORDERS"):
        create_queue(api, name)
    assert names_of(api.get("/v2/queues?name=orders").json()) == ["eu-orders", "orders",
                                                                    "orders-eu"]
    assert names_of(api.get("/v2/queues?name=a.c").json()) == ["a.c"]
    for pattern in (".*", "^a", "c$", "(", "[", "a|b", "o+", "\\", "%", "_"):
        assert api.get("/v2/queues", params={"name": pattern}).json() == {"queues": [],
                                                                          "links": []}


def test_list_with_count_ignores_filters_and_paging(api: Api) -> None:
    for name in ("a1", "a2", "b1", "b2", "b3"):
        create_queue(api, name, {"kind": name[0]})
    body = api.get("/v2/queues?with_count=true&limit=1").json()
    assert body["count"] == 5 and names_of(body) == ["a1"]
    body = api.get("/v2/queues?with_count=true&name=b&limit=2").json()
    assert body["count"] == 5 and names_of(body) == ["b1", "b2"]
    body = api.get("/v2/queues?with_count=true&kind=a").json()
    assert body["count"] == 5 and names_of(body) == ["a1", "a2"]
    assert "count" not in api.get("/v2/queues").json()
    assert "count" not in api.get("/v2/queues?with_count=false").json()


def test_list_next_link_carries_recognised_parameters(api: Api) -> None:
    for name in ("ab1", "ab2", "ab3"):
        create_queue(api, name, {"team": "x"})
    body = api.get("/v2/queues?limit=02&detailed=true&name=ab&with_count=yes&team=x").json()
    # Written as Zaqar writes it: its order, booleans and numbers canonical, and the
    # marker last unless the request gave one.
    assert next_href(body) == "/v2/queues?limit=2&detailed=true&name=ab&with_count=true&marker=ab2"
    path, query = split_href(next_href(body))
    assert path == "/v2/queues"
    assert query == {"limit": ["2"], "detailed": ["true"], "name": ["ab"],
                     "with_count": ["true"], "marker": ["ab2"]}
    rest = api.get(next_href(body)).json()
    assert names_of(rest) == ["ab3"] and rest["count"] == 3 and "metadata" in rest["queues"][0]
    assert next_href(api.get("/v2/queues?detailed=1&marker=ab1&limit=1").json()) == (
        "/v2/queues?marker=ab2&limit=1&detailed=true")


def test_list_metadata_filters(api: Api) -> None:
    create_queue(api, "int5", {"size": 5, "team": "a"})
    create_queue(api, "str5", {"size": "5", "team": "a"})
    create_queue(api, "bool", {"size": True, "flag": True, "team": "b"})
    create_queue(api, "plain")
    assert names_of(api.get("/v2/queues?size=5").json()) == ["int5"]
    assert names_of(api.get("/v2/queues?team=a").json()) == ["int5", "str5"]
    assert names_of(api.get("/v2/queues?team=a&size=5").json()) == ["int5"]
    assert names_of(api.get("/v2/queues?team=b&size=5").json()) == []
    assert names_of(api.get("/v2/queues?flag=true").json()) == []
    assert names_of(api.get("/v2/queues?size=1").json()) == []
    assert names_of(api.get("/v2/queues?nothing=x").json()) == []
    assert names_of(api.get("/v2/queues?team=").json()) == ["bool", "int5", "plain", "str5"]


@pytest.mark.parametrize("query", [
    "$where=1", "m.size=1", "a.b=1", "size=99999999999999999999", "size=-99999999999999999999",
    "%24gt=1", "team[$ne]=x", "_id=1", "__proto__=1", "size=1e400",
])
def test_list_odd_metadata_filters_are_harmless(api: Api, query: str) -> None:
    create_queue(api, "q", {"size": 1, "a": {"b": 1}})
    resp = api.get(f"/v2/queues?{query}")
    assert resp.json() == {"queues": [], "links": []}


def test_list_is_scoped_to_the_project(api: Api, make_api) -> None:
    other = make_api()
    create_queue(api, "mine")
    create_queue(other, "theirs")
    assert names_of(api.get("/v2/queues").json()) == ["mine"]
    assert names_of(other.get("/v2/queues?with_count=true").json()) == ["theirs"]
    assert other.get("/v2/queues?with_count=true").json()["count"] == 1


def test_posting_a_message_creates_the_queue(api: Api) -> None:
    post_messages(api, "lazy", 1)
    assert names_of(api.get("/v2/queues").json()) == ["lazy"]
    assert api.get("/v2/queues/lazy").json() == RESERVED_DEFAULTS


# README §10, v2 column: what each operation does on a queue that does not exist.
MISSING_QUEUE = [
    ("GET", "/v2/queues/m", None, 200),
    ("DELETE", "/v2/queues/m", None, 204),
    ("GET", "/v2/queues/m/stats", None, 200),
    ("GET", "/v2/queues/m/messages", None, 200),
    ("GET", f"/v2/queues/m/messages/{'a' * 24}", None, 404),
    ("GET", f"/v2/queues/m/messages?ids={'a' * 24}", None, 404),
    ("DELETE", f"/v2/queues/m/messages/{'a' * 24}", None, 204),
    ("DELETE", f"/v2/queues/m/messages?ids={'a' * 24}", None, 204),
    ("DELETE", "/v2/queues/m/messages?pop=2", None, 200),
    ("POST", "/v2/queues/m/claims", {"ttl": 60, "grace": 60}, 204),
    ("GET", f"/v2/queues/m/claims/{'a' * 24}", None, 404),
    ("PATCH", f"/v2/queues/m/claims/{'a' * 24}", {"ttl": 60}, 404),
    ("DELETE", f"/v2/queues/m/claims/{'a' * 24}", None, 204),
    ("POST", "/v2/queues/m/purge", None, 204),
    ("HEAD", "/v2/queues/m", None, 405),
]


@pytest.mark.parametrize(("method", "path", "body", "status"), MISSING_QUEUE)
def test_operations_on_a_missing_queue(
    api: Api, method: str, path: str, body: dict | None, status: int
) -> None:
    resp = api.request(method, path, json=body)
    assert_status(resp, status)
    assert api.get("/v2/queues").json()["queues"] == []


def test_patch_and_post_on_a_missing_queue(api: Api) -> None:
    resp = api.patch("/v2/queues/m", json=[], headers={"Content-Type": PATCH_TYPE})
    assert_error(resp, 404, "Not found", f"Queue m does not exist for project {api.project}")
    post_messages(api, "m", 1)
    assert names_of(api.get("/v2/queues").json()) == ["m"]
