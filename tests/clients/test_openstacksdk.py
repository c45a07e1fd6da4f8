"""openstacksdk's message v2 proxy (``conn.message``) against the live server.

Covers every queue, message and claim operation of the SDK's "Message API v2"
page: create/get/list/delete queue, post/list/get/delete message (with and
without claim), create/get/update/delete claim, including the SDK's own
pagination algorithm (``limit`` = size of the page just received, ``marker`` =
id of its last item; ``links`` ignored).
"""

from __future__ import annotations

from importlib import metadata
from typing import Any

import pytest
from openstack import exceptions
from openstack.message.v2 import claim as sdk_claim

SDK_VERSION = metadata.version("openstacksdk")

pytestmark = pytest.mark.filterwarnings(
    "ignore::openstack.warnings.RemovedInSDK50Warning")


def create_claim(conn: Any, queue_name: str, **attrs: Any) -> sdk_claim.Claim:
    """Work around ``conn.message.create_claim()`` of openstacksdk 4.22.0.

    SDK bug: ``MessageResource`` declares ``location = Header("location")``,
    which shadows the generic ``Resource.location`` (a Munch describing
    cloud/project). ``Resource._translate_response()`` ends with
    ``_update_location()``, which - whenever the resource has a
    ``_connection`` (the proxy always passes one) - overwrites ``location``
    with that Munch. ``Claim._translate_response()`` then runs
    ``self.location.split("claims/")`` on the Munch -> ``AttributeError:
    split`` on every success other than 204, whatever ``Location`` says.
    A Claim built without a connection keeps the real header, so the same
    request through ``Claim.create(conn.message)`` works.
    """
    return sdk_claim.Claim.new(queue_name=queue_name, **attrs).create(conn.message)


def post(conn: Any, queue: str, bodies: list[Any], ttl: int = 300) -> list[str]:
    """Post messages through the SDK; return their ids in request order."""
    resources = conn.message.post_message(queue, [{"body": b, "ttl": ttl} for b in bodies])
    assert len(resources) == len(bodies)
    for href in resources:
        assert href.startswith(f"/v2/queues/{queue}/messages/")
    return [href.rsplit("/", 1)[-1] for href in resources]


def message_ids(conn: Any, queue: str, **query: Any) -> list[str]:
    return [m.id for m in conn.message.messages(queue, **query)]


# --- discovery ------------------------------------------------------------------


def test_version_discovery_finds_v2_root(conn, server):
    assert conn.message.get_endpoint() == server.url + "/v2/"


# --- queues ---------------------------------------------------------------------


def test_create_and_get_queue_round_trip_attributes(conn, raw):
    created = conn.message.create_queue(
        name="orders", default_message_ttl=300, max_messages_post_size=1024,
        description="customer orders")
    assert created.name == "orders"

    queue = conn.message.get_queue("orders")
    assert queue.id == "orders"
    assert queue.default_message_ttl == 300
    assert queue.max_messages_post_size == 1024
    assert queue.description == "customer orders"

    stored = raw.get("/v2/queues/orders").json()
    assert stored["_default_message_ttl"] == 300
    assert stored["_max_messages_post_size"] == 1024
    assert stored["description"] == "customer orders"
    assert [q.name for q in conn.message.queues()] == ["orders"]

    # the queue's default TTL really applies to messages posted without one
    conn.message.post_message("orders", [{"body": {"n": 1}}])
    [msg] = conn.message.messages("orders")
    assert msg.ttl == 300


def test_queue_listing_pages_return_every_queue_exactly_once(conn):
    names = [f"q-{i:02d}" for i in range(24)]
    for name in reversed(names):
        conn.message.create_queue(name=name)

    # default page (10): 10, 10, 4; limit 4 divides 24 exactly (ends on an empty
    # page); limit 5 ends on a short page; 20 is the server maximum.
    for query in ({}, {"limit": 4}, {"limit": 5}, {"limit": 20}):
        listed = [q.name for q in conn.message.queues(**query)]
        assert listed == names, query


