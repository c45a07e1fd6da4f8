"""Queues: create/exists/metadata/delete, listing, counting, project isolation."""

from __future__ import annotations

import pytest

from zaqar_lite.errors import ClaimDoesNotExist, MessageDoesNotExist, QueueDoesNotExist

from .helpers import PROJECT, QUEUE, claim, ids, listed, post, post_in_batches

OTHER = "project-b"


def names(records):
    return [record.name for record in records]


def test_create_then_exists(store):
    assert store.queues.exists(PROJECT, QUEUE) is False
    assert store.queues.create(PROJECT, QUEUE, {}) is True
    assert store.queues.exists(PROJECT, QUEUE) is True
    assert store.queues.get_metadata(PROJECT, QUEUE) == {}


def test_create_existing_returns_false_and_keeps_metadata(store):
    assert store.queues.create(PROJECT, QUEUE, {"a": 1}) is True
    assert store.queues.create(PROJECT, QUEUE, {"b": 2}) is False
    assert store.queues.get_metadata(PROJECT, QUEUE) == {"a": 1}
    assert store.queues.count(PROJECT) == 1


def test_metadata_round_trips(store):
    metadata = {
        "_default_message_ttl": 120,
        "nested": {"list": [1, 2.5, None, True, "x"], "obj": {"deep": {"k": "v"}}},
        "unicode": "Ωmega ✓ 日本語 🚀",
        "flag": False,
        "empty": {},
    }
    store.queues.create(PROJECT, QUEUE, metadata)
    assert store.queues.get_metadata(PROJECT, QUEUE) == metadata


def test_set_metadata_replaces(store):
    store.queues.create(PROJECT, QUEUE, {"a": 1, "b": 2})
    store.queues.set_metadata(PROJECT, QUEUE, {"c": [3]})
    assert store.queues.get_metadata(PROJECT, QUEUE) == {"c": [3]}
    store.queues.set_metadata(PROJECT, QUEUE, {})
    assert store.queues.get_metadata(PROJECT, QUEUE) == {}


def test_metadata_of_missing_queue_raises(store):
    with pytest.raises(QueueDoesNotExist):
        store.queues.get_metadata(PROJECT, QUEUE)
    with pytest.raises(QueueDoesNotExist):
        store.queues.set_metadata(PROJECT, QUEUE, {"a": 1})
    assert store.queues.exists(PROJECT, QUEUE) is False


def test_delete_removes_queue_and_messages(store):
    store.queues.create(PROJECT, QUEUE, {"a": 1})
    old = post(store, 3)
    claim(store, limit=1)
    store.queues.delete(PROJECT, QUEUE)
    assert store.queues.exists(PROJECT, QUEUE) is False
    assert store.queues.count(PROJECT) == 0
    with pytest.raises(QueueDoesNotExist):
        store.queues.get_metadata(PROJECT, QUEUE)
    with pytest.raises(QueueDoesNotExist):
        store.queues.stats(PROJECT, QUEUE)
    assert store.message_volume().total == 0

    # A re-created queue starts empty, with fresh metadata.
    assert store.queues.create(PROJECT, QUEUE, {}) is True
    assert store.queues.get_metadata(PROJECT, QUEUE) == {}
    assert listed(store, include_claimed=True, include_delayed=True) == []
    assert store.messages.get_many(PROJECT, QUEUE, old) == []
    for mid in old:
        with pytest.raises(MessageDoesNotExist):
            store.messages.get(PROJECT, QUEUE, mid)
    assert store.queues.stats(PROJECT, QUEUE).total == 0
    assert claim(store) == (None, [])


def test_a_deep_queue_created_again_serves_its_new_messages(store):
    """Whatever was learnt of the deleted queue's depth, the new one's messages are
    listed, counted and claimed in FIFO order."""
    post_in_batches(store, 700)
    for _ in range(3):
        claim(store, ttl=3600, limit=20)
    store.queues.delete(PROJECT, QUEUE)
    fresh = post(store, 30)
    assert ids(store.messages.list(PROJECT, QUEUE, limit=10)) == fresh[:10]
    assert ids(listed(store)) == fresh
    stats = store.queues.stats(PROJECT, QUEUE)
    assert (stats.total, stats.oldest.id, stats.newest.id) == (30, fresh[0], fresh[-1])
    _, claimed = claim(store, limit=20)
    assert ids(claimed) == fresh[:20]
    assert ids(listed(store)) == fresh[20:]


def test_delete_missing_queue_is_noop(store):
    store.queues.delete(PROJECT, "ghost")
    assert store.queues.exists(PROJECT, "ghost") is False


def test_delete_leaves_other_queues_alone(store):
    post(store, 2, queue="keep")
    post(store, 2, queue="drop")
    store.queues.delete(PROJECT, "drop")
    assert store.queues.exists(PROJECT, "keep")
    assert len(listed(store, queue="keep")) == 2


