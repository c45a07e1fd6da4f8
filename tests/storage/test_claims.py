"""Claims: create/get/renew/release, expiry, grace, and concurrent claimants."""

from __future__ import annotations

import functools
import os
import random
import threading
import time

import pytest

from zaqar_lite.errors import ClaimDoesNotExist
from zaqar_lite.storage.base import is_valid_id

from .helpers import (
    MALFORMED_IDS,
    PROJECT,
    QUEUE,
    UNKNOWN_ID,
    claim,
    ids,
    listed,
    now,
    post,
    post_in_batches,
    run_concurrently,
)

WORK_SECONDS = 100


def test_claim_missing_or_empty_queue(store):
    assert claim(store, queue="ghost") == (None, [])
    assert store.queues.exists(PROJECT, "ghost") is False
    store.queues.create(PROJECT, QUEUE, {})
    assert claim(store) == (None, [])


def test_claim_limit_fifo_and_tags(store, clock):
    posted = post(store, 5)
    t = now(clock)
    claim_id, claimed = claim(store, ttl=120, limit=3)
    assert is_valid_id(claim_id)
    assert ids(claimed) == posted[:3]
    for message in claimed:
        assert message.claim_id == claim_id
        assert message.claim_expires == t + 120
        assert message.claim_count == 1
        assert message.is_claimed(t)
    stored = store.messages.get(PROJECT, QUEUE, posted[0])
    assert (stored.claim_id, stored.claim_expires) == (claim_id, t + 120)
    assert claimed == store.claims.get(PROJECT, QUEUE, claim_id).messages

    second, rest = claim(store, limit=3)
    assert second != claim_id
    assert ids(rest) == posted[3:]
    assert claim(store, limit=3) == (None, [])
    assert store.queues.stats(PROJECT, QUEUE).claimed == 5


def test_claim_skips_delayed_and_expired(store, clock):
    expiring = post(store, 1, ttl=60)
    delayed = post(store, 1, delay=120)
    ready = post(store, 1, ttl=600)
    clock.advance(60)
    claim_id, claimed = claim(store, limit=10, ttl=600)
    assert ids(claimed) == ready
    assert claim(store) == (None, [])
    clock.advance(60)  # delay over
    _, claimed = claim(store)
    assert ids(claimed) == delayed
    assert expiring  # never claimable


def test_claim_does_not_apply_echo(store):
    posted = post(store, 2, client_id="worker")
    _, claimed = claim(store)
    assert ids(claimed) == posted


def test_claim_get(store, clock):
    posted = post(store, 3)
    claim_id, _ = claim(store, ttl=100, limit=2)
    found = store.claims.get(PROJECT, QUEUE, claim_id)
    assert found.id == claim_id
    assert (found.ttl, found.age) == (100, 0)
    assert ids(found.messages) == posted[:2]
    assert all(m.claim_id == claim_id for m in found.messages)
    clock.advance(40)
    found = store.claims.get(PROJECT, QUEUE, claim_id)
    assert (found.ttl, found.age) == (100, 40)


def test_claim_get_unknown(store):
    post(store, 1)
    claim_id, _ = claim(store)
    for bad in [UNKNOWN_ID, *MALFORMED_IDS]:
        with pytest.raises(ClaimDoesNotExist):
            store.claims.get(PROJECT, QUEUE, bad)
    with pytest.raises(ClaimDoesNotExist):
        store.claims.get(PROJECT, "other", claim_id)
    with pytest.raises(ClaimDoesNotExist):
        store.claims.get("other-project", QUEUE, claim_id)


def test_claim_gone_when_its_messages_are_deleted(store):
    posted = post(store, 2)
    claim_id, _ = claim(store)
    store.messages.delete(PROJECT, QUEUE, posted[0], claim_id)
    assert ids(store.claims.get(PROJECT, QUEUE, claim_id).messages) == posted[1:]
    store.messages.delete(PROJECT, QUEUE, posted[1], claim_id)
    with pytest.raises(ClaimDoesNotExist):
        store.claims.get(PROJECT, QUEUE, claim_id)


