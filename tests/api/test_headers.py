"""Request pipeline: Content-Type, Accept, Client-ID, X-Project-ID and their precedence."""

from __future__ import annotations

import uuid

import pytest

from tests.api.helpers import (
    INVALID_QUEUE,
    INVALID_QUEUE_TEXT,
    assert_empty,
    assert_error,
    assert_status,
    list_messages,
    post_messages,
)
from tests.live_server import Api

NOT_ACCEPTABLE = ("Endpoint only serves `application/json`; specify client-side media type "
                  'support with the "Accept" header.')
MISSING_CLIENT = 'The "Client-ID" header is required.'

# One request per v2 route family; each must run the header checks.
ROUTES = [
    ("GET", "/v2/"),
    ("GET", "/v2/ping"),
    ("HEAD", "/v2/ping"),
    ("GET", "/v2/health"),
    ("GET", "/v2/queues"),
    ("PUT", "/v2/queues/q"),
    ("GET", "/v2/queues/q"),
    ("PATCH", "/v2/queues/q"),
    ("DELETE", "/v2/queues/q"),
    ("GET", "/v2/queues/q/stats"),
    ("POST", "/v2/queues/q/purge"),
    ("POST", "/v2/queues/q/messages"),
    ("GET", "/v2/queues/q/messages"),
    ("DELETE", "/v2/queues/q/messages?pop=1"),
    ("GET", "/v2/queues/q/messages/5f1e8a2b9c0d4e5f6a7b8c9d"),
    ("DELETE", "/v2/queues/q/messages/5f1e8a2b9c0d4e5f6a7b8c9d"),
    ("POST", "/v2/queues/q/claims"),
    ("GET", "/v2/queues/q/claims/5f1e8a2b9c0d4e5f6a7b8c9d"),
    ("PATCH", "/v2/queues/q/claims/5f1e8a2b9c0d4e5f6a7b8c9d"),
    ("DELETE", "/v2/queues/q/claims/5f1e8a2b9c0d4e5f6a7b8c9d"),
]


def check_error(resp, status: int, title: str, description: str | None) -> None:
    if resp.request.method == "HEAD":
        assert_status(resp, status)
    else:
        assert_error(resp, status, title, description)


@pytest.mark.parametrize(("method", "path"), ROUTES)
def test_client_id_is_required_everywhere(api: Api, method: str, path: str) -> None:
    resp = api.request(method, path, headers={"X-Project-ID": api.project}, replace_headers=True)
    check_error(resp, 400, "Missing header value", MISSING_CLIENT)


@pytest.mark.parametrize(("method", "path"), ROUTES)
def test_project_is_required_everywhere(api: Api, method: str, path: str) -> None:
    resp = api.request(method, path, headers={"Client-ID": api.client_id}, replace_headers=True)
    check_error(resp, 400, "Project-Id Missing", "The header X-PROJECT-ID was missing")


@pytest.mark.parametrize(("method", "path"), ROUTES)
def test_empty_project_is_rejected_everywhere(api: Api, method: str, path: str) -> None:
    resp = api.request(method, path, headers={"X-Project-ID": ""})
    check_error(resp, 400, "Empty project header not allowed",
                "X-PROJECT-ID cannot be an empty string. Specify the right header X-PROJECT-ID "
                "and retry.")


@pytest.mark.parametrize("client_id", [
    "", "0xdeadbeef", "3381af922b9e11e3b19171861300734", "3381af922b9e11e3b19171861300734c0",
    "3381af922b9e11e3b19171861300734g", "not a uuid at all", "urn:uuid:", "{}",
])
def test_malformed_client_id(api: Api, client_id: str) -> None:
    resp = api.get("/v2/queues", headers={"Client-ID": client_id})
    assert_error(resp, 400, "Wrong UUID value", "Malformed hexadecimal UUID.")


@pytest.mark.parametrize("client_id", [
    "3381af92-2b9e-11e3-b191-71861300734c",
    "3381af922b9e11e3b19171861300734c",
    "3381AF92-2B9E-11E3-B191-71861300734C",
    "urn:uuid:3381af92-2b9e-11e3-b191-71861300734c",
    "{3381af92-2b9e-11e3-b191-71861300734c}",
    "3381-af922b9e11e3b191-71861300734c",
])
def test_uuid_spellings_are_accepted(api: Api, client_id: str) -> None:
    assert_status(api.get("/v2/queues", headers={"Client-ID": client_id}), 200)
    assert_empty(api.get("/v2/ping", headers={"Client-ID": client_id}))


