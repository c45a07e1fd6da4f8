"""Encrypted queues: bodies sealed at rest with AES-256-GCM, plaintext for clients.

Live servers on both stores whose files and databases the tests open directly,
to see what is stored.
"""

from __future__ import annotations

import json
import sqlite3
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from tests.live_server import UNRELIABLE, Api, LiveServer, start_server, stop_server
from zaqar_lite.core.encryption import SEALED, BodyCipher

KEY = "an operator's own key"


@pytest.fixture(scope="module", params=["sqlite", "mongodb"])
def sealed_server(request: pytest.FixtureRequest,
                  tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LiveServer, Any]]:
    """A server with its own key, and a reader of the bodies its store holds."""
    workdir = tmp_path_factory.mktemp(f"encrypt-{request.param}")
    env = {"ZAQAR_LITE_MESSAGE_ENCRYPTION_KEY": KEY}
    if request.param == "sqlite":
        path = workdir / "sealed.db"
        server = start_server("sqlite", f"sqlite:///{path}", workdir, env)

        def stored(queue: str) -> list[Any]:
            with sqlite3.connect(path) as conn:
                rows = conn.execute("SELECT body FROM messages WHERE queue = ? ORDER BY marker",
                                    (queue,)).fetchall()
            return [json.loads(row[0]) for row in rows]
    else:
        from pymongo import MongoClient

        uri = request.getfixturevalue("mongodb_uri")
        database = f"zaqar_lite_sealed_{uuid.uuid4().hex[:8]}"
        server = start_server("mongodb", uri, workdir,
                              {**env, **UNRELIABLE, "ZAQAR_LITE_MONGODB_DATABASE": database})
        client: MongoClient[dict[str, Any]] = MongoClient(uri)

        def stored(queue: str) -> list[Any]:
            docs = client[database]["messages"].find({"q": queue}).sort("k", 1)
            return [json.loads(doc["b"]) for doc in docs]
    yield server, stored
    stop_server(server)


@pytest.fixture
def api(sealed_server: tuple[LiveServer, Any]) -> Iterator[Api]:
    client = Api(sealed_server[0].url, f"project-{uuid.uuid4().hex[:8]}", str(uuid.uuid4()))
    yield client
    client.session.close()


BODIES = [{"card": "4111 1111 1111 1111"}, "plain text", 42, None, ["a", {"b": "Ω"}]]


def test_bodies_are_sealed_at_rest_and_plain_to_clients(api: Api, sealed_server) -> None:
    _, stored = sealed_server
    queue = f"vault-{uuid.uuid4().hex[:6]}"
    assert api.put(f"/v2/queues/{queue}", json={"_enable_encrypt_messages": True}
                   ).status_code == 201
    posted = api.post(f"/v2/queues/{queue}/messages",
                      json={"messages": [{"body": body} for body in BODIES]})
    assert posted.status_code == 201
    at_rest = stored(queue)
    assert len(at_rest) == len(BODIES)
    assert all(set(body) == {SEALED} for body in at_rest)
    assert "4111" not in json.dumps(at_rest)
    listed = api.get(f"/v2/queues/{queue}/messages?echo=true&limit=10").json()["messages"]
    assert [message["body"] for message in listed] == BODIES
    ids = [message["id"] for message in listed]
    assert api.get(f"/v2/queues/{queue}/messages/{ids[0]}").json()["body"] == BODIES[0]
    many = api.get(f"/v2/queues/{queue}/messages?ids={','.join(ids[:2])}").json()["messages"]
    assert sorted(json.dumps(m["body"]) for m in many) == sorted(
        json.dumps(body) for body in BODIES[:2])
    claim = api.post(f"/v2/queues/{queue}/claims?limit=2", json={"ttl": 60, "grace": 60})
    assert [m["body"] for m in claim.json()["messages"]] == BODIES[:2]
    again = api.get(claim.headers["Location"]).json()["messages"]
    assert [m["body"] for m in again] == BODIES[:2]
    popped = api.delete(f"/v2/queues/{queue}/messages?pop=3").json()["messages"]
    assert [m["body"] for m in popped] == BODIES[2:]


def test_other_queues_are_stored_as_posted(api: Api, sealed_server) -> None:
    _, stored = sealed_server
    queue = f"open-{uuid.uuid4().hex[:6]}"
    api.post(f"/v2/queues/{queue}/messages", json={"messages": [{"body": {SEALED: "v1:x"}}]})
    assert stored(queue) == [{SEALED: "v1:x"}]
    listed = api.get(f"/v2/queues/{queue}/messages?echo=true").json()["messages"]
    assert listed[0]["body"] == {SEALED: "v1:x"}, "a body that only looks sealed stays as is"


def test_turning_encryption_off_keeps_old_messages_readable(api: Api) -> None:
    queue = f"flip-{uuid.uuid4().hex[:6]}"
    api.put(f"/v2/queues/{queue}", json={"_enable_encrypt_messages": True})
    api.post(f"/v2/queues/{queue}/messages", json={"messages": [{"body": "sealed"}]})
    api.patch(f"/v2/queues/{queue}",
              headers={"Content-Type": "application/openstack-messaging-v2.0-json-patch"},
              json=[{"op": "replace", "path": "/metadata/_enable_encrypt_messages",
                     "value": False}])
    api.post(f"/v2/queues/{queue}/messages", json={"messages": [{"body": "open"}]})
    listed = api.get(f"/v2/queues/{queue}/messages?echo=true").json()["messages"]
    assert [m["body"] for m in listed] == ["sealed", "open"]


def test_cipher_round_trip_and_tampering() -> None:
    cipher = BodyCipher(KEY)
    sealed = cipher.seal({"x": [1, "Ω"]})
    assert cipher.open(sealed) == {"x": [1, "Ω"]}
    assert cipher.seal("same") != cipher.seal("same"), "a fresh nonce each time"
    text = sealed[SEALED]
    flipped = {SEALED: text[:-2] + ("A" if text[-2] != "A" else "B") + text[-1]}
    assert cipher.open(flipped) == flipped
    assert BodyCipher("another key").open(sealed) == sealed
    assert cipher.open({SEALED: "v2:zzz"}) == {SEALED: "v2:zzz"}