def test_claim_expiry_frees_messages_but_keeps_claim_id(store, clock):
    posted = post(store, 3)
    claim_id, _ = claim(store, ttl=60, limit=2)
    clock.advance(59)
    assert ids(listed(store)) == posted[2:]
    assert store.queues.stats(PROJECT, QUEUE).claimed == 2
    clock.advance(1)  # now == claim_expires: lapsed
    t = now(clock)
    with pytest.raises(ClaimDoesNotExist):
        store.claims.get(PROJECT, QUEUE, claim_id)
    assert ids(listed(store)) == posted
    stats = store.queues.stats(PROJECT, QUEUE)
    assert (stats.claimed, stats.free) == (0, 3)
    for mid in posted[:2]:
        message = store.messages.get(PROJECT, QUEUE, mid)
        assert message.claim_id == claim_id  # the lapsed claim's id stays on the message
        assert not message.is_claimed(t)

    # They can be claimed again, under a new id.
    new_id, claimed = claim(store, limit=10)
    assert new_id != claim_id
    assert ids(claimed) == posted
    assert all(m.claim_id == new_id for m in claimed)
    assert [m.claim_count for m in claimed] == [2, 2, 1]


def test_renew_extends_and_restarts_age(store, clock):
    posted = post(store, 2)
    claim_id, _ = claim(store, ttl=60, limit=2)
    clock.advance(30)
    store.claims.update(PROJECT, QUEUE, claim_id, ttl=200, grace=60)
    t = now(clock)
    found = store.claims.get(PROJECT, QUEUE, claim_id)
    assert (found.ttl, found.age) == (200, 0)
    assert ids(found.messages) == posted
    assert all(m.claim_expires == t + 200 for m in found.messages)
    assert [m.claim_count for m in found.messages] == [1, 1]  # renewal is not a new claim
    clock.advance(150)  # past the original expiry
    assert store.claims.get(PROJECT, QUEUE, claim_id).age == 150
    assert listed(store) == []
    clock.advance(50)
    with pytest.raises(ClaimDoesNotExist):
        store.claims.get(PROJECT, QUEUE, claim_id)
    assert ids(listed(store)) == posted


def test_renew_can_shorten(store, clock):
    posted = post(store, 1)
    claim_id, _ = claim(store, ttl=300)
    store.claims.update(PROJECT, QUEUE, claim_id, ttl=60, grace=60)
    clock.advance(60)
    assert ids(listed(store)) == posted


def test_renew_of_dead_claims_raises(store, clock):
    post(store, 3)
    expired, _ = claim(store, ttl=60, limit=1)
    released, _ = claim(store, ttl=600, limit=1)
    store.claims.delete(PROJECT, QUEUE, released)
    clock.advance(60)
    for claim_id in [expired, released, UNKNOWN_ID, *MALFORMED_IDS]:
        with pytest.raises(ClaimDoesNotExist):
            store.claims.update(PROJECT, QUEUE, claim_id, ttl=60, grace=60)
    live, _ = claim(store, ttl=600, limit=1)
    with pytest.raises(ClaimDoesNotExist):
        store.claims.update(PROJECT, "other", live, ttl=60, grace=60)
    with pytest.raises(ClaimDoesNotExist):
        store.claims.update(PROJECT, "ghost", UNKNOWN_ID, ttl=60, grace=60)
    # The expired claim's messages were not revived by the failed renewal.
    assert len(listed(store)) == 2


def test_release_frees_at_once(store, clock):
    posted = post(store, 3)
    claim_id, _ = claim(store, ttl=600, limit=2)
    store.claims.delete(PROJECT, QUEUE, claim_id)
    t = now(clock)
    assert ids(listed(store)) == posted
    with pytest.raises(ClaimDoesNotExist):
        store.claims.get(PROJECT, QUEUE, claim_id)
    assert store.queues.stats(PROJECT, QUEUE).claimed == 0
    for mid in posted[:2]:
        message = store.messages.get(PROJECT, QUEUE, mid)
        assert message.claim_id is None
        assert not message.is_claimed(t)
    _, claimed = claim(store, limit=10)
    assert ids(claimed) == posted
    # Unknown ids (and other queues' claims) are a no-op.
    for bad in [UNKNOWN_ID, *MALFORMED_IDS]:
        store.claims.delete(PROJECT, QUEUE, bad)
    store.claims.delete(PROJECT, "ghost", UNKNOWN_ID)
    assert listed(store) == []