def test_client_id_header_name_is_case_insensitive(api: Api) -> None:
    resp = api.get("/v2/queues", headers={"client-id": api.client_id,
                                          "x-project-id": api.project}, replace_headers=True)
    assert_status(resp, 200)


def test_project_id_up_to_256_characters(api: Api, make_api) -> None:
    project = "p" * 256
    client = make_api(project=project)
    assert_status(client.put("/v2/queues/q"), 201)
    assert [q["name"] for q in client.get("/v2/queues").json()["queues"]] == ["q"]


@pytest.mark.parametrize(("method", "path"), [
    ("PUT", "/v2/queues/q"), ("GET", "/v2/queues/q"), ("GET", "/v2/queues/q/stats"),
    ("POST", "/v2/queues/q/messages"), ("POST", "/v2/queues/q/claims"),
    ("GET", "/v2/queues/q/claims/5f1e8a2b9c0d4e5f6a7b8c9d"),
])
def test_project_id_over_256_characters_on_queue_routes(
    api: Api, method: str, path: str
) -> None:
    resp = api.request(method, path, headers={"X-Project-ID": "p" * 257})
    assert_error(resp, 400, INVALID_QUEUE, INVALID_QUEUE_TEXT)


def test_long_project_id_is_fine_without_a_queue_in_the_path(api: Api) -> None:
    resp = api.get("/v2/queues", headers={"X-Project-ID": "p" * 300})
    assert resp.json() == {"queues": [], "links": []}


def test_project_id_is_case_sensitive_and_scopes_everything(api: Api, make_api) -> None:
    other = make_api(project=api.project.upper())
    assert_status(api.put("/v2/queues/shared", json={"owner": "lower"}), 201)
    post_messages(api, "shared", 2)
    assert_status(other.put("/v2/queues/shared", json={"owner": "upper"}), 201)
    assert other.get("/v2/queues/shared").json()["owner"] == "upper"
    assert api.get("/v2/queues/shared").json()["owner"] == "lower"
    assert list_messages(other, "shared") == {"messages": [], "links": []}
    assert other.get("/v2/queues/shared/stats").json()["messages"]["total"] == 0
    assert len(list_messages(api, "shared", "echo=true")["messages"]) == 2


@pytest.mark.parametrize("header", ["X-Tenant-Id", "X-Tenant"])
def test_tenant_headers_are_project_fallbacks(api: Api, header: str) -> None:
    assert_status(api.put("/v2/queues/tenanted"), 201)
    resp = api.get("/v2/queues", headers={"Client-ID": api.client_id, header: api.project},
                   replace_headers=True)
    assert [q["name"] for q in resp.json()["queues"]] == ["tenanted"]


@pytest.mark.parametrize("accept", ["text/plain", "application/xml", "text/html",
                                    "application/json;q=0, text/plain"])
def test_not_acceptable(api: Api, accept: str) -> None:
    resp = api.get("/v2/queues", headers={"Accept": accept})
    body = assert_error(resp, 406, "406 Not Acceptable", NOT_ACCEPTABLE)
    assert body["link"] == {"text": "14.1 Accept, Hypertext Transfer Protocol -- HTTP/1.1",
                            "href": "http://www.w3.org/Protocols/rfc2616/rfc2616-sec14.html",
                            "rel": "help"}


@pytest.mark.parametrize("accept", [None, "*/*", "application/*", "application/json",
                                    "text/plain, application/json;q=0.5"])
def test_acceptable(api: Api, accept: str | None) -> None:
    resp = api.get("/v2/queues", headers={"Accept": accept})
    assert resp.json() == {"queues": [], "links": []}


@pytest.mark.parametrize("content_type", ["application/x-www-form-urlencoded",
                                          "Application/X-WWW-Form-URLEncoded; charset=utf-8"])
@pytest.mark.parametrize(("method", "path"), [
    ("PUT", "/v2/queues/q"), ("POST", "/v2/queues/q/messages"), ("POST", "/v2/queues/q/claims"),
    ("GET", "/v2/queues"), ("POST", "/v2/queues/q/purge"),
])
def test_form_encoded_bodies_are_rejected(
    api: Api, content_type: str, method: str, path: str
) -> None:
    resp = api.request(method, path, data="a=b", headers={"Content-Type": content_type})
    assert_error(resp, 400, "Invalid Content-Type")
    assert api.get("/v2/queues").json()["queues"] == []


