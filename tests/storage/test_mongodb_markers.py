"""MongoDB only: a queue counter that fell behind its messages (data restored or
edited by hand) is caught up by the unique marker index, and the post still lands,
whether it holds one message (``insert_one``) or several (``insert_many``)."""

from __future__ import annotations

import pytest

from zaqar_lite.storage.base import NewMessage

pytestmark = pytest.mark.parametrize("store", ["mongodb"], indirect=True)


@pytest.mark.parametrize("count", [1, 3])
def test_a_post_after_the_counter_fell_behind_lands_past_the_last_marker(store, count):
    store.messages.post("p", "q", [NewMessage(body=n, ttl=300) for n in range(4)], None,
                        create_queue=True)
    store._db.queue_docs.update_one({"p": "p", "n": "q"}, {"$set": {"c": 1}})

    ids = store.messages.post("p", "q", [NewMessage(body="new", ttl=300)] * count, None,
                              create_queue=False)

    docs = list(store._db.message_docs.find({"p": "p", "q": "q"}, {"k": 1}).sort("k"))
    assert [doc["k"] for doc in docs] == list(range(1, 5 + count))
    assert [str(doc["_id"]) for doc in docs[4:]] == ids
