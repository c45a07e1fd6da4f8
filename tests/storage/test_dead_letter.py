"""Dead-letter queues: _max_claim_count, _dead_letter_queue, _dead_letter_queue_messages_ttl."""

from __future__ import annotations

import pytest

from zaqar_lite.errors import ClaimDoesNotExist, MessageDoesNotExist

from .helpers import DLQ, PROJECT, QUEUE, claim, ids, listed, now, post


def policy(max_claims, **extra):
    return {"_max_claim_count": max_claims, "_dead_letter_queue": DLQ, **extra}


def claim_and_lapse(store, clock, ttl=60, **kwargs):
    result = claim(store, ttl=ttl, **kwargs)
    clock.advance(ttl)
    return result


def test_message_claimed_max_times_then_moved(store, clock):
    store.queues.create(PROJECT, QUEUE, policy(2))
    posted = post(store, 1, bodies=[{"job": "flaky"}])
    for expected_count in (1, 2):
        claim_id, claimed = claim_and_lapse(store, clock)
        assert ids(claimed) == posted
        assert claimed[0].claim_count == expected_count

    # The third claim moves it instead of claiming it.
    t = now(clock)
    assert store.queues.exists(PROJECT, DLQ) is False
    assert claim(store, ttl=60) == (None, [])
    with pytest.raises(MessageDoesNotExist):
        store.messages.get(PROJECT, QUEUE, posted[0])
    assert listed(store, include_claimed=True, include_delayed=True) == []
    assert store.queues.stats(PROJECT, QUEUE).total == 0

    # The DLQ was created; the message is there, hidden by the moving claim's tag.
    assert store.queues.exists(PROJECT, DLQ)
    moved = store.messages.get(PROJECT, DLQ, posted[0])
    assert moved.body == {"job": "flaky"}
    assert moved.claim_id is not None and moved.claim_expires == t + 60
    assert moved.is_claimed(t)
    assert listed(store, queue=DLQ) == []
    assert ids(listed(store, queue=DLQ, include_claimed=True)) == posted
    stats = store.queues.stats(PROJECT, DLQ)
    assert (stats.total, stats.claimed) == (1, 1)
    assert claim(store, queue=DLQ) == (None, [])
    assert ids(store.claims.get(PROJECT, DLQ, moved.claim_id).messages) == posted

    clock.advance(59)
    assert listed(store, queue=DLQ) == []
    clock.advance(1)  # the tag lapses: listable and claimable in the DLQ
    assert ids(listed(store, queue=DLQ)) == posted
    _, claimed = claim(store, queue=DLQ)
    assert ids(claimed) == posted


def test_moved_message_gets_new_marker_in_dlq(store, clock):
    store.queues.create(PROJECT, QUEUE, policy(1))
    before = post(store, 3, queue=DLQ)
    post(store, 10)  # make the source's markers larger than the DLQ's
    store.messages.delete_many(PROJECT, QUEUE, ids(listed(store))[1:])
    source = listed(store)
    claim_and_lapse(store, clock)
    claim(store)  # moves it
    dlq = listed(store, queue=DLQ, include_claimed=True)
    assert ids(dlq) == before + ids(source)
    markers = [m.marker for m in dlq]
    assert markers[3] > markers[2]
    assert markers[3] != source[0].marker
    after = post(store, 1, queue=DLQ)
    last = store.messages.get(PROJECT, DLQ, after[0])
    assert last.marker > markers[3]
    assert [m.marker for m in listed(store, queue=DLQ, include_claimed=True)] == sorted(
        markers + [last.marker])


def test_only_overused_messages_move(store, clock):
    store.queues.create(PROJECT, QUEUE, policy(1))
    posted = post(store, 3)
    claim_and_lapse(store, clock, limit=2)  # posted[0], posted[1]
    t = now(clock)
    claim_id, claimed = claim(store, limit=3, ttl=120)
    assert claim_id is not None
    assert ids(claimed) == posted[2:]
    assert ids(store.claims.get(PROJECT, QUEUE, claim_id).messages) == posted[2:]
    moved = listed(store, queue=DLQ, include_claimed=True)
    assert ids(moved) == posted[:2]
    assert all(m.claim_id == claim_id and m.claim_expires == t + 120 for m in moved)
    assert ids(listed(store, include_claimed=True)) == posted[2:]


