"""Topics (v2.md §11): a queue-like namespace of their own, on both stores.

Where the reference answers 500 (topic messages and subscriptions), topics
here work as their queue twins do (decisions.md).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.api.helpers import PATCH_TYPE, assert_error, assert_status
from tests.live_server import Api

SHOWN = {"_max_messages_post_size": 262144, "_default_message_ttl": 3600,
         "_default_message_delay": 0}


@pytest.fixture(autouse=True)
def _drop_topics(api: Api) -> Iterator[None]:
    yield
    while True:
        topics = api.get("/v2/topics?limit=20").json()["topics"]
        if not topics:
            return
        for topic in topics:
            assert_status(api.delete(f"/v2/topics/{topic['name']}"), 204)


def test_create_list_get_and_delete(api: Api) -> None:
    created = api.put("/v2/topics/news", json={"owner": "ops"})
    assert_status(created, 201)
    assert created.headers["Location"] == "/v2/topics/news"
    assert_status(api.put("/v2/topics/news", json={}), 204)
    listing = api.get("/v2/topics?detailed=true").json()
    assert listing["topics"] == [{"name": "news", "href": "/v2/topics/news",
                                  "metadata": {"owner": "ops", **SHOWN}}]
    assert listing["links"][0]["href"].startswith("/v2/topics?")
    assert api.get("/v2/topics/news").json() == {"owner": "ops", **SHOWN}
    assert_status(api.delete("/v2/topics/news"), 204)
    assert api.get("/v2/topics").json() == {"topics": [], "links": []}


def test_a_missing_topic_reads_as_its_defaults(api: Api) -> None:
    assert api.get("/v2/topics/nothing").json() == SHOWN
    stats = api.get("/v2/topics/nothing/stats").json()
    assert stats == {"messages": {"claimed": 0, "free": 0, "total": 0}}


def test_topics_and_queues_of_the_same_name_are_apart(api: Api) -> None:
    api.put("/v2/topics/shared", json={"kind": "topic"})
    api.put("/v2/queues/shared", json={"kind": "queue"})
    assert [q["name"] for q in api.get("/v2/queues").json()["queues"]] == ["shared"]
    assert api.get("/v2/topics/shared").json()["kind"] == "topic"
    assert api.get("/v2/queues/shared").json()["kind"] == "queue"
    api.post("/v2/topics/shared/messages", json={"messages": [{"body": "t"}]})
    assert api.get("/v2/queues/shared/stats").json()["messages"]["total"] == 0
    assert api.get("/v2/topics/shared/stats").json()["messages"]["total"] == 1


def test_patch_validates_like_a_queue(api: Api) -> None:
    api.put("/v2/topics/edited")
    resp = api.patch("/v2/topics/edited", headers={"Content-Type": PATCH_TYPE},
                     json=[{"op": "add", "path": "/metadata/color", "value": "blue"}])
    assert_status(resp, 200)
    assert resp.json()["color"] == "blue"
    bad = api.patch("/v2/topics/edited", headers={"Content-Type": PATCH_TYPE},
                    json=[{"op": "add", "path": "/metadata/_default_message_ttl", "value": 1}])
    assert_error(bad, 400, "Invalid request body")


def test_messages_of_a_topic(api: Api) -> None:
    posted = api.post("/v2/topics/feed/messages", json={"messages": [{"body": 1}, {"body": 2}]})
    assert_status(posted, 201)
    hrefs = posted.json()["resources"]
    assert all(href.startswith("/v2/topics/feed/messages/") for href in hrefs)
    listed = api.get("/v2/topics/feed/messages?echo=true").json()["messages"]
    assert [m["body"] for m in listed] == [1, 2]
    assert api.get(hrefs[0]).json()["body"] == 1
    assert_status(api.delete(hrefs[0]), 204)
    assert_status(api.post("/v2/topics/feed/purge", json={"resource_types": ["messages"]}), 204)
    assert api.get("/v2/topics/feed/stats").json()["messages"]["total"] == 0


def test_subscriptions_of_a_topic(api: Api) -> None:
    resp = api.post("/v2/topics/alerts/subscriptions",
                    json={"subscriber": "http://127.0.0.1:9/hook"})
    assert_status(resp, 201)
    assert resp.headers["Location"] == "/v2/topics/alerts/subscriptions"
    subscription_id = resp.json()["subscription_id"]
    got = api.get(f"/v2/topics/alerts/subscriptions/{subscription_id}").json()
    assert got["source"] == "alerts"
    assert api.get("/v2/queues/alerts/subscriptions").json()["subscriptions"] == []
    assert_status(api.put(f"/v2/topics/alerts/subscriptions/{subscription_id}/confirm",
                          json={"confirmed": True}), 204)
    assert_status(api.delete(f"/v2/topics/alerts/subscriptions/{subscription_id}"), 204)


@pytest.mark.parametrize("path", ["/v2/topics/bad name", "/v2/topics/" + "x" * 65,
                                  "/v2/topics/bad!/messages"])
def test_bad_topic_names(api: Api, path: str) -> None:
    assert_error(api.put(path), 400, "Invalid topic identification")


def test_topic_routes_without_a_twin_are_404_or_405(api: Api) -> None:
    assert_status(api.post("/v2/topics/t/claims", json={}), 404)
    assert_status(api.request("HEAD", "/v2/topics/t"), 405)
