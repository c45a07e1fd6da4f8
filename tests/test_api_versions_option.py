"""``[DEFAULT] enable_deprecated_api_versions``: which legacy versions are mounted."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from tests.live_server import LiveServer, start_server, stop_server

HEADERS = {"Client-ID": "3d1c8e4a-7b0f-4c55-9a7e-2f6b1d0c9e11", "X-Project-ID": "p1"}


def serve_with(tmp: Path, value: str, *, via_ini: bool) -> LiveServer:
    """A server whose option is set in a zaqar.conf, or in the environment."""
    env = {}
    if via_ini:
        conf = tmp / "zaqar.conf"
        conf.write_text(f"[DEFAULT]\nenable_deprecated_api_versions = {value}\n")
        env["ZAQAR_LITE_CONFIG"] = str(conf)
    else:
        env["ZAQAR_LITE_DEPRECATED_API_VERSIONS"] = value
    return start_server(f"versions-{value or 'none'}", "sqlite:///versions.db", tmp, env)


@pytest.fixture(scope="module")
def only_v1_1(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    server = serve_with(tmp_path_factory.mktemp("only-v1-1"), "1.1", via_ini=True)
    yield server
    stop_server(server)


@pytest.fixture(scope="module")
def no_legacy(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    server = serve_with(tmp_path_factory.mktemp("no-legacy"), "", via_ini=False)
    yield server
    stop_server(server)


def listed(server: LiveServer) -> list[str]:
    resp = requests.get(server.url + "/", timeout=30)
    assert resp.status_code == 300
    return [version["id"] for version in resp.json()["versions"]]


def test_a_version_that_is_off_has_no_routes_and_is_not_listed(only_v1_1: LiveServer) -> None:
    assert listed(only_v1_1) == ["1.1", "2"]
    for path in ("/v1/", "/v1/queues", "/v1/health", "/v1/queues/q", "/v1/queues/q/metadata"):
        resp = requests.get(only_v1_1.url + path, headers=HEADERS, timeout=30)
        assert resp.status_code == 404, path
        assert resp.json() == {"title": "404 Not Found"}
    for path in ("/v1.1/queues", "/v2/queues"):
        assert requests.get(only_v1_1.url + path, headers=HEADERS, timeout=30).status_code == 200


def test_an_empty_value_serves_v2_alone(no_legacy: LiveServer) -> None:
    assert listed(no_legacy) == ["2"]
    for path in ("/v1/", "/v1.1/", "/v1.1/queues"):
        assert requests.get(no_legacy.url + path, headers=HEADERS, timeout=30).status_code == 404
    assert requests.get(no_legacy.url + "/v2/ping", headers=HEADERS, timeout=30).status_code == 204


def test_an_unknown_version_stops_startup() -> None:
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "-m", "zaqar_lite", "serve"], capture_output=True, text=True,
        timeout=60, env={"ZAQAR_LITE_DEPRECATED_API_VERSIONS": "1,3", "PATH": ""},
    )
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "zaqar-lite: invalid value for [DEFAULT] enable_deprecated_api_versions (environment "
        "ZAQAR_LITE_DEPRECATED_API_VERSIONS): expected a comma list of 1, 1.1, got '1,3'"]