def test_list_sorted_by_name_with_marker_and_limit(store):
    wanted = ["alpha", "beta", "delta", "epsilon", "gamma", "zeta", "a-1", "b_2", "Capital"]
    for name in reversed(wanted):
        store.queues.create(PROJECT, name, {"name": name})
    expected = sorted(wanted)
    assert names(store.queues.list(PROJECT, limit=100)) == expected
    assert names(store.queues.list(PROJECT)) == expected[:10]
    assert names(store.queues.list(PROJECT, limit=3)) == expected[:3]
    assert names(store.queues.list(PROJECT, marker="beta", limit=100)) == [
        n for n in expected if n > "beta"]
    # marker need not be an existing name
    assert names(store.queues.list(PROJECT, marker="c", limit=100)) == [
        n for n in expected if n > "c"]
    assert store.queues.list(PROJECT, marker="zzz") == []

    # Paging by marker visits each queue once, in order.
    seen, marker = [], None
    while True:
        page = store.queues.list(PROJECT, marker=marker, limit=2)
        if not page:
            break
        assert len(page) <= 2
        seen += names(page)
        marker = page[-1].name
    assert seen == expected

    records = {r.name: r.metadata for r in store.queues.list(PROJECT, limit=100)}
    assert records == {name: {"name": name} for name in wanted}


def test_list_name_contains_is_plain_substring(store):
    for name in ["orders", "orders-eu", "my-orders", "ord", "alpha", "x.y", "x_y"]:
        store.queues.create(PROJECT, name, {})
    assert names(store.queues.list(PROJECT, name_contains="orders", limit=100)) == [
        "my-orders", "orders", "orders-eu"]
    assert names(store.queues.list(PROJECT, name_contains="rd", limit=100)) == [
        "my-orders", "ord", "orders", "orders-eu"]
    assert names(store.queues.list(PROJECT, name_contains="orders", limit=2)) == [
        "my-orders", "orders"]
    assert names(store.queues.list(PROJECT, name_contains="orders", marker="my-orders",
                                   limit=100)) == ["orders", "orders-eu"]
    # Regex metacharacters are literal text.
    assert names(store.queues.list(PROJECT, name_contains=".", limit=100)) == ["x.y"]
    assert names(store.queues.list(PROJECT, name_contains="x.y", limit=100)) == ["x.y"]
    assert names(store.queues.list(PROJECT, name_contains="_", limit=100)) == ["x_y"]
    assert names(store.queues.list(PROJECT, name_contains="x_y", limit=100)) == ["x_y"]
    for pattern in ["l.h", ".*", "^ord", "ers$", "or+d", "(", "[a-z]", "alph?a", "a|x", "\\",
                    "%", "x%y", "o*"]:
        assert store.queues.list(PROJECT, name_contains=pattern, limit=100) == [], pattern


def test_list_metadata_filters(store):
    store.queues.create(PROJECT, "q-int", {"n": 1, "color": "red"})
    store.queues.create(PROJECT, "q-bool", {"n": True, "color": "red"})
    store.queues.create(PROJECT, "q-str", {"n": "1", "color": "blue"})
    store.queues.create(PROJECT, "q-two", {"n": 2, "color": "red", "size": "xl"})
    store.queues.create(PROJECT, "q-none", {})

    def filtered(**filters):
        return names(store.queues.list(PROJECT, limit=100, metadata_filters=filters))

    assert filtered(n=1) == ["q-int"]  # boolean true is not the integer 1
    assert filtered(n="1") == ["q-str"]
    assert filtered(color="red") == ["q-bool", "q-int", "q-two"]
    assert filtered(color="red", size="xl") == ["q-two"]
    assert filtered(color="red", n=2) == ["q-two"]
    assert filtered(color="blue", n=1) == []
    assert filtered(missing="x") == []
    assert names(store.queues.list(PROJECT, limit=100, metadata_filters={})) == [
        "q-bool", "q-int", "q-none", "q-str", "q-two"]


def test_metadata_with_awkward_keys_and_operator_like_values(store):
    awkward = {"a.b": 1, "$x": "y", "k": {"$gt": 1}, "": "empty", "list": [1, 2]}
    store.queues.create(PROJECT, "awkward", awkward)
    store.queues.create(PROJECT, "plain", {"k": 5, "list": 1, "a": {"b": 1}})
    assert store.queues.get_metadata(PROJECT, "awkward") == awkward

    def filtered(filters):
        return names(store.queues.list(PROJECT, limit=100, metadata_filters=filters))

    assert filtered({"a.b": 1}) == ["awkward"]  # a key with a dot, not a path
    assert filtered({"$x": "y"}) == ["awkward"]
    assert filtered({"": "empty"}) == ["awkward"]
    assert filtered({"k": {"$gt": 1}}) == ["awkward"]  # a value, not an operator
    assert filtered({"k": {"$gt": 0}}) == []
    assert filtered({"list": [1, 2]}) == ["awkward"]
    assert filtered({"list": 1}) == ["plain"]  # no match inside arrays
    assert filtered({"a": {"b": 1}}) == ["plain"]


