"""Messages: post, markers, FIFO listing, filters, expiry, get, deletes, pop, purge."""

from __future__ import annotations

import random

import pytest

from zaqar_lite.errors import (
    ClaimMismatch,
    MessageDoesNotExist,
    MessageIsClaimed,
    MessageNotClaimed,
    QueueDoesNotExist,
    ValidationFailed,
)
from zaqar_lite.storage.base import Draft, NewMessage, is_valid_id

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
)

BODIES = [
    {"event": "BackupStarted", "nested": {"list": [1, 2.5, None, True, {"deep": ["x"]}]}},
    "plain text",
    "Ωmega ✓ 日本語 🚀 \u0000 \"quoted\" \\ back",
    ["a", 1, {"b": None}],
    None,
    0,
    -17,
    3.25,
    True,
    False,
    {},
    [],
    {"ключ": "значение", "emoji 🎉": ["🚀", {"ü": "ß"}]},
]


# --- posting and markers -------------------------------------------------------------

def test_post_returns_ids_in_request_order(store, clock):
    posted = post(store, 3, ttl=300, client_id="c-1", bodies=["a", "b", "c"])
    assert len(posted) == 3 and len(set(posted)) == 3
    assert all(is_valid_id(mid) for mid in posted)
    messages = listed(store)
    assert ids(messages) == posted
    assert [m.body for m in messages] == ["a", "b", "c"]
    t = now(clock)
    for message in messages:
        assert message.ttl == 300
        assert message.created == t
        assert message.expires == t + 300
        assert message.delay_expires <= t
        assert message.client_id == "c-1"
        assert message.claim_id is None
        assert message.claim_count == 0
        assert not message.is_claimed(t)
        assert message.age(t) == 0
    clock.advance(42)
    assert store.messages.get(PROJECT, QUEUE, posted[0]).age(now(clock)) == 42


def test_markers_increase_contiguously_and_are_never_reused(store, clock):
    first = post(store, 3)
    second = post(store, 4)
    markers = [m.marker for m in listed(store)]
    assert markers == list(range(markers[0], markers[0] + 7))  # contiguous, strictly increasing
    assert ids(listed(store)) == first + second

    # Delete the newest messages (and everything else): markers still move on.
    top = markers[-1]
    store.messages.delete_many(PROJECT, QUEUE, first + second)
    assert listed(store) == []
    third = post(store, 2)
    new_markers = [m.marker for m in listed(store)]
    assert ids(listed(store)) == third
    assert new_markers == [top + 1, top + 2]

    store.messages.pop(PROJECT, QUEUE, 10)
    store.messages.delete(PROJECT, QUEUE, post(store)[0], None)
    clock.advance(10)
    store.messages.purge(PROJECT, QUEUE)
    post(store, 1)
    assert [m.marker for m in listed(store)] == [top + 4]


def test_markers_are_per_queue(store):
    post(store, 5, queue="one")
    post(store, 1, queue="two")
    one = listed(store, queue="one")
    two = listed(store, queue="two")
    assert [m.marker for m in one] == list(range(one[0].marker, one[0].marker + 5))
    assert two[0].marker == one[0].marker  # both counters start at the same value


def test_post_to_missing_queue(store):
    with pytest.raises(QueueDoesNotExist):
        post(store, 2, create_queue=False)
    assert store.queues.exists(PROJECT, QUEUE) is False
    assert store.message_volume().total == 0

    posted = post(store, 2, create_queue=True)
    assert store.queues.exists(PROJECT, QUEUE)
    assert store.queues.get_metadata(PROJECT, QUEUE) == {}
    assert ids(listed(store)) == posted
    # And to an existing queue, create_queue=False works.
    more = post(store, 1, create_queue=False)
    assert ids(listed(store)) == posted + more


def test_a_draft_is_finished_with_the_queue_metadata(store):
    store.queues.create(PROJECT, QUEUE, {"_default_message_ttl": 77, "tag": "x"})
    seen = []

    def finish(metadata):
        seen.append(metadata)
        ttl = metadata["_default_message_ttl"]
        return [NewMessage(body=n, ttl=ttl) for n in range(3)], None

    posted = store.messages.post(PROJECT, QUEUE, Draft(3, finish), "c-1", create_queue=False)
    assert seen == [{"_default_message_ttl": 77, "tag": "x"}]
    assert [(m.body, m.ttl) for m in listed(store, echo=True, client_id="c-1")] == [
        (0, 77), (1, 77), (2, 77)]
    assert ids(listed(store, echo=True, client_id="c-1")) == posted


