"""The notification outbox: written with posts, leased, retried, failed, swept."""

from __future__ import annotations

from zaqar_lite.storage.base import NewDelivery, NewMessage, Notice, OutboxCounts, Settlement

from .helpers import PROJECT, QUEUE, now, post

HOOK_A = "http://127.0.0.1:9/a"
HOOK_B = "http://127.0.0.1:9/b"
POLICY = {"retries_with_no_delay": 1}


def notice(bodies, *, confirmed_only=False, policy=POLICY):
    return Notice(payloads=[{"body": body, "Message_Type": "Notification"} for body in bodies],
                  confirmed_only=confirmed_only, queue_policy=policy)


def post_noticed(store, bodies, *, queue=QUEUE, project=PROJECT, **kwargs):
    messages = [NewMessage(body=body, ttl=3600) for body in bodies]
    return store.messages.post(project, queue, messages, None, create_queue=True,
                               notice=notice(bodies, **kwargs))


def subscribe(store, subscriber, *, queue=QUEUE, project=PROJECT, ttl=3600, options=None):
    return store.subscriptions.create(project, queue, subscriber, ttl, options or {})[0]


def lease_all(store, owner="worker-1", seconds=30.0):
    return store.outbox.lease(owner, 100, seconds)


def test_post_without_subscriptions_stores_no_delivery(store):
    post_noticed(store, [1, 2])
    assert lease_all(store) == []
    assert store.outbox.counts().pending == 0


def test_each_message_for_each_subscription_in_posting_order(store):
    sub_a = subscribe(store, HOOK_A, options={"post_headers": {"X": "1"}})
    sub_b = subscribe(store, HOOK_B)
    subscribe(store, HOOK_A, queue="other")
    subscribe(store, HOOK_A, project="project-b")
    post_noticed(store, ["m1", "m2"])
    leased = lease_all(store)
    assert [(d.entry.subscriber, d.entry.payload["body"]) for d in leased] == [
        (HOOK_A, "m1"), (HOOK_B, "m1"), (HOOK_A, "m2"), (HOOK_B, "m2")]
    first = leased[0]
    assert first.entry.subscription_id == sub_a.id
    assert first.entry.options == {"post_headers": {"X": "1"}}
    assert (first.entry.project, first.entry.queue) == (PROJECT, QUEUE)
    assert first.entry.queue_policy == POLICY
    assert first.attempts == 0
    assert {d.entry.subscription_id for d in leased} == {sub_a.id, sub_b.id}


def test_expired_and_unconfirmed_subscriptions(store, clock):
    short = subscribe(store, HOOK_A, ttl=60)
    confirmed = subscribe(store, HOOK_B)
    store.subscriptions.confirm(PROJECT, QUEUE, confirmed.id, True)
    post_noticed(store, ["all"])
    post_noticed(store, ["confirmed only"], confirmed_only=True)
    clock.advance(60)
    post_noticed(store, ["after expiry"])
    got = [(d.entry.subscription_id, d.entry.payload["body"]) for d in lease_all(store)]
    assert got == [(short.id, "all"), (confirmed.id, "all"),
                   (confirmed.id, "confirmed only"), (confirmed.id, "after expiry")]


def test_post_without_notice_stores_no_delivery(store):
    subscribe(store, HOOK_A)
    post(store, 2)
    assert lease_all(store) == []


def test_a_lease_hides_deliveries_until_it_ends(store, clock):
    subscribe(store, HOOK_A)
    post_noticed(store, ["m"])
    leased = lease_all(store, "worker-1", seconds=30)
    assert len(leased) == 1
    assert lease_all(store, "worker-2") == []
    clock.advance(29.9)
    assert lease_all(store, "worker-2") == []
    clock.advance(0.1)
    again = lease_all(store, "worker-2")
    assert [d.id for d in again] == [leased[0].id]
    store.outbox.settle("worker-1", [Settlement(leased[0].id)])
    assert store.outbox.counts().pending == 1, "only the lease holder settles a delivery"
    store.outbox.settle("worker-2", [Settlement(leased[0].id)])
    assert store.outbox.counts().pending == 0


def test_lease_takes_at_most_limit_oldest_first(store):
    subscribe(store, HOOK_A)
    post_noticed(store, list(range(5)))
    first = store.outbox.lease("w", 2, 30)
    second = store.outbox.lease("w", 10, 30)
    assert [d.entry.payload["body"] for d in first] == [0, 1]
    assert [d.entry.payload["body"] for d in second] == [2, 3, 4]


def test_retry_counts_attempts_and_waits_until_due(store, clock):
    subscribe(store, HOOK_A)
    post_noticed(store, ["m"])
    (delivery,) = lease_all(store)
    store.outbox.settle("worker-1", [Settlement(delivery.id, error="connection refused",
                                                retry_at=clock() + 5)])
    assert lease_all(store) == []
    clock.advance(5)
    (again,) = lease_all(store)
    assert (again.id, again.attempts) == (delivery.id, 1)
    store.outbox.settle("someone-else", [Settlement(delivery.id, error="x", retry_at=clock())])
    assert lease_all(store) == []


