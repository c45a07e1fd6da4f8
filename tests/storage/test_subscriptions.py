"""Subscriptions: create (unique per subscriber), list, get, update, confirm, delete, expiry."""

from __future__ import annotations

import pytest

from zaqar_lite.errors import SubscriptionDoesNotExist, SubscriptionExists
from zaqar_lite.storage.base import SubscriptionChanges

from .helpers import MALFORMED_IDS, PROJECT, QUEUE, UNKNOWN_ID, now

OTHER = "project-b"
HOOK = "http://127.0.0.1:9/hook"


def subscribe(store, subscriber=HOOK, *, ttl=3600, options=None, queue=QUEUE, project=PROJECT):
    return store.subscriptions.create(project, queue, subscriber, ttl, options or {})


def test_create_returns_a_new_unconfirmed_subscription(store, clock):
    sub, created = subscribe(store, options={"post_headers": {"X-Token": "abc"}})
    assert created is True
    assert (sub.queue, sub.subscriber, sub.ttl, sub.confirmed) == (QUEUE, HOOK, 3600, False)
    assert sub.options == {"post_headers": {"X-Token": "abc"}}
    assert sub.age(now(clock)) == 0
    assert store.subscriptions.get(PROJECT, QUEUE, sub.id) == sub


def test_create_creates_the_queue(store):
    subscribe(store)
    assert store.queues.exists(PROJECT, QUEUE)


def test_same_subscriber_returns_the_existing_subscription_unchanged(store):
    first, _ = subscribe(store, ttl=3600, options={"a": 1})
    again, created = subscribe(store, ttl=600, options={"b": 2})
    assert created is False
    assert again == first
    assert store.subscriptions.get(PROJECT, QUEUE, first.id).options == {"a": 1}


def test_subscribers_are_unique_per_queue_and_project(store):
    mine, _ = subscribe(store)
    other_queue, created_q = subscribe(store, queue="other")
    other_project, created_p = subscribe(store, project=OTHER)
    assert created_q and created_p
    assert len({mine.id, other_queue.id, other_project.id}) == 3


def test_expired_subscription_disappears_and_can_be_made_again(store, clock):
    sub, _ = subscribe(store, ttl=60)
    clock.advance(59.5)
    assert store.subscriptions.get(PROJECT, QUEUE, sub.id).id == sub.id
    clock.advance(0.5)
    with pytest.raises(SubscriptionDoesNotExist):
        store.subscriptions.get(PROJECT, QUEUE, sub.id)
    assert store.subscriptions.list(PROJECT, QUEUE) == []
    assert store.subscriptions.live_ids([sub.id]) == set()
    again, created = subscribe(store, ttl=60)
    assert created is True
    assert again.id != sub.id


def test_subscription_never_expires_before_its_ttl(store, clock):
    clock.advance(0.9)
    sub, _ = subscribe(store, ttl=60)
    clock.advance(59.99)
    assert store.subscriptions.get(PROJECT, QUEUE, sub.id).id == sub.id


def test_list_in_creation_order_with_marker_and_limit(store, clock):
    made = []
    for index in range(5):
        made.append(subscribe(store, f"http://127.0.0.1:9/{index}")[0].id)
        clock.advance(1)
    assert [s.id for s in store.subscriptions.list(PROJECT, QUEUE)] == made
    page = store.subscriptions.list(PROJECT, QUEUE, limit=2)
    assert [s.id for s in page] == made[:2]
    rest = store.subscriptions.list(PROJECT, QUEUE, marker=page[-1].id, limit=10)
    assert [s.id for s in rest] == made[2:]
    assert store.subscriptions.list(PROJECT, "other") == []
    assert store.subscriptions.list(OTHER, QUEUE) == []


def test_get_of_another_queue_project_or_unknown_id_does_not_exist(store):
    sub, _ = subscribe(store)
    for project, queue, sid in ((OTHER, QUEUE, sub.id), (PROJECT, "other", sub.id),
                                (PROJECT, QUEUE, UNKNOWN_ID),
                                *((PROJECT, QUEUE, bad) for bad in MALFORMED_IDS)):
        with pytest.raises(SubscriptionDoesNotExist):
            store.subscriptions.get(project, queue, sid)


