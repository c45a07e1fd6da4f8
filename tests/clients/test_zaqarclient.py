"""python-zaqarclient's v2 API (``zaqarclient.queues.v2``) against the live server.

Queues (create, list with paging and count, metadata get/set, stats, delete),
messages (post, list with echo/paging, get, get by ids, bulk delete, pop,
delete with claim), claims (create, get, update, delete), homedoc, ping, health.

The client sends one fixed ``Client-ID`` per Client object, so - unlike the
SDK - ``echo`` matters: a client does not see its own messages unless it asks.
"""

from __future__ import annotations

from typing import Any

import pytest
from zaqarclient.queues.v2 import message as zmessage
from zaqarclient.transport import errors


def post(queue: Any, bodies: list[Any], ttl: int = 300) -> list[str]:
    """Post through the client; return the new ids in request order."""
    result = queue.post([{"body": b, "ttl": ttl} for b in bodies])
    resources = result["resources"]
    assert len(resources) == len(bodies)
    return [href.rsplit("/", 1)[-1] for href in resources]


def listed_ids(queue: Any, **params: Any) -> list[str]:
    return [m.id for m in queue.messages(**params).stream()]


def queue_names(client: Any, **params: Any) -> list[str]:
    queues, _ = client.queues(**params)
    return [q.name for q in queues.stream()]


# --- service documents ------------------------------------------------------------


def test_ping_health_and_homedoc(zaqar):
    assert zaqar.ping() is True  # the client turns any error into False

    health = zaqar.health()
    assert health["storage_reachable"] is True
    assert all(step["succeeded"] for step in health["operation_status"].values())
    assert set(health["message_volume"]) == {"free", "claimed", "total"}

    home = zaqar.homedoc()
    resources = home["resources"]
    assert resources["rel/queues"]["href-template"].startswith("/v2/queues")
    assert resources["rel/post_claim"]["hints"]["allow"] == ["POST"]
    assert "rel/ping" in resources


# --- queues -------------------------------------------------------------------


def test_queue_create_list_and_delete(zaqar, raw):
    names = [f"zq-{i:02d}" for i in range(13)]
    for name in reversed(names):
        queue = zaqar.queue(name, force_create=True)
        assert queue.name == name
    assert raw.get("/v2/queues", params={"limit": 20}).json()["queues"][0]["name"] == "zq-00"

    # streaming follows the server's `next` links across pages
    assert queue_names(zaqar) == names
    assert queue_names(zaqar, limit=4) == names
    first_page, count = zaqar.queues(limit=5, with_count=True)
    assert count == 13
    assert [q.name for q in first_page] == names[:5]  # not streamed: one page only
    detailed, _ = zaqar.queues(detailed=True, limit=1)
    [only] = list(detailed)
    assert only.name == "zq-00"

    zaqar.queue("zq-03").delete()
    zaqar.queue("zq-07").delete()
    assert queue_names(zaqar, limit=5) == [n for n in names if n not in ("zq-03", "zq-07")]
    zaqar.queue("zq-03").delete()  # already gone: no error


def test_queue_metadata_get_and_set(zaqar, raw):
    queue = zaqar.queue("meta", force_create=True)
    meta = queue.metadata(force_reload=True)
    assert meta["_default_message_ttl"] == 3600  # reserved defaults are filled in
    assert meta["_max_messages_post_size"] == 262144

    # set: GET, then a JSON-patch PATCH (add/replace, remove for keys not given -
    # including the reserved ones, which must be a no-op)
    updated = queue.metadata(new_meta={"description": "first", "owner": "team-a",
                                       "_default_message_ttl": 120})
    assert updated["description"] == "first"
    assert updated["owner"] == "team-a"
    assert updated["_default_message_ttl"] == 120
    stored = raw.get("/v2/queues/meta").json()
    assert (stored["description"], stored["owner"], stored["_default_message_ttl"]) == (
        "first", "team-a", 120)

    # messages posted without a TTL now get the queue's default
    queue.post({"body": "no ttl given"})
    [msg] = queue.messages(echo=True)
    assert msg.ttl == 120

    updated = queue.metadata(new_meta={"owner": "team-b", "tags": ["x", "y"]})
    assert updated["owner"] == "team-b"
    assert updated["tags"] == ["x", "y"]
    assert "description" not in updated
    assert updated["_default_message_ttl"] == 3600  # removed -> default again
    reread = zaqar.queue("meta").metadata(force_reload=True)
    assert reread == updated