def test_claims_deep_in_a_queue_take_the_oldest_free_messages_first(store, clock):
    """Messages freed far behind where claims have got to (a released claim, a
    lapsed one) come first, then the next ones in FIFO order."""
    posted = post_in_batches(store, 600)
    lapsing, _ = claim(store, ttl=60, limit=5)
    released, _ = claim(store, ttl=3600, limit=5)
    claim(store, ttl=3600, limit=5)
    for start in range(15, 515, 10):
        _, claimed = claim(store, ttl=3600, limit=10)
        assert ids(claimed) == posted[start:start + 10]
        store.messages.delete_many(PROJECT, QUEUE, ids(claimed))
    store.claims.delete(PROJECT, QUEUE, released)
    _, claimed = claim(store, ttl=3600, limit=10)
    assert ids(claimed) == posted[5:10] + posted[515:520]
    clock.advance(61)
    _, claimed = claim(store, ttl=3600, limit=10)
    assert ids(claimed) == posted[0:5] + posted[520:525]
    newer = post(store, 3)
    _, claimed = claim(store, ttl=3600, limit=20)
    assert ids(claimed) == posted[525:545]
    store.messages.delete_many(PROJECT, QUEUE, posted[545:])
    _, claimed = claim(store, ttl=3600, limit=20)
    assert ids(claimed) == newer
    assert claim(store) == (None, [])


def test_a_first_claim_finds_free_messages_past_long_gaps(store):
    """A claim with no earlier one to go by takes the oldest free messages however
    far into the queue they start, and across gaps of deleted ones."""
    posted = post_in_batches(store, 700)
    kept = posted[395:400] + posted[650:670]
    gone = [mid for mid in posted if mid not in kept]
    for start in range(0, len(gone), 100):
        store.messages.delete_many(PROJECT, QUEUE, gone[start:start + 100])
    _, claimed = claim(store, limit=10)
    assert ids(claimed) == kept[:10]
    _, claimed = claim(store, limit=20)
    assert ids(claimed) == kept[10:]
    assert claim(store) == (None, [])


def test_release_only_touches_its_own_queue(store):
    post(store, 1)
    claim_id, _ = claim(store, ttl=600)
    store.claims.delete(PROJECT, "other", claim_id)
    store.claims.delete("other-project", QUEUE, claim_id)
    assert store.claims.get(PROJECT, QUEUE, claim_id).id == claim_id


def test_claimed_message_is_never_claimed_twice(store, clock):
    posted = post(store, 4)
    first, a = claim(store, ttl=100, limit=2)
    second, b = claim(store, ttl=100, limit=10)
    assert set(ids(a)).isdisjoint(ids(b))
    assert ids(a) + ids(b) == posted
    clock.advance(50)
    assert claim(store) == (None, [])
    store.claims.update(PROJECT, QUEUE, first, ttl=100, grace=0)
    clock.advance(50)  # `second` lapses, `first` is renewed
    third, c = claim(store, limit=10)
    assert ids(c) == ids(b)
    assert ids(store.claims.get(PROJECT, QUEUE, first).messages) == ids(a)


# --- grace: lifetime extension ----------------------------------------------------------

def test_claim_extends_lifetime_of_messages_expiring_first(store, clock):
    short = post(store, 1, ttl=100)
    edge = post(store, 1, ttl=300)  # expires exactly when the claim does: unchanged
    long = post(store, 1, ttl=1000)
    t = now(clock)
    claim_id, claimed = claim(store, ttl=300, grace=60, limit=3)
    assert claimed == store.claims.get(PROJECT, QUEUE, claim_id).messages
    by_id = {m.id: m for m in claimed}
    assert (by_id[short[0]].ttl, by_id[short[0]].expires) == (360, t + 360)
    assert (by_id[edge[0]].ttl, by_id[edge[0]].expires) == (300, t + 300)
    assert (by_id[long[0]].ttl, by_id[long[0]].expires) == (1000, t + 1000)
    stored = store.messages.get(PROJECT, QUEUE, short[0])
    assert (stored.ttl, stored.expires, stored.created) == (360, t + 360, t)

    # The short message outlives its claim by the grace period, then expires.
    clock.advance(300)
    assert ids(listed(store)) == short + long
    clock.advance(59)
    assert store.messages.get(PROJECT, QUEUE, short[0]).id == short[0]
    clock.advance(1)
    assert ids(listed(store)) == long


