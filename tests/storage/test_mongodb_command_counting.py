"""MongoDB only: commands are counted in ``zaqar_store_round_trips_total`` when
``count_commands`` is set, and not at all (no sample, no listener) otherwise."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from prometheus_client import REGISTRY

from tests.storage.helpers import post


def counted() -> float | None:
    return REGISTRY.get_sample_value("zaqar_store_round_trips_total", {"store": "mongodb"})


def test_a_post_counts_its_two_commands(open_mongodb_store: Callable[..., Any]) -> None:
    store = open_mongodb_store(count_commands=True)
    post(store)
    before = counted()
    assert before is not None

    post(store)

    assert counted() == before + 2  # the marker increment and the insert


def test_without_counting_no_command_is_watched(open_mongodb_store: Callable[..., Any]) -> None:
    store = open_mongodb_store(count_commands=False)
    post(store)  # also adds what this thread counted outside any operation (a close)
    before = counted()

    post(store)

    assert counted() == before
    assert not store._db.client.options.event_listeners
