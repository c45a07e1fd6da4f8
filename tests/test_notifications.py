"""Notifications end to end: live servers deliver to a real webhook receiver.

Payload, headers and templates; retries as the policy says (503, 429) and none
for a 400; several subscribers; isolation of queues and projects; two server
processes on one store deliver each notification once; the confirmation flow;
and ``kill -9`` of a server right after its 201s loses no notification.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.live_server import (
    SIGNING,
    UNRELIABLE,
    Api,
    LiveServer,
    start_server,
    stop_server,
)
from tests.webhook_receiver import Receiver

FAST = {"ZAQAR_LITE_POLL_INTERVAL": "0.2", "ZAQAR_LITE_DELIVERY_TIMEOUT": "2",
        "ZAQAR_LITE_DELIVERY_LEASE": "4"}
"""Deliverers that look often and take over a dead peer's work within seconds."""
NO_WAIT = {"retries_with_no_delay": 3, "minimum_delay_retries": 0, "minimum_delay": 0,
           "maximum_delay": 10, "maximum_delay_retries": 0}
"""Retries at once three times, then back off 0 and 5 s (Zaqar's linear back-off from
0 to 10 in steps of 5): six attempts in about five seconds."""


def storage_of(driver: str, workdir: Path, request: pytest.FixtureRequest) -> tuple[str, dict]:
    if driver == "sqlite":
        return f"sqlite:///{workdir}/notify.db", {}
    database = f"zaqar_lite_notify_{uuid.uuid4().hex[:8]}"
    return request.getfixturevalue("mongodb_uri"), {
        "ZAQAR_LITE_MONGODB_DATABASE": database, **UNRELIABLE}


@pytest.fixture(scope="module", params=["sqlite", "mongodb"])
def notifying(request: pytest.FixtureRequest,
              tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LiveServer, dict]]:
    """A server (and how to start another on its store) that delivers quickly."""
    workdir = tmp_path_factory.mktemp(f"notify-{request.param}")
    storage, env = storage_of(request.param, workdir, request)
    env = {**env, **FAST, **SIGNING}
    server = start_server(request.param, storage, workdir, env, new_session=True)
    yield server, {"storage": storage, "env": env, "workdir": workdir}
    stop_server(server)


@pytest.fixture
def api(notifying: tuple[LiveServer, dict]) -> Iterator[Api]:
    server, _ = notifying
    client = Api(server.url, f"project-{uuid.uuid4().hex[:12]}", str(uuid.uuid4()))
    yield client
    client.session.close()


def subscribe(api: Api, subscriber: str, queue: str = "events", **body: object) -> str:
    resp = api.post(f"/v2/queues/{queue}/subscriptions", json={"subscriber": subscriber, **body})
    assert resp.status_code == 201, resp.text
    return resp.json()["subscription_id"]


def post(api: Api, *bodies: object, queue: str = "events") -> None:
    resp = api.post(f"/v2/queues/{queue}/messages",
                    json={"messages": [{"body": body, "ttl": 600} for body in bodies]})
    assert resp.status_code == 201, resp.text


def notifications(api: Api) -> dict:
    return api.get("/v2/health").json()["notifications"]


def test_payload_headers_and_template(api: Api, receiver: Receiver) -> None:
    subscribe(api, f"{receiver.url}/plain", options={"post_headers": {"X-Token": "abc"}})
    subscribe(api, f"{receiver.url}/template",
              options={"post_data": '{"wrapped": "$zaqar_message$", "by": "zaqar"}'})
    post(api, {"order": 1})
    (plain,) = receiver.wait_count("/plain", 1)
    assert plain.json() == {"ttl": 600, "body": {"order": 1}, "Message_Type": "Notification",
                            "queue_name": "events"}
    assert plain.headers["Content-Type"] == "application/json"
    assert plain.headers["X-Token"] == "abc"
    (templated,) = receiver.wait_count("/template", 1)
    assert templated.json() == {"wrapped": plain.json(), "by": "zaqar"}


def test_delay_is_part_of_the_payload_on_delayed_queues(api: Api, receiver: Receiver) -> None:
    api.put("/v2/queues/slow", json={"_default_message_delay": 30})
    subscribe(api, f"{receiver.url}/slow", queue="slow")
    post(api, "late", queue="slow")
    (got,) = receiver.wait_count("/slow", 1)
    assert got.json()["delay"] == 30


def test_every_subscriber_gets_every_message_and_no_one_else(api: Api, make_other,
                                                             receiver: Receiver) -> None:
    for name in ("a", "b", "c"):
        subscribe(api, f"{receiver.url}/{name}")
    subscribe(api, f"{receiver.url}/other-queue", queue="other")
    other = make_other()
    subscribe(other, f"{receiver.url}/other-project")
    post(api, *range(10))
    for name in ("a", "b", "c"):
        got = receiver.wait_count(f"/{name}", 10)
        assert sorted(item.json()["body"] for item in got) == list(range(10))
    post(other, "theirs")
    receiver.wait_count("/other-project", 1)
    assert receiver.at("/other-queue") == []
    assert len(receiver.at("/a")) == 10


