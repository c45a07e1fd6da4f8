"""The document layout of the MongoDB store and conversions to storage values.

Four collections in one database. Field names are short, as Zaqar's are, and
every time is an integer UNIX second from the injected clock; the only
datetime, ``x``, exists for the TTL index and is never queried.

``queues`` -- one document per queue:

=======  ===========================================================
``p``    project (``""`` is the global namespace)
``n``    queue name
``m``    metadata, as a subdocument (so filters can be queries)
``c``    counter: the last marker handed out (0 for a new queue)
``ct``   created
``s``    true once the queue has had a subscription (posts then look
         for subscriptions to notify)
=======  ===========================================================

``messages`` -- one document per message:

=========  =========================================================
``_id``    ObjectId of the message id
``p``      project
``q``      queue name
``k``      marker: per-queue sequence number, the FIFO sort key
``t``      ttl (raised by claims, replaced by a dead-letter move)
``e``      expires; every read filters on ``e > now``
``x``      ``e`` as a BSON datetime, only for the TTL index
``cr``     created
``d``      delay end; delayed while ``d > now``
``u``      client id of the poster, or null
``b``      body, as compact JSON text (any user keys are safe)
``c.id``   claim id (hex string), or null when never claimed or released
``c.e``    claim expires; free while ``c.e <= now`` (0 when unclaimed)
``c.t``    claim ttl
``c.n``    claim count, for dead-lettering
``cs``     checksum of the body (``MD5:<hex>``), when one was stored
=========  =========================================================

``subscriptions`` -- one document per subscription:

=======  ===========================================================
``_id``  ObjectId of the subscription id (creation order)
``p``    project
``q``    queue name
``u``    subscriber URI
``t``    ttl
``o``    options, as compact JSON text
``ct``   created
``e``    expires; every read filters on ``e > now``
``x``    ``e`` as a BSON datetime, only for the TTL index
``c``    confirmed
=======  ===========================================================

``outbox`` -- one document per notification to deliver:

=======  ===========================================================
``_id``  ObjectId of the delivery id
``p``    project
``q``    queue name
``s``    subscription id
``u``    subscriber URI
``o``    the subscription's options, as JSON text
``b``    payload, as JSON text
``r``    the queue's retry policy, as JSON text
``a``    attempts made so far
``due``  UNIX time (float) the next attempt is due; a lease moves it to
         the lease's end
``w``    owner of the lease (host/pid/random, indexed), or absent
``h``    hold token of a post still storing its messages, or absent
``ct``   created
``f``    failed: every attempt was made; never due again
``ku``   failed deliveries are kept until then (``x``: as a datetime,
         for the TTL index)
``err``  the last attempt's error
=======  ===========================================================

Indexes (created at startup, idempotently): unique (``p``, ``n``) on queues;
on messages unique (``p``, ``q``, ``k``), which serves FIFO listing, claim
selection, pop and a queue's oldest and newest and detects marker races;
(``p``, ``q``, ``c.id``, ``k``) for a claim's messages in order; (``p``, ``q``,
``c.e``) and (``p``, ``q``, ``e``) to count a queue's claimed and live messages
for stats; a TTL index on ``x`` for clean-up. Subscriptions: unique (``p``,
``q``, ``u``), (``p``, ``q``, ``_id``) for listing, TTL on ``x``. Outbox:
(``f``, ``due``) for leasing, (``h``) for releasing a post's held entries,
(``f``, ``ku``) for sweeping failed ones, TTL on ``x``.
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Iterable, Mapping
from typing import Any

from bson import ObjectId

from zaqar_lite.storage.base import (
    Delivery,
    Message,
    NewDelivery,
    NewMessage,
    Subscription,
    is_valid_id,
)
from zaqar_lite.storage.rules import MessageTimes

QUEUE_NAME_INDEX = "queue_name"
MARKER_INDEX = "queue_marker"
CLAIM_INDEX = "queue_claim_marker"
CLAIM_EXPIRY_INDEX = "queue_claim_expires"
QUEUE_EXPIRY_INDEX = "queue_expires"
EXPIRY_INDEX = "expiry"
SUBSCRIBER_INDEX = "queue_subscriber"
SUBSCRIPTION_LIST_INDEX = "queue_subscriptions"
DUE_INDEX = "due"
HOLD_INDEX = "hold"
FAILED_INDEX = "failed_kept"
OWNER_INDEX = "owner"
RETIRED_INDEXES = ("queue_claim",)
"""Indexes of earlier releases, dropped at start-up."""

Document = dict[str, Any]


def as_datetime(seconds: int) -> datetime.datetime:
    """A UNIX second as the UTC datetime a TTL index needs."""
    return datetime.datetime.fromtimestamp(seconds, tz=datetime.timezone.utc)


def as_object_ids(message_ids: Iterable[str]) -> list[ObjectId]:
    """The ObjectIds of the well-formed ids; the rest can name no message."""
    return [ObjectId(mid) for mid in sorted(set(message_ids)) if is_valid_id(mid)]


def dump_json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def message_from_doc(doc: Document) -> Message:
    """Build a Message from a stored message document."""
    claim = doc["c"]
    return Message(
        id=str(doc["_id"]),
        marker=doc["k"],
        ttl=doc["t"],
        created=doc["cr"],
        expires=doc["e"],
        body=json.loads(doc["b"]),
        client_id=doc["u"],
        claim_id=claim["id"],
        claim_expires=claim["e"],
        claim_ttl=claim["t"],
        claim_count=claim["n"],
        delay_expires=doc["d"],
        checksum=doc.get("cs"),
    )


def queue_document(project: str, name: str, metadata: Mapping[str, Any], now: int,
                   *, subscribed: bool = False) -> Document:
    """A new queue: its metadata, a marker counter at 0, and ``s`` once it has had
    subscriptions."""
    doc: Document = {"p": project, "n": name, "m": dict(metadata), "c": 0, "ct": now}
    if subscribed:
        doc["s"] = True
    return doc


def new_document(
    project: str, queue: str, message_id: str, marker: int, message: NewMessage,
    client_id: str | None, times: MessageTimes,
) -> Document:
    """A freshly posted message: unclaimed, visible once its delay has passed."""
    doc: Document = {
        "_id": ObjectId(message_id),
        "p": project,
        "q": queue,
        "k": marker,
        "t": message.ttl,
        "e": times.expires,
        "x": as_datetime(times.expires),
        "cr": times.created,
        "d": times.delay_expires,
        "u": client_id,
        "b": dump_json(message.body),
        "c": {"id": None, "e": 0, "t": 0, "n": 0},
    }
    if message.checksum is not None:
        doc["cs"] = message.checksum
    return doc



def subscription_from_doc(doc: Document) -> Subscription:
    return Subscription(id=str(doc["_id"]), queue=doc["q"], subscriber=doc["u"], ttl=doc["t"],
                        options=json.loads(doc["o"]), created=doc["ct"], expires=doc["e"],
                        confirmed=bool(doc["c"]))


def delivery_document(entry: NewDelivery, due: float, now: int) -> Document:
    """A new outbox entry, due at ``due``."""
    return {
        "p": entry.project, "q": entry.queue, "s": entry.subscription_id, "u": entry.subscriber,
        "o": dump_json(entry.options), "b": dump_json(entry.payload),
        "r": dump_json(entry.queue_policy), "a": 0, "due": due, "ct": now, "f": False,
    }


def delivery_from_doc(doc: Document) -> Delivery:
    entry = NewDelivery(project=doc["p"], queue=doc["q"], subscription_id=doc["s"],
                        subscriber=doc["u"], options=json.loads(doc["o"]),
                        payload=json.loads(doc["b"]), queue_policy=json.loads(doc["r"]))
    return Delivery(id=str(doc["_id"]), entry=entry, attempts=doc["a"], created=doc["ct"])