def test_a_refused_draft_stores_nothing_but_keeps_the_created_queue(store):
    def refuse(metadata):
        raise ValidationFailed("no")

    with pytest.raises(ValidationFailed):
        store.messages.post(PROJECT, QUEUE, Draft(2, refuse), None, create_queue=True)
    assert store.queues.exists(PROJECT, QUEUE)
    assert store.queues.stats(PROJECT, QUEUE).total == 0
    assert store.message_volume().total == 0
    posted = post(store, 2)
    assert ids(listed(store)) == posted
    assert store.queues.stats(PROJECT, QUEUE).total == 2


def test_a_draft_for_a_missing_queue_is_not_finished(store):
    def finish(metadata):
        raise AssertionError("finished a draft for a missing queue")

    with pytest.raises(QueueDoesNotExist):
        store.messages.post(PROJECT, QUEUE, Draft(1, finish), None, create_queue=False)
    assert store.queues.exists(PROJECT, QUEUE) is False


def test_bodies_round_trip(store):
    posted = post(store, bodies=BODIES)
    assert [m.body for m in listed(store)] == BODIES
    assert [store.messages.get(PROJECT, QUEUE, mid).body for mid in posted] == BODIES
    by_id = {m.id: m.body for m in store.messages.get_many(PROJECT, QUEUE, posted)}
    assert by_id == dict(zip(posted, BODIES, strict=True))
    _, claimed = claim(store, limit=5)
    assert [m.body for m in claimed] == BODIES[:5]
    assert [m.body for m in store.messages.pop(PROJECT, QUEUE, 20)] == BODIES[5:]


def test_checksums_are_stored_with_their_messages(store):
    new = [NewMessage(body={"n": 1}, ttl=300, checksum="MD5:abc"), NewMessage(body=2, ttl=300)]
    with_sum, without = store.messages.post(PROJECT, QUEUE, new, None, create_queue=True)
    assert store.messages.get(PROJECT, QUEUE, with_sum).checksum == "MD5:abc"
    assert store.messages.get(PROJECT, QUEUE, without).checksum is None
    assert [m.checksum for m in listed(store)] == ["MD5:abc", None]
    _, claimed = claim(store, limit=1)
    assert [m.checksum for m in claimed] == ["MD5:abc"]
    assert [m.checksum for m in store.messages.pop(PROJECT, QUEUE, 5)] == [None]


# --- listing ---------------------------------------------------------------------------

def test_list_fifo_and_paging_with_after(store):
    posted = post(store, 4) + post(store, 3) + post(store, 5)
    assert ids(listed(store)) == posted
    assert ids(store.messages.list(PROJECT, QUEUE)) == posted[:10]  # default limit 10

    seen, after = [], None
    while True:
        page = store.messages.list(PROJECT, QUEUE, after=after, limit=5)
        if not page:
            break
        assert len(page) <= 5
        seen += ids(page)
        after = page[-1].marker
    assert seen == posted

    markers = [m.marker for m in listed(store)]
    assert ids(listed(store, after=markers[3])) == posted[4:]
    assert ids(listed(store, after=markers[0] - 1)) == posted
    assert listed(store, after=markers[-1]) == []
    assert ids(store.messages.list(PROJECT, QUEUE, after=markers[2], limit=2)) == posted[3:5]


def test_list_pages_through_a_deep_queue_with_gaps(store, clock):
    """Pages, from the start or after a marker, skip long runs of deleted messages
    and claimed ones, and reach messages posted since (in FIFO order)."""
    posted = post_in_batches(store, 700)
    scattered = random.Random(7)
    kept = posted[5:8] + [mid for mid in posted[8:650] if scattered.random() < 0.15] + posted[650:]
    gone = [mid for mid in posted if mid not in kept]
    for start in range(0, len(gone), 100):
        store.messages.delete_many(PROJECT, QUEUE, gone[start:start + 100])
    _, claimed = claim(store, ttl=60, limit=3)
    assert ids(claimed) == kept[:3]
    newer = post(store, 4)
    free = kept[3:] + newer
    assert ids(store.messages.list(PROJECT, QUEUE, limit=4)) == free[:4]
    for size in (3, 7, 20):
        seen, after = [], None
        while page := store.messages.list(PROJECT, QUEUE, after=after, limit=size):
            seen += ids(page)
            after = page[-1].marker
        assert seen == free
    assert ids(store.messages.list(PROJECT, QUEUE, limit=20, include_claimed=True)) == (
        kept + newer)[:20]
    assert ids(listed(store, include_claimed=True)) == kept + newer
    clock.advance(61)
    assert ids(store.messages.list(PROJECT, QUEUE, limit=5)) == kept[:5]


