"""Subscriptions over HTTP (v2.md §7.1-7.6), on both stores."""

from __future__ import annotations

import pytest

from tests.api.helpers import ID_PATTERN, UNKNOWN_ID, assert_error, assert_status
from tests.live_server import Api

HOOK = "http://127.0.0.1:9/hook"
COLLECTION = "/v2/queues/subs/subscriptions"
INVALID = "Invalid API request"
TYPES = "['http', 'https', 'mailto', 'trust+http', 'trust+https']"


def create(api: Api, body: object, queue: str = "subs"):
    return api.post(f"/v2/queues/{queue}/subscriptions", json=body)


def subscribe(api: Api, subscriber: str = HOOK, **body: object) -> str:
    resp = create(api, {"subscriber": subscriber, **body})
    assert_status(resp, 201)
    return resp.json()["subscription_id"]


def test_create_answers_201_with_the_id_and_the_collection_location(api: Api) -> None:
    resp = create(api, {"subscriber": HOOK, "ttl": 600, "options": {"a": 1}})
    assert_status(resp, 201)
    assert resp.headers["Location"] == COLLECTION
    subscription_id = resp.json()["subscription_id"]
    assert ID_PATTERN.match(subscription_id)
    got = api.get(f"{COLLECTION}/{subscription_id}")
    assert_status(got, 200)
    body = got.json()
    assert set(body) == {"id", "source", "subscriber", "ttl", "age", "options", "confirmed"}
    assert (body["id"], body["source"], body["subscriber"], body["ttl"], body["options"],
            body["confirmed"]) == (subscription_id, "subs", HOOK, 600, {"a": 1}, False)
    assert 0 <= body["age"] <= 5


def test_create_creates_the_queue_and_defaults_the_ttl(api: Api) -> None:
    subscription_id = subscribe(api)
    assert_status(api.get("/v2/queues/subs/stats"), 200)
    assert api.get("/v2/queues").json()["queues"][0]["name"] == "subs"
    assert api.get(f"{COLLECTION}/{subscription_id}").json()["ttl"] == 3600


def test_an_invalid_create_still_creates_the_queue(api: Api) -> None:
    assert_error(create(api, {"subscriber": "ftp://x"}, queue="lazy"), 400, INVALID)
    assert [q["name"] for q in api.get("/v2/queues").json()["queues"]] == ["lazy"]


def test_same_subscriber_again_is_the_same_subscription_until_confirmed(api: Api) -> None:
    first = subscribe(api, ttl=600)
    resp = create(api, {"subscriber": HOOK, "ttl": 900, "options": {"x": 1}})
    assert_status(resp, 201)
    assert resp.json()["subscription_id"] == first
    assert api.get(f"{COLLECTION}/{first}").json()["ttl"] == 600
    confirm = api.put(f"{COLLECTION}/{first}/confirm", json={"confirmed": True})
    assert_status(confirm, 204)
    assert confirm.headers["Location"] == f"{COLLECTION}/{first}/confirm"
    assert api.get(f"{COLLECTION}/{first}").json()["confirmed"] is True
    conflict = create(api, {"subscriber": HOOK})
    assert_error(conflict, 409, "Resource conflict",
                 "Such subscription already exists.Subscriptions are unique by project + "
                 "queue + subscriber URI.")
    assert conflict.headers["Location"] == COLLECTION


@pytest.mark.parametrize(("body", "description"), [
    ({}, "Missing parameter subscriber in body."),
    ({"ttl": 600}, "Missing parameter subscriber in body."),
    ({"subscriber": "ftp://example.com"}, f"The subscriber type of subscription must be "
                                          f"supported in the list {TYPES}."),
    ({"subscriber": "example.com/hook"}, f"The subscriber type of subscription must be "
                                         f"supported in the list {TYPES}."),
    ({"subscriber": 42}, f"The subscriber type of subscription must be supported in the "
                         f"list {TYPES}."),
    ({"subscriber": HOOK, "options": "x"}, "Options must be a dict."),
    ({"subscriber": HOOK, "ttl": "600"}, "TTL must be an integer."),
    ({"subscriber": HOOK, "ttl": 1.5}, "TTL must be an integer."),
    ({"subscriber": HOOK, "ttl": 59}, "The TTL for a subscription must be at least 60 "
                                      "seconds long."),
    ({"subscriber": HOOK, "ttl": 0}, "The TTL for a subscription must be at least 60 "
                                     "seconds long."),
    ({"subscriber": HOOK, "ttl": 2**62}, "The TTL seconds for a subscription plus current "
                                         "time must be less than 9999-12-31 23:59:59.999999."),
    ({"subscriber": HOOK, "options": {"_retry_policy": "often"}},
     "retry_policy must be a dict."),
    ({"subscriber": HOOK, "options": {"_retry_policy": {"minimum_delay": 25}}},
     "invalid minimum_delay and maximum_delay."),
    ([1], "Subscriptions must be a dict."),
])
def test_create_validation_errors(api: Api, body: object, description: str) -> None:
    assert_error(create(api, body), 400, INVALID, description)