def test_update_replaces_members_and_restarts_the_ttl(store, clock):
    sub, _ = subscribe(store, ttl=60, options={"a": 1})
    clock.advance(50)
    store.subscriptions.update(PROJECT, QUEUE, sub.id, SubscriptionChanges(ttl=120))
    clock.advance(100)
    updated = store.subscriptions.get(PROJECT, QUEUE, sub.id)
    assert (updated.ttl, updated.options, updated.subscriber) == (120, {"a": 1}, HOOK)
    assert updated.age(now(clock)) == 150
    store.subscriptions.update(PROJECT, QUEUE, sub.id, SubscriptionChanges(
        subscriber="mailto:ops@example.com", options={"b": 2}))
    updated = store.subscriptions.get(PROJECT, QUEUE, sub.id)
    assert (updated.subscriber, updated.options) == ("mailto:ops@example.com", {"b": 2})


def test_update_to_another_live_subscriber_conflicts(store, clock):
    first, _ = subscribe(store, "http://127.0.0.1:9/a")
    second, _ = subscribe(store, "http://127.0.0.1:9/b", ttl=60)
    with pytest.raises(SubscriptionExists):
        store.subscriptions.update(PROJECT, QUEUE, first.id,
                                   SubscriptionChanges(subscriber="http://127.0.0.1:9/b"))
    clock.advance(61)
    store.subscriptions.update(PROJECT, QUEUE, first.id,
                               SubscriptionChanges(subscriber="http://127.0.0.1:9/b"))
    assert store.subscriptions.get(PROJECT, QUEUE, first.id).subscriber.endswith("/b")
    with pytest.raises(SubscriptionDoesNotExist):
        store.subscriptions.get(PROJECT, QUEUE, second.id)


def test_update_of_missing_or_expired_subscription_does_not_exist(store, clock):
    sub, _ = subscribe(store, ttl=60)
    with pytest.raises(SubscriptionDoesNotExist):
        store.subscriptions.update(PROJECT, QUEUE, UNKNOWN_ID, SubscriptionChanges(ttl=60))
    clock.advance(60)
    with pytest.raises(SubscriptionDoesNotExist):
        store.subscriptions.update(PROJECT, QUEUE, sub.id, SubscriptionChanges(ttl=60))


def test_confirm_sets_the_flag_and_a_new_create_then_reports_it(store):
    sub, _ = subscribe(store)
    confirmed = store.subscriptions.confirm(PROJECT, QUEUE, sub.id, True)
    assert confirmed.confirmed is True
    again, created = subscribe(store)
    assert (created, again.confirmed) == (False, True)
    assert store.subscriptions.confirm(PROJECT, QUEUE, sub.id, False).confirmed is False
    with pytest.raises(SubscriptionDoesNotExist):
        store.subscriptions.confirm(OTHER, QUEUE, sub.id, True)


def test_delete_and_purge(store):
    first, _ = subscribe(store, "http://127.0.0.1:9/a")
    second, _ = subscribe(store, "http://127.0.0.1:9/b")
    other, _ = subscribe(store, queue="other")
    store.subscriptions.delete(OTHER, QUEUE, first.id)
    store.subscriptions.delete(PROJECT, QUEUE, UNKNOWN_ID)
    store.subscriptions.delete(PROJECT, QUEUE, "not-an-id")
    assert store.subscriptions.live_ids([first.id, second.id]) == {first.id, second.id}
    store.subscriptions.delete(PROJECT, QUEUE, first.id)
    assert [s.id for s in store.subscriptions.list(PROJECT, QUEUE)] == [second.id]
    store.subscriptions.purge(PROJECT, QUEUE)
    assert store.subscriptions.list(PROJECT, QUEUE) == []
    assert store.subscriptions.live_ids([other.id, "bad", UNKNOWN_ID]) == {other.id}


def test_queue_delete_removes_its_subscriptions(store):
    sub, _ = subscribe(store)
    other, _ = subscribe(store, queue="other")
    store.queues.delete(PROJECT, QUEUE)
    assert store.subscriptions.list(PROJECT, QUEUE) == []
    assert store.subscriptions.live_ids([sub.id, other.id]) == {other.id}
    again, created = subscribe(store)
    assert created is True


def test_options_round_trip_any_keys(store):
    options = {"$weird.key": {"a.b": [1, None, "Ω"]}, "post_data": '{"m": "$zaqar_message$"}'}
    sub, _ = subscribe(store, options=options)
    assert store.subscriptions.get(PROJECT, QUEUE, sub.id).options == options


def test_remove_expired_deletes_only_expired_subscriptions(store, clock):
    short, _ = subscribe(store, "http://127.0.0.1:9/short", ttl=60)
    long, _ = subscribe(store, "http://127.0.0.1:9/long", ttl=600, project=OTHER)
    assert store.subscriptions.remove_expired() == 0
    clock.advance(60)
    assert store.subscriptions.remove_expired() == 1
    assert store.subscriptions.live_ids([short.id, long.id]) == {long.id}
