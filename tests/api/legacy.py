"""Request helpers and expected texts shared by the v1 and v1.1 HTTP suites."""

from __future__ import annotations

import re
from typing import Any

from tests.api.helpers import assert_status, last_segment
from tests.live_server import Api

V1_MESSAGE_KEYS = {"href", "ttl", "age", "body"}
V1_1_MESSAGE_KEYS = {"id", "href", "ttl", "age", "body"}
TTL_RANGE = ("The TTL for a message may not exceed 1209600 seconds, and must be at least "
             "60 seconds long.")
CLAIM_TTL_RANGE = ("The TTL for a claim may not exceed 43200 seconds, and must be at least "
                   "60 seconds long.")
CLAIM_GRACE_RANGE = ("The grace for a claim may not exceed 43200 seconds, and must be at "
                     "least 60 seconds long.")
QUEUE_LIMIT = "Limit must be at least 1 and no greater than 20."
MESSAGE_LIMIT = "Limit must be at least 1 and may not be greater than 20."
IDS_LIMIT = "ids parameter should have at least 1 and not greater than 20 values."
MISSING_CLIENT = 'The "Client-ID" header is required.'


def type_error(field: str) -> str:
    return f'The value of the "{field}" field must be a int.'


def post_v1(api: Api, queue: str, count: int = 1, ttl: int = 300,
            headers: dict[str, str] | None = None) -> list[str]:
    """Post ``count`` messages ``{"n": i}`` through v1 (bare array); their ids."""
    resp = api.post(f"/v1/queues/{queue}/messages",
                    json=[{"ttl": ttl, "body": {"n": index}} for index in range(count)],
                    headers=headers)
    assert_status(resp, 201)
    return [last_segment(href) for href in resp.json()["resources"]]


def post_v1_1(api: Api, queue: str, count: int = 1, **fields: Any) -> list[str]:
    """Post ``count`` messages ``{"n": i}`` through v1.1 (envelope); their ids."""
    resp = api.post(f"/v1.1/queues/{queue}/messages",
                    json={"messages": [{"body": {"n": index}, **fields}
                                       for index in range(count)]})
    assert_status(resp, 201)
    return [last_segment(href) for href in resp.json()["resources"]]


def claim_id_of(resp_location: str) -> str:
    return resp_location.rsplit("claims/", 1)[1]


def href_claim(href: str) -> str | None:
    """The claim id a message href names, if any."""
    match = re.search(r"\?claim_id=([0-9a-f]{24})$", href)
    return match.group(1) if match else None
