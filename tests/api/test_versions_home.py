"""Version discovery (``GET /``) and the v2 JSON-home document (``GET /v2/``)."""

from __future__ import annotations

import re

import pytest

from tests.api.helpers import assert_error, assert_status
from tests.live_server import Api


def version(version_id: str, status: str, updated: str) -> dict[str, object]:
    media = f"application/vnd.openstack.messaging-v{version_id.replace('.', '_')}+json"
    return {"id": version_id, "status": status, "updated": updated,
            "media-types": [{"base": "application/json", "type": media}],
            "links": [{"href": f"/v{version_id}/", "rel": "self"}]}


# The legacy versions come first, as the reference lists them (README §1.1).
VERSIONS = {
    "versions": [
        version("1", "DEPRECATED", "2014-9-11T17:47:05Z"),
        version("1.1", "DEPRECATED", "2016-7-29T02:22:47Z"),
        version("2", "CURRENT", "2014-9-24T04:06:47Z"),
    ],
}

# rel -> (href-template, allowed methods), README/v2.md §2.
HOME_ENTRIES = {
    "rel/queues": ("/v2/queues{?marker,limit,detailed}", ["GET"]),
    "rel/queue": ("/v2/queues/{queue_name}", ["GET", "PUT", "DELETE", "PATCH"]),
    "rel/queue_stats": ("/v2/queues/{queue_name}/stats", ["GET"]),
    "rel/queue_share": ("/v2/queues/{queue_name}/share", ["POST"]),
    "rel/queue_purge": ("/v2/queues/{queue_name}/purge", ["POST"]),
    "rel/messages": ("/v2/queues/{queue_name}/messages{?marker,limit,echo,include_claimed}",
                     ["GET"]),
    "rel/post_messages": ("/v2/queues/{queue_name}/messages", ["POST"]),
    "rel/messages_delete": ("/v2/queues/{queue_name}/messages{?ids,pop}", ["DELETE"]),
    "rel/message_delete": ("/v2/queues/{queue_name}/messages/{message_id}{?claim}",
                           ["DELETE"]),
    "rel/message_get": ("/v2/queues/{queue_name}/messages/{message_id}", ["GET"]),
    "rel/claim": ("/v2/queues/{queue_name}/claims/{claim_id}", ["GET"]),
    "rel/post_claim": ("/v2/queues/{queue_name}/claims{?limit}", ["POST"]),
    "rel/patch_claim": ("/v2/queues/{queue_name}/claims/{claim_id}", ["PATCH"]),
    "rel/delete_claim": ("/v2/queues/{queue_name}/claims/{claim_id}", ["DELETE"]),
    "rel/subscriptions_get": ("/v2/queues/{queue_name}/subscriptions{?marker,limit}", ["GET"]),
    "rel/subscriptions_post": ("/v2/queues/{queue_name}/subscriptions", ["POST"]),
    "rel/subscription": ("/v2/queues/{queue_name}/subscriptions/{subscriptions_id}",
                         ["GET", "DELETE"]),
    "rel/subscription_patch": ("/v2/queues/{queue_name}/subscriptions/{subscriptions_id}",
                               ["PATCH"]),
    "rel/ping": ("/v2/ping", ["GET"]),
}


def test_version_list_is_300_without_any_header(api: Api) -> None:
    resp = api.get("/", headers={}, replace_headers=True)
    assert_status(resp, 300)
    assert resp.headers["Content-Type"].startswith("application/json")
    assert resp.json() == VERSIONS


def test_version_list_ignores_a_malformed_client_id(api: Api) -> None:
    resp = api.get("/", headers={"Client-ID": "not-a-uuid", "X-Project-ID": ""},
                   replace_headers=True)
    assert_status(resp, 300)
    assert resp.json() == VERSIONS


def test_version_list_still_checks_accept(api: Api) -> None:
    resp = api.get("/", headers={"Accept": "text/plain"}, replace_headers=True)
    assert_error(resp, 406, "406 Not Acceptable")


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "PATCH"])
def test_version_list_other_methods_are_405(api: Api, method: str) -> None:
    resp = api.request(method, "/", headers={}, replace_headers=True)
    assert_error(resp, 405, "405 Method Not Allowed")
    assert "GET" in resp.headers["Allow"]


def test_home_document(api: Api) -> None:
    resp = api.get("/v2/")
    assert_status(resp, 200)
    assert resp.headers["Content-Type"] == "application/json-home"
    assert resp.headers["Cache-Control"] == "max-age=86400"
    resources = resp.json()["resources"]
    for rel, (template, allow) in HOME_ENTRIES.items():
        entry = resources[rel]
        assert entry["href-template"] == template, rel
        assert entry["hints"]["allow"] == allow, rel
        assert entry["hints"]["formats"] == {"application/json": {}}, rel
        if set(allow) <= {"POST", "PATCH"}:
            assert entry["hints"]["accept-post"] == ["application/json"], rel
        else:
            assert "accept-post" not in entry["hints"], rel
        variables = re.findall(r"[{,?]([a-z_]+)", template)
        assert sorted(entry.get("href-vars", {})) == sorted(variables), rel
    assert resources["rel/message_delete"]["href-vars"]["claim"] == "param/claim_id"
    assert resources["rel/queue"]["href-vars"] == {"queue_name": "param/queue_name"}
    assert resources["rel/subscriptions_get"]["href-vars"]["limit"] == "param/subscription_limit"
    assert resources["rel/health"]["href"] == "/v2/health"
    assert resources["rel/health"]["hints"]["allow"] == ["GET"]
    assert set(resources) == set(HOME_ENTRIES) | {"rel/health"}


def test_home_document_requires_client_id(api: Api) -> None:
    resp = api.get("/v2/", headers={"X-Project-ID": api.project}, replace_headers=True)
    assert_error(resp, 400, "Missing header value", 'The "Client-ID" header is required.')


def test_home_document_requires_project(api: Api) -> None:
    resp = api.get("/v2/", headers={"Client-ID": api.client_id}, replace_headers=True)
    assert_error(resp, 400, "Project-Id Missing", "The header X-PROJECT-ID was missing")


@pytest.mark.parametrize("path", ["/v2", "/v2/ping/", "/v2/queues/q/", "/v3/", "/v2//queues",
                                  "/v2/queues/q/stats/", "/nothing"])
def test_no_trailing_slash_normalisation(api: Api, path: str) -> None:
    assert assert_error(api.get(path), 404) == {"title": "404 Not Found"}


def test_unknown_route_is_404_before_header_checks(api: Api) -> None:
    resp = api.get("/v2/nothing", headers={}, replace_headers=True)
    assert assert_error(resp, 404) == {"title": "404 Not Found"}


def test_every_response_carries_a_request_id(api: Api) -> None:
    ids = []
    for resp in (api.get("/"), api.get("/v2/"), api.get("/v2/nothing"), api.get("/v2/ping"),
                 api.get("/v2/queues?limit=0")):
        request_id = resp.headers["x-openstack-request-id"]
        assert re.fullmatch(r"req-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}",
                            request_id), request_id
        ids.append(request_id)
    assert len(set(ids)) == len(ids)
