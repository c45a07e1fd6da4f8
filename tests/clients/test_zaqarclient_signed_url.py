"""python-zaqarclient's pre-signed URLs against the live server.

``Queue.signed_url(paths=, ttl_seconds=, methods=)`` (``POST …/share``) returns
the share document; a second client built with the ``signed-url`` auth backend
(``zaqarclient/auth/signed_url.py``: it sends ``URL-Signature``, ``URL-Expires``
and the comma-joined ``URL-Methods``/``URL-Paths``; ``project_id`` in the options
becomes ``X-Project-Id``) then works on that queue without any other credential.
Whatever the signature does not cover answers 404, which the client raises as
``ResourceNotFound``.
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
import re
from typing import Any

import pytest
from zaqarclient.queues.v2 import client as zaqar_v2
from zaqarclient.queues.v2 import core
from zaqarclient.transport import errors
from zaqarclient.transport import request as zrequest

from tests.live_server import SECRET_KEY, Api, LiveServer

EXPIRES = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$")


def signed_client(base_url: str, share: dict[str, Any], **override: Any) -> zaqar_v2.Client:
    """A zaqarclient that authenticates with ``share`` (a share response) only."""
    options = {"signature": share["signature"], "expires": share["expires"],
               "methods": share["methods"], "paths": share["paths"],
               "project_id": share["project"], **override}
    return zaqar_v2.Client(base_url, version=2,
                           conf={"auth_opts": {"backend": "signed-url", "options": options}})


def expected_signature(share: dict[str, Any]) -> str:
    """v2.md §4.8: HMAC-SHA256 over paths, methods, project, expires; the separator is
    the two characters backslash and n."""
    text = "\\n".join([",".join(sorted(share["paths"])), ",".join(sorted(share["methods"])),
                       share["project"], share["expires"]])
    return hmac.new(SECRET_KEY.encode(), text.encode(), hashlib.sha256).hexdigest()


def seconds_from_now(expires: str) -> float:
    moment = datetime.datetime.fromisoformat(expires).replace(tzinfo=datetime.UTC)
    return (moment - datetime.datetime.now(datetime.UTC)).total_seconds()


def post(queue: Any, bodies: list[Any]) -> list[str]:
    resources = queue.post([{"body": b, "ttl": 300} for b in bodies])["resources"]
    assert len(resources) == len(bodies)
    return [href.rsplit("/", 1)[-1] for href in resources]


def test_signed_url_client_reads_and_posts_messages(zaqar: zaqar_v2.Client, server: LiveServer,
                                                    project: str, raw: Api) -> None:
    queue = zaqar.queue("shared", force_create=True)
    [owned] = post(queue, [{"from": "owner"}])

    share = queue.signed_url(paths=["messages"], ttl_seconds=600, methods=["POST", "GET"])
    assert share["paths"] == ["/v2/queues/shared/messages"]
    assert share["methods"] == ["GET", "POST"]  # sorted
    assert share["project"] == project
    assert EXPIRES.match(share["expires"]), share["expires"]  # seconds, no zone
    assert 540 < seconds_from_now(share["expires"]) <= 600
    assert share["signature"] == expected_signature(share)

    shared = signed_client(server.url, share).queue("shared")
    # GET …/messages: the owner's message (the signed client has its own Client-ID)
    assert [(m.id, m.body) for m in shared.messages()] == [(owned, {"from": "owner"})]
    # POST …/messages
    [posted] = post(shared, [{"from": "guest"}])
    # GET …/messages/{id}: sub-paths of a signed path are covered
    assert shared.message(posted).body == {"from": "guest"}
    assert [m.body for m in queue.messages(echo=True)] == [{"from": "owner"},
                                                           {"from": "guest"}]
    assert raw.get("/v2/queues/shared/stats").json()["messages"]["total"] == 2

    # a method that is not signed: DELETE -> 404
    with pytest.raises(errors.ResourceNotFound):
        shared.message(posted).delete()
    with pytest.raises(errors.ResourceNotFound):
        shared.delete_messages(owned, posted)
    # paths that are not signed: claims, stats, the queue itself, other queues
    with pytest.raises(errors.ResourceNotFound):
        shared.claim(ttl=60, grace=60)
    with pytest.raises(errors.ResourceNotFound):
        _ = shared.stats
    with pytest.raises(errors.ResourceNotFound):
        shared.metadata(force_reload=True)
    with pytest.raises(errors.ResourceNotFound):
        list(signed_client(server.url, share).queue("elsewhere").messages())
    assert raw.get("/v2/queues/shared/stats").json()["messages"]["total"] == 2


def test_tampered_signed_url_is_refused(zaqar: zaqar_v2.Client, server: LiveServer) -> None:
    queue = zaqar.queue("guarded", force_create=True)
    post(queue, [1])
    share = queue.signed_url(paths=["messages"], ttl_seconds=600, methods=["GET"])
    assert [m.body for m in signed_client(server.url, share).queue("guarded").messages()] == [1]

    tampered: list[dict[str, Any]] = [
        {"signature": "0" * 64},
        {"project_id": "someone-else"},
        {"methods": ["GET", "DELETE"]},  # widening the methods breaks the signature
        {"paths": ["/v2/queues/guarded/messages", "/v2/queues/guarded/claims"]},
        {"expires": "2099-01-01T00:00:00"},
    ]
    for override in tampered:
        client = signed_client(server.url, share, **override)
        with pytest.raises(errors.ResourceNotFound):
            list(client.queue("guarded").messages())
    # an expired signature (correctly signed with the server's key) is refused too
    past = dict(share, expires="2000-01-01T00:00:00")
    past["signature"] = expected_signature(past)
    with pytest.raises(errors.ResourceNotFound):
        list(signed_client(server.url, past).queue("guarded").messages())


def test_signed_url_defaults_and_other_paths(zaqar: zaqar_v2.Client, server: LiveServer,
                                             project: str) -> None:
    queue = zaqar.queue("work", force_create=True)
    ids = post(queue, [{"n": i} for i in range(3)])

    # no arguments: an empty body -> messages, GET, 24 hours (spec §4.8)
    default = queue.signed_url()
    assert (default["paths"], default["methods"]) == (["/v2/queues/work/messages"], ["GET"])
    assert 86400 - 60 < seconds_from_now(default["expires"]) <= 86400
    assert default["signature"] == expected_signature(default)
    reader = signed_client(server.url, default).queue("work")
    assert [m.id for m in reader.messages()] == ids
    with pytest.raises(errors.ResourceNotFound):
        post(reader, [{"n": 99}])

    share = queue.signed_url(paths=["claims", "subscriptions"], ttl_seconds=300,
                             methods=["DELETE", "GET", "POST"])
    assert share["paths"] == ["/v2/queues/work/claims", "/v2/queues/work/subscriptions"]
    assert (share["methods"], share["project"]) == (["DELETE", "GET", "POST"], project)
    guest = signed_client(server.url, share)
    worker = guest.queue("work")
    claim = worker.claim(ttl=60, grace=60, limit=2)
    assert [m.id for m in claim] == ids[:2]
    assert worker.claim(id=claim.id).ttl == 60  # GET …/claims/{id}
    claim.delete()  # DELETE …/claims/{id}
    assert [m.id for m in queue.messages(echo=True)] == ids  # released
    with pytest.raises(errors.ResourceNotFound):
        list(worker.messages())  # messages are not signed this time

    # subscriptions through the signature (posted after the messages: nothing is notified)
    sub = guest.subscription("work", subscriber="http://127.0.0.1:9/hooks/guest", ttl=600)
    assert (sub.subscriber, sub.ttl) == ("http://127.0.0.1:9/hooks/guest", 600)
    assert [s.id for s in worker.subscriptions()] == [sub.id]
    assert [s.id for s in zaqar.subscriptions("work")] == [sub.id]  # same project
    sub.delete()
    assert list(zaqar.subscriptions("work")) == []


def test_signed_url_create_with_project_id_is_rejected(zaqar: zaqar_v2.Client,
                                                       server: LiveServer,
                                                       project: str) -> None:
    """``core.signed_url_create(..., project_id=…)`` puts ``project_id`` in the body,
    which the share endpoint refuses (spec §4.8, client-notes §2.3)."""
    def send(**kwargs: Any) -> Any:
        req = zrequest.prepare_request(zaqar.auth_opts, endpoint=server.url, api=2)
        req.headers["Client-ID"] = zaqar.client_uuid
        return core.signed_url_create(zaqar.transport(), req, "shared", **kwargs)

    with pytest.raises(errors.MalformedRequest, match=r"Unknown keys: \{'project_id'\}"):
        send(project_id=project, paths=["messages"], ttl_seconds=600)
    # the same call without it works (no queue-existence check)
    share = send(paths=["messages"], ttl_seconds=600)
    assert (share["paths"], share["project"]) == (["/v2/queues/shared/messages"], project)