def test_list_missing_queue_is_empty(store):
    assert store.messages.list(PROJECT, "ghost") == []


def test_echo_filters_own_messages(store):
    mine = post(store, 2, client_id="client-a")
    theirs = post(store, 2, client_id="client-b")
    anonymous = post(store, 1, client_id=None)
    everyone = mine + theirs + anonymous
    assert ids(listed(store, client_id="client-a")) == theirs + anonymous
    assert ids(listed(store, client_id="client-a", echo=False)) == theirs + anonymous
    assert ids(listed(store, client_id="client-a", echo=True)) == everyone
    assert ids(listed(store, client_id="client-b")) == mine + anonymous
    assert ids(listed(store, client_id="client-c")) == everyone
    assert ids(listed(store, client_id=None)) == everyone
    assert ids(listed(store, client_id=None, echo=True)) == everyone
    # The limit applies after filtering.
    assert ids(store.messages.list(PROJECT, QUEUE, client_id="client-a", limit=2)) == theirs


def test_include_claimed(store, clock):
    posted = post(store, 4)
    claim_id, claimed = claim(store, limit=2)
    assert ids(claimed) == posted[:2]
    assert ids(listed(store)) == posted[2:]
    assert ids(listed(store, include_claimed=True)) == posted
    assert ids(store.messages.list(PROJECT, QUEUE, include_claimed=True, limit=1)) == posted[:1]
    clock.advance(60)  # the claim lapses
    assert ids(listed(store)) == posted


def test_delayed_messages_and_delay_window(store, clock):
    ready = post(store, 1)
    delayed = post(store, 2, delay=30)
    later = post(store, 1, delay=90)
    t = now(clock)
    assert store.messages.get(PROJECT, QUEUE, delayed[0]).delay_expires == t + 30

    assert ids(listed(store)) == ready
    assert ids(listed(store, include_delayed=True)) == ready + delayed + later
    clock.advance(29)
    assert ids(listed(store)) == ready
    clock.advance(1)  # now == delay_expires: no longer delayed
    assert ids(listed(store)) == ready + delayed
    clock.advance(60)
    assert ids(listed(store)) == ready + delayed + later


def test_delayed_and_claimed_flags_combine(store):
    posted = post(store, 2)
    delayed = post(store, 1, delay=100)
    claim(store, limit=1)
    assert ids(listed(store)) == posted[1:]
    assert ids(listed(store, include_claimed=True)) == posted
    assert ids(listed(store, include_delayed=True)) == posted[1:] + delayed
    assert ids(listed(store, include_claimed=True, include_delayed=True)) == posted + delayed


# --- expiry ----------------------------------------------------------------------------

def test_expired_messages_vanish_everywhere(store, clock):
    short = post(store, 2, ttl=60, bodies=["s1", "s2"])
    long = post(store, 1, ttl=600, bodies=["l1"])
    clock.advance(59)
    assert ids(listed(store)) == short + long
    assert store.queues.stats(PROJECT, QUEUE).total == 3
    clock.advance(1)  # now == expires: expired

    assert ids(listed(store, include_claimed=True, include_delayed=True)) == long
    for mid in short:
        with pytest.raises(MessageDoesNotExist):
            store.messages.get(PROJECT, QUEUE, mid)
    assert ids(store.messages.get_many(PROJECT, QUEUE, short + long)) == long
    stats = store.queues.stats(PROJECT, QUEUE)
    assert (stats.total, stats.claimed, stats.free) == (1, 0, 1)
    assert stats.oldest.id == long[0] and stats.newest.id == long[0]
    assert store.message_volume().total == 1

    claim_id, claimed = claim(store, limit=10)
    assert ids(claimed) == long
    store.claims.delete(PROJECT, QUEUE, claim_id)
    assert ids(store.messages.pop(PROJECT, QUEUE, 10)) == long
    assert store.messages.pop(PROJECT, QUEUE, 10) == []
    assert claim(store) == (None, [])