def test_deliveries_reuse_connections(api: Api, receiver: Receiver) -> None:
    subscribe(api, f"{receiver.url}/kept")
    for index in range(12):
        post(api, *(f"{index}-{n}" for n in range(5)))
    got = receiver.wait_count("/kept", 60)
    senders = 2 * 10  # two workers of ten sending threads each
    assert len({item.client_port for item in got}) <= senders, "one per sending thread"


@pytest.fixture
def make_other(notifying: tuple[LiveServer, dict]) -> Iterator:
    made: list[Api] = []

    def make() -> Api:
        client = Api(notifying[0].url, f"project-{uuid.uuid4().hex[:12]}", str(uuid.uuid4()))
        made.append(client)
        return client

    yield make
    for client in made:
        client.session.close()


@pytest.mark.parametrize("status", [503, 429])
def test_a_failing_receiver_is_retried_as_the_policy_says(api: Api, receiver: Receiver,
                                                          status: int) -> None:
    receiver.script("/flaky", status, status)
    subscribe(api, f"{receiver.url}/flaky", options={"_retry_policy": NO_WAIT})
    post(api, "persist")
    got = receiver.wait_count("/flaky", 3)
    assert [item.json()["body"] for item in got] == ["persist"] * 3
    receiver.wait_for(lambda: notifications(api)["pending"] == 0)
    assert len(receiver.at("/flaky")) == 3


def test_a_refusing_receiver_is_not_retried_and_the_failure_is_kept(api: Api,
                                                                    receiver: Receiver) -> None:
    failed_before = notifications(api)["failed"]
    receiver.script("/refuse", 400)
    subscribe(api, f"{receiver.url}/refuse", options={"_retry_policy": NO_WAIT})
    post(api, "nope")
    receiver.wait_count("/refuse", 1)
    receiver.wait_for(lambda: notifications(api)["failed"] == failed_before + 1)
    assert len(receiver.at("/refuse")) == 1


def test_spent_retries_are_kept_as_failed(api: Api, receiver: Receiver) -> None:
    failed_before = notifications(api)["failed"]
    receiver.script("/down", *[503] * 10)
    subscribe(api, f"{receiver.url}/down", options={"_retry_policy": NO_WAIT})
    post(api, "lost?")
    receiver.wait_for(lambda: notifications(api)["failed"] == failed_before + 1)
    assert len(receiver.at("/down")) == 6, "the first attempt and five retries"


def test_unsubscribed_receivers_get_nothing_more(api: Api, receiver: Receiver) -> None:
    subscription_id = subscribe(api, f"{receiver.url}/gone")
    post(api, 1)
    receiver.wait_count("/gone", 1)
    api.delete(f"/v2/queues/events/subscriptions/{subscription_id}")
    subscribe(api, f"{receiver.url}/marker")
    post(api, 2)
    receiver.wait_count("/marker", 1)
    assert len(receiver.at("/gone")) == 1


def test_two_servers_on_one_store_deliver_each_notification_once(
        api: Api, notifying: tuple[LiveServer, dict], receiver: Receiver) -> None:
    _, how = notifying
    second = start_server("second", how["storage"], how["workdir"], how["env"])
    try:
        peer = Api(second.url, api.project, str(uuid.uuid4()))
        subscribe(api, f"{receiver.url}/once")
        for index in range(20):
            post(api if index % 2 else peer, *(f"{index}-{n}" for n in range(3)))
        got = receiver.wait_count("/once", 60)
        receiver.wait_for(lambda: notifications(api)["pending"] == 0)
        bodies = [item.json()["body"] for item in receiver.at("/once")]
        assert sorted(bodies) == sorted(f"{i}-{n}" for i in range(20) for n in range(3))
        assert len(got) == 60
    finally:
        stop_server(second)


