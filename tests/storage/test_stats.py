"""Queue stats: total/claimed/free and oldest/newest."""

from __future__ import annotations

import random

import pytest

from zaqar_lite.errors import QueueDoesNotExist

from .helpers import PROJECT, QUEUE, UNKNOWN_ID, claim, post, post_in_batches


def counts(stats):
    return stats.total, stats.claimed, stats.free


def test_missing_queue_raises(store):
    with pytest.raises(QueueDoesNotExist):
        store.queues.stats(PROJECT, QUEUE)
    post(store, 1, queue=QUEUE, project="other-project")
    with pytest.raises(QueueDoesNotExist):
        store.queues.stats(PROJECT, QUEUE)


def test_empty_queue(store):
    store.queues.create(PROJECT, QUEUE, {})
    stats = store.queues.stats(PROJECT, QUEUE)
    assert counts(stats) == (0, 0, 0)
    assert stats.oldest is None and stats.newest is None


def test_counts_and_ends(store, clock):
    first = post(store, 2, bodies=["a", "b"])
    clock.advance(10)
    last = post(store, 3, bodies=["c", "d", "e"])
    posted = first + last
    claim_id, _ = claim(store, limit=2, ttl=60)

    stats = store.queues.stats(PROJECT, QUEUE)
    assert counts(stats) == (5, 2, 3)
    assert stats.oldest.id == posted[0]  # claimed messages count as oldest/newest
    assert stats.newest.id == posted[-1]
    assert stats.newest.created - stats.oldest.created == 10

    store.messages.delete(PROJECT, QUEUE, posted[0], claim_id)
    store.messages.delete(PROJECT, QUEUE, posted[-1], None)
    stats = store.queues.stats(PROJECT, QUEUE)
    assert counts(stats) == (3, 1, 2)
    assert (stats.oldest.id, stats.newest.id) == (posted[1], posted[3])

    clock.advance(60)  # the claim lapses: counted as free
    assert counts(store.queues.stats(PROJECT, QUEUE)) == (3, 0, 3)

    store.messages.delete_many(PROJECT, QUEUE, posted)
    stats = store.queues.stats(PROJECT, QUEUE)
    assert counts(stats) == (0, 0, 0)
    assert stats.oldest is None and stats.newest is None


def test_delayed_messages_are_counted(store):
    post(store, 1)
    post(store, 2, delay=100)
    stats = store.queues.stats(PROJECT, QUEUE)
    assert counts(stats) == (3, 0, 3)


def test_all_delayed_queue_has_stats(store):
    post(store, 2, delay=100)
    stats = store.queues.stats(PROJECT, QUEUE)  # no error
    assert stats.total == 2


def test_expired_messages_not_counted(store, clock):
    post(store, 2, ttl=60)
    long = post(store, 1, ttl=120)
    claim(store, limit=1, ttl=30, grace=0)
    clock.advance(60)
    stats = store.queues.stats(PROJECT, QUEUE)
    assert counts(stats) == (1, 0, 1)
    assert stats.oldest.id == long[0] == stats.newest.id
    clock.advance(60)
    stats = store.queues.stats(PROJECT, QUEUE)
    assert counts(stats) == (0, 0, 0) and stats.oldest is None



def test_stats_are_per_queue_and_project(store):
    post(store, 2, queue="a")
    post(store, 3, queue="b")
    post(store, 4, queue="a", project="")
    claim(store, queue="b", limit=1)
    assert counts(store.queues.stats(PROJECT, "a")) == (2, 0, 2)
    assert counts(store.queues.stats(PROJECT, "b")) == (3, 1, 2)
    assert counts(store.queues.stats("", "a")) == (4, 0, 4)


def test_total_follows_every_way_a_message_leaves(store, clock):
    """However messages go (deleted, bulk-deleted, popped, purged, dead-lettered,
    expired and swept, queue dropped), the counts stay exact."""
    def total(queue: str = QUEUE) -> int:
        return store.queues.stats(PROJECT, queue).total

    ids = post(store, 12, ttl=3600)
    post(store, 2, ttl=60)
    assert total() == 14
    store.messages.delete(PROJECT, QUEUE, ids[0], None)
    store.messages.delete(PROJECT, QUEUE, ids[0], None)  # already gone: no change
    store.messages.delete_many(PROJECT, QUEUE, [ids[1], ids[2], UNKNOWN_ID])
    assert total() == 11
    store.messages.pop(PROJECT, QUEUE, 2)
    assert total() == 9
    clock.advance(61)  # the two short-lived messages expire
    assert total() == 7
    post(store, 1, ttl=3600)  # a post may sweep expired messages away
    assert total() == 8
    store.queues.set_metadata(PROJECT, QUEUE, {"_max_claim_count": 0,
                                               "_dead_letter_queue": "dlq"})
    claim(store, limit=2)  # claimed zero times before, but the limit is 0: moved
    assert total() == 6 and total("dlq") == 2
    store.queues.set_metadata(PROJECT, QUEUE, {})
    claim(store, limit=3)
    store.messages.purge(PROJECT, QUEUE)  # claimed messages survive a purge
    assert total() == 3
    store.queues.delete(PROJECT, QUEUE)
    post(store, 1)
    assert total() == 1



def test_ends_of_a_deep_queue_with_gaps(store, clock):
    """The oldest and newest live messages are found past long runs of deleted
    ones at either end, whether they are claimed or not, and expired ones are
    passed over."""
    posted = post_in_batches(store, 300, ttl=60) + post_in_batches(store, 400)
    scattered = random.Random(11)
    kept = [mid for mid in posted[:690] if scattered.random() < 0.1]
    gone = [mid for mid in posted if mid not in kept]
    for start in range(0, len(gone), 100):
        store.messages.delete_many(PROJECT, QUEUE, gone[start:start + 100])
    _, claimed = claim(store, ttl=3600, limit=1)
    assert [m.id for m in claimed] == kept[:1]
    stats = store.queues.stats(PROJECT, QUEUE)
    assert counts(stats) == (len(kept), 1, len(kept) - 1)
    assert (stats.oldest.id, stats.newest.id) == (kept[0], kept[-1])
    store.messages.delete_many(PROJECT, QUEUE, kept[-3:])
    clock.advance(61)  # the first 300 expire, but for the claimed one, which the claim keeps
    lasting = [mid for mid in kept[:-3] if mid == kept[0] or posted.index(mid) >= 300]
    stats = store.queues.stats(PROJECT, QUEUE)
    assert stats.total == len(lasting)
    assert (stats.oldest.id, stats.newest.id) == (lasting[0], lasting[-1])
    while len(lasting) > 1:
        store.messages.delete(PROJECT, QUEUE, lasting.pop(), None)
        stats = store.queues.stats(PROJECT, QUEUE)
        assert (stats.oldest.id, stats.newest.id) == (lasting[0], lasting[-1])