def test_create_without_a_body_or_with_a_broken_one(api: Api) -> None:
    assert_error(api.post(COLLECTION), 400, INVALID, "Missing parameter subscriber in body.")
    assert_error(api.post(COLLECTION, data="{nope", headers={"Content-Type": "application/json"}),
                 400, "Invalid request body", "Request body could not be parsed.")


@pytest.mark.parametrize("scheme", ["trust+http", "trust+https"])
def test_trust_subscribers_are_refused_without_keystone(api: Api, scheme: str) -> None:
    body = assert_error(create(api, {"subscriber": f"{scheme}://example.com/hook"}), 400, INVALID)
    assert "keystone" in body["description"]


def test_mailto_and_https_subscribers(api: Api) -> None:
    for subscriber in ("mailto:ops@example.com?subject=Orders", "https://example.com/hook"):
        subscription_id = subscribe(api, subscriber)
        assert api.get(f"{COLLECTION}/{subscription_id}").json()["subscriber"] == subscriber


def test_list_pages_in_creation_order(api: Api) -> None:
    made = [subscribe(api, f"http://127.0.0.1:9/{index}") for index in range(5)]
    first = api.get(f"{COLLECTION}?limit=2")
    assert_status(first, 200)
    body = first.json()
    assert [s["id"] for s in body["subscriptions"]] == made[:2]
    assert body["subscriptions"][0]["source"] == "subs"
    (link,) = body["links"]
    assert link["rel"] == "next"
    rest = api.get(link["href"].replace("limit=2", "limit=10"))
    assert [s["id"] for s in rest.json()["subscriptions"]] == made[2:]
    everything = api.get(COLLECTION).json()
    assert [s["id"] for s in everything["subscriptions"]] == made
    last = api.get(f"{COLLECTION}?marker={made[-1]}").json()
    assert last == {"subscriptions": [], "links": []}


def test_list_of_a_missing_queue_is_empty(api: Api) -> None:
    resp = api.get("/v2/queues/nothing-here/subscriptions")
    assert_status(resp, 200)
    assert resp.json() == {"subscriptions": [], "links": []}


@pytest.mark.parametrize("limit", ["0", "21"])
def test_list_limit_bounds(api: Api, limit: str) -> None:
    assert_error(api.get(f"{COLLECTION}?limit={limit}"), 400, INVALID,
                 "Limit must be at least 1 and may not be greater than 20.")


def test_list_limit_must_be_an_integer(api: Api) -> None:
    assert_error(api.get(f"{COLLECTION}?limit=x"), 400, "Invalid parameter")


def test_subscriptions_are_scoped_to_queue_and_project(api: Api, make_api) -> None:
    subscription_id = subscribe(api)
    other = make_api()
    assert other.get(COLLECTION).json()["subscriptions"] == []
    assert_error(other.get(f"{COLLECTION}/{subscription_id}"), 404, "Not found",
                 f"Subscription {subscription_id} does not exist")
    assert_status(api.get(f"/v2/queues/elsewhere/subscriptions/{subscription_id}"), 404)


@pytest.mark.parametrize("subscription_id", [UNKNOWN_ID, "not-an-id"])
def test_get_unknown_is_404(api: Api, subscription_id: str) -> None:
    assert_error(api.get(f"{COLLECTION}/{subscription_id}"), 404, "Not found",
                 f"Subscription {subscription_id} does not exist")


def test_update_replaces_members(api: Api) -> None:
    subscription_id = subscribe(api, ttl=600, options={"a": 1})
    resp = api.patch(f"{COLLECTION}/{subscription_id}",
                     json={"subscriber": "https://example.com/new", "ttl": 1200,
                           "options": {"b": 2}, "ignored": True})
    assert_status(resp, 204)
    assert resp.headers["Location"] == f"{COLLECTION}/{subscription_id}"
    body = api.get(f"{COLLECTION}/{subscription_id}").json()
    assert (body["subscriber"], body["ttl"], body["options"]) == (
        "https://example.com/new", 1200, {"b": 2})


