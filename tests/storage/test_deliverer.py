"""The deliverer over each store, with the injected clock and a recording sender:
retries per policy, failures kept, cancelled subscriptions, leases of crashed peers."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
from collections.abc import Mapping
from typing import Any

import pytest

from tests.waiting import wait_on
from zaqar_lite.config import Settings
from zaqar_lite.notify.deliverer import PEER_CHECK_SECONDS, Deliverer
from zaqar_lite.notify.senders import Outcome
from zaqar_lite.storage.base import NewMessage, Notice

from .helpers import PROJECT, QUEUE

HOOK = "http://127.0.0.1:9/hook"
QUICK = {"retries_with_no_delay": 1, "minimum_delay_retries": 1, "minimum_delay": 5,
         "maximum_delay": 15, "maximum_delay_retries": 0}
"""Delays 0, 5, then back-off 5, 10 (linear from 5 to 15 in steps of 5): 4 retries."""


class Recorder:
    """A sender that answers with the queued outcomes (then success) and records calls."""

    def __init__(self, *outcomes: Outcome) -> None:
        self.outcomes = list(outcomes)
        self.calls: list[tuple[str, Any]] = []
        self.lock = threading.Condition()

    def __call__(self, subscriber: str, payload: Any, options: Mapping[str, Any], project: str,
                 settings: Settings) -> Outcome:
        with self.lock:
            self.calls.append((subscriber, payload))
            self.lock.notify_all()
            return self.outcomes.pop(0) if self.outcomes else Outcome.done("HTTP 200")


def post(store, *bodies, policy=None):
    messages = [NewMessage(body=body, ttl=3600) for body in bodies]
    notice = Notice(payloads=[{"body": body} for body in bodies], confirmed_only=False,
                    queue_policy=policy or {})
    store.messages.post(PROJECT, QUEUE, messages, None, create_queue=True, notice=notice)


def run(deliverer: Deliverer) -> int:
    """Dispatch what is due and wait for the sends to settle."""
    count = deliverer.dispatch_due()
    assert deliverer.wait_idle(10)
    return count


@pytest.fixture
def settings() -> Settings:
    return Settings(max_notifier_workers=4, failed_retention=100, delivery_lease=30)


def make(store, settings, clock, sender):
    return Deliverer(store, settings, clock=clock, send=sender)


def test_delivers_each_notification_once(store, clock, settings):
    store.subscriptions.create(PROJECT, QUEUE, HOOK, 3600, {})
    post(store, "a", "b")
    sender = Recorder()
    deliverer = make(store, settings, clock, sender)
    assert run(deliverer) == 2
    assert run(deliverer) == 0
    assert sorted(payload["body"] for _, payload in sender.calls) == ["a", "b"]
    assert store.outbox.counts().pending == 0


def test_retries_follow_the_policy_then_the_delivery_is_kept_as_failed(store, clock, settings):
    store.subscriptions.create(PROJECT, QUEUE, HOOK, 3600, {"_retry_policy": QUICK})
    post(store, "m")
    sender = Recorder(*[Outcome.transient("HTTP 503")] * 10)
    deliverer = make(store, settings, clock, sender)
    run(deliverer)
    assert len(sender.calls) == 1
    run(deliverer)
    assert len(sender.calls) == 2, "the first retry is immediate"
    for delay in (5, 5, 10):
        clock.advance(delay - 0.1)
        run(deliverer)
        assert store.outbox.counts().pending == 1
        calls = len(sender.calls)
        clock.advance(0.1)
        run(deliverer)
        assert len(sender.calls) == calls + 1
    assert store.outbox.counts().failed == 1, "five attempts spend a policy of four retries"
    clock.advance(1000)
    run(deliverer)
    assert len(sender.calls) == 5


def test_a_refused_notification_is_not_retried(store, clock, settings):
    store.subscriptions.create(PROJECT, QUEUE, HOOK, 3600, {})
    post(store, "m")
    sender = Recorder(Outcome.permanent("HTTP 400"))
    deliverer = make(store, settings, clock, sender)
    run(deliverer)
    run(deliverer)
    assert len(sender.calls) == 1
    assert store.outbox.counts().failed == 1


def test_queue_policy_applies_and_can_override_the_subscription(store, clock, settings):
    store.subscriptions.create(PROJECT, QUEUE, HOOK, 3600,
                               {"_retry_policy": {"retries_with_no_delay": 5}})
    post(store, "m", policy={"retries_with_no_delay": 0, "minimum_delay_retries": 0,
                             "maximum_delay_retries": 0, "maximum_delay": 5,
                             "minimum_delay": 1, "ignore_subscription_override": True})
    sender = Recorder(*[Outcome.transient("refused")] * 10)
    deliverer = make(store, settings, clock, sender)
    run(deliverer)
    assert store.outbox.counts().failed == 1, "the queue's policy (no retries) won"
    assert len(sender.calls) == 1


def test_deliveries_of_a_deleted_subscription_are_dropped(store, clock, settings):
    sub, _ = store.subscriptions.create(PROJECT, QUEUE, HOOK, 3600, {})
    post(store, "m")
    store.subscriptions.delete(PROJECT, QUEUE, sub.id)
    sender = Recorder()
    deliverer = make(store, settings, clock, sender)
    assert run(deliverer) == 1
    assert sender.calls == []
    assert store.outbox.counts().pending == 0


def test_a_crashed_deliverers_leases_are_taken_over_when_they_end(store, clock, settings):
    store.subscriptions.create(PROJECT, QUEUE, HOOK, 3600, {})
    post(store, "m")
    crashed = store.outbox.lease("crashed-deliverer", 10, settings.delivery_lease)
    assert len(crashed) == 1
    sender = Recorder()
    deliverer = make(store, settings, clock, sender)
    assert run(deliverer) == 0
    clock.advance(settings.delivery_lease)
    assert run(deliverer) == 1
    assert [payload["body"] for _, payload in sender.calls] == ["m"]


def dead_pid() -> int:
    """The id of a process that has exited (and been reaped)."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_leases_of_dead_deliverers_of_this_host_are_taken_over_at_once(
        store, clock, settings):
    store.subscriptions.create(PROJECT, QUEUE, HOOK, 3600, {})
    post(store, "dead", "alive", "elsewhere")
    host = socket.gethostname()
    store.outbox.lease(f"{host}/{dead_pid()}/a1", 1, settings.delivery_lease)
    store.outbox.lease(f"{host}/{os.getpid()}/b2", 1, settings.delivery_lease)
    store.outbox.lease(f"{host}-other/{dead_pid()}/c3", 1, settings.delivery_lease)
    sender = Recorder()
    deliverer = make(store, settings, clock, sender)
    assert deliverer.release_dead_peers() == 1
    assert deliverer.release_dead_peers() == 0
    assert run(deliverer) == 1
    assert [payload["body"] for _, payload in sender.calls] == ["dead"]


