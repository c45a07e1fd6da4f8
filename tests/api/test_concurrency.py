"""Many HTTP claimers draining one queue: every message delivered and deleted exactly once."""

from __future__ import annotations

import collections
import dataclasses
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor

import requests

from tests.api.helpers import describe, last_segment, stats
from tests.live_server import Api

MESSAGES = 800
BATCH = 20
CLAIMERS = 16
CLAIM_LIMIT = 10


@dataclasses.dataclass
class Drained:
    """What one claimer saw: its claims and the messages it deleted."""

    claims: dict[str, list[str]] = dataclasses.field(default_factory=dict)
    deleted: list[str] = dataclasses.field(default_factory=list)
    errors: list[str] = dataclasses.field(default_factory=list)


def post_all(api: Api, queue: str) -> list[str]:
    def post(start: int) -> list[str]:
        with requests.Session() as session:
            messages = [{"body": {"n": n}, "ttl": 3600} for n in range(start, start + BATCH)]
            resp = session.post(f"{api.url}/v2/queues/{queue}/messages",
                                json={"messages": messages}, headers=api.headers(), timeout=30)
            assert resp.status_code == 201, describe(resp)
            return [last_segment(href) for href in resp.json()["resources"]]

    with ThreadPoolExecutor(4) as pool:
        batches = list(pool.map(post, range(0, MESSAGES, BATCH)))
    return [mid for batch in batches for mid in batch]


def drain(api: Api, queue: str, start: threading.Barrier) -> Drained:
    seen = Drained()
    headers = {**api.headers(), "Client-ID": str(uuid.uuid4())}
    base = f"{api.url}/v2/queues/{queue}"
    with requests.Session() as session:
        start.wait()
        empty = attempts = 0
        while empty < 2 and attempts < 2 * MESSAGES:
            attempts += 1
            resp = session.post(f"{base}/claims?limit={CLAIM_LIMIT}",
                                json={"ttl": 300, "grace": 60}, headers=headers, timeout=30)
            if resp.status_code == 204:
                empty += 1
                continue
            if resp.status_code != 201:
                seen.errors.append(describe(resp))
                return seen
            empty = 0
            claim_id = resp.headers["Location"].rsplit("/", 1)[1]
            ids = [message["id"] for message in resp.json()["messages"]]
            if not 1 <= len(ids) <= CLAIM_LIMIT or claim_id in seen.claims:
                seen.errors.append(f"odd claim {claim_id}: {ids}")
            seen.claims[claim_id] = ids
            for mid in ids:
                deleted = session.delete(f"{base}/messages/{mid}?claim_id={claim_id}",
                                         headers=headers, timeout=30)
                if deleted.status_code == 204:
                    seen.deleted.append(mid)
                else:
                    seen.errors.append(describe(deleted))
    return seen


def test_concurrent_claimers_drain_the_queue_exactly_once(api: Api) -> None:
    posted = post_all(api, "drain")
    assert len(set(posted)) == MESSAGES
    assert stats(api, "drain")["total"] == MESSAGES

    start = threading.Barrier(CLAIMERS, timeout=60)
    with ThreadPoolExecutor(CLAIMERS) as pool:
        results = list(pool.map(lambda _: drain(api, "drain", start), range(CLAIMERS)))

    errors = [error for result in results for error in result.errors]
    assert errors == []
    claims = [(cid, ids) for result in results for cid, ids in result.claims.items()]
    claim_ids = [cid for cid, _ in claims]
    assert len(set(claim_ids)) == len(claim_ids)
    claimed = collections.Counter(mid for _, ids in claims for mid in ids)
    assert [mid for mid, times in claimed.items() if times > 1] == []
    assert set(claimed) == set(posted)
    deleted = collections.Counter(mid for result in results for mid in result.deleted)
    assert set(deleted) == set(posted) and set(deleted.values()) == {1}
    assert sum(1 for result in results if result.claims) > 1
    assert stats(api, "drain") == {"claimed": 0, "free": 0, "total": 0}
    listing = api.get("/v2/queues/drain/messages?echo=true&include_claimed=true").json()
    assert listing == {"messages": [], "links": []}