def test_expired_messages_are_not_popped_or_claimed(store, clock):
    post(store, 3, ttl=60)
    clock.advance(61)
    assert store.messages.pop(PROJECT, QUEUE, 10) == []
    assert claim(store) == (None, [])
    assert store.queues.stats(PROJECT, QUEUE).total == 0


def test_delete_of_expired_message_is_noop(store, clock):
    gone = post(store, 1, ttl=60)
    clock.advance(60)
    store.messages.delete(PROJECT, QUEUE, gone[0], None)
    store.messages.delete(PROJECT, QUEUE, gone[0], UNKNOWN_ID)


# --- get / get_many --------------------------------------------------------------------

def test_get_ignores_claims_and_delays(store):
    posted = post(store, 1) + post(store, 1, delay=100)
    claim_id, _ = claim(store, limit=1)
    first = store.messages.get(PROJECT, QUEUE, posted[0])
    assert first.claim_id == claim_id
    assert store.messages.get(PROJECT, QUEUE, posted[1]).id == posted[1]


def test_get_missing_raises(store):
    posted = post(store, 1)
    for mid in [UNKNOWN_ID, *MALFORMED_IDS]:
        with pytest.raises(MessageDoesNotExist):
            store.messages.get(PROJECT, QUEUE, mid)
    with pytest.raises(MessageDoesNotExist):
        store.messages.get(PROJECT, "other-queue", posted[0])
    with pytest.raises(MessageDoesNotExist):
        store.messages.get("other-project", QUEUE, posted[0])
    with pytest.raises(MessageDoesNotExist):
        store.messages.get(PROJECT, "ghost", UNKNOWN_ID)


def test_get_many_skips_unknown_and_malformed(store):
    posted = post(store, 4)
    post(store, 1, queue="elsewhere")
    asked = [posted[2], UNKNOWN_ID, *MALFORMED_IDS, posted[0], posted[3]]
    found = store.messages.get_many(PROJECT, QUEUE, asked)
    assert sorted(ids(found)) == sorted([posted[0], posted[2], posted[3]])
    assert store.messages.get_many(PROJECT, QUEUE, [UNKNOWN_ID, *MALFORMED_IDS]) == []
    assert store.messages.get_many(PROJECT, QUEUE, []) == []
    assert store.messages.get_many(PROJECT, "ghost", posted) == []
    assert store.messages.get_many(PROJECT, "elsewhere", posted) == []
    # Claimed and delayed messages are returned too.
    delayed = post(store, 1, delay=100)
    claim(store, limit=1)
    assert sorted(ids(store.messages.get_many(PROJECT, QUEUE, posted[:1] + delayed))) == sorted(
        posted[:1] + delayed)


# --- delete one (the v1 §5.6 decision table) ------------------------------------------

def exists(store, mid, queue=QUEUE):
    return bool(store.messages.get_many(PROJECT, queue, [mid]))


def test_delete_free_message_without_claim_id(store):
    posted = post(store, 2)
    store.messages.delete(PROJECT, QUEUE, posted[0], None)
    assert not exists(store, posted[0])
    assert ids(listed(store)) == posted[1:]


def test_delete_claimed_message_without_claim_id_is_refused(store):
    posted = post(store, 1)
    claim(store)
    with pytest.raises(MessageIsClaimed):
        store.messages.delete(PROJECT, QUEUE, posted[0], None)
    assert exists(store, posted[0])


def test_delete_with_own_live_claim_id(store):
    posted = post(store, 2)
    claim_id, _ = claim(store, limit=2)
    store.messages.delete(PROJECT, QUEUE, posted[0], claim_id)
    assert not exists(store, posted[0])
    assert ids(store.claims.get(PROJECT, QUEUE, claim_id).messages) == posted[1:]


def test_delete_with_own_lapsed_claim_id(store, clock):
    posted = post(store, 1)
    claim_id, _ = claim(store, ttl=60)
    clock.advance(61)
    store.messages.delete(PROJECT, QUEUE, posted[0], claim_id)
    assert not exists(store, posted[0])


def test_delete_without_claim_id_after_claim_lapsed(store, clock):
    posted = post(store, 1)
    claim(store, ttl=60)
    clock.advance(60)
    store.messages.delete(PROJECT, QUEUE, posted[0], None)
    assert not exists(store, posted[0])


def test_delete_with_other_claim_id_while_claimed_is_refused(store):
    posted = post(store, 2)
    first, _ = claim(store, limit=1)
    second, _ = claim(store, limit=1)
    with pytest.raises(MessageIsClaimed):
        store.messages.delete(PROJECT, QUEUE, posted[0], second)
    with pytest.raises(MessageIsClaimed):
        store.messages.delete(PROJECT, QUEUE, posted[0], UNKNOWN_ID)
    assert exists(store, posted[0])


