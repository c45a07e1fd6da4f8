"""``[transport] message_delete_with_claim_id``: bulk deletes must name the claims."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests

from tests.live_server import LiveServer, start_server, stop_server

HEADERS = {"Client-ID": "3d1c8e4a-7b0f-4c55-9a7e-2f6b1d0c9e11", "X-Project-ID": "p1"}


@pytest.fixture(scope="module")
def strict_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    server = start_server("sqlite-strict-delete", "sqlite:///strict.db",
                          tmp_path_factory.mktemp("strict-delete"),
                          {"ZAQAR_LITE_MESSAGE_DELETE_WITH_CLAIM_ID": "true"})
    yield server
    stop_server(server)


def test_bulk_delete_needs_the_claims_of_the_messages(strict_server: LiveServer) -> None:
    base = f"{strict_server.url}/v2/queues/q1"
    posted = requests.post(f"{base}/messages", headers=HEADERS, timeout=30,
                           json={"messages": [{"body": n} for n in range(3)]})
    ids = [href.rsplit("/", 1)[1] for href in posted.json()["resources"]]
    claimed = requests.post(f"{base}/claims?limit=2", headers=HEADERS, timeout=30, json={})
    claim_id = claimed.headers["Location"].rsplit("/", 1)[1]
    held = ",".join(message["id"] for message in claimed.json()["messages"])

    without = requests.delete(f"{base}/messages?ids={held}", headers=HEADERS, timeout=30)
    assert without.status_code == 400
    assert without.json()["description"] == (
        'The request should have both "ids" and "claim_ids" parameter in the request '
        "when message_delete_with_claim_id is True.")

    other_claim = "0123456789abcdef01234567"
    wrong = requests.delete(f"{base}/messages?ids={held}&claim_ids={other_claim}",
                            headers=HEADERS, timeout=30)
    assert wrong.status_code == 403
    assert wrong.json()["title"] == "Unable to delete"

    right = requests.delete(f"{base}/messages?ids={held}&claim_ids={claim_id}",
                            headers=HEADERS, timeout=30)
    assert right.status_code == 204
    left = requests.get(f"{base}/messages?ids={','.join(ids)}", headers=HEADERS, timeout=30)
    assert [message["id"] for message in left.json()["messages"]] == [ids[2]]
