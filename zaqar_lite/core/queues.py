"""Queue operations shared by every API version: create, read, edit, list, stats."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from zaqar_lite.core.body import Body
from zaqar_lite.core.rules import ReservedMetadata, VersionRules
from zaqar_lite.errors import (
    Conflict,
    InvalidBody,
    QueueDoesNotExist,
    UnsupportedPatchType,
    ValidationFailed,
)
from zaqar_lite.storage.base import QueueRecord, QueueStats, Store
from zaqar_lite.validation import (
    DEFAULT_PAGE_SIZE,
    PATCH_MEDIA_TYPE,
    QUEUE_NAME_MAX_LENGTH,
    RESERVED_METADATA_KEYS,
    RequestValidator,
)

EMPTY_STATS = QueueStats(total=0, claimed=0, oldest=None, newest=None)


@dataclasses.dataclass(frozen=True)
class QueueListQuery:
    """A queue listing request; ``name``, ``with_count`` and ``filters`` only
    where the version's rules have queue filters."""

    marker: str | None = None
    limit: int | None = None
    detailed: bool = False
    name: str | None = None
    with_count: bool = False
    filters: Mapping[str, Any] = dataclasses.field(default_factory=dict)


@dataclasses.dataclass(frozen=True)
class QueuePage:
    """One page of queues; ``count`` is the project's total when asked for (and not 0)."""

    queues: list[QueueRecord]
    count: int | None = None


class Queues:
    def __init__(self, store: Store, validator: RequestValidator) -> None:
        self._store = store
        self._validator = validator

    def list_page(self, project: str, query: QueueListQuery) -> QueuePage:
        """Queues by name after ``marker``; a ``name`` longer than any queue name
        can match nothing, so the store is not asked."""
        if query.limit is not None:
            self._validator.queue_limit(query.limit)
        queues: list[QueueRecord] = []
        if query.name is None or len(query.name) <= QUEUE_NAME_MAX_LENGTH:
            queues = self._store.queues.list(
                project, marker=query.marker, limit=query.limit or DEFAULT_PAGE_SIZE,
                name_contains=query.name, metadata_filters=query.filters,
            )
        count = self._store.queues.count(project) if query.with_count else None
        return QueuePage(queues=queues, count=count or None)

    def create(self, project: str, name: str, body: Body, rules: VersionRules) -> bool:
        """Create the queue (False if it exists; its metadata is then left as it is).

        The body is optional metadata, except in v1, where it is not read:
        metadata has a resource of its own there.
        """
        metadata: dict[str, Any] = {}
        if rules.reserved_metadata is not ReservedMetadata.FORBIDDEN:
            self._check_metadata_size(body, ValidationFailed)
            metadata = body.object() or {}
            self._validator.queue_metadata(metadata, ValidationFailed)
        return self._store.queues.create(project, name, metadata)

    def exists(self, project: str, name: str) -> bool:
        return self._store.queues.exists(project, name)

    def metadata(self, project: str, name: str, rules: VersionRules) -> dict[str, Any]:
        """The stored metadata; a missing queue has none if queues are lazy, else 404."""
        try:
            return self._store.queues.get_metadata(project, name)
        except QueueDoesNotExist:
            if rules.lazy_queues:
                return {}
            raise

    def replace_metadata(self, project: str, name: str, body: Body) -> None:
        """Replace the whole metadata object (API v1), which may not set ``_`` keys."""
        self._check_metadata_size(body, ValidationFailed)
        metadata = body.object(required=True) or {}
        self._validator.no_reserved_keys(metadata)
        self._validator.metadata_depth(metadata, ValidationFailed)
        self._store.queues.set_metadata(project, name, metadata)

    def patch(self, project: str, name: str, body: Body) -> dict[str, Any]:
        """Apply JSON-patch style edits to the stored metadata; return the result.

        ``replace`` needs the key to exist (reserved keys always may be
        replaced); ``remove`` of a missing reserved key does nothing.
        """
        self._check_metadata_size(body, InvalidBody)
        if body.media_type != PATCH_MEDIA_TYPE:
            raise UnsupportedPatchType(PATCH_MEDIA_TYPE)
        document = body.json()
        if document is None:
            raise InvalidBody("PATCH body could not be empty for update.")
        operations = self._validator.patch_operations(document)
        metadata = self._store.queues.get_metadata(project, name)
        for operation in operations:
            key = operation.key
            if operation.op == "add":
                metadata[key] = operation.value
            elif operation.op == "replace":
                if key not in metadata and key not in RESERVED_METADATA_KEYS:
                    raise Conflict(f"Can't replace non-existent object {key}.")
                metadata[key] = operation.value
            elif key in metadata:
                del metadata[key]
            elif key not in RESERVED_METADATA_KEYS:
                raise Conflict(f"Can't remove non-existent object {key}.")
        self._validator.queue_metadata(metadata, InvalidBody)
        self._store.queues.set_metadata(project, name, metadata)
        return metadata

    def delete(self, project: str, name: str) -> None:
        self._store.queues.delete(project, name)

    def stats(self, project: str, name: str, rules: VersionRules) -> QueueStats:
        """Message counts; a missing queue counts nothing if queues are lazy, else 404."""
        try:
            return self._store.queues.stats(project, name)
        except QueueDoesNotExist:
            if rules.lazy_queues:
                return EMPTY_STATS
            raise

    def purge(self, project: str, name: str, body: Body) -> None:
        """Drop the queue's free messages and/or all its subscriptions, as the body
        names them (both when there is no body)."""
        resources = self._validator.purge_resources(body.json())
        if "messages" in resources:
            self._store.messages.purge(project, name)
        if "subscriptions" in resources:
            self._store.subscriptions.purge(project, name)

    def _check_metadata_size(self, body: Body, error: type[ValidationFailed | InvalidBody]
                             ) -> None:
        too_large = self._validator.metadata_too_large(body.length)
        if too_large:
            raise error(too_large)
