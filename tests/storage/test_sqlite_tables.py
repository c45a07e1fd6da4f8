"""SQLite only: what the tables keep so that requests stay cheap: the expiry sweep
works queue by queue and keeps each queue's message count, the claim indexes hold only
claimed messages, and only queues that had subscriptions look for them."""

from __future__ import annotations

import sqlite3

from zaqar_lite.storage import open_store
from zaqar_lite.storage.base import NewMessage
from zaqar_lite.storage.sqlite import database
from zaqar_lite.storage.sqlite.database import EXPIRY_SWEEP_SECONDS


def post(store, queue: str, ttl: int, count: int = 1) -> None:
    store.messages.post("p", queue, [NewMessage(body=queue, ttl=ttl)] * count, None,
                        create_queue=True)


def test_the_sweep_deletes_expired_messages_of_every_queue(tmp_path, clock):
    path = tmp_path / "sweep.db"
    store = open_store(f"sqlite:///{path}", clock=clock)
    try:
        post(store, "short", ttl=60, count=3)
        post(store, "mixed", ttl=60, count=2)
        post(store, "mixed", ttl=3600)
        clock.advance(61 + EXPIRY_SWEEP_SECONDS)
        post(store, "short", ttl=3600)  # a write runs the sweep
        with sqlite3.connect(path) as conn:
            rows = dict(conn.execute(
                "SELECT queue, COUNT(*) FROM messages GROUP BY queue").fetchall())
            counts = dict(conn.execute("SELECT name, messages FROM queues").fetchall())
        assert rows == {"short": 1, "mixed": 1}
        assert counts == {"short": 1, "mixed": 1}
        assert store.queues.stats("p", "short").total == 1
        assert store.queues.stats("p", "mixed").total == 1
    finally:
        store.close()


def test_a_sweep_deletes_a_bounded_batch_and_one_that_fills_it_goes_on(
        tmp_path, clock, monkeypatch):
    """No sweep holds the write lock for a whole backlog: it deletes at most
    ``EXPIRY_SWEEP_ROWS`` messages, and the next post sweeps again at once."""
    monkeypatch.setattr(database, "EXPIRY_SWEEP_ROWS", 3)
    path = tmp_path / "batches.db"
    store = open_store(f"sqlite:///{path}", clock=clock)

    def stored() -> int:
        with sqlite3.connect(path) as conn:
            return conn.execute("SELECT COUNT(*) FROM messages WHERE queue = 'old'").fetchone()[0]

    try:
        post(store, "old", ttl=60, count=7)
        clock.advance(61)
        left = []
        for _ in range(3):
            post(store, "new", ttl=3600)  # each post at the same moment
            left.append(stored())
        assert left == [4, 1, 0]
        assert store.queues.stats("p", "old").total == 0
    finally:
        store.close()


def test_claim_indexes_hold_only_claimed_messages(tmp_path, clock):
    """A post writes no entry into the indexes of claimed messages."""
    path = tmp_path / "indexes.db"
    store = open_store(f"sqlite:///{path}", clock=clock)
    try:
        post(store, "q", ttl=300, count=4)
        store.claims.create("p", "q", ttl=60, grace=60, limit=1)
        with sqlite3.connect(path) as conn:
            for index in ("messages_claimed_marker", "messages_claimed_expires"):
                (entries,) = conn.execute(
                    f"SELECT COUNT(*) FROM messages INDEXED BY {index} "
                    "WHERE project = 'p' AND queue = 'q' AND claim_id IS NOT NULL").fetchone()
                assert entries == 1, index
        assert store.queues.stats("p", "q").claimed == 1
    finally:
        store.close()


def test_only_queues_that_had_subscriptions_look_for_them(tmp_path, clock):
    """A post to a queue never subscribed to runs no subscription lookup; one to a
    queue subscribed to before it existed does."""
    path = tmp_path / "flag.db"
    store = open_store(f"sqlite:///{path}", clock=clock)
    try:
        post(store, "plain", ttl=300)
        store.subscriptions.create("p", "later", "http://127.0.0.1:9/hook", 3600, {})
        post(store, "later", ttl=300)
        with sqlite3.connect(path) as conn:
            flags = dict(conn.execute("SELECT name, subscribed FROM queues").fetchall())
        assert flags == {"plain": 0, "later": 1}
    finally:
        store.close()