def test_delete_with_old_claim_id_after_reclaim_is_refused(store, clock):
    posted = post(store, 1)
    old, _ = claim(store, ttl=60)
    clock.advance(60)
    new, claimed = claim(store, ttl=60)
    assert ids(claimed) == posted and new != old
    with pytest.raises(MessageIsClaimed):
        store.messages.delete(PROJECT, QUEUE, posted[0], old)
    assert exists(store, posted[0])
    store.messages.delete(PROJECT, QUEUE, posted[0], new)
    assert not exists(store, posted[0])


def test_delete_with_claim_id_of_never_claimed_message(store):
    posted = post(store, 1)
    with pytest.raises(MessageNotClaimed):
        store.messages.delete(PROJECT, QUEUE, posted[0], UNKNOWN_ID)
    assert exists(store, posted[0])


def test_delete_with_claim_id_of_released_message(store):
    posted = post(store, 1)
    claim_id, _ = claim(store)
    store.claims.delete(PROJECT, QUEUE, claim_id)
    for given in [claim_id, UNKNOWN_ID]:  # even the former claim id
        with pytest.raises(MessageNotClaimed):
            store.messages.delete(PROJECT, QUEUE, posted[0], given)
    assert exists(store, posted[0])


def test_delete_with_other_claim_id_after_claim_lapsed(store, clock):
    posted = post(store, 1)
    claim(store, ttl=60)
    clock.advance(60)
    with pytest.raises(MessageNotClaimed):
        store.messages.delete(PROJECT, QUEUE, posted[0], UNKNOWN_ID)
    assert exists(store, posted[0])


@pytest.mark.parametrize("claim_id", [None, UNKNOWN_ID])
def test_delete_missing_message_is_noop(store, claim_id):
    posted = post(store, 1)
    store.messages.delete(PROJECT, QUEUE, UNKNOWN_ID, claim_id)
    for bad in MALFORMED_IDS:
        store.messages.delete(PROJECT, QUEUE, bad, claim_id)
    store.messages.delete(PROJECT, "ghost", posted[0], claim_id)
    store.messages.delete("other-project", QUEUE, posted[0], claim_id)
    assert exists(store, posted[0])


# --- delete_many -----------------------------------------------------------------------

def test_delete_many_claimed_or_not(store):
    posted = post(store, 5)
    claim(store, limit=2)
    store.messages.delete_many(PROJECT, QUEUE, [posted[0], posted[3], UNKNOWN_ID, *MALFORMED_IDS])
    assert ids(listed(store, include_claimed=True)) == [posted[1], posted[2], posted[4]]
    store.messages.delete_many(PROJECT, QUEUE, [])
    store.messages.delete_many(PROJECT, QUEUE, [UNKNOWN_ID, *MALFORMED_IDS])
    store.messages.delete_many(PROJECT, "ghost", posted)
    assert len(listed(store, include_claimed=True)) == 3
    store.messages.delete_many(PROJECT, QUEUE, posted)
    assert listed(store, include_claimed=True) == []
    assert store.queues.stats(PROJECT, QUEUE).total == 0


def test_delete_many_leaves_other_queues(store):
    here = post(store, 2)
    there = post(store, 2, queue="there")
    store.messages.delete_many(PROJECT, QUEUE, here + there)
    assert ids(listed(store, queue="there")) == there


def test_delete_many_with_matching_claim_ids(store):
    posted = post(store, 6)
    c1, _ = claim(store, limit=2)
    c2, _ = claim(store, limit=2)
    # Each claim id holds at least one target; free targets are deleted too.
    store.messages.delete_many(PROJECT, QUEUE, [posted[1], posted[2], posted[4]],
                               claim_ids=[c1, c2])
    assert ids(listed(store, include_claimed=True)) == [posted[0], posted[3], posted[5]]
    # Malformed claim ids are not checked.
    store.messages.delete_many(PROJECT, QUEUE, [posted[0]], claim_ids=[c1, "nope"])
    assert ids(listed(store, include_claimed=True)) == [posted[3], posted[5]]


