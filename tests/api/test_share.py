"""Pre-signed URLs over HTTP: ``POST /v2/queues/{q}/share`` and signed requests
(v2.md §4.8, README §3.6), on both stores."""

from __future__ import annotations

import calendar
import datetime
import time
from collections.abc import Iterator
from typing import Any

import pytest

from tests.api.helpers import assert_error, assert_status
from tests.live_server import SECRET_KEY, Api, LiveServer, start_server, stop_server
from zaqar_lite.signing import DATE_FORMAT, signature

SHARE = "/v2/queues/jobs/share"
INVALID = "Invalid API request"


def share(api: Api, body: Any = None, **kwargs: Any):
    return api.post(SHARE, json={} if body is None else body, **kwargs)


def signed_headers(signed: dict[str, Any], **changes: str) -> dict[str, str]:
    headers = {"URL-Signature": signed["signature"], "URL-Expires": signed["expires"],
               "URL-Methods": ",".join(signed["methods"]),
               "URL-Paths": ",".join(signed["paths"]), "X-Project-ID": signed["project"]}
    headers.update(changes)
    return headers


def test_share_defaults_to_reading_messages_for_a_day(api: Api) -> None:
    resp = share(api)
    assert_status(resp, 200)
    body = resp.json()
    assert set(body) == {"paths", "methods", "project", "expires", "signature"}
    assert body["paths"] == ["/v2/queues/jobs/messages"]
    assert body["methods"] == ["GET"]
    assert body["project"] == api.project
    expires = calendar.timegm(time.strptime(body["expires"], DATE_FORMAT))
    assert abs(expires - (time.time() + 86400)) < 120
    assert body["signature"] == signature(SECRET_KEY, body["paths"], body["methods"],
                                          api.project, body["expires"])


def test_share_sorts_paths_and_methods_and_normalises_expires(api: Api) -> None:
    body = share(api, {"paths": ["subscriptions", "messages", "claims"],
                       "methods": ["POST", "GET"],
                       "expires": "2099-01-01T02:00:00+02:00"}).json()
    assert body["paths"] == ["/v2/queues/jobs/claims", "/v2/queues/jobs/messages",
                             "/v2/queues/jobs/subscriptions"]
    assert body["methods"] == ["GET", "POST"]
    assert body["expires"] == "2099-01-01T00:00:00"


@pytest.mark.parametrize(("body", "description"), [
    ({"project_id": "p"}, "Unknown keys: {'project_id'}"),
    ({"paths": ["queues"]}, "Invalid paths: {'queues'}"),
    ({"methods": "GET"}, "`methods` should be a list"),
    ({"expires": "2000-01-01T00:00:00"}, "`expires` is lower than the current time"),
    ({"expires": "1700000000"}, "`expires` should be date format, for example "
                                "2016-01-01T00:00:00, not integer value: 1700000000"),
    ({"expires": "tomorrow"}, "Unable to parse date string 'tomorrow'"),
])
def test_share_errors(api: Api, body: dict[str, Any], description: str) -> None:
    assert_error(share(api, body), 400, INVALID, description)


def test_share_needs_a_json_object(api: Api) -> None:
    assert_error(api.post(SHARE), 400, "Invalid request body", "Request body could not be parsed.")
    assert_error(share(api, [1]), 400, "Invalid request body")


def test_a_signed_request_reaches_signed_paths_and_sub_paths(api: Api, make_api) -> None:
    api.post("/v2/queues/jobs/messages", json={"messages": [{"body": "secret"}]})
    signed = share(api, {"paths": ["messages"], "methods": ["GET"]}).json()
    holder = make_api(project=api.project)
    headers = signed_headers(signed)
    listed = holder.get("/v2/queues/jobs/messages?echo=true", headers=headers)
    assert_status(listed, 200)
    message = listed.json()["messages"][0]
    assert message["body"] == "secret"
    assert_status(holder.get(message["href"], headers=headers), 200)


@pytest.mark.parametrize(("method", "path", "changes"), [
    ("DELETE", "/v2/queues/jobs/messages?pop=1", {}),
    ("GET", "/v2/queues/jobs/stats", {}),
    ("GET", "/v2/queues/other/messages", {}),
    ("GET", "/v2/queues/jobs/messages", {"URL-Signature": "0" * 64}),
    ("GET", "/v2/queues/jobs/messages", {"URL-Methods": "GET,POST"}),
    ("GET", "/v2/queues/jobs/messages", {"URL-Expires": "2000-01-01T00:00:00"}),
    ("GET", "/v2/queues/jobs/messages", {"URL-Expires": "1700000000"}),
])
def test_a_bad_signed_request_is_a_bare_404(api: Api, method: str, path: str,
                                            changes: dict[str, str]) -> None:
    signed = share(api).json()
    resp = api.request(method, path, headers=signed_headers(signed, **changes))
    assert_status(resp, 404)
    assert resp.json() == {"title": "404 Not Found"}


def test_another_projects_signature_is_a_404(api: Api, make_api) -> None:
    signed = share(api).json()
    other = make_api()
    resp = other.get("/v2/queues/jobs/messages", headers=signed_headers(
        signed, **{"X-Project-ID": other.project}))
    assert_status(resp, 404)


def test_an_expired_signature_is_a_404(api: Api) -> None:
    past = (datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)
            - datetime.timedelta(minutes=1)).strftime(DATE_FORMAT)
    paths, methods = ["/v2/queues/jobs/messages"], ["GET"]
    forged = {"signature": signature(SECRET_KEY, paths, methods, api.project, past),
              "expires": past, "methods": methods, "paths": paths, "project": api.project}
    assert_status(api.get("/v2/queues/jobs/messages", headers=signed_headers(forged)), 404)


def test_signed_requests_still_need_the_other_headers(api: Api) -> None:
    signed = share(api).json()
    resp = api.get("/v2/queues/jobs/messages", replace_headers=True,
                   headers=signed_headers(signed))
    assert_error(resp, 400, "Missing header value")


def test_legacy_versions_check_signatures_too(api: Api) -> None:
    signed = share(api).json()
    resp = api.get("/v1.1/queues/jobs/messages", headers=signed_headers(
        signed, **{"URL-Signature": "0" * 64}))
    assert_status(resp, 404)


@pytest.fixture(scope="module")
def keyless_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    workdir = tmp_path_factory.mktemp("keyless")
    server = start_server("sqlite", "sqlite:///keyless.db", workdir, {})
    yield server
    stop_server(server)


def test_share_without_a_key_is_400(keyless_server: LiveServer) -> None:
    api = Api(keyless_server.url, "project-keyless", "3381af92-2b9e-11e3-b191-71861300734c")
    assert_error(share(api), 400, INVALID, "The `key` can't be None")
    assert_status(api.get("/v2/queues/jobs/messages", headers={
        "URL-Signature": "0" * 64, "URL-Expires": "2099-01-01T00:00:00", "URL-Methods": "GET",
        "URL-Paths": "/v2/queues/jobs/messages"}), 404)