def test_delete_queue_removes_it_and_its_messages(conn, raw):
    conn.message.create_queue(name="doomed")
    conn.message.create_queue(name="kept")
    post(conn, "doomed", [{"a": 1}, {"a": 2}])

    conn.message.delete_queue("doomed")
    assert [q.name for q in conn.message.queues()] == ["kept"]
    assert message_ids(conn, "doomed", include_claimed=True) == []
    assert raw.get("/v2/queues/doomed/stats").json()["messages"]["total"] == 0

    conn.message.delete_queue("doomed")  # already gone: no error
    conn.message.delete_queue(conn.message.get_queue("kept"))  # by instance
    assert list(conn.message.queues()) == []


# --- messages -------------------------------------------------------------------


BODIES = [
    {"event": "BackupStarted", "id": "c378813c", "nested": {"list": [1, 2.5, None, True]}},
    ["a", "list", "body"],
    "plain string \u00e9\u4e2d",
    12345,
]


def test_post_list_and_get_messages_round_trip(conn):
    conn.message.create_queue(name="events")
    ids = post(conn, "events", BODIES, ttl=600)
    assert len(set(ids)) == len(BODIES)

    listed = list(conn.message.messages("events"))
    assert [m.id for m in listed] == ids  # FIFO
    assert [m.body for m in listed] == BODIES
    for m in listed:
        assert m.ttl == 600
        assert m.age >= 0
        assert m.href == f"/v2/queues/events/messages/{m.id}"

    for mid, body in zip(ids, BODIES, strict=True):
        got = conn.message.get_message("events", mid)
        assert got.id == mid
        assert got.body == body
        assert got.ttl == 600

    with pytest.raises(exceptions.NotFoundException):
        conn.message.get_message("events", "0" * 24)


def test_post_to_missing_queue_creates_it(conn):
    [mid] = post(conn, "implicit", [{"x": 1}])
    assert [q.name for q in conn.message.queues()] == ["implicit"]
    assert conn.message.get_message("implicit", mid).body == {"x": 1}


def test_message_listing_pages_return_every_message_exactly_once(conn):
    conn.message.create_queue(name="bulk")
    ids = post(conn, "bulk", [{"n": i} for i in range(15)])
    ids += post(conn, "bulk", [{"n": i} for i in range(15, 25)])

    # SDK paging sends the last message *id* as marker (the server accepts it).
    for query in ({}, {"limit": 5}, {"limit": 7}, {"limit": 20}):
        listed = list(conn.message.messages("bulk", **query))
        assert [m.id for m in listed] == ids, query
        assert [m.body for m in listed] == [{"n": i} for i in range(25)]


def test_delete_message(conn):
    conn.message.create_queue(name="work")
    first, second, third = post(conn, "work", [1, 2, 3])

    conn.message.delete_message("work", second)
    with pytest.raises(exceptions.NotFoundException):
        conn.message.get_message("work", second)
    assert message_ids(conn, "work") == [first, third]

    conn.message.delete_message("work", conn.message.get_message("work", first))
    assert message_ids(conn, "work") == [third]
    conn.message.delete_message("work", second)  # already gone: no error


# --- claims ---------------------------------------------------------------------


