"""openstacksdk's subscription calls (``conn.message``) against the live server.

``create_subscription``, ``get_subscription``, ``subscriptions`` (with the SDK's
own paging: ``limit`` = size of the page just received, ``marker`` = id of its
last item) and ``delete_subscription``, cross-checked with plain HTTP.

No messages are posted to these queues, so no notification is ever sent; the
subscriber URIs point at the discard port of the loopback interface anyway.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from openstack import connection, exceptions

from tests.live_server import Api

pytestmark = pytest.mark.filterwarnings(
    "ignore::openstack.warnings.RemovedInSDK50Warning")

ID = re.compile(r"^[0-9a-f]{24}$")


def hook(name: str) -> str:
    return f"http://127.0.0.1:9/hooks/{name}"


def create(conn: connection.Connection, queue: str, name: str, ttl: int = 600,
           options: dict[str, Any] | None = None) -> str:
    """Subscribe ``hook(name)`` to ``queue`` through the SDK; return the new id."""
    created = conn.message.create_subscription(queue, subscriber=hook(name), ttl=ttl,
                                               options=options or {})
    assert ID.match(created.id), created.id
    return created.id


def test_create_get_and_delete_subscription(conn: connection.Connection, raw: Api) -> None:
    options = {"post_headers": {"X-Token": "abc"}, "note": ["x", 1]}
    created = conn.message.create_subscription(
        "alerts", subscriber=hook("a"), ttl=900, options=options)
    # the create response only carries `subscription_id`; the SDK makes it the id
    assert ID.match(created.id)
    assert created.subscription_id == created.id
    assert (created.subscriber, created.ttl, created.options) == (hook("a"), 900, options)

    got = conn.message.get_subscription("alerts", created.id)
    assert got.id == created.id
    assert got.source == "alerts"
    assert got.subscriber == hook("a")
    assert got.ttl == 900
    assert got.options == options
    assert got.age >= 0

    stored = raw.get(f"/v2/queues/alerts/subscriptions/{created.id}").json()
    assert stored["confirmed"] is False
    assert {k: stored[k] for k in ("id", "source", "subscriber", "ttl", "options")} == {
        "id": created.id, "source": "alerts", "subscriber": hook("a"), "ttl": 900,
        "options": options}
    # subscribing created the queue (spec §7.1, step 1)
    assert [q.name for q in conn.message.queues()] == ["alerts"]
    # another queue of the project does not see it
    with pytest.raises(exceptions.NotFoundException):
        conn.message.get_subscription("other", created.id)

    conn.message.delete_subscription("alerts", created.id)
    with pytest.raises(exceptions.ResourceNotFound):
        conn.message.get_subscription("alerts", created.id)
    assert list(conn.message.subscriptions("alerts")) == []
    assert raw.get(f"/v2/queues/alerts/subscriptions/{created.id}").status_code == 404
    assert raw.get("/v2/queues/alerts/subscriptions").json() == {"subscriptions": [],
                                                                 "links": []}
    # already gone: the server answers 204 (spec §7.5), so neither form raises
    conn.message.delete_subscription("alerts", created.id)
    conn.message.delete_subscription("alerts", created.id, ignore_missing=False)


def test_delete_subscription_by_instance_keeps_the_others(conn: connection.Connection,
                                                          raw: Api) -> None:
    first = create(conn, "jobs", "first")
    second = create(conn, "jobs", "second", ttl=3600)

    conn.message.delete_subscription("jobs", conn.message.get_subscription("jobs", first))
    [left] = conn.message.subscriptions("jobs")
    assert (left.id, left.subscriber, left.ttl, left.source) == (
        second, hook("second"), 3600, "jobs")
    assert [s["id"] for s in raw.get("/v2/queues/jobs/subscriptions").json()[
        "subscriptions"]] == [second]


def test_subscription_listing_pages_return_every_subscription_once(
        conn: connection.Connection, raw: Api) -> None:
    created = {create(conn, "fanout", f"h{i:02d}", ttl=60 + i): i for i in range(13)}
    # Listings are ordered by id (spec §7.2). Ids of subscriptions created within the
    # same second by different server worker processes do not follow creation order,
    # so the expected order is the sorted ids, not the order of the create calls.
    ids = sorted(created)

    # default page (10): 10 + 3; limit 4: 4+4+4+1; limit 13 ends on an empty page;
    # 20 is the server maximum
    for query in ({}, {"limit": 4}, {"limit": 13}, {"limit": 20}):
        listed = list(conn.message.subscriptions("fanout", **query))
        assert [s.id for s in listed] == ids, query
        for s in listed:
            i = created[s.id]
            assert (s.source, s.subscriber, s.ttl, s.options) == (
                "fanout", hook(f"h{i:02d}"), 60 + i, {})
            assert s.age >= 0

    # the SDK's marker (last id of a page) is what the server's own `next` link uses
    page = raw.get("/v2/queues/fanout/subscriptions", params={"limit": 4}).json()
    assert [s["id"] for s in page["subscriptions"]] == ids[:4]
    assert page["links"] == [{"rel": "next", "href":
                              f"/v2/queues/fanout/subscriptions?limit=4&marker={ids[3]}"}]
    rest = list(conn.message.subscriptions("fanout", marker=ids[3], limit=4))
    assert [s.id for s in rest] == ids[4:]

    assert list(conn.message.subscriptions("never-created")) == []


def test_resubscribing_the_same_uri_returns_the_existing_subscription(
        conn: connection.Connection) -> None:
    first = create(conn, "dup", "same", ttl=600, options={"v": 1})
    # unconfirmed duplicate: 201 with the existing id; ttl and options unchanged (§7.1)
    again = create(conn, "dup", "same", ttl=1200, options={"v": 2})
    assert again == first
    [only] = conn.message.subscriptions("dup")
    assert (only.id, only.ttl, only.options) == (first, 600, {"v": 1})


def test_invalid_subscriptions_are_rejected(conn: connection.Connection) -> None:
    cases: list[tuple[dict[str, Any], str]] = [
        ({"subscriber": "ftp://example.net/x", "ttl": 600},
         "The subscriber type of subscription must be supported in the list"),
        ({"subscriber": hook("short"), "ttl": 30},
         "The TTL for a subscription must be at least 60 seconds long."),
        ({"subscriber": hook("opts"), "options": "x"}, "Options must be a dict."),
    ]
    for attrs, description in cases:
        with pytest.raises(exceptions.BadRequestException) as raised:
            conn.message.create_subscription("bad", **attrs)
        # the SDK only looks for a "message" member, so the text is in the response
        assert raised.value.response is not None
        assert raised.value.response.json()["description"].startswith(description), attrs
    assert list(conn.message.subscriptions("bad")) == []