def test_kill_9_right_after_the_201s_loses_no_notification(
        notifying: tuple[LiveServer, dict], receiver: Receiver,
        tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest) -> None:
    server, _ = notifying
    # A store of its own, so that no live server delivers what the killed one leased;
    # leases as long as the default: what was in flight must come back sooner, because
    # the restarted server's deliverers end the leases of the killed ones.
    workdir = tmp_path_factory.mktemp("killed")
    storage, env = storage_of(server.driver, workdir, request)
    env = {**env, **FAST, **SIGNING, "ZAQAR_LITE_DELIVERY_LEASE": "60"}
    victim = start_server("victim", storage, workdir, env, new_session=True)
    project = f"project-{uuid.uuid4().hex[:12]}"
    client = Api(victim.url, project, str(uuid.uuid4()))
    # Answers that take long enough that some notifications are being sent (leased,
    # not settled) when the server is killed.
    receiver.delay = 5
    subscribe(client, f"{receiver.url}/survive")
    expected = []
    for index in range(10):
        batch = [f"{index}-{n}" for n in range(5)]
        post(client, *batch)
        expected += batch
    receiver.wait_count("/survive", 1)
    os.killpg(victim.process.pid, signal.SIGKILL)
    victim.process.wait()
    receiver.delay = 0
    restarted = start_server("restarted", storage, workdir, env)
    try:
        watcher = Api(restarted.url, project, str(uuid.uuid4()))
        receiver.wait_for(lambda: set(expected) <= {
            item.json()["body"] for item in receiver.at("/survive")}
            and notifications(watcher)["pending"] == 0, timeout=30)
        assert "whose process is gone, are due again" in restarted.log()
    finally:
        stop_server(restarted)


@pytest.fixture(scope="module")
def confirming(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    workdir = tmp_path_factory.mktemp("confirming")
    env = {**FAST, **SIGNING, "ZAQAR_LITE_REQUIRE_CONFIRMATION": "true"}
    server = start_server("sqlite", f"sqlite:///{workdir}/confirm.db", workdir, env)
    yield server
    stop_server(server)


def test_confirmation_flow(confirming: LiveServer, receiver: Receiver) -> None:
    api = Api(confirming.url, f"project-{uuid.uuid4().hex[:8]}", str(uuid.uuid4()))
    subscription_id = subscribe(api, f"{receiver.url}/confirm-me")
    (request,) = receiver.wait_count("/confirm-me", 1)
    body = request.json()
    path = f"/v2/queues/events/subscriptions/{subscription_id}/confirm"
    assert body["Message_Type"] == "SubscriptionConfirmation"
    assert body["Message"] == "You have chosen to subscribe to the queue: events"
    assert (body["URL-Methods"], body["URL-Paths"], body["X-Project-ID"]) == (
        "PUT", path, api.project)
    assert body["SubscribeBody"] == {"confirmed": True}
    assert body["UnsubscribeBody"] == {"confirmed": False}
    assert body["queue_name"] == "events"
    post(api, "before confirming")
    subscriber = Api(confirming.url, body["X-Project-ID"], str(uuid.uuid4()))
    headers = {name: body[name] for name in (
        "URL-Signature", "URL-Methods", "URL-Paths", "URL-Expires")}
    refused = subscriber.put(path, json=body["SubscribeBody"],
                             headers={**headers, "URL-Methods": "GET"})
    assert refused.status_code == 404
    confirmed = subscriber.put(path, json=body["SubscribeBody"], headers=headers)
    assert confirmed.status_code == 204, confirmed.text
    post(api, "after confirming")
    got = receiver.wait_count("/confirm-me", 2)
    assert got[1].json()["body"] == "after confirming"
    assert subscriber.put(path, json=body["UnsubscribeBody"], headers=headers).status_code == 204
    got = receiver.wait_count("/confirm-me", 3)
    assert got[2].json()["Message_Type"] == "UnsubscribeConfirmation"
    post(api, "after unsubscribing")
    subscribe(api, f"{receiver.url}/marker")
    receiver.wait_count("/marker", 1)
    assert [item.json().get("body") for item in receiver.at("/confirm-me")] == [
        None, "after confirming", None]


def test_a_separate_notifier_delivers_for_servers_that_do_not(
        receiver: Receiver, tmp_path_factory: pytest.TempPathFactory) -> None:
    workdir = tmp_path_factory.mktemp("apart")
    storage = f"sqlite:///{workdir}/apart.db"
    env = {**FAST, "ZAQAR_LITE_DELIVER_IN_SERVER": "false"}
    server = start_server("sqlite", storage, workdir, env)
    notifier = None
    try:
        api = Api(server.url, f"project-{uuid.uuid4().hex[:8]}", str(uuid.uuid4()))
        subscribe(api, f"{receiver.url}/apart")
        post(api, "waits")
        assert notifications(api)["pending"] == 1
        assert receiver.at("/apart") == []
        notifier = subprocess.Popen(
            [sys.executable, "-m", "zaqar_lite", "notifier", "--storage", storage],
            env={**os.environ, **env}, cwd=workdir, stdout=subprocess.DEVNULL,
            stderr=subprocess.STDOUT)
        (got,) = receiver.wait_count("/apart", 1)
        assert got.json()["body"] == "waits"
        receiver.wait_for(lambda: notifications(api)["pending"] == 0)
        notifier.send_signal(signal.SIGTERM)
        assert notifier.wait(timeout=30) == 0
    finally:
        if notifier is not None and notifier.poll() is None:
            notifier.kill()
        stop_server(server)