def test_a_restarted_deliverer_releases_dead_leases_before_it_leases(store, clock, settings):
    store.subscriptions.create(PROJECT, QUEUE, HOOK, 3600, {})
    post(store, "in flight")
    store.outbox.lease(f"{socket.gethostname()}/{dead_pid()}/a1", 1, settings.delivery_lease)
    sender = Recorder()
    deliverer = make(store, settings, clock, sender)
    deliverer.start()
    try:
        wait_on(sender.lock, lambda: len(sender.calls) == 1, 10, lambda: str(sender.calls))
    finally:
        deliverer.stop()
    assert [payload["body"] for _, payload in sender.calls] == ["in flight"]


def test_dead_peers_are_looked_for_every_few_seconds(store, clock, settings):
    store.subscriptions.create(PROJECT, QUEUE, HOOK, 3600, {})
    sender = Recorder()
    deliverer = make(store, settings, clock, sender)
    deliverer.housekeeping()
    post(store, "in flight")
    store.outbox.lease(f"{socket.gethostname()}/{dead_pid()}/a1", 1, settings.delivery_lease)
    clock.advance(PEER_CHECK_SECONDS - 1)
    deliverer.housekeeping()
    assert run(deliverer) == 0
    clock.advance(1)
    deliverer.housekeeping()
    assert run(deliverer) == 1
    assert [payload["body"] for _, payload in sender.calls] == ["in flight"]


def test_failed_deliveries_are_swept_after_their_retention(store, clock, settings):
    store.subscriptions.create(PROJECT, QUEUE, HOOK, 3600, {})
    post(store, "m")
    deliverer = make(store, settings, clock, Recorder(Outcome.permanent("HTTP 404")))
    run(deliverer)
    assert store.outbox.counts().failed == 1
    clock.advance(settings.failed_retention)
    assert store.outbox.sweep(settings.max_failed) == 1
    assert store.outbox.counts().failed == 0


def test_never_more_sends_at_once_than_workers(store, clock, settings):
    store.subscriptions.create(PROJECT, QUEUE, HOOK, 3600, {})
    post(store, *range(10))
    release = threading.Event()
    started = threading.Semaphore(0)

    def slow(*args: Any) -> Outcome:
        started.release()
        release.wait(10)
        return Outcome.done("HTTP 200")

    deliverer = make(store, settings, clock, slow)
    assert deliverer.dispatch_due() == 4
    for _ in range(4):
        assert started.acquire(timeout=10)
    assert deliverer.dispatch_due() == 0, "every sending thread is busy"
    release.set()
    assert deliverer.wait_idle(10)
    assert run(deliverer) == 4
    assert run(deliverer) == 2
