"""How API versions differ, as one small frozen object per version.

The core operations and the request steps read these flags instead of
asking which version they serve, so a behaviour that differs between
versions is decided in exactly one place.
"""

from __future__ import annotations

import dataclasses
import enum


class Presence(enum.Enum):
    """Whether a request header must be sent."""

    REQUIRED = "required"
    """Missing: 400; malformed: 400."""
    OPTIONAL = "optional"
    """Missing is fine (API v1); a value that is sent is still checked."""
    IGNORED = "ignored"
    """Not read at all (the version list at ``/``)."""


@dataclasses.dataclass(frozen=True)
class HeaderPolicy:
    """Which identification headers a request must carry, and (for topics) which
    namespace the project's names live in."""

    client_id: Presence
    project: Presence
    topics: bool = False
    """The route's ``{queue_name}`` is a topic, or the route lists the project's topics."""


class ReservedMetadata(enum.Enum):
    """What queue metadata keys starting with ``_`` mean."""

    FORBIDDEN = "forbidden"
    """API v1: any such key is refused."""
    VALIDATED = "validated"
    """API v1.1: checked when set, shown as stored."""
    DEFAULTED = "defaulted"
    """API v2: checked when set, and shown with the server's defaults filled in."""


@dataclasses.dataclass(frozen=True)
class VersionRules:
    """Everything that differs between API versions, apart from shapes (views)."""

    headers: HeaderPolicy
    lazy_queues: bool
    """Posting creates a missing queue, and a missing queue reads as an empty
    one; otherwise posting to it, its stats and its metadata are 404."""
    ttl_defaults: bool
    """Message ``ttl`` and claim ``ttl``/``grace`` default when omitted;
    otherwise they are required (renewals then default ``grace`` to 0)."""
    enveloped: bool
    """Posts are ``{"messages": [...]}``; otherwise a bare array."""
    queue_settings: bool
    """Queues' ``_default_message_ttl``, ``_default_message_delay`` and
    ``_max_messages_post_size`` apply, messages may be delayed, and a post reads
    (and creates) the queue before it validates the body."""
    reserved_metadata: ReservedMetadata
    pop: bool
    """``DELETE …/messages?pop=N`` exists; otherwise ``ids`` is required."""
    queue_filters: bool
    """Queue listing understands ``name``, ``with_count`` and metadata filters."""
