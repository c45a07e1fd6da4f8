"""python-zaqarclient's v2 subscriptions against the live server.

``Client.subscription(queue, subscriber=, ttl=, options=)`` (POST, then GET of
the new id), ``Client.subscription(queue, id=)`` (GET), ``Subscription.update``
(PATCH), ``Subscription.delete`` (DELETE), and the listings
``Client.subscriptions(queue, **params)`` and ``Queue.subscriptions()`` (which
sends ``detailed=False&limit=20``; every item must carry ``source``,
``subscriber``, ``ttl``, ``id``, ``age`` and ``confirmed``).

No messages are posted to these queues, so no notification is ever sent; the
subscriber URIs point at the discard port of the loopback interface anyway.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from zaqarclient.queues.v2 import client as zaqar_v2
from zaqarclient.queues.v2 import subscription as zsubscription
from zaqarclient.transport import errors

from tests.live_server import Api

ID = re.compile(r"^[0-9a-f]{24}$")


def hook(name: str) -> str:
    return f"http://127.0.0.1:9/hooks/{name}"


def fields(sub: zsubscription.Subscription) -> dict[str, Any]:
    return {"id": sub.id, "queue": sub.queue_name, "subscriber": sub.subscriber,
            "ttl": sub.ttl, "options": sub.options, "confirmed": sub.confirmed}


def test_subscription_create_get_update_delete(zaqar: zaqar_v2.Client, raw: Api) -> None:
    options = {"post_headers": {"X-Token": "abc"}}
    sub = zaqar.subscription("alerts", subscriber=hook("a"), ttl=900, options=options)
    assert ID.match(sub.id)
    # the attributes come from the GET the client does right after the POST
    assert fields(sub) == {"id": sub.id, "queue": "alerts", "subscriber": hook("a"),
                           "ttl": 900, "options": options, "confirmed": False}
    assert sub.age >= 0
    path = f"/v2/queues/alerts/subscriptions/{sub.id}"
    stored = raw.get(path).json()
    assert (stored["source"], stored["subscriber"], stored["ttl"], stored["options"]) == (
        "alerts", hook("a"), 900, options)

    fetched = zaqar.subscription("alerts", id=sub.id)
    assert fields(fetched) == fields(sub)

    # update: PATCH with just the given members; the client copies them locally
    sub.update({"ttl": 1800, "options": {"post_data": "$zaqar_message$"}})
    assert (sub.ttl, sub.options, sub.subscriber) == (
        1800, {"post_data": "$zaqar_message$"}, hook("a"))
    stored = raw.get(path).json()
    assert (stored["ttl"], stored["options"], stored["subscriber"]) == (
        1800, {"post_data": "$zaqar_message$"}, hook("a"))
    sub.update({"subscriber": hook("b")})
    reread = zaqar.subscription("alerts", id=sub.id)
    assert (reread.subscriber, reread.ttl, reread.options) == (
        hook("b"), 1800, {"post_data": "$zaqar_message$"})

    # invalid updates are refused (400 -> MalformedRequest) and change nothing
    with pytest.raises(errors.MalformedRequest, match="at least 60 seconds"):
        sub.update({"ttl": 10})
    with pytest.raises(errors.MalformedRequest, match="subscriber type"):
        sub.update({"subscriber": "gopher://example.net"})
    assert raw.get(path).json()["ttl"] == 1800

    sub.delete()
    with pytest.raises(errors.ResourceNotFound):
        zaqar.subscription("alerts", id=sub.id)
    assert list(zaqar.subscriptions("alerts")) == []
    assert raw.get(path).status_code == 404
    sub.delete()  # already gone: 204, no error
    with pytest.raises(errors.ResourceNotFound):
        sub.update({"ttl": 600})  # PATCH of an unknown id: 404


def test_subscription_listings(zaqar: zaqar_v2.Client, raw: Api) -> None:
    created = {}
    for i in range(23):
        sub = zaqar.subscription("fanout", subscriber=hook(f"h{i:02d}"), ttl=60 + i)
        created[sub.id] = i
    # Listings are ordered by id (spec §7.2). Ids of subscriptions created within the
    # same second by different server worker processes do not follow creation order,
    # so the expected order is the sorted ids, not the order of the create calls.
    ids = sorted(created)

    # Client.subscriptions: one page (server default 10) unless streamed
    assert [s.id for s in zaqar.subscriptions("fanout")] == ids[:10]
    streamed = list(zaqar.subscriptions("fanout").stream())
    assert [s.id for s in streamed] == ids
    for s in streamed:
        i = created[s.id]
        assert fields(s) == {"id": s.id, "queue": "fanout", "subscriber": hook(f"h{i:02d}"),
                             "ttl": 60 + i, "options": {}, "confirmed": False}
        assert s.age >= 0
    assert [s.id for s in zaqar.subscriptions("fanout", limit=7).stream()] == ids
    assert [s.id for s in zaqar.subscriptions("fanout", marker=ids[19])] == ids[20:]

    # Queue.subscriptions sends detailed=False&limit=20
    queue = zaqar.queue("fanout")
    assert [s.id for s in queue.subscriptions()] == ids[:20]
    assert [s.id for s in queue.subscriptions().stream()] == ids
    assert [s.id for s in queue.subscriptions(limit=5).stream()] == ids

    assert list(zaqar.subscriptions("never-created").stream()) == []
    assert len(raw.get("/v2/queues/fanout/subscriptions", params={"limit": 20}).json()[
        "subscriptions"]) == 20


def test_resubscribing_the_same_uri_returns_the_existing_subscription(
        zaqar: zaqar_v2.Client) -> None:
    first = zaqar.subscription("dup", subscriber=hook("same"), ttl=600, options={"v": 1})
    again = zaqar.subscription("dup", subscriber=hook("same"), ttl=1200, options={"v": 2})
    # unconfirmed duplicate: the existing id, ttl and options unchanged (spec §7.1)
    assert again.id == first.id
    assert (again.ttl, again.options) == (600, {"v": 1})
    assert [s.id for s in zaqar.queue("dup").subscriptions()] == [first.id]


def test_invalid_subscription_is_rejected(zaqar: zaqar_v2.Client) -> None:
    with pytest.raises(errors.MalformedRequest, match="subscriber type"):
        zaqar.subscription("bad", subscriber="ftp://example.net/x", ttl=600)
    with pytest.raises(errors.MalformedRequest, match="TTL must be an integer"):
        zaqar.subscription("bad", subscriber=hook("x"), ttl="600")
    assert list(zaqar.subscriptions("bad")) == []
