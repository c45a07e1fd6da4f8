"""Queue metadata updates: ``PATCH /v2/queues/{name}`` with a JSON-patch-like body."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.api.helpers import (
    CLOSE,
    PATCH_TYPE,
    RESERVED_DEFAULTS,
    assert_error,
    assert_status,
    create_queue,
)
from tests.live_server import Api

INVALID = "Invalid request body"
UNSUPPORTED = ("Accepted media type for PATCH: "
               "{'Accept-Patch': 'application/openstack-messaging-v2.0-json-patch'}.")


def patch(api: Api, ops: Any, queue: str = "q", **headers: str):
    data = ops if isinstance(ops, (str, bytes)) else json.dumps(ops)
    return api.patch(f"/v2/queues/{queue}", data=data,
                     headers={"Content-Type": PATCH_TYPE, **headers})


@pytest.fixture
def queue(api: Api) -> str:
    create_queue(api, "q", {"owner": "team-a", "description": "orders", "count": 1})
    return "q"


def test_add_replace_remove_in_order(api: Api, queue: str) -> None:
    ops = [{"op": "add", "path": "/metadata/color", "value": "blue"},
           {"op": "replace", "path": "/metadata/_default_message_ttl", "value": 300},
           {"op": "replace", "path": "/metadata/color", "value": "red"},
           {"op": "remove", "path": "/metadata/description"},
           {"op": "add", "path": "/metadata/owner", "value": {"team": "b"}}]
    resp = patch(api, ops)
    assert_status(resp, 200)
    expected = {**RESERVED_DEFAULTS, "owner": {"team": "b"}, "count": 1, "color": "red",
                "_default_message_ttl": 300}
    assert resp.json() == expected
    assert api.get("/v2/queues/q").json() == expected


def test_empty_operation_list_changes_nothing(api: Api, queue: str) -> None:
    resp = patch(api, [])
    assert_status(resp, 200)
    assert resp.json() == {**RESERVED_DEFAULTS, "owner": "team-a", "description": "orders",
                           "count": 1}


def test_reserved_keys_can_be_replaced_and_removed_when_absent(api: Api, queue: str) -> None:
    ops = [{"op": "remove", "path": f"/metadata/{key}"} for key in RESERVED_DEFAULTS]
    assert_status(patch(api, ops), 200)
    ops = [{"op": "replace", "path": "/metadata/_max_claim_count", "value": 3},
           {"op": "replace", "path": "/metadata/_dead_letter_queue", "value": "dlq"}]
    body = patch(api, ops).json()
    assert body["_max_claim_count"] == 3 and body["_dead_letter_queue"] == "dlq"
    ops = [{"op": "remove", "path": "/metadata/_max_claim_count"}]
    assert patch(api, ops).json()["_max_claim_count"] is None


def test_python_zaqarclient_style_full_rewrite(api: Api, queue: str) -> None:
    current = api.get("/v2/queues/q").json()
    new_meta = {"owner": "team-z", "fresh": True}
    ops = []
    for key, value in new_meta.items():
        op = "replace" if current.get(key) is not None else "add"
        ops.append({"op": op, "path": f"/metadata/{key}", "value": value})
    ops += [{"op": "remove", "path": f"/metadata/{key}"} for key in current
            if key not in new_meta]
    resp = patch(api, ops)
    assert_status(resp, 200)
    assert resp.json() == {**RESERVED_DEFAULTS, **new_meta}


def test_path_segments_are_trimmed_unescaped_and_root_is_case_insensitive(
    api: Api, queue: str
) -> None:
    ops = [{"op": "add", "path": "/METADATA/ spaced ", "value": 1},
           {"op": "add", "path": "/Metadata/a~1b", "value": 2},
           {"op": "add", "path": "/metadata/t~0ilde", "value": 3},
           {"op": "add", "path": "/metadata/~01", "value": 4}]
    body = patch(api, ops).json()
    assert (body["spaced"], body["a/b"], body["t~ilde"], body["~1"]) == (1, 2, 3, 4)


def test_remove_does_not_check_the_root(api: Api, queue: str) -> None:
    body = patch(api, [{"op": "remove", "path": "/anything/owner"}]).json()
    assert "owner" not in body


@pytest.mark.parametrize("content_type", [
    "application/json", f"{PATCH_TYPE}; charset=utf-8", "text/plain",
    "application/json-patch+json", PATCH_TYPE.upper(),
])
def test_wrong_content_type_is_415(api: Api, queue: str, content_type: str) -> None:
    resp = api.patch("/v2/queues/q", data="[]", headers={"Content-Type": content_type})
    assert_error(resp, 415, "415 Unsupported Media Type", UNSUPPORTED)


def test_missing_content_type_is_415(api: Api, queue: str) -> None:
    resp = api.patch("/v2/queues/q", data=b"[]")
    assert "Content-Type" not in resp.request.headers
    assert_error(resp, 415, "415 Unsupported Media Type", UNSUPPORTED)


def test_size_is_checked_before_the_content_type(api: Api, queue: str) -> None:
    data = b"[" + b" " * 65536 + b"]"
    resp = api.patch("/v2/queues/q", data=data,
                     headers={"Content-Type": "application/json", **CLOSE})
    assert_error(resp, 400, INVALID, "Queue metadata is too large. Max size: 65536")


def test_body_of_exactly_the_metadata_limit(api: Api, queue: str) -> None:
    data = "[" + " " * 65534 + "]"
    resp = patch(api, data)
    assert_status(resp, 200)


def test_content_type_is_checked_before_the_body(api: Api) -> None:
    resp = api.patch("/v2/queues/missing", headers={"Content-Type": "application/json"})
    assert_error(resp, 415, "415 Unsupported Media Type", UNSUPPORTED)


@pytest.mark.parametrize("data", [None, b""])
def test_empty_body(api: Api, queue: str, data: bytes | None) -> None:
    resp = api.patch("/v2/queues/q", data=data, headers={"Content-Type": PATCH_TYPE})
    assert_error(resp, 400, INVALID, "PATCH body could not be empty for update.")


@pytest.mark.parametrize(("data", "description"), [
    ("[", "Request body could not be parsed."),
    ("{'op': 'add'}", "Request body could not be parsed."),
    ('"add"', "Request body could not be parsed."),
    ("7", "Request body could not be parsed."),
    ('[{"op": "add", "path": "/metadata/a", "value": NaN}]', "Request body could not be parsed."),
    ('[{"op": "add", "path": "/metadata/a", "value": 18446744073709551616}]',
     "JSON contains integer that is too large."),
])
def test_unparsable_body(api: Api, queue: str, data: str, description: str) -> None:
    assert_error(patch(api, data), 400, INVALID, description)


@pytest.mark.parametrize("document", [
    {}, {"op": "add", "path": "/metadata/a", "value": 1}, {"metadata": {"a": 1}},
])
def test_non_array_body_is_a_400(api: Api, queue: str, document: dict) -> None:
    assert_error(patch(api, document), 400, INVALID)
    assert api.get("/v2/queues/q").json()["owner"] == "team-a"


POINTER_START = 'Pointer `{}` does not start with "/".'

OPERATION_ERRORS: list[tuple[Any, str]] = [
    (["add"], "Operations must be JSON objects."),
    ([1], "Operations must be JSON objects."),
    ([[{"op": "add"}]], "Operations must be JSON objects."),
    ([None], "Operations must be JSON objects."),
    ([{"path": "/metadata/a", "value": 1}],
     "Unable to find `op` in JSON Schema change. It must be one of the following: add, "
     "remove, replace."),
    ([{"op": "move", "path": "/metadata/a", "value": 1}],
     "Invalid operation: `move`. It must be one of the following: add, remove, replace."),
    ([{"op": "test", "path": "/metadata/a", "value": 1}],
     "Invalid operation: `test`. It must be one of the following: add, remove, replace."),
    ([{"op": "add", "value": 1}], "Unable to find 'path' in JSON Schema change"),
    ([{"op": "remove"}], "Unable to find 'path' in JSON Schema change"),
    ([{"op": "add", "path": "metadata/a", "value": 1}], POINTER_START.format("metadata/a")),
    ([{"op": "add", "path": "", "value": 1}], POINTER_START.format("")),
    ([{"op": "add", "path": "/metadata//a", "value": 1}],
     'Pointer `/metadata//a` contains adjacent "/".'),
    ([{"op": "add", "path": "/metadata/a/", "value": 1}], 'Pointer `/metadata/a/` end with "/".'),
    ([{"op": "add", "path": "/metadata/a~2", "value": 1}],
     'Pointer `/metadata/a~2` contains "~" not part of a recognized escape sequence.'),
    ([{"op": "add", "path": "/metadata/a~", "value": 1}],
     'Pointer `/metadata/a~` contains "~" not part of a recognized escape sequence.'),
    ([{"op": "add", "path": "/metadata", "value": 1}],
     "Invalid JSON pointer for this resource: '/metadata, e.g /metadata/key'"),
    ([{"op": "add", "path": "/metadata/a/b", "value": 1}],
     "Invalid JSON pointer for this resource: '/metadata/a/b, e.g /metadata/key'"),
    ([{"op": "remove", "path": "/a/b/c"}],
     "Invalid JSON pointer for this resource: '/a/b/c, e.g /metadata/key'"),
    ([{"op": "add", "path": "/meta/a", "value": 1}],
     "The root of path must be metadata, e.g /metadata/key."),
    ([{"op": "replace", "path": "/queue/owner", "value": 1}],
     "The root of path must be metadata, e.g /metadata/key."),
    ([{"op": "add", "path": "/metadata/a"}], 'Operation "add" requires a member named "value".'),
    ([{"op": "replace", "path": "/metadata/owner"}],
     'Operation "replace" requires a member named "value".'),
    ([{"op": "add", "path": "/metadata/ok", "value": 1}, {"op": "bogus", "path": "/metadata/a"}],
     "Invalid operation: `bogus`. It must be one of the following: add, remove, replace."),
]


@pytest.mark.parametrize(("ops", "description"), OPERATION_ERRORS)
def test_operation_errors(api: Api, queue: str, ops: Any, description: str) -> None:
    assert_error(patch(api, ops), 400, INVALID, description)
    assert "ok" not in api.get("/v2/queues/q").json()


@pytest.mark.parametrize("path", [1, None, ["/metadata/a"], {"p": 1}])
def test_non_string_path_is_a_400(api: Api, queue: str, path: Any) -> None:
    assert_error(patch(api, [{"op": "add", "path": path, "value": 1}]), 400, INVALID)


@pytest.mark.parametrize("op", [1, None, ["add"], {"add": 1}, True])
def test_non_string_op_is_a_400(api: Api, queue: str, op: Any) -> None:
    assert_error(patch(api, [{"op": op, "path": "/metadata/a", "value": 1}]), 400, INVALID)


def test_missing_queue_is_404(api: Api) -> None:
    resp = patch(api, [{"op": "add", "path": "/metadata/a", "value": 1}], queue="missing")
    assert_error(resp, 404, "Not found",
                 f"Queue missing does not exist for project {api.project}")
    assert api.get("/v2/queues").json()["queues"] == []


def test_operation_errors_come_before_the_existence_check(api: Api) -> None:
    resp = patch(api, [{"op": "move", "path": "/metadata/a"}], queue="missing")
    assert_error(resp, 400, INVALID)
    assert_error(patch(api, {}, queue="missing"), 400, INVALID)


@pytest.mark.parametrize(("ops", "description"), [
    ([{"op": "replace", "path": "/metadata/nothing", "value": 1}],
     "Can't replace non-existent object nothing."),
    ([{"op": "remove", "path": "/metadata/nothing"}], "Can't remove non-existent object nothing."),
    ([{"op": "remove", "path": "/metadata/owner"}, {"op": "remove", "path": "/metadata/owner"}],
     "Can't remove non-existent object owner."),
    ([{"op": "add", "path": "/metadata/x", "value": 1},
      {"op": "replace", "path": "/metadata/_ttl", "value": 1}],
     "Can't replace non-existent object _ttl."),
])
def test_conflicts(api: Api, queue: str, ops: list, description: str) -> None:
    assert_error(patch(api, ops), 409, "Resource conflict", description)
    assert api.get("/v2/queues/q").json() == {**RESERVED_DEFAULTS, "owner": "team-a",
                                              "description": "orders", "count": 1}


def test_replace_after_add_in_the_same_request(api: Api, queue: str) -> None:
    ops = [{"op": "add", "path": "/metadata/new", "value": 1},
           {"op": "replace", "path": "/metadata/new", "value": 2}]
    assert patch(api, ops).json()["new"] == 2


RESERVED_PATCH_ERRORS = [
    ("_default_message_ttl", "300", "_default_message_ttl must be integer."),
    ("_default_message_ttl", 30, "_default_message_ttl can not exceed 1209600 seconds, and must "
                                 "be at least 60 seconds long."),
    ("_max_messages_post_size", 300000, "_max_messages_post_size can not exceed 262144,  and "
                                        "must be at least greater than 0."),
    ("_max_claim_count", "x", "_max_claim_count must be integer."),
    ("_dead_letter_queue_messages_ttl", 10, "The TTL for a message may not exceed 1209600 "
                                            "seconds, and must be at least 60 seconds long."),
    ("_default_message_delay", 1000, "The TTL can not exceed 900 seconds, and must be at least 0 "
                                     "seconds long."),
    ("_enable_encrypt_messages", "true", "_enable_encrypt_messages must be boolean."),
    ("_retry_policy", [1], "retry_policy must be a dict."),
    ("_retry_policy", {"retry_backoff_function": "random"}, "invalid retry_backoff_function."),
]


@pytest.mark.parametrize(("key", "value", "description"), RESERVED_PATCH_ERRORS)
def test_reserved_values_are_validated_after_patching(
    api: Api, queue: str, key: str, value: Any, description: str
) -> None:
    ops = ("add", "replace") if key in RESERVED_DEFAULTS else ("add",)
    for op in ops:
        resp = patch(api, [{"op": op, "path": f"/metadata/{key}", "value": value}])
        assert_error(resp, 400, INVALID, description)
    assert api.get("/v2/queues/q").json().get(key) == RESERVED_DEFAULTS.get(key)


def test_retry_policy_is_not_replaceable_when_absent(api: Api, queue: str) -> None:
    resp = patch(api, [{"op": "replace", "path": "/metadata/_retry_policy", "value": {}}])
    assert_error(resp, 409, "Resource conflict", "Can't replace non-existent object _retry_policy.")


def test_invalid_value_can_be_fixed_in_the_same_request(api: Api, queue: str) -> None:
    ops = [{"op": "add", "path": "/metadata/_default_message_ttl", "value": 5},
           {"op": "replace", "path": "/metadata/_default_message_ttl", "value": 500}]
    assert patch(api, ops).json()["_default_message_ttl"] == 500


def test_patched_reserved_values_take_effect(api: Api, queue: str) -> None:
    ops = [{"op": "add", "path": "/metadata/_default_message_ttl", "value": 120}]
    assert_status(patch(api, ops), 200)
    resp = api.post("/v2/queues/q/messages", json={"messages": [{"body": 1}]})
    href = resp.json()["resources"][0]
    assert api.get(href).json()["ttl"] == 120


def test_patch_is_scoped_to_the_project(api: Api, queue: str, make_api) -> None:
    other = make_api()
    resp = patch(other, [{"op": "add", "path": "/metadata/a", "value": 1}])
    assert_error(resp, 404, "Not found", f"Queue q does not exist for project {other.project}")
    assert "a" not in api.get("/v2/queues/q").json()