def test_claim_extension_measured_from_claim_time(store, clock):
    post(store, 1, ttl=200)
    clock.advance(150)  # 50 s left
    t = now(clock)
    _, claimed = claim(store, ttl=100, grace=30)
    assert (claimed[0].ttl, claimed[0].expires) == (130, t + 130)


def test_renew_extends_lifetime(store, clock):
    posted = post(store, 1, ttl=100)
    claim_id, claimed = claim(store, ttl=60, grace=60)
    assert claimed[0].ttl == 100  # outlives the claim: untouched
    clock.advance(50)
    t = now(clock)
    store.claims.update(PROJECT, QUEUE, claim_id, ttl=120, grace=30)
    message = store.messages.get(PROJECT, QUEUE, posted[0])
    assert (message.ttl, message.expires, message.claim_expires) == (150, t + 150, t + 120)
    clock.advance(149)
    assert store.messages.get(PROJECT, QUEUE, posted[0]).id == posted[0]
    clock.advance(1)
    assert store.messages.get_many(PROJECT, QUEUE, posted) == []


# --- concurrency ------------------------------------------------------------------------

FULL_QUEUE = 2000
SECANTUSDB_QUEUE = 300


def concurrency_queue_size(request) -> int:
    """2,000 messages; 300 on the in-process SecantusDB, whose sorted queries scan
    the whole queue (a claim costs ~0.5 s at 2,000 messages there, so the full run
    takes minutes). ZAQAR_LITE_TEST_CONCURRENCY_MESSAGES overrides either."""
    override = os.environ.get("ZAQAR_LITE_TEST_CONCURRENCY_MESSAGES")
    if override:
        return int(override)
    on_secantusdb = (request.node.callspec.params.get("store") == "mongodb"
                     and not os.environ.get("ZAQAR_LITE_TEST_MONGODB_URI"))
    return SECANTUSDB_QUEUE if on_secantusdb else FULL_QUEUE


def test_concurrent_claimants_share_nothing(store, request):
    """16 workers claim (limit 5) and delete with their claim id until the queue
    of 2,000 messages is empty: each message claimed and deleted exactly once."""
    total, workers, limit = concurrency_queue_size(request), 16, 5
    posted = post_in_batches(store, total)
    assert len(set(posted)) == total

    lock = threading.Lock()
    claims: list[tuple[str, list[str]]] = []
    deleted = [0]
    deadline = time.monotonic() + WORK_SECONDS

    def worker(seed: int) -> None:
        backoff = random.Random(seed)
        while time.monotonic() < deadline:
            claim_id, messages = store.claims.create(PROJECT, QUEUE, ttl=600, grace=60,
                                                     limit=limit)
            if not messages:
                # Nothing free right now: the others hold (and will delete) the rest,
                # or a concurrent claim won the race for the candidates.
                with lock:
                    if deleted[0] >= total:
                        return
                time.sleep(backoff.uniform(0.002, 0.02))
                continue
            assert claim_id is not None and 1 <= len(messages) <= limit
            with lock:
                claims.append((claim_id, [m.id for m in messages]))
            for message in messages:
                assert message.claim_id == claim_id
                store.messages.delete(PROJECT, QUEUE, message.id, claim_id)
            with lock:
                deleted[0] += len(messages)

    run_concurrently([functools.partial(worker, seed) for seed in range(workers)], WORK_SECONDS)

    claimed = [mid for _, mids in claims for mid in mids]
    assert len({cid for cid, _ in claims}) == len(claims), "claim ids reused"
    assert len(claimed) == len(set(claimed)), "a message was claimed twice"
    assert set(claimed) <= set(posted), "claimed a message nobody posted"
    missing = set(posted) - set(claimed)
    assert not missing, f"{len(missing)} messages never claimed (deadline hit or lost)"
    assert deleted[0] == total
    assert store.queues.stats(PROJECT, QUEUE).total == 0
    assert store.messages.list(PROJECT, QUEUE, include_claimed=True, include_delayed=True) == []
    assert claim(store) == (None, [])


