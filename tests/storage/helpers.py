"""Small helpers shared by the storage contract tests."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from zaqar_lite.storage.base import Message, NewMessage, Store

PROJECT = "project-a"
QUEUE = "orders"
DLQ = "orders-dead"
UNKNOWN_ID = "0123456789abcdef01234567"  # well-formed, never handed out
MALFORMED_IDS = ["", "nope", "0123456789ABCDEF01234567", "0123456789abcdef0123456", "z" * 24]


def post(
    store: Store,
    count: int = 1,
    *,
    queue: str = QUEUE,
    project: str = PROJECT,
    ttl: int = 3600,
    delay: int = 0,
    client_id: str | None = None,
    bodies: Sequence[Any] | None = None,
    create_queue: bool = True,
) -> list[str]:
    """Post ``count`` messages (bodies ``{"n": i}`` unless given); return their ids."""
    if bodies is None:
        bodies = [{"n": index} for index in range(count)]
    new = [NewMessage(body=body, ttl=ttl, delay=delay) for body in bodies]
    return store.messages.post(project, queue, new, client_id, create_queue=create_queue)


def post_in_batches(store: Store, count: int, *, batch: int = 100, **kwargs: Any) -> list[str]:
    """Post ``count`` messages ``batch`` to a call, so that no one store call has to
    carry a deep queue's worth (each call has the store's own time limit)."""
    return [mid for start in range(0, count, batch)
            for mid in post(store, min(batch, count - start), **kwargs)]


def listed(
    store: Store, *, queue: str = QUEUE, project: str = PROJECT, **kwargs: Any
) -> list[Message]:
    """Every listed message (one big page) with the given list flags."""
    kwargs.setdefault("limit", 10_000)
    return store.messages.list(project, queue, **kwargs)


def ids(messages: Iterable[Message]) -> list[str]:
    return [message.id for message in messages]


def claim(store: Store, *, queue: str = QUEUE, project: str = PROJECT, ttl: int = 60,
          grace: int = 60, limit: int = 10) -> tuple[str | None, list[Message]]:
    return store.claims.create(project, queue, ttl=ttl, grace=grace, limit=limit)


def now(clock: Any) -> int:
    return int(clock())


def run_concurrently(work: list[Callable[[], None]], seconds: float) -> None:
    """Run each callable in a thread of its own, all released at once; fail with
    the first exception any of them raised, or if one is still running after
    ``seconds`` (plus a margin)."""
    gate = threading.Barrier(len(work))
    errors: list[BaseException] = []

    def run(task: Callable[[], None]) -> None:
        try:
            gate.wait()
            task()
        except BaseException as exc:  # noqa: BLE001 - re-raised by the main thread
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(task,)) for task in work]
    deadline = time.monotonic() + seconds + 10
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=max(1.0, deadline - time.monotonic()))
    if errors:
        raise errors[0]
    assert not any(thread.is_alive() for thread in threads), "workers still running"