def test_list_metadata_filters_match_64_bit_integers(store):
    store.queues.create(PROJECT, "q-big", {"n": 2**40, "m": -2**63})
    store.queues.create(PROJECT, "q-small", {"n": 1})
    found = store.queues.list(PROJECT, limit=100, metadata_filters={"n": 2**40, "m": -2**63})
    assert names(found) == ["q-big"]
    assert store.queues.get_metadata(PROJECT, "q-big") == {"n": 2**40, "m": -2**63}


def test_list_metadata_filters_with_paging(store):
    # Matches are sparse among many queues: limit counts matches, not scanned queues.
    for index in range(30):
        store.queues.create(PROJECT, f"q{index:02d}", {"even": index % 2 == 0 and "yes" or "no"})
    page = store.queues.list(PROJECT, limit=4, metadata_filters={"even": "yes"})
    assert names(page) == ["q00", "q02", "q04", "q06"]
    page = store.queues.list(PROJECT, marker="q06", limit=4, metadata_filters={"even": "yes"})
    assert names(page) == ["q08", "q10", "q12", "q14"]
    page = store.queues.list(PROJECT, marker="q06", limit=100, metadata_filters={"even": "yes"},
                             name_contains="1")
    assert names(page) == ["q10", "q12", "q14", "q16", "q18"]


def test_count(store):
    assert store.queues.count(PROJECT) == 0
    for name in ["a", "b", "c"]:
        store.queues.create(PROJECT, name, {})
    post(store, queue="d")  # created by post
    store.queues.create(OTHER, "a", {})
    store.queues.create("", "a", {})
    assert store.queues.count(PROJECT) == 4
    assert store.queues.count(OTHER) == 1
    assert store.queues.count("") == 1
    store.queues.delete(PROJECT, "b")
    assert store.queues.count(PROJECT) == 3


def test_project_isolation(store, clock):
    for project in [PROJECT, OTHER, ""]:
        store.queues.create(project, QUEUE, {"owner": project})
    a = post(store, 2, project=PROJECT, bodies=["a1", "a2"])
    b = post(store, 1, project=OTHER, bodies=["b1"])
    g = post(store, 3, project="", bodies=["g1", "g2", "g3"])

    assert store.queues.get_metadata(OTHER, QUEUE) == {"owner": OTHER}
    assert store.queues.get_metadata("", QUEUE) == {"owner": ""}
    assert [m.body for m in listed(store, project=PROJECT)] == ["a1", "a2"]
    assert [m.body for m in listed(store, project=OTHER)] == ["b1"]
    assert [m.body for m in listed(store, project="")] == ["g1", "g2", "g3"]
    assert names(store.queues.list(OTHER)) == [QUEUE]
    assert store.queues.stats(PROJECT, QUEUE).total == 2
    assert store.queues.stats("", QUEUE).total == 3

    # Ids are only found in their own project.
    assert store.messages.get_many(OTHER, QUEUE, a + g) == []
    with pytest.raises(MessageDoesNotExist):
        store.messages.get(OTHER, QUEUE, a[0])
    with pytest.raises(MessageDoesNotExist):
        store.messages.get(PROJECT, QUEUE, g[0])

    # Claims, deletes and pops stay within a project.
    claim_id, claimed = claim(store, project=OTHER)
    assert [m.id for m in claimed] == b
    assert store.queues.stats(PROJECT, QUEUE).claimed == 0
    with pytest.raises(ClaimDoesNotExist):
        store.claims.get(PROJECT, QUEUE, claim_id)
    store.messages.delete(PROJECT, QUEUE, b[0], None)
    store.messages.delete_many(PROJECT, QUEUE, b + g)
    assert store.messages.get(OTHER, QUEUE, b[0]).id == b[0]
    assert store.queues.stats("", QUEUE).total == 3
    assert store.messages.pop(OTHER, QUEUE, 5) == []  # b1 is claimed
    assert ids(store.messages.pop("", QUEUE, 1)) == g[:1]
    assert store.queues.stats(PROJECT, QUEUE).total == 2

    # Deleting one project's queue leaves the others.
    store.queues.delete(PROJECT, QUEUE)
    assert store.queues.exists(OTHER, QUEUE) and store.queues.exists("", QUEUE)
    assert store.messages.get(OTHER, QUEUE, b[0]).body == "b1"
    assert len(listed(store, project="")) == 2

