"""The health report: exercise the store end to end, timing every step.

Like Zaqar's, the check creates a throw-away queue in a random project, posts
100 messages, claims, lists, deletes the claimed messages with their claim,
releases the claim, bulk-deletes the rest and drops the queue. A failed step is
logged with a reference id and the steps that depend on it are skipped.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable
from typing import Any, TypeVar

from zaqar_lite.errors import ZaqarError
from zaqar_lite.storage.base import NewMessage, Store

LOG = logging.getLogger(__name__)

T = TypeVar("T")


def run_health_check(store: Store) -> dict[str, Any]:
    project = f"health-{uuid.uuid4().hex}"
    queue = "health-check"
    steps: dict[str, dict[str, Any]] = {}

    def step(name: str, action: Callable[[], T]) -> T | None:
        started = time.monotonic()
        try:
            result = action()
        except (ZaqarError, OSError) as exc:
            ref = str(uuid.uuid4())
            LOG.warning("health step %s failed ref=%s: %s", name, ref, exc)
            steps[name] = {"succeeded": False, "seconds": time.monotonic() - started, "ref": ref}
            return None
        steps[name] = {"succeeded": True, "seconds": time.monotonic() - started, "ref": None}
        return result

    reachable = store.ping()
    if reachable:
        step("create_queue", lambda: store.queues.create(project, queue, {}))
        ids = step("post_messages", lambda: store.messages.post(
            project, queue, [NewMessage(body={"health": i}, ttl=600) for i in range(100)],
            None, create_queue=True)) or []
        claim = step("claim_messages",
                     lambda: store.claims.create(project, queue, ttl=60, grace=300, limit=10))
        step("list_messages", lambda: store.messages.list(project, queue, limit=10))
        claim_id, claimed = claim or (None, [])
        if claim_id is not None:
            held_by: str = claim_id
            step("delete_messages", lambda: [
                store.messages.delete(project, queue, msg.id, held_by) for msg in claimed])
            step("delete_claim", lambda: store.claims.delete(project, queue, held_by))
        step("bulk_delete_messages", lambda: store.messages.delete_many(project, queue, ids))
        step("delete_queue", lambda: store.queues.delete(project, queue))
    report: dict[str, Any] = {"storage_reachable": reachable, "operation_status": steps}
    if reachable:
        volume = store.message_volume()
        report["message_volume"] = {"free": volume.total - volume.claimed,
                                    "claimed": volume.claimed, "total": volume.total}
        outbox = store.outbox.counts()
        report["notifications"] = {"pending": outbox.pending, "failed": outbox.failed}
    return report
