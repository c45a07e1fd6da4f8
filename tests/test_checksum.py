"""``[DEFAULT] enable_checksum``: an MD5 of each posted body, stored and shown in v1.1/v2."""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Iterator

import pytest
import requests

from tests.live_server import (
    SERVER_DRIVERS,
    UNRELIABLE,
    LiveServer,
    start_server,
    stop_server,
)

HEADERS = {"Client-ID": "3d1c8e4a-7b0f-4c55-9a7e-2f6b1d0c9e11", "X-Project-ID": "p1"}
BODIES = [{"order": 1182, "ключ": "значение"}, "text", [1, 2.5]]
ENV = {"ZAQAR_LITE_ENABLE_CHECKSUM": "true"}


@pytest.fixture(scope="module", params=SERVER_DRIVERS)
def checksum_server(request: pytest.FixtureRequest,
                    tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    tmp = tmp_path_factory.mktemp(f"checksum-{request.param}")
    if request.param == "sqlite":
        server = start_server("sqlite-checksum", "sqlite:///checksum.db", tmp, ENV)
    else:
        server = start_server(
            "mongodb-checksum", request.getfixturevalue("mongodb_uri"), tmp,
            {**ENV, **UNRELIABLE,
             "ZAQAR_LITE_MONGODB_DATABASE": f"checksum_{uuid.uuid4().hex[:8]}"})
    yield server
    stop_server(server)


def md5(body: object) -> str:
    return "MD5:" + hashlib.md5(json.dumps(body).encode("utf-8")).hexdigest()


def test_checksums_in_v2_and_v1_1_but_not_v1(checksum_server: LiveServer) -> None:
    queue = f"q{uuid.uuid4().hex[:8]}"
    url = checksum_server.url
    posted = requests.post(f"{url}/v2/queues/{queue}/messages", headers=HEADERS, timeout=30,
                           json={"messages": [{"body": body} for body in [*BODIES, None]]})
    hrefs = posted.json()["resources"]
    for version in ("v2", "v1.1"):
        for href, body in zip(hrefs, BODIES, strict=False):
            got = requests.get(url + href.replace("/v2/", f"/{version}/"), headers=HEADERS,
                               timeout=30).json()
            assert got["checksum"] == md5(body), (version, got)
        null = requests.get(url + hrefs[3].replace("/v2/", f"/{version}/"), headers=HEADERS,
                            timeout=30).json()
        assert "checksum" not in null
        listed = requests.get(f"{url}/{version}/queues/{queue}/messages?echo=true",
                              headers=HEADERS, timeout=30).json()["messages"]
        assert [m.get("checksum") for m in listed] == [*map(md5, BODIES), None]
    claimed = requests.post(f"{url}/v1.1/queues/{queue}/claims?limit=1", headers=HEADERS,
                            timeout=30, json={}).json()["messages"]
    assert claimed[0]["checksum"] == md5(BODIES[0])
    v1 = requests.get(f"{url}/v1/queues/{queue}/messages?echo=true&include_claimed=true",
                      headers=HEADERS, timeout=30).json()["messages"]
    assert all(set(message) == {"href", "ttl", "age", "body"} for message in v1)