def test_dead_letter_ttl_applied(store, clock):
    store.queues.create(PROJECT, QUEUE, policy(1, _dead_letter_queue_messages_ttl=300))
    posted = post(store, 1, ttl=3600)
    claim_and_lapse(store, clock)
    t = now(clock)
    claim(store, ttl=60)
    moved = store.messages.get(PROJECT, DLQ, posted[0])
    assert (moved.ttl, moved.expires) == (300, t + 300)
    clock.advance(299)
    assert ids(listed(store, queue=DLQ)) == posted
    clock.advance(1)
    assert listed(store, queue=DLQ, include_claimed=True) == []
    with pytest.raises(MessageDoesNotExist):
        store.messages.get(PROJECT, DLQ, posted[0])


def test_dead_letter_without_ttl_keeps_message_alive(store, clock):
    store.queues.create(PROJECT, QUEUE, policy(1))
    posted = post(store, 1, ttl=3600)
    claim_and_lapse(store, clock)
    claim(store, ttl=60)
    clock.advance(60)
    assert ids(listed(store, queue=DLQ)) == posted


def test_renew_and_release_do_not_reset_counts(store, clock):
    store.queues.create(PROJECT, QUEUE, policy(2))
    posted = post(store, 1)
    first, claimed = claim(store, ttl=60)
    store.claims.update(PROJECT, QUEUE, first, ttl=60, grace=60)
    store.claims.update(PROJECT, QUEUE, first, ttl=60, grace=60)
    assert store.messages.get(PROJECT, QUEUE, posted[0]).claim_count == 1  # renewals don't count
    store.claims.delete(PROJECT, QUEUE, first)
    assert store.messages.get(PROJECT, QUEUE, posted[0]).claim_count == 1

    second, claimed = claim(store, ttl=60)
    assert ids(claimed) == posted and claimed[0].claim_count == 2
    store.claims.update(PROJECT, QUEUE, second, ttl=60, grace=60)
    store.claims.delete(PROJECT, QUEUE, second)

    assert claim(store) == (None, [])  # third claim: moved
    assert ids(listed(store, queue=DLQ, include_claimed=True)) == posted


def test_moved_claim_is_not_renewable_in_source(store, clock):
    store.queues.create(PROJECT, QUEUE, policy(1))
    post(store, 1)
    claim_and_lapse(store, clock)
    claim(store)
    moved = listed(store, queue=DLQ, include_claimed=True)[0]
    with pytest.raises(ClaimDoesNotExist):
        store.claims.get(PROJECT, QUEUE, moved.claim_id)
    with pytest.raises(ClaimDoesNotExist):
        store.claims.update(PROJECT, QUEUE, moved.claim_id, ttl=60, grace=60)


@pytest.mark.parametrize("metadata", [
    {"_max_claim_count": 1},
    {"_dead_letter_queue": DLQ},
    {"_max_claim_count": 1, "_dead_letter_queue": ""},
])
def test_incomplete_policy_never_moves(store, clock, metadata):
    store.queues.create(PROJECT, QUEUE, metadata)
    posted = post(store, 1)
    for _ in range(4):
        claim_id, claimed = claim_and_lapse(store, clock)
        assert ids(claimed) == posted
    assert store.queues.exists(PROJECT, DLQ) is False


def test_policy_added_later_uses_existing_counts(store, clock):
    posted = post(store, 1)
    claim_and_lapse(store, clock)
    store.queues.set_metadata(PROJECT, QUEUE, policy(1))
    assert claim(store) == (None, [])
    assert ids(listed(store, queue=DLQ, include_claimed=True)) == posted
