"""The contract every storage driver fulfils.

The API layer only talks to a ``Store``; the semantics below are the same for
every driver and are proved by the contract suite in ``tests/storage``.

Vocabulary (all times are integer UNIX seconds read from the injected clock):

* ``project`` scopes everything; ``""`` is the global namespace of API v1.
* A message is *expired* once ``now >= expires``; expired messages are
  invisible to every read, count and claim (drivers filter on ``expires``
  and clean them up lazily).
* A message is *claimed* while ``claim_id`` is set and ``now < claim_expires``;
  otherwise it is *free*. An expired claim leaves its id on the message until
  the message is claimed again or the claim is released.
* A message is *delayed* while ``now < delay_expires``; delayed messages are
  listed only on request and are never claimed.
* ``marker`` is the per-queue sequence number handed out at post time:
  strictly increasing per queue, never reused, contiguous within one post.
  Listing is FIFO by marker, strictly after the caller's marker.
* ``claim_count`` counts every claim a message has been under (renewals do not
  count). With the queue metadata ``_max_claim_count`` and
  ``_dead_letter_queue`` both set, a message whose count has reached the
  maximum is moved to the dead-letter queue by the next claim instead of being
  claimed again (it keeps that claim's tag, so it stays hidden there until the
  claim lapses).
* A subscription is *live* until ``now >= expires``; expired subscriptions are
  invisible to every read and are cleaned up lazily. Subscriptions are unique
  per (project, queue, subscriber URI) among live ones.
* The *outbox* holds one delivery per (posted message, live subscription),
  written in the same store write as the messages, so an acknowledged post
  never lacks its notifications. A delivery is *due* once ``now >= due``;
  leasing one makes it due again only when the lease ends, so a crashed
  deliverer's work is redone (at least once) and a live one's is not.
"""

from __future__ import annotations

import abc
import builtins
import dataclasses
import itertools
import math
import os
import re
import time
from collections.abc import Callable, Collection, Mapping, Sequence
from typing import Any

Clock = Callable[[], float]
"""Returns the current UNIX time; tests inject a clock they can move."""

_ID_PATTERN = re.compile(r"^[0-9a-f]{24}$")


def system_clock() -> float:
    return time.time()


_sequence = itertools.count()


def new_id() -> str:
    """A fresh id: 24 lowercase hex digits, a valid ObjectId as Zaqar's are.

    Its bytes are the second (as in an ObjectId), the microsecond, a per-process
    sequence number and random bits, so ids sort in creation order across the
    processes of a machine (and of machines whose clocks agree), which is the
    order subscriptions are listed in.
    """
    moment = time.time()
    seconds = int(moment)
    micros = int((moment - seconds) * 1_000_000)
    sequence = next(_sequence) & 0xFFFF
    return (seconds.to_bytes(4, "big") + micros.to_bytes(3, "big")
            + sequence.to_bytes(2, "big") + os.urandom(3)).hex()


def is_valid_id(value: str) -> bool:
    """Whether ``value`` is a well-formed message or claim id."""
    return bool(_ID_PATTERN.match(value))


@dataclasses.dataclass(frozen=True)
class NewMessage:
    """A message to post; ttl and delay are already defaulted and validated."""

    body: Any
    ttl: int
    delay: int = 0
    checksum: str | None = None
    """Stored and shown as given (``MD5:<hex>`` with ``enable_checksum``)."""


@dataclasses.dataclass(frozen=True)
class Message:
    """A stored message as drivers return it."""

    id: str
    marker: int
    ttl: int
    created: int
    expires: int
    body: Any
    client_id: str | None
    claim_id: str | None
    claim_expires: int
    claim_ttl: int
    claim_count: int
    delay_expires: int
    checksum: str | None

    def age(self, now: int) -> int:
        return max(0, now - self.created)

    def is_claimed(self, now: int) -> bool:
        return self.claim_id is not None and self.claim_expires > now


@dataclasses.dataclass(frozen=True)
class QueueRecord:
    """A queue as listed: its name and stored metadata."""

    name: str
    metadata: dict[str, Any]


@dataclasses.dataclass(frozen=True)
class MessageStamp:
    """Which message, and when it was created: all that stats show of one."""

    id: str
    created: int

    def age(self, now: int) -> int:
        return max(0, now - self.created)


@dataclasses.dataclass(frozen=True)
class QueueStats:
    """Message counts of a queue; oldest/newest are None when it is empty."""

    total: int
    claimed: int
    oldest: MessageStamp | None
    newest: MessageStamp | None

    @property
    def free(self) -> int:
        return self.total - self.claimed


