"""Fixtures for tests/clients: real client libraries bound to the live server.

Every test gets a fresh project (``project``), so queues never leak between
tests or drivers. ``raw`` is the plain-HTTP helper in that same project, for
checking what the clients did independently of the client's own parsing.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from openstack import connection
from zaqarclient.queues.v2 import client as zaqar_v2

from tests.clients.noauth import sdk_connection, zaqar_client
from tests.live_server import Api, LiveServer


@pytest.fixture
def project() -> str:
    return f"clients-{uuid.uuid4().hex[:12]}"


@pytest.fixture
def raw(server: LiveServer, project: str) -> Iterator[Api]:
    client = Api(server.url, project, str(uuid.uuid4()))
    yield client
    client.session.close()


@pytest.fixture
def conn(server: LiveServer, project: str) -> Iterator[connection.Connection]:
    """openstacksdk Connection (no keystone) for the test's project."""
    c = sdk_connection(server.url, project)
    yield c
    c.close()


@pytest.fixture
def zaqar(server: LiveServer, project: str) -> zaqar_v2.Client:
    """python-zaqarclient v2 Client (noauth backend) for the test's project."""
    return zaqar_client(server.url, project)


@pytest.fixture
def zaqar_peer(server: LiveServer, project: str) -> zaqar_v2.Client:
    """A second zaqarclient in the same project, with its own Client-ID."""
    return zaqar_client(server.url, project, client_uuid=uuid.uuid4().hex)