def test_form_content_type_without_a_body_is_fine(api: Api) -> None:
    resp = api.put("/v2/queues/q", headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert_status(resp, 201)


def test_content_type_is_otherwise_not_checked(api: Api) -> None:
    resp = api.put("/v2/queues/q", data='{"k": 1}', headers={"Content-Type": "text/plain"})
    assert_status(resp, 201)
    assert api.get("/v2/queues/q").json()["k"] == 1
    resp = api.post("/v2/queues/q/messages", data='{"messages": [{"body": 1}]}')
    assert_status(resp, 201)


def test_chunked_body_counts_as_no_body(api: Api) -> None:
    chunks = iter([b'{"messages": ', b'[{"body": 1}]}'])
    resp = api.post("/v2/queues/q/messages", data=chunks,
                    headers={"Content-Type": "application/json"})
    assert "Transfer-Encoding" in resp.request.headers
    assert_error(resp, 400, "Invalid request body", "Request body can not be empty")


# Several defects at once: the earliest pipeline stage decides (README §2).
def test_form_body_beats_accept_and_headers(api: Api) -> None:
    resp = api.post("/v2/queues/bad@name/messages", data="a=b", replace_headers=True,
                    headers={"Content-Type": "application/x-www-form-urlencoded",
                             "Accept": "text/plain"})
    assert_error(resp, 400, "Invalid Content-Type")


def test_accept_beats_client_id(api: Api) -> None:
    resp = api.get("/v2/queues/bad@name", headers={"Accept": "text/plain"},
                   replace_headers=True)
    assert_error(resp, 406, "406 Not Acceptable", NOT_ACCEPTABLE)


def test_client_id_beats_project(api: Api) -> None:
    resp = api.get("/v2/queues/bad@name", headers={"Client-ID": "nope"}, replace_headers=True)
    assert_error(resp, 400, "Wrong UUID value", "Malformed hexadecimal UUID.")


def test_project_beats_queue_name(api: Api) -> None:
    resp = api.get("/v2/queues/bad@name", headers={"Client-ID": api.client_id},
                   replace_headers=True)
    assert_error(resp, 400, "Project-Id Missing", "The header X-PROJECT-ID was missing")


def test_queue_name_beats_method_not_allowed(api: Api) -> None:
    resp = api.request("POST", "/v2/queues/bad@name")
    assert_error(resp, 400, INVALID_QUEUE, INVALID_QUEUE_TEXT)


def test_header_checks_beat_method_not_allowed(api: Api) -> None:
    resp = api.request("POST", "/v2/queues/q", headers={}, replace_headers=True)
    assert_error(resp, 400, "Missing header value", MISSING_CLIENT)


def test_queue_name_beats_body_errors(api: Api) -> None:
    resp = api.post("/v2/queues/" + "a" * 65 + "/messages", data="{not json")
    assert_error(resp, 400, INVALID_QUEUE, INVALID_QUEUE_TEXT)


def test_error_responses_vary_on_accept_and_are_json(api: Api) -> None:
    for resp in (api.get("/v2/queues?limit=0"), api.get("/v2/nothing"),
                 api.post("/v2/queues/q"), api.get("/v2/queues/q", headers={"Accept": "a/b"})):
        assert "Accept" in resp.headers["Vary"]
        assert resp.headers["Content-Type"] == "application/json"
        assert isinstance(resp.json()["title"], str)


def test_no_content_responses_have_no_body_or_type(api: Api) -> None:
    assert_empty(api.get("/v2/ping"))
    assert_status(api.put("/v2/queues/q"), 201)
    assert_empty(api.put("/v2/queues/q"))
    assert_empty(api.delete("/v2/queues/q"))
    assert_empty(api.post("/v2/queues/q/claims"))


def test_json_responses_are_raw_utf8(api: Api) -> None:
    body = {"text": "héllo wörld ✓ 日本"}
    resp = api.post("/v2/queues/q/messages", json={"messages": [{"body": body}]})
    assert_status(resp, 201)
    listed = api.get("/v2/queues/q/messages?echo=true")
    assert "héllo wörld ✓ 日本".encode() in listed.content
    assert listed.json()["messages"][0]["body"] == body


def test_user_agent_is_not_used_for_echo(api: Api) -> None:
    post_messages(api, "q", 1, headers={"User-Agent": str(uuid.uuid4())})
    assert list_messages(api, "q")["messages"] == []