def test_failed_deliveries_are_kept_counted_and_swept(store, clock):
    subscribe(store, HOOK_A)
    post_noticed(store, ["a", "b", "c"])
    leased = lease_all(store)
    until = now(clock) + 100
    store.outbox.settle("worker-1", [Settlement(delivery.id, error="HTTP 400", keep_until=until)
                                     for delivery in leased])
    assert store.outbox.counts().failed == 3
    assert store.outbox.counts().pending == 0
    clock.advance(1000)
    assert lease_all(store) == [], "a failed delivery is never due again"
    clock.advance(-1000)
    assert store.outbox.sweep(keep_failed=2) == 1
    assert store.outbox.counts().failed == 2
    clock.advance(100)
    assert store.outbox.sweep(keep_failed=2) == 2
    assert store.outbox.counts().failed == 0


def test_added_deliveries_are_due_at_once(store):
    entry = NewDelivery(project=PROJECT, queue=QUEUE, subscription_id="0" * 24,
                        subscriber=HOOK_A, options={}, payload={"Message_Type": "x"},
                        queue_policy={})
    store.outbox.add([entry, entry])
    leased = lease_all(store)
    assert [d.entry for d in leased] == [entry, entry]
    assert len({d.id for d in leased}) == 2


def test_queue_delete_keeps_pending_deliveries(store):
    subscribe(store, HOOK_A)
    post_noticed(store, ["m"])
    store.queues.delete(PROJECT, QUEUE)
    assert [d.entry.payload["body"] for d in lease_all(store)] == ["m"]


def test_on_stored_is_called_only_when_deliveries_were_stored(store):
    calls = []

    def post_with_hook(body):
        store.messages.post(PROJECT, QUEUE, [NewMessage(body=body, ttl=3600)], None,
                            create_queue=True,
                            notice=Notice(payloads=[{"body": body}], confirmed_only=False,
                                          queue_policy={}, on_stored=lambda: calls.append(body)))

    post_with_hook("nobody listens")
    subscribe(store, HOOK_A)
    post_with_hook("heard")
    assert calls == ["heard"]


def test_one_settle_records_every_kind_of_ending(store, clock):
    subscribe(store, HOOK_A)
    post_noticed(store, ["sent", "again", "failed", "bad-id"])
    sent, again, failed, _ = lease_all(store)
    store.outbox.settle("worker-1", [
        Settlement(sent.id), Settlement(again.id, error="HTTP 503", retry_at=clock() + 1),
        Settlement(failed.id, error="HTTP 400", keep_until=now(clock) + 60),
        Settlement("not-an-id")])
    assert store.outbox.counts() == OutboxCounts(pending=2, failed=1)
    clock.advance(30)
    assert [(d.entry.payload["body"], d.attempts) for d in lease_all(store)] == [
        ("again", 1), ("bad-id", 0)]


def test_leaseholders_are_the_owners_of_leases_not_run_out(store, clock):
    subscribe(store, HOOK_A)
    post_noticed(store, ["a", "b", "c"])
    store.outbox.lease("host-1/10/x", 1, 30)
    store.outbox.lease("host-1/11/y", 1, 60)
    store.outbox.lease("host-2/10/z", 1, 30)
    assert store.outbox.leaseholders("host-1/") == {"host-1/10/x", "host-1/11/y"}
    assert store.outbox.leaseholders("host-") == {"host-1/10/x", "host-1/11/y", "host-2/10/z"}
    assert store.outbox.leaseholders("host-3/") == set()
    clock.advance(30)
    assert store.outbox.leaseholders("host-1/") == {"host-1/11/y"}


def test_released_leases_are_due_at_once_and_their_owner_cannot_settle(store, clock):
    subscribe(store, HOOK_A)
    post_noticed(store, ["a", "b", "c"])
    (dead,) = store.outbox.lease("host/1/dead", 1, 60)
    (alive,) = store.outbox.lease("host/2/alive", 1, 60)
    assert store.outbox.release(set()) == 0
    assert store.outbox.release({"host/1/dead", "host/3/none"}) == 1
    assert store.outbox.leaseholders("host/") == {"host/2/alive"}
    taken = lease_all(store, owner="host/4/new")
    assert [d.id for d in taken] == sorted([dead.id, taken[-1].id])
    assert alive.id not in [d.id for d in taken]
    store.outbox.settle("host/1/dead", [Settlement(dead.id)])
    assert store.outbox.counts().pending == 3
    store.outbox.settle("host/4/new", [Settlement(d.id) for d in taken])
    assert store.outbox.counts().pending == 1