def test_claim_lifecycle(conn, raw):
    conn.message.create_queue(name="jobs")
    bodies = [{"job": i} for i in range(5)]
    ids = post(conn, "jobs", bodies)

    claim = create_claim(conn, "jobs", ttl=120, grace=60, limit=3)
    assert claim.id
    # `limit` travels in the body; zaqar-lite honours it (decisions.md)
    assert [m["id"] for m in claim.messages] == ids[:3]
    assert [m["body"] for m in claim.messages] == bodies[:3]
    for m in claim.messages:
        assert m["href"].endswith(f"?claim_id={claim.id}")
    stats = raw.get("/v2/queues/jobs/stats").json()["messages"]
    assert (stats["claimed"], stats["free"], stats["total"]) == (3, 2, 5)

    fetched = conn.message.get_claim("jobs", claim.id)
    assert fetched.id == claim.id
    assert fetched.ttl == 120
    assert fetched.age >= 0
    assert sorted(m["id"] for m in fetched.messages) == sorted(ids[:3])

    # claimed messages are hidden from listings unless include_claimed
    assert message_ids(conn, "jobs") == ids[3:]
    assert message_ids(conn, "jobs", include_claimed=True) == ids
    assert message_ids(conn, "jobs", echo=True, include_claimed=True, limit=2) == ids

    # a second claim only gets what is still free
    rest = create_claim(conn, "jobs", ttl=60, grace=60)
    assert [m["id"] for m in rest.messages] == ids[3:]
    assert rest.id != claim.id

    # nothing free: 204, which the proxy's create_claim handles (no id, no messages)
    empty = conn.message.create_claim("jobs", ttl=60, grace=60)
    assert empty.id is None
    assert not empty.messages

    # renew, by Claim instance and by id string (the latter also sends "id" in the body)
    conn.message.update_claim("jobs", fetched, ttl=600)
    assert conn.message.get_claim("jobs", claim.id).ttl == 600
    conn.message.update_claim("jobs", claim.id, ttl=900, grace=30)
    assert conn.message.get_claim("jobs", claim.id).ttl == 900

    # a claimed message cannot be deleted without its claim ...
    with pytest.raises(exceptions.ForbiddenException):
        conn.message.delete_message("jobs", ids[0])
    with pytest.raises(exceptions.ForbiddenException):
        conn.message.delete_message("jobs", ids[0], claim=rest.id)
    assert conn.message.get_message("jobs", ids[0]).body == bodies[0]
    # ... but can with it (Claim instance or id)
    conn.message.delete_message("jobs", ids[0], claim=claim)
    conn.message.delete_message("jobs", ids[1], claim=claim.id)
    for mid in ids[:2]:
        with pytest.raises(exceptions.NotFoundException):
            conn.message.get_message("jobs", mid)
    assert [m["id"] for m in conn.message.get_claim("jobs", claim.id).messages] == [ids[2]]

    # release: the claim is gone and its messages are free again
    conn.message.delete_claim("jobs", rest)
    with pytest.raises(exceptions.NotFoundException):
        conn.message.get_claim("jobs", rest.id)
    assert message_ids(conn, "jobs") == ids[3:]
    again = create_claim(conn, "jobs", ttl=60, grace=60, limit=20)
    assert [m["id"] for m in again.messages] == ids[3:]

    conn.message.delete_claim("jobs", claim.id)
    conn.message.delete_claim("jobs", claim.id)  # already released: no error
    assert message_ids(conn, "jobs") == [ids[2]]


def test_claim_on_empty_or_missing_queue_claims_nothing(conn):
    conn.message.create_queue(name="idle")
    for queue in ("idle", "never-created"):
        claim = conn.message.create_claim(queue, ttl=60, grace=60)
        assert claim.id is None
        assert not claim.messages
    with pytest.raises(exceptions.NotFoundException):
        conn.message.get_claim("idle", "0" * 24)


@pytest.mark.xfail(
    raises=AttributeError,
    reason=f"openstacksdk bug (seen in 4.22.0; installed: {SDK_VERSION}): the proxy's "
           "Claim has a connection, so _update_location() replaces the Location header "
           "attribute with a Munch and Claim._translate_response() fails on "
           "location.split('claims/')")
def test_proxy_create_claim(conn):
    """The proxy call itself; an XPASS means the SDK fixed the bug (see create_claim)."""
    conn.message.create_queue(name="proxy")
    ids = post(conn, "proxy", [{"n": 1}, {"n": 2}])
    claim = conn.message.create_claim("proxy", ttl=60, grace=60, limit=1)
    assert claim.id
    assert [m["id"] for m in claim.messages] == ids[:1]
