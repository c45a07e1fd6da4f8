"""Scenarios for python-zaqarclient 3.0.1, the last release with v1 and v1.1 clients.

Run by ``test_zaqarclient_legacy.py`` with the Python of a virtualenv of its own
(the 4.x client in the test environment has no v1/v1.1):

    python legacy_zaqarclient.py URL VERSION PROJECT SCENARIO

Each scenario drives the real client against the live server and asserts what
it reads back; the process exits non-zero with a traceback on any failure.
"""

from __future__ import annotations

import sys
import uuid
from collections.abc import Callable
from typing import Any

from zaqarclient import errors as client_errors
from zaqarclient.queues import client as zaqar
from zaqarclient.transport import errors

SCENARIOS: dict[str, Callable[[Any, float], None]] = {}


def scenario(func: Callable[[Any, float], None]) -> Callable[[Any, float], None]:
    SCENARIOS[func.__name__] = func
    return func


def fresh_queue(client: Any, version: float) -> Any:
    name = f"legacy-{uuid.uuid4().hex[:10]}"
    return client.queue(name, force_create=True) if version >= 1.1 else client.queue(name)


def bodies(messages: Any) -> list[Any]:
    return [message.body for message in messages]


@scenario
def queues(client: Any, version: float) -> None:
    queue = fresh_queue(client, version)
    names = [q.name for q in client.queues()]
    assert queue.name in names, names
    if version < 1.1:
        assert queue.exists() is True
        assert client.queue("never-made", auto_create=False).exists() is False
        assert queue.metadata(force_reload=True) == {}
        queue.metadata(new_meta={"owner": "ops", "retention": {"days": 3}})
        assert queue.metadata(force_reload=True) == {"owner": "ops", "retention": {"days": 3}}
        queue.metadata(new_meta={"owner": "billing"})
        assert queue.metadata(force_reload=True) == {"owner": "billing"}
    else:
        try:
            queue.exists()
        except client_errors.InvalidOperation:
            pass
        else:
            raise AssertionError("v1.1 exists() should be refused by the client")
        assert queue.metadata(force_reload=True) == {}
    assert queue.stats["messages"] == {"claimed": 0, "free": 0, "total": 0}
    queue.delete()
    assert queue.name not in [q.name for q in client.queues()]
    if version < 1.1:
        assert queue.exists() is False
    assert client.health() is True


@scenario
def messages(client: Any, version: float) -> None:
    queue = fresh_queue(client, version)
    posted = queue.post([{"ttl": 300, "body": {"n": n}} for n in range(15)])
    assert len(posted["resources"]) == 15
    if version < 1.1:
        assert posted["partial"] is False
    ids = [href.rsplit("/", 1)[1] for href in posted["resources"]]
    assert bodies(queue.messages()) == []  # own messages need echo
    listed = list(queue.messages(echo=True, limit=5).stream())
    assert bodies(listed) == [{"n": n} for n in range(15)]
    assert [message._id for message in listed] == ids  # the client keeps ids private
    assert all(message.ttl == 300 and message.age >= 0 for message in listed)
    peer = zaqar.Client(client.api_url, version=version, conf=client.conf | {
        "client_uuid": uuid.uuid4().hex})
    assert len(list(peer.queue(queue.name, auto_create=False).messages())) == 10
    some = queue.messages(ids[0], ids[3])
    assert sorted(message.body["n"] for message in some) == [0, 3]
    one = queue.message(ids[4])
    assert one.body == {"n": 4} and one._id == ids[4]
    one.delete()
    try:
        queue.message(ids[4])
    except errors.ResourceNotFound:
        pass
    else:
        raise AssertionError("a deleted message should be 404")
    queue.delete_messages(*ids[:3])
    stats = queue.stats["messages"]
    assert (stats["total"], stats["free"]) == (11, 11), stats
    if version >= 1.1:
        popped = list(queue.pop(count=2))
        assert len(popped) == 2 and all(message.claim_count == 0 for message in popped)
        assert queue.stats["messages"]["total"] == 9
    else:
        try:
            queue.pop(count=2)
        except errors.MalformedRequest:
            pass
        else:
            raise AssertionError("v1 has no pop")
    queue.delete()


@scenario
def claims(client: Any, version: float) -> None:
    queue = fresh_queue(client, version)
    queue.post([{"ttl": 300, "body": {"n": n}} for n in range(4)])
    claim = queue.claim(ttl=120, grace=60, limit=3)
    assert claim.id is not None
    claimed = list(claim)
    assert bodies(claimed) == [{"n": 0}, {"n": 1}, {"n": 2}]
    assert all(message.claim_id == claim.id for message in claimed)
    again = queue.claim(id=claim.id)
    assert again.ttl == 120 and again.age >= 0
    assert bodies(again) == bodies(claimed)
    assert queue.stats["messages"]["claimed"] == 3
    claim.update(ttl=300, grace=60)
    assert queue.claim(id=claim.id).ttl == 300
    claimed[0].delete()  # with its claim id, parsed from the href
    claim.delete()
    stats = queue.stats["messages"]
    assert (stats["claimed"], stats["free"], stats["total"]) == (0, 3, 3), stats
    rest = queue.claim(ttl=60, grace=60, limit=10)
    assert len(list(rest)) == 3
    empty = queue.claim(ttl=60, grace=60)
    assert empty.id is None and list(empty) == []
    queue.delete()


def main(url: str, version: str, project: str, name: str) -> None:
    number = 1.1 if version == "1.1" else 1
    client = zaqar.Client(url, version=number, conf={
        "auth_opts": {"backend": "noauth", "options": {"os_project_id": project}}})
    SCENARIOS[name](client, number)
    print("ok")


if __name__ == "__main__":
    main(*sys.argv[1:])
