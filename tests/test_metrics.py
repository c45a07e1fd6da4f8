"""``GET /metrics`` adds up the samples of every worker; the access log names each request."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from prometheus_client.mmap_dict import MmapedDict

from tests.live_server import LiveServer, start_server, stop_server

HEADERS = {"Client-ID": "3d1c8e4a-7b0f-4c55-9a7e-2f6b1d0c9e11", "X-Project-ID": "metrics",
           "Connection": "close"}
THREADS = 16
POSTS_EACH = 10


@pytest.fixture(scope="module")
def metrics_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("metrics-files")


@pytest.fixture(scope="module")
def metered(tmp_path_factory: pytest.TempPathFactory, metrics_dir: Path) -> Iterator[LiveServer]:
    server = start_server("sqlite-metrics", "sqlite:///metrics.db",
                          tmp_path_factory.mktemp("metrics"),
                          {"PROMETHEUS_MULTIPROC_DIR": str(metrics_dir)})
    yield server
    stop_server(server)


def sample(text: str, name: str, **labels: str) -> float:
    """The value of one sample of the exposition, 0 if absent."""
    for line in text.splitlines():
        match = re.fullmatch(rf"{name}(?:\{{(.*)\}})? (\S+)", line)
        if match:
            found = dict(re.findall(r'(\w+)="([^"]*)"', match.group(1) or ""))
            if all(found.get(key) == value for key, value in labels.items()):
                return float(match.group(2))
    return 0.0


def workers_that_served(metrics_dir: Path, route: str) -> set[str]:
    """The processes whose own counter file holds requests to ``route``."""
    served = set()
    for path in metrics_dir.glob("counter_*.db"):
        values = MmapedDict(str(path), read_mode=True).read_all_values()
        if any(route in key and value for key, value, _ in values):
            served.add(path.stem.removeprefix("counter_"))
    return served


def test_counts_add_up_across_workers(metered: LiveServer, metrics_dir: Path) -> None:
    route = "/v2/queues/{queue_name}/messages"
    before = requests.get(f"{metered.url}/metrics", timeout=30).text

    def post() -> None:
        for _ in range(POSTS_EACH):
            resp = requests.post(f"{metered.url}/v2/queues/metered/messages", headers=HEADERS,
                                 json={"messages": [{"body": 1}, {"body": 2}]}, timeout=30)
            assert resp.status_code == 201

    threads = [threading.Thread(target=post) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    resp = requests.get(f"{metered.url}/metrics", timeout=30)
    assert resp.status_code == 200
    assert resp.headers["Content-Type"].startswith("text/plain")
    after = resp.text
    assert len(workers_that_served(metrics_dir, route)) == 2
    posts = THREADS * POSTS_EACH
    labels = {"method": "POST", "route": route, "status": "201"}
    assert (sample(after, "zaqar_http_requests_total", **labels)
            - sample(before, "zaqar_http_requests_total", **labels)) == posts
    assert (sample(after, "zaqar_http_request_duration_seconds_count", method="POST",
                   route=route)
            - sample(before, "zaqar_http_request_duration_seconds_count", method="POST",
                     route=route)) == posts
    assert (sample(after, "zaqar_messages_total", event="posted")
            - sample(before, "zaqar_messages_total", event="posted")) == 2 * posts
    assert (sample(after, "zaqar_store_operation_duration_seconds_count",
                   operation="messages.post")
            - sample(before, "zaqar_store_operation_duration_seconds_count",
                     operation="messages.post")) == posts
    trips = (sample(after, "zaqar_store_round_trips_total", store="sqlite")
             - sample(before, "zaqar_store_round_trips_total", store="sqlite"))
    assert trips >= posts


def test_unknown_routes_are_counted_apart(metered: LiveServer) -> None:
    requests.get(f"{metered.url}/nothing-here", timeout=30)
    text = requests.get(f"{metered.url}/metrics", timeout=30).text
    assert sample(text, "zaqar_http_requests_total", route="(no route)", status="404") >= 1


def test_the_access_log_names_each_request(metered: LiveServer) -> None:
    resp = requests.get(f"{metered.url}/v2/queues", headers=HEADERS, timeout=30)
    request_id = resp.headers["x-openstack-request-id"]
    stop_line = re.compile(rf"{request_id} GET /v2/queues 200 [\d.]+ms project=metrics")
    for _ in range(50):
        if stop_line.search(metered.log()):
            return
        threading.Event().wait(0.1)
    raise AssertionError(f"no access log line for {request_id}")
