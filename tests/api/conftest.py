"""Fixtures of the HTTP API suite (the live servers come from tests/live_server.py).

Every client a test uses drops its project's queues afterwards: the servers
live for the whole session, and a store that only ever grows makes the
MongoDB emulator's scans, and so the later tests, slower.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator

import pytest

from tests.live_server import Api, LiveServer


def drop_queues(client: Api) -> None:
    """Delete every queue of the client's project (with their messages)."""
    while True:
        queues = client.get("/v2/queues?limit=20").json()["queues"]
        if not queues:
            return
        for queue in queues:
            resp = client.delete(f"/v2/queues/{queue['name']}")
            assert resp.status_code == 204, resp.text


@pytest.fixture(autouse=True)
def _clean_project(api: Api) -> Iterator[None]:
    yield
    drop_queues(api)


@pytest.fixture
def make_api(server: LiveServer) -> Iterator[Callable[..., Api]]:
    """Build more clients of the same server: another project and/or Client-ID."""
    made: list[Api] = []

    def make(project: str | None = None, client_id: str | None = None) -> Api:
        client = Api(server.url, project or f"project-{uuid.uuid4().hex[:12]}",
                     client_id or str(uuid.uuid4()))
        made.append(client)
        return client

    yield make
    for client in made:
        drop_queues(client)
        client.session.close()