def test_delete_many_with_mismatched_claim_id_deletes_nothing(store):
    posted = post(store, 4)
    c1, _ = claim(store, limit=1)
    c2, _ = claim(store, limit=1)
    with pytest.raises(ClaimMismatch):  # c2 holds none of the targets
        store.messages.delete_many(PROJECT, QUEUE, [posted[0], posted[2]], claim_ids=[c1, c2])
    with pytest.raises(ClaimMismatch):
        store.messages.delete_many(PROJECT, QUEUE, [posted[3]], claim_ids=[UNKNOWN_ID])
    assert ids(listed(store, include_claimed=True)) == posted


# --- pop -------------------------------------------------------------------------------

def test_pop_free_messages_oldest_first(store, clock):
    posted = post(store, 6)
    _, claimed = claim(store, limit=2)  # posted[0], posted[1]
    popped = store.messages.pop(PROJECT, QUEUE, 3)
    assert ids(popped) == posted[2:5]
    assert [m.body for m in popped] == [{"n": 2}, {"n": 3}, {"n": 4}]
    assert all(not exists(store, m.id) for m in popped)
    assert ids(store.messages.pop(PROJECT, QUEUE, 10)) == posted[5:]
    assert store.messages.pop(PROJECT, QUEUE, 10) == []  # only claimed ones left
    assert ids(listed(store, include_claimed=True)) == posted[:2]
    clock.advance(60)  # claim lapsed: they are free again
    assert ids(store.messages.pop(PROJECT, QUEUE, 10)) == posted[:2]
    assert store.queues.stats(PROJECT, QUEUE).total == 0


def test_pops_deep_in_a_queue_take_the_oldest_free_messages_first(store, clock):
    """Messages freed far behind where pops have got to (a released claim, a lapsed
    one) are popped first, then the next ones in FIFO order, then later posts."""
    posted = post_in_batches(store, 600)
    claim(store, ttl=60, limit=5)
    released, _ = claim(store, ttl=3600, limit=5)
    for start in range(10, 510, 20):
        assert ids(store.messages.pop(PROJECT, QUEUE, 20)) == posted[start:start + 20]
    store.claims.delete(PROJECT, QUEUE, released)
    assert ids(store.messages.pop(PROJECT, QUEUE, 10)) == posted[5:10] + posted[510:515]
    clock.advance(61)
    assert ids(store.messages.pop(PROJECT, QUEUE, 10)) == posted[0:5] + posted[515:520]
    newer = post(store, 3)
    store.messages.delete_many(PROJECT, QUEUE, posted[520:])
    assert ids(store.messages.pop(PROJECT, QUEUE, 20)) == newer
    assert store.messages.pop(PROJECT, QUEUE, 20) == []


def test_pop_ignores_delays(store):
    delayed = post(store, 2, delay=300)
    assert listed(store) == []
    assert ids(store.messages.pop(PROJECT, QUEUE, 10)) == delayed


def test_pop_missing_queue(store):
    assert store.messages.pop(PROJECT, "ghost", 5) == []


# --- purge -----------------------------------------------------------------------------

def test_purge_keeps_live_claims(store, clock):
    posted = post(store, 5)
    live_claim, live = claim(store, limit=2, ttl=300)
    assert ids(live) == posted[:2]
    claim(store, limit=1, ttl=60)  # posted[2]: its claim lapses below
    clock.advance(60)
    delayed = post(store, 1, delay=300)
    store.messages.purge(PROJECT, QUEUE)
    assert ids(listed(store, include_claimed=True, include_delayed=True)) == posted[:2]
    assert store.queues.stats(PROJECT, QUEUE).total == 2
    for mid in posted[2:] + delayed:
        assert not exists(store, mid)
    assert ids(store.claims.get(PROJECT, QUEUE, live_claim).messages) == posted[:2]
    store.messages.purge(PROJECT, "ghost")
    assert store.queues.exists(PROJECT, QUEUE)


# --- whole store -----------------------------------------------------------------------

def test_message_volume(store, clock):
    assert store.message_volume().total == 0
    post(store, 3, queue="a")
    post(store, 2, queue="b", project="other")
    post(store, 1, queue="c", project="")
    post(store, 2, queue="a", ttl=60)
    claim(store, queue="a", limit=2, ttl=600)
    claim(store, queue="b", project="other", limit=1, ttl=600)
    volume = store.message_volume()
    assert (volume.total, volume.claimed) == (8, 3)
    clock.advance(60)  # two messages expire
    volume = store.message_volume()
    assert (volume.total, volume.claimed) == (6, 3)


def test_ping(store):
    assert store.ping() is True