@dataclasses.dataclass(frozen=True)
class Claim:
    """A live claim: derived from the messages that carry its id."""

    id: str
    ttl: int
    age: int
    messages: list[Message]

    @classmethod
    def of(cls, claim_id: str, messages: list[Message], moment: float) -> Claim:
        """The claim carried by ``messages`` (all tagged with it, at least one), read
        at ``moment``.

        Its ttl and expiry are on every message; its age counts whole seconds
        from the last time it was created or renewed. The stored end rounds up,
        so the start it gives is rounded up too, and so is ``moment``: a claim
        taken at 10.3 is 2 s old at 12.35, as Zaqar counts.
        """
        first = messages[0]
        started = first.claim_expires - first.claim_ttl
        return cls(id=claim_id, ttl=first.claim_ttl,
                   age=max(0, math.ceil(moment) - started), messages=messages)


@dataclasses.dataclass(frozen=True)
class MessageVolume:
    """Every stored message of every queue and project, for the health report."""

    total: int
    claimed: int


@dataclasses.dataclass(frozen=True)
class Subscription:
    """A stored subscription: a queue's link to a subscriber URI."""

    id: str
    queue: str
    subscriber: str
    ttl: int
    options: dict[str, Any]
    created: int
    expires: int
    confirmed: bool

    def age(self, now: int) -> int:
        return max(0, now - self.created)


@dataclasses.dataclass(frozen=True)
class SubscriptionChanges:
    """A subscription update: the members to replace (None leaves one as it is; at
    least one is set, which validation makes sure of)."""

    subscriber: str | None = None
    ttl: int | None = None
    options: dict[str, Any] | None = None


@dataclasses.dataclass(frozen=True)
class Notice:
    """What a post notifies its queue's subscribers of, stored with its messages."""

    payloads: Sequence[Any]
    """One document per posted message, in order, as subscribers receive it."""
    confirmed_only: bool
    """Only confirmed subscriptions are notified (``require_confirmation``)."""
    queue_policy: Mapping[str, Any]
    """The queue's ``_retry_policy`` when the messages were posted."""
    on_stored: Callable[[], None] | None = None
    """Called once the post has stored deliveries (e.g. to wake a deliverer)."""


@dataclasses.dataclass(frozen=True)
class Draft:
    """Messages to post whose final form depends on their queue's metadata.

    A driver calls ``finish`` with the metadata it reads in the same round trip
    that takes the markers (saving a read of the queue before the post); it
    returns exactly ``count`` messages and their notice, or raises (a
    validation error), and then nothing is stored but a queue created for the
    post remains.
    """

    count: int
    finish: Callable[[dict[str, Any]], tuple[Sequence[NewMessage], Notice | None]]

    @classmethod
    def of(cls, messages: Sequence[NewMessage] | Draft, notice: Notice | None) -> Draft:
        """What ``MessageController.post`` was given, as a draft: a draft as it is,
        or messages that are final already, with their notice."""
        if isinstance(messages, Draft):
            return messages
        return cls(len(messages), lambda _metadata: (messages, notice))


@dataclasses.dataclass(frozen=True)
class NewDelivery:
    """One notification to send: a payload for one subscriber, with what it needs."""

    project: str
    queue: str
    subscription_id: str
    subscriber: str
    options: dict[str, Any]
    """The subscription's options when the notification was made."""
    payload: Any
    queue_policy: Mapping[str, Any]


@dataclasses.dataclass(frozen=True)
class Delivery:
    """A leased outbox entry: what to send, and how often it was tried before."""

    id: str
    entry: NewDelivery
    attempts: int
    created: int


@dataclasses.dataclass(frozen=True)
class Settlement:
    """How a leased delivery ended: sent (removed), to be tried again, or failed."""

    delivery_id: str
    error: str | None = None
    """None: the delivery is done (sent, or no longer wanted) and is removed."""
    retry_at: float | None = None
    """With an error: when the next attempt is due (the attempt count goes up)."""
    keep_until: int | None = None
    """With an error and no retry: kept as failed, never due, until then."""

    @property
    def done(self) -> bool:
        return self.error is None

    @property
    def retrying(self) -> bool:
        return self.error is not None and self.retry_at is not None

    @property
    def failed(self) -> bool:
        return self.error is not None and self.retry_at is None


@dataclasses.dataclass(frozen=True)
class OutboxCounts:
    """Outbox entries waiting to be sent, and kept after every attempt failed."""

    pending: int
    failed: int


