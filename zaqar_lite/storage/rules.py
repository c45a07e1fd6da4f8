"""Semantics every driver shares: pure decisions over stored values, no I/O.

Drivers keep only their atomic queries; what a claim does to a message's
lifetime, who may delete a claimed message, which candidates are
dead-lettered and how a filtered listing pages all live here once, so the
drivers cannot drift apart.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from typing import Any, TypeGuard, TypeVar

from zaqar_lite.errors import ClaimMismatch, MessageIsClaimed, MessageNotClaimed
from zaqar_lite.storage.base import NewDelivery, NewMessage, Notice, Subscription, is_valid_id

Id = TypeVar("Id")
Row = TypeVar("Row")


def deadline(moment: float, seconds: int) -> int:
    """The first whole second at or after ``moment + seconds``.

    Stored times are whole seconds. Deadlines (expiry, claim end, delay end)
    round up and "now" rounds down, so nothing ends before its time: a 60 s
    claim taken at 10.9 holds until 71, never lapsing at 70.
    """
    return math.ceil(moment + seconds)


@dataclasses.dataclass(frozen=True)
class MessageTimes:
    """When a message posted at ``moment`` was created, expires and becomes visible."""

    created: int
    expires: int
    delay_expires: int

    @classmethod
    def of(cls, moment: float, message: NewMessage) -> MessageTimes:
        now = int(moment)
        delay_end = deadline(moment, message.delay) if message.delay else now
        return cls(created=now, expires=deadline(moment, message.ttl), delay_expires=delay_end)


@dataclasses.dataclass(frozen=True)
class Lifetime:
    """A message's visible ``ttl`` and the second it expires."""

    ttl: int
    expires: int


@dataclasses.dataclass(frozen=True)
class ClaimTerms:
    """A claim taken (or renewed) at ``moment`` for ``ttl`` seconds with ``grace``."""

    moment: float
    ttl: int
    grace: int

    @property
    def now(self) -> int:
        """The whole second the claim is taken in (for comparisons with stored times)."""
        return int(self.moment)

    @property
    def expires(self) -> int:
        """When the claim stops being live (never before ``ttl`` seconds have passed)."""
        return deadline(self.moment, self.ttl)

    def needs_longer_life(self, message_expires: int) -> bool:
        """Whether a message would expire before the claim does."""
        return message_expires < self.expires

    @property
    def extended(self) -> Lifetime:
        """The lifetime of a claimed message that would otherwise expire first:
        it outlives the claim by ``grace`` seconds."""
        return Lifetime(ttl=self.ttl + self.grace, expires=self.expires + self.grace)


@dataclasses.dataclass(frozen=True)
class DeadLetterPolicy:
    """Where messages claimed too often go, read from the queue's metadata.

    A moved message gets a new marker in the dead-letter queue (which is created
    if missing); with ``messages_ttl`` set, its ttl becomes that value and it
    expires ``messages_ttl`` seconds after the move.
    """

    max_claim_count: int
    queue: str
    messages_ttl: int | None

    @classmethod
    def from_metadata(cls, metadata: Mapping[str, Any] | None) -> DeadLetterPolicy | None:
        """The policy, or None unless both ``_max_claim_count`` and
        ``_dead_letter_queue`` are set."""
        if not metadata:
            return None
        max_claims = metadata.get("_max_claim_count")
        queue = metadata.get("_dead_letter_queue")
        if not _is_int(max_claims) or not queue or not isinstance(queue, str):
            return None
        ttl = metadata.get("_dead_letter_queue_messages_ttl")
        return cls(max_claims, queue, ttl if _is_int(ttl) and ttl else None)

    def moved_lifetime(self, moment: float) -> Lifetime | None:
        """The lifetime of a message moved at ``moment``; None keeps its own."""
        if self.messages_ttl is None:
            return None
        return Lifetime(ttl=self.messages_ttl, expires=deadline(moment, self.messages_ttl))


def split_candidates(
    candidates: Iterable[tuple[Id, int]], policy: DeadLetterPolicy | None
) -> tuple[list[Id], list[Id]]:
    """``(to claim, to dead-letter)`` of ``(id, claim count)`` candidates.

    A candidate that has already been claimed ``max_claim_count`` times is
    moved to the dead-letter queue instead of being claimed again.
    """
    live: list[Id] = []
    dead: list[Id] = []
    for message_id, count in candidates:
        (dead if policy is not None and count >= policy.max_claim_count else live).append(
            message_id)
    return live, dead


def check_deletable(
    held_by: str | None, claim_expires: int, claim_id: str | None, now: int
) -> None:
    """Raise unless a message held by ``held_by`` may be deleted with ``claim_id``.

    Without a claim id the message must not be under a live claim. With one,
    the message must carry that id (even if the claim has lapsed); otherwise
    the answer is "claimed by another" (403) or "not claimed" (400).
    """
    live = held_by is not None and claim_expires > now
    if claim_id is None:
        if live:
            raise MessageIsClaimed()
    elif held_by != claim_id:
        raise MessageIsClaimed() if live else MessageNotClaimed()


def check_claim_ids(held: Collection[str | None], claim_ids: Sequence[str]) -> None:
    """Every well-formed claim id must hold one of the messages of a bulk delete."""
    if any(is_valid_id(claim_id) and claim_id not in held for claim_id in claim_ids):
        raise ClaimMismatch()


def matches_filters(metadata: Mapping[str, Any], filters: Mapping[str, Any] | None) -> bool:
    """Whether every filter key equals the metadata value of the same JSON type.

    Booleans never match (an integer filter ``1`` must not match ``true``). Any
    ``int`` is an integer (MongoDB hands back large ones as ``bson.Int64``).
    """
    for key, wanted in (filters or {}).items():
        value = metadata.get(key)
        if (isinstance(value, bool) or isinstance(wanted, bool)
                or _json_type(value) is not _json_type(wanted) or value != wanted):
            return False
    return True


def _json_type(value: Any) -> type:
    return int if isinstance(value, int) else type(value)


def collect_pages(
    fetch: Callable[[str, int], list[Row]],
    key: Callable[[Row], str],
    keep: Callable[[Row], bool],
    *,
    after: str,
    limit: int,
    chunk: int,
) -> list[Row]:
    """Up to ``limit`` rows that ``keep`` accepts, reading ``chunk`` rows at a time.

    ``fetch(after, count)`` returns rows sorted by ``key`` strictly after
    ``after``; reading stops at the first short chunk.
    """
    found: list[Row] = []
    while len(found) < limit:
        rows = fetch(after, chunk)
        for row in rows:
            if keep(row):
                found.append(row)
                if len(found) == limit:
                    break
        if len(rows) < chunk:
            break
        after = key(rows[-1])
    return found


def deliveries_for(project: str, queue: str, subscriptions: Iterable[Subscription],
                   notice: Notice) -> list[NewDelivery]:
    """The outbox entries of a post: each payload for each subscription it notifies
    (message by message, so every subscriber receives them in posting order)."""
    notified = [sub for sub in subscriptions if sub.confirmed or not notice.confirmed_only]
    return [NewDelivery(project=project, queue=queue, subscription_id=sub.id,
                        subscriber=sub.subscriber, options=sub.options, payload=payload,
                        queue_policy=notice.queue_policy)
            for payload in notice.payloads for sub in notified]


def _is_int(value: Any) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


def prefix_range(prefix: str) -> tuple[str, str]:
    """Bounds ``low <= text < high`` of the strings that start with ``prefix``, for
    an index range in either store (both compare strings by their UTF-8 bytes)."""
    return prefix, prefix + "\U0010ffff"
