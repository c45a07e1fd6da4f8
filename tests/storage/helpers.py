"""Small helpers shared by the storage contract tests."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
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