class QueueController(abc.ABC):
    """Queues: named per project, carrying a free-form metadata object."""

    @abc.abstractmethod
    def create(self, project: str, name: str, metadata: Mapping[str, Any]) -> bool:
        """Create the queue; return False (and change nothing) if it exists."""

    @abc.abstractmethod
    def exists(self, project: str, name: str) -> bool:
        """Whether the queue has been created (and not deleted)."""

    @abc.abstractmethod
    def get_metadata(self, project: str, name: str) -> dict[str, Any]:
        """The stored metadata; raises QueueDoesNotExist."""

    @abc.abstractmethod
    def set_metadata(self, project: str, name: str, metadata: Mapping[str, Any]) -> None:
        """Replace the metadata; raises QueueDoesNotExist."""

    @abc.abstractmethod
    def delete(self, project: str, name: str) -> None:
        """Delete the queue, its messages and its subscriptions; a missing queue is a no-op."""

    @abc.abstractmethod
    def list(
        self,
        project: str,
        *,
        marker: str | None = None,
        limit: int = 10,
        name_contains: str | None = None,
        metadata_filters: Mapping[str, Any] | None = None,
    ) -> builtins.list[QueueRecord]:
        """Queues sorted by name, strictly after ``marker``.

        ``name_contains`` keeps names containing that text (a plain substring);
        ``metadata_filters`` keeps queues whose top-level metadata key equals
        the value (all filters must match).
        """

    @abc.abstractmethod
    def count(self, project: str) -> int:
        """How many queues the project has."""

    @abc.abstractmethod
    def stats(self, project: str, name: str) -> QueueStats:
        """Counts of unexpired messages; raises QueueDoesNotExist."""


class MessageController(abc.ABC):
    """Messages of a queue."""

    @abc.abstractmethod
    def post(
        self,
        project: str,
        queue: str,
        messages: Sequence[NewMessage] | Draft,
        client_id: str | None,
        *,
        create_queue: bool,
        notice: Notice | None = None,
    ) -> list[str]:
        """Store the messages (all or nothing) and return their ids in order.

        Markers are assigned contiguously in request order. If the queue does
        not exist it is created with empty metadata when ``create_queue`` is
        true, otherwise QueueDoesNotExist is raised. With ``notice`` (or the
        one a ``Draft`` gives), one outbox delivery per message and live (or,
        if asked, confirmed) subscription of the queue is stored too, before
        this returns: a stored message never lacks its deliveries (an
        interrupted post may leave deliveries of messages that were never
        acknowledged).
        """

    @abc.abstractmethod
    def list(
        self,
        project: str,
        queue: str,
        *,
        after: int | None = None,
        limit: int = 10,
        client_id: str | None = None,
        echo: bool = False,
        include_claimed: bool = False,
        include_delayed: bool = False,
    ) -> builtins.list[Message]:
        """Messages in FIFO order with a marker greater than ``after``.

        Without ``echo``, messages posted with ``client_id`` are left out.
        """

    @abc.abstractmethod
    def get(self, project: str, queue: str, message_id: str) -> Message:
        """One message whatever its claim or delay; raises MessageDoesNotExist."""

    @abc.abstractmethod
    def get_many(
        self, project: str, queue: str, message_ids: Sequence[str]
    ) -> builtins.list[Message]:
        """The messages among ``message_ids`` that exist; unknown ids are skipped."""

    @abc.abstractmethod
    def delete(self, project: str, queue: str, message_id: str, claim_id: str | None) -> None:
        """Delete one message, honouring claims.

        Without ``claim_id``: raises MessageIsClaimed if the message is under a
        live claim. With ``claim_id``: deletes if the message carries that claim
        id (even if the claim has lapsed); otherwise raises MessageIsClaimed if
        another live claim holds it, or MessageNotClaimed if none does. A
        missing message (or queue, or malformed id) is a no-op.
        """

    @abc.abstractmethod
    def delete_many(
        self,
        project: str,
        queue: str,
        message_ids: Sequence[str],
        claim_ids: Sequence[str] | None = None,
    ) -> None:
        """Delete the listed messages, claimed or not; unknown ids are ignored.

        With ``claim_ids``, every well-formed claim id must be carried by at
        least one of the targeted messages, else ClaimMismatch is raised and
        nothing is deleted.
        """

    @abc.abstractmethod
    def pop(self, project: str, queue: str, limit: int) -> builtins.list[Message]:
        """Atomically remove and return up to ``limit`` free messages, oldest first.

        Delays are ignored, as in the reference.
        """

    @abc.abstractmethod
    def purge(self, project: str, queue: str) -> None:
        """Delete every message that is not under a live claim."""


class ClaimController(abc.ABC):
    """Claims: leases on messages, stored as tags on the messages themselves."""

    @abc.abstractmethod
    def create(
        self, project: str, queue: str, *, ttl: int, grace: int, limit: int
    ) -> tuple[str | None, list[Message]]:
        """Claim up to ``limit`` free, undelayed messages, oldest first.

        A message is never held by two live claims; under contention fewer
        messages may be claimed. Each claimed message that would expire before
        ``now + ttl`` gets ``expires = now + ttl + grace`` and ``ttl = ttl +
        grace``. Returns ``(claim_id, messages)``, or ``(None, [])`` if nothing
        was claimed (dead-lettered messages are not returned).
        """

    @abc.abstractmethod
    def get(self, project: str, queue: str, claim_id: str) -> Claim:
        """The live claim and its messages (FIFO); raises ClaimDoesNotExist."""

    @abc.abstractmethod
    def update(self, project: str, queue: str, claim_id: str, *, ttl: int, grace: int) -> None:
        """Renew a live claim to ``now + ttl`` and extend lifetimes as on create.

        Raises ClaimDoesNotExist if the claim is not live.
        """

    @abc.abstractmethod
    def delete(self, project: str, queue: str, claim_id: str) -> None:
        """Release the claim: its messages become free now. Unknown ids are a no-op."""