@pytest.mark.parametrize(("body", "status", "title", "description"), [
    ({}, 400, INVALID, "No subscription to create."),
    ([1], 400, INVALID, "Subscriptions must be a dict."),
    ({"ttl": 10}, 400, INVALID, "The TTL for a subscription must be at least 60 seconds long."),
    ({"subscriber": "gopher://x"}, 400, INVALID,
     f"The subscriber type of subscription must be supported in the list {TYPES}."),
    ({"options": [1]}, 400, INVALID, "Options must be a dict."),
    ({"other": 1}, 400, "Unable to update subscription", None),
])
def test_update_errors(api: Api, body: object, status: int, title: str,
                       description: str | None) -> None:
    subscription_id = subscribe(api)
    assert_error(api.patch(f"{COLLECTION}/{subscription_id}", json=body), status, title,
                 description)
    assert_error(api.patch(f"{COLLECTION}/{UNKNOWN_ID}", json=body), status, title)


def test_update_without_a_body(api: Api) -> None:
    subscription_id = subscribe(api)
    assert_error(api.patch(f"{COLLECTION}/{subscription_id}"), 400, INVALID,
                 "No subscription to create.")


def test_update_unknown_is_404_and_a_taken_subscriber_is_409(api: Api) -> None:
    assert_error(api.patch(f"{COLLECTION}/{UNKNOWN_ID}", json={"ttl": 600}), 404, "Not found",
                 f"Subscription {UNKNOWN_ID} does not exist")
    first = subscribe(api, "http://127.0.0.1:9/a")
    subscribe(api, "http://127.0.0.1:9/b")
    assert_error(api.patch(f"{COLLECTION}/{first}", json={"subscriber": "http://127.0.0.1:9/b"}),
                 409, "Resource conflict")


def test_delete_is_204_even_when_unknown(api: Api) -> None:
    subscription_id = subscribe(api)
    assert_status(api.delete(f"{COLLECTION}/{subscription_id}"), 204)
    assert_status(api.get(f"{COLLECTION}/{subscription_id}"), 404)
    assert_status(api.delete(f"{COLLECTION}/{subscription_id}"), 204)
    assert_status(api.delete(f"{COLLECTION}/not-an-id"), 204)


@pytest.mark.parametrize("body", [{}, {"confirmed": "true"}, {"confirmed": 1}, [True], None])
def test_confirm_needs_a_boolean(api: Api, body: object) -> None:
    subscription_id = subscribe(api)
    kwargs = {} if body is None else {"json": body}
    assert_error(api.put(f"{COLLECTION}/{subscription_id}/confirm", **kwargs), 400, INVALID,
                 "The 'confirmed' should be boolean.")


def test_confirm_and_unconfirm(api: Api) -> None:
    subscription_id = subscribe(api)
    assert_error(api.put(f"{COLLECTION}/{UNKNOWN_ID}/confirm", json={"confirmed": True}), 404,
                 "Not found")
    for flag in (True, False):
        assert_status(api.put(f"{COLLECTION}/{subscription_id}/confirm",
                              json={"confirmed": flag}), 204)
        assert api.get(f"{COLLECTION}/{subscription_id}").json()["confirmed"] is flag


def test_queue_delete_removes_its_subscriptions(api: Api) -> None:
    subscription_id = subscribe(api)
    assert_status(api.delete("/v2/queues/subs"), 204)
    assert_status(api.get(f"{COLLECTION}/{subscription_id}"), 404)
    assert subscribe(api) != subscription_id


@pytest.mark.parametrize(("types", "messages", "subscriptions"), [
    (["subscriptions"], 2, 0), (["messages"], 0, 1), (None, 0, 0)])
def test_purge_resource_types(api: Api, types: list[str] | None, messages: int,
                              subscriptions: int) -> None:
    subscribe(api)
    api.post("/v2/queues/subs/messages", json={"messages": [{"body": 1}, {"body": 2}]})
    kwargs = {} if types is None else {"json": {"resource_types": types}}
    assert_status(api.post("/v2/queues/subs/purge", **kwargs), 204)
    assert api.get("/v2/queues/subs/stats").json()["messages"]["total"] == messages
    assert len(api.get(COLLECTION).json()["subscriptions"]) == subscriptions


def test_methods_not_served_are_405(api: Api) -> None:
    assert_status(api.put(COLLECTION, json={}), 405)
    assert_status(api.post(f"{COLLECTION}/{UNKNOWN_ID}", json={}), 405)
    assert_status(api.get(f"{COLLECTION}/{UNKNOWN_ID}/confirm"), 405)
