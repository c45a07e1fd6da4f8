"""MongoDB only: commands are counted in ``zaqar_store_round_trips_total`` when
``count_commands`` is set, and not at all (no sample, no listener) otherwise."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from prometheus_client import REGISTRY

from tests.storage.helpers import post
from zaqar_lite.storage import open_store
from zaqar_lite.storage.mongodb.driver import MongoStore


def counted() -> float | None:
    return REGISTRY.get_sample_value("zaqar_store_round_trips_total", {"store": "mongodb"})


@pytest.fixture
def opened(request: pytest.FixtureRequest, mongodb_uri: str,
           _mongodb_admin_client) -> Iterator[MongoStore]:
    database = "t_" + uuid.uuid4().hex
    store = open_store(mongodb_uri, database=database, unreliable=True,
                       count_commands=request.param)
    try:
        yield store  # type: ignore[misc]
    finally:
        store.close()
        _mongodb_admin_client.drop_database(database)


@pytest.mark.parametrize("opened", [True], indirect=True)
def test_a_post_counts_its_two_commands(opened: MongoStore) -> None:
    post(opened)
    before = counted()
    assert before is not None

    post(opened)

    assert counted() == before + 2  # the marker increment and the insert


@pytest.mark.parametrize("opened", [False], indirect=True)
def test_without_counting_no_command_is_watched(opened: MongoStore) -> None:
    post(opened)  # also adds what this thread counted outside any operation (a close)
    before = counted()

    post(opened)

    assert counted() == before
    assert not opened._db.client.options.event_listeners