class SubscriptionController(abc.ABC):
    """Subscriptions of a queue, listed in creation order."""

    @abc.abstractmethod
    def create(self, project: str, queue: str, subscriber: str, ttl: int,
               options: Mapping[str, Any]) -> tuple[Subscription, bool]:
        """Subscribe ``subscriber``; return the subscription and whether it is new.

        A missing queue is created (with empty metadata). If a live
        subscription of the queue has the same subscriber, it is returned
        unchanged (``False``); an expired one is replaced.
        """

    @abc.abstractmethod
    def list(self, project: str, queue: str, *, marker: str | None = None,
             limit: int = 10) -> builtins.list[Subscription]:
        """Live subscriptions in creation order, after the one whose id is ``marker``."""

    @abc.abstractmethod
    def get(self, project: str, queue: str, subscription_id: str) -> Subscription:
        """A live subscription; raises SubscriptionDoesNotExist."""

    @abc.abstractmethod
    def update(self, project: str, queue: str, subscription_id: str,
               changes: SubscriptionChanges) -> None:
        """Replace the given members; a new ttl counts from now.

        Raises SubscriptionDoesNotExist, or SubscriptionExists if the new
        subscriber is another live subscription's.
        """

    @abc.abstractmethod
    def confirm(self, project: str, queue: str, subscription_id: str,
                confirmed: bool) -> Subscription:
        """Set the confirmed flag; return the subscription. Raises SubscriptionDoesNotExist."""

    @abc.abstractmethod
    def delete(self, project: str, queue: str, subscription_id: str) -> None:
        """Remove the subscription; an unknown id is a no-op."""

    @abc.abstractmethod
    def purge(self, project: str, queue: str) -> None:
        """Remove every subscription of the queue."""

    @abc.abstractmethod
    def live_ids(self, subscription_ids: Sequence[str]) -> set[str]:
        """Which of these ids (of any project) name live subscriptions."""

    @abc.abstractmethod
    def remove_expired(self) -> int:
        """Delete expired subscriptions of every project (reads hide them already);
        return how many went."""


class OutboxController(abc.ABC):
    """Deliveries of notifications, leased by any number of deliverers.

    ``owner`` is the deliverer's token: only the holder of a lease may settle
    the delivery, so a deliverer whose lease ran out cannot undo another's work.
    """

    @abc.abstractmethod
    def add(self, deliveries: Sequence[NewDelivery]) -> None:
        """Store deliveries that are due now (e.g. subscription confirmations)."""

    @abc.abstractmethod
    def lease(self, owner: str, limit: int, seconds: float) -> builtins.list[Delivery]:
        """Take up to ``limit`` due deliveries, oldest due first, for ``seconds``."""

    @abc.abstractmethod
    def settle(self, owner: str, settlements: Sequence[Settlement]) -> None:
        """Record how leased deliveries ended, in one write; deliveries no longer
        leased by ``owner`` are left as they are."""

    @abc.abstractmethod
    def leaseholders(self, prefix: str) -> builtins.set[str]:
        """The owners, of those whose token starts with ``prefix``, that hold
        leases which have not run out."""

    @abc.abstractmethod
    def release(self, owners: Collection[str]) -> int:
        """End the leases of ``owners`` (deliverers known to be dead), so that their
        deliveries are due at once; return how many were released."""

    @abc.abstractmethod
    def counts(self) -> OutboxCounts:
        """How many deliveries are pending and how many have failed."""

    @abc.abstractmethod
    def sweep(self, keep_failed: int) -> int:
        """Remove failed deliveries kept past their time and the oldest beyond
        ``keep_failed``; return how many were removed."""


class Store(abc.ABC):
    """A storage driver: five controllers over one backend."""

    queues: QueueController
    messages: MessageController
    claims: ClaimController
    subscriptions: SubscriptionController
    outbox: OutboxController

    @abc.abstractmethod
    def ping(self) -> bool:
        """Whether the backend answers."""

    @abc.abstractmethod
    def message_volume(self) -> MessageVolume:
        """Counts over all stored messages, for the health report."""

    @abc.abstractmethod
    def close(self) -> None:
        """Release connections."""