def test_queue_stats(zaqar):
    queue = zaqar.queue("stats", force_create=True)
    assert queue.stats["messages"] == {"claimed": 0, "free": 0, "total": 0}

    ids = post(queue, [{"n": i} for i in range(4)])
    queue.claim(ttl=60, grace=60, limit=1)
    stats = queue.stats["messages"]
    assert (stats["claimed"], stats["free"], stats["total"]) == (1, 3, 4)
    assert stats["oldest"]["href"] == f"/v2/queues/stats/messages/{ids[0]}"
    assert stats["newest"]["href"] == f"/v2/queues/stats/messages/{ids[-1]}"


def test_queue_delete_drops_its_messages(zaqar):
    queue = zaqar.queue("gone", force_create=True)
    post(queue, [1, 2, 3])
    queue.delete()
    assert queue_names(zaqar) == []
    assert listed_ids(queue, echo=True, include_claimed=True) == []
    assert queue.stats["messages"]["total"] == 0


# --- messages -----------------------------------------------------------------


BODIES = [
    {"event": "BackupStarted", "nested": {"list": [1, 2.5, None, True]}},
    ["a", "list"],
    "plain string \u00e9\u4e2d",
    42,
]


def test_post_list_and_get_messages(zaqar, zaqar_peer):
    queue = zaqar.queue("events", force_create=True)
    ids = post(queue, BODIES, ttl=600)
    assert len(set(ids)) == len(BODIES)

    # echo=False (default) hides the caller's own messages, not a peer's
    assert listed_ids(queue) == []
    mine = list(queue.messages(echo=True))
    assert [m.id for m in mine] == ids
    assert [m.body for m in mine] == BODIES
    assert all(m.ttl == 600 and m.age >= 0 for m in mine)
    peer_queue = zaqar_peer.queue("events")
    assert [m.body for m in peer_queue.messages()] == BODIES

    for mid, body in zip(ids, BODIES, strict=True):
        got = queue.message(mid)
        assert (got.id, got.body, got.ttl) == (mid, body, 600)
        assert got.href == f"/v2/queues/events/messages/{mid}"
    with pytest.raises(errors.ResourceNotFound):
        queue.message("0" * 24)


def test_message_listing_streams_every_page_exactly_once(zaqar):
    queue = zaqar.queue("bulk", force_create=True)
    ids = post(queue, [{"n": i} for i in range(25)])
    for params in ({}, {"limit": 5}, {"limit": 7}, {"limit": 20}):
        streamed = list(queue.messages(echo=True, **params).stream())
        assert [m.id for m in streamed] == ids, params
        assert [m.body for m in streamed] == [{"n": i} for i in range(25)]
    first_page = list(queue.messages(echo=True, limit=7))  # not streamed: one page
    assert [m.id for m in first_page] == ids[:7]


def test_get_many_and_delete_many_by_ids(zaqar):
    queue = zaqar.queue("byids", force_create=True)
    bodies = [{"n": i} for i in range(6)]
    ids = post(queue, bodies)

    got = list(queue.messages(ids[0], ids[2], ids[5]))  # ?ids=a&ids=b&ids=c
    assert sorted((m.id, m.body["n"]) for m in got) == [(ids[0], 0), (ids[2], 2), (ids[5], 5)]

    queue.delete_messages(ids[0], ids[2], ids[5])
    with pytest.raises(errors.ResourceNotFound):
        list(queue.messages(ids[0], ids[2], ids[5]))
    assert listed_ids(queue, echo=True) == [ids[1], ids[3], ids[4]]
    # unknown ids mixed in are ignored; the known ones still go
    queue.delete_messages(ids[1], "0" * 24)
    assert listed_ids(queue, echo=True) == [ids[3], ids[4]]


