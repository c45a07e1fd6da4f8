"""Liveness (``/v2/ping``) and the storage health report (``/v2/health``)."""

from __future__ import annotations

import pytest

from tests.api.helpers import assert_empty, assert_error, assert_status
from tests.live_server import Api

STEPS = ["create_queue", "post_messages", "claim_messages", "list_messages", "delete_messages",
         "delete_claim", "bulk_delete_messages", "delete_queue"]


def test_ping(api: Api) -> None:
    assert_empty(api.get("/v2/ping"))
    resp = api.request("HEAD", "/v2/ping")
    assert_status(resp, 204)
    assert resp.content == b""


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "PATCH"])
def test_ping_other_methods(api: Api, method: str) -> None:
    resp = api.request(method, "/v2/ping")
    assert_error(resp, 405, "405 Method Not Allowed")
    assert "GET" in resp.headers["Allow"] and "HEAD" in resp.headers["Allow"]


def test_health_report(api: Api) -> None:
    resp = api.get("/v2/health")
    assert_status(resp, 200)
    report = resp.json()
    assert set(report) == {"storage_reachable", "operation_status", "message_volume",
                           "notifications"}
    assert report["storage_reachable"] is True
    assert list(report["operation_status"]) == STEPS
    for name, step in report["operation_status"].items():
        assert step["succeeded"] is True, name
        assert step["ref"] is None, name
        assert isinstance(step["seconds"], float) and step["seconds"] >= 0, name
    volume = report["message_volume"]
    assert set(volume) == {"free", "claimed", "total"}
    assert all(isinstance(value, int) and value >= 0 for value in volume.values())
    assert volume["free"] + volume["claimed"] == volume["total"]
    notifications = report["notifications"]
    assert set(notifications) == {"pending", "failed"}
    assert all(isinstance(value, int) and value >= 0 for value in notifications.values())


def test_health_report_counts_every_project(api: Api, make_api) -> None:
    before = api.get("/v2/health").json()["message_volume"]["total"]
    other = make_api()
    resp = other.post("/v2/queues/q/messages", json={"messages": [{"body": 1}] * 3})
    assert_status(resp, 201)
    after = api.get("/v2/health").json()["message_volume"]["total"]
    assert after >= before + 3


def test_health_leaves_nothing_behind_in_the_project(api: Api) -> None:
    assert_status(api.get("/v2/health"), 200)
    assert api.get("/v2/queues").json() == {"queues": [], "links": []}


@pytest.mark.parametrize("method", ["HEAD", "POST", "DELETE"])
def test_health_other_methods(api: Api, method: str) -> None:
    resp = api.request(method, "/v2/health")
    assert_status(resp, 405)
    assert "GET" in resp.headers["Allow"]