def test_concurrent_pops_and_claims_share_nothing(store, request):
    """Eight poppers and eight claimants race over one queue: every message is
    taken exactly once, by a pop or by a claim, and none is lost."""
    total = min(concurrency_queue_size(request), 600)
    posted = post_in_batches(store, total)
    lock = threading.Lock()
    taken: list[str] = []
    deadline = time.monotonic() + WORK_SECONDS

    def worker(pops: bool) -> None:
        while time.monotonic() < deadline:
            if pops:
                got = [m.id for m in store.messages.pop(PROJECT, QUEUE, 5)]
            else:
                _, messages = store.claims.create(PROJECT, QUEUE, ttl=600, grace=60, limit=5)
                got = [m.id for m in messages]
            with lock:
                taken.extend(got)
            if not got and not store.messages.list(PROJECT, QUEUE, limit=1):
                return  # nothing free is left: the rest is claimed or popped

    run_concurrently([functools.partial(worker, n % 2 == 0) for n in range(16)], WORK_SECONDS)
    assert len(taken) == len(set(taken)), "a message was taken twice"
    assert set(taken) == set(posted), f"{len(set(posted) - set(taken))} messages never taken"
    assert store.messages.pop(PROJECT, QUEUE, 20) == []


# --- nothing ends early when the clock is between two seconds --------------------------

@pytest.mark.parametrize("start", [0.1, 0.5, 0.9])
def test_a_claim_never_lapses_before_its_ttl(store, clock, start):
    clock.advance(start)
    post(store, 2, ttl=3600)
    claim_id, _ = claim(store, ttl=60, limit=1)
    clock.advance(59.99)
    assert store.claims.get(PROJECT, QUEUE, claim_id).ttl == 60
    assert claim(store, ttl=60)[1] != []  # only the other message is free
    assert len(listed(store)) == 0
    clock.advance(1.01)  # 61 s after the claim: it has lapsed
    with pytest.raises(ClaimDoesNotExist):
        store.claims.get(PROJECT, QUEUE, claim_id)


@pytest.mark.parametrize("start", [0.1, 0.5, 0.9])
def test_a_claim_is_as_old_as_the_seconds_since_it_was_taken(store, clock, start):
    clock.advance(start)
    post(store, 1, ttl=3600)
    claim_id, _ = claim(store, ttl=100)
    assert store.claims.get(PROJECT, QUEUE, claim_id).age == 0
    clock.advance(2.05)  # python-zaqarclient checks a claim is 2 s old 2 s later
    assert store.claims.get(PROJECT, QUEUE, claim_id).age == 2
    clock.advance(30)
    store.claims.update(PROJECT, QUEUE, claim_id, ttl=100, grace=60)
    assert store.claims.get(PROJECT, QUEUE, claim_id).age == 0
    clock.advance(1)
    assert store.claims.get(PROJECT, QUEUE, claim_id).age == 1


@pytest.mark.parametrize("start", [0.1, 0.9])
def test_a_renewed_claim_never_lapses_before_its_new_ttl(store, clock, start):
    post(store, 1, ttl=3600)
    claim_id, _ = claim(store, ttl=60)
    clock.advance(30 + start)
    store.claims.update(PROJECT, QUEUE, claim_id, ttl=60, grace=60)
    clock.advance(59.99)
    assert [m.id for m in store.claims.get(PROJECT, QUEUE, claim_id).messages]
    clock.advance(1.01)
    assert listed(store) != []


@pytest.mark.parametrize("start", [0.1, 0.9])
def test_messages_never_expire_or_appear_early(store, clock, start):
    clock.advance(start)
    [short] = post(store, ttl=60)
    [delayed] = post(store, ttl=3600, delay=10)
    clock.advance(9.99)
    assert ids(listed(store)) == [short]
    clock.advance(1.01)  # 11 s after the post: the delay is over
    assert ids(listed(store)) == [short, delayed]
    clock.advance(48.99)  # 59.99 s after the post: the short-lived message lives
    assert store.messages.get(PROJECT, QUEUE, short).ttl == 60
    clock.advance(1.01)
    assert ids(listed(store)) == [delayed]


def test_claim_lifetime_extension_never_ends_before_claim_plus_grace(store, clock):
    clock.advance(0.9)
    [mid] = post(store, ttl=60)
    claim_id, _ = claim(store, ttl=100, grace=60)
    clock.advance(159.99)  # the message outlives the claim by the grace
    assert store.messages.get(PROJECT, QUEUE, mid).ttl == 160
    clock.advance(1.01)
    assert listed(store, include_claimed=True) == []