def test_pop(zaqar):
    queue = zaqar.queue("pop", force_create=True)
    bodies = [{"n": i} for i in range(5)]
    ids = post(queue, bodies)
    queue.claim(ttl=60, grace=60, limit=1)  # claimed messages are never popped

    popped = list(queue.pop(3))
    assert len(popped) == 3
    assert {m.id for m in popped} <= set(ids[1:])
    for m in popped:
        assert m.body == bodies[ids.index(m.id)]
    remaining = listed_ids(queue, echo=True, include_claimed=True)
    assert sorted(remaining + [m.id for m in popped]) == sorted(ids)
    assert ids[0] in remaining

    rest = list(queue.pop(20))
    assert [m.id for m in rest] == [i for i in remaining if i != ids[0]]
    assert list(queue.pop(1)) == []
    assert listed_ids(queue, echo=True, include_claimed=True) == [ids[0]]


# --- claims -------------------------------------------------------------------


def test_claim_lifecycle(zaqar):
    queue = zaqar.queue("jobs", force_create=True)
    bodies = [{"job": i} for i in range(5)]
    ids = post(queue, bodies)

    claim = queue.claim(ttl=120, grace=60, limit=2)  # limit goes in the query string
    assert claim.id
    claimed = list(claim)  # the messages of the create response
    assert [m.id for m in claimed] == ids[:2]
    assert [m.body for m in claimed] == bodies[:2]
    assert all(m.claim_id == claim.id for m in claimed)
    assert listed_ids(queue, echo=True) == ids[2:]
    assert listed_ids(queue, echo=True, include_claimed=True) == ids

    # get (a Claim with an id is fetched lazily)
    fetched = queue.claim(id=claim.id)
    assert fetched.ttl == 120
    assert fetched.age >= 0
    assert sorted(m.id for m in fetched) == sorted(ids[:2])

    # update
    claim.update(ttl=300, grace=60)
    assert queue.claim(id=claim.id).ttl == 300
    claim.update(ttl=600)
    assert queue.claim(id=claim.id).ttl == 600

    # a second claim only gets free messages
    other = queue.claim(ttl=60, grace=60, limit=20)
    assert [m.id for m in other] == ids[2:]
    assert other.id != claim.id
    nothing = queue.claim(ttl=60, grace=60)  # 204: nothing left to claim
    assert nothing.id is None
    assert list(nothing) == []

    # deleting a claimed message needs its claim
    bare = zmessage.Message(queue, ttl=300, age=0, body=None, id=ids[0],
                            href=f"/v2/queues/jobs/messages/{ids[0]}")
    with pytest.raises(errors.ForbiddenError):
        bare.delete()
    assert queue.message(ids[0]).body == bodies[0]
    claimed[0].delete()  # href carries ?claim_id=...
    with pytest.raises(errors.ResourceNotFound):
        queue.message(ids[0])
    # a message fetched by GET keeps its claim tag in href, so it deletes too
    fetched_msg = queue.message(ids[1])
    assert fetched_msg.claim_id == claim.id
    fetched_msg.delete()
    with pytest.raises(errors.ResourceNotFound):
        queue.message(ids[1])

    # the claim has no messages left -> it is gone
    with pytest.raises(errors.ResourceNotFound):
        _ = queue.claim(id=claim.id).ttl  # reading it fetches the claim

    # release: messages are free again
    other.delete()
    with pytest.raises(errors.ResourceNotFound):
        list(queue.claim(id=other.id))
    assert listed_ids(queue, echo=True) == ids[2:]
    again = queue.claim(ttl=60, grace=60, limit=1)
    assert [m.id for m in again] == ids[2:3]
    other.delete()  # already released: no error
