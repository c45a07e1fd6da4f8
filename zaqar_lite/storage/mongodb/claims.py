"""Claims in MongoDB: tags on message documents, set by conditional updates.

Every update that takes a message re-checks in its filter that the message is
still free (``c.e <= now``); single-document updates are atomic, so two
concurrent claimants never hold the same message, they just get fewer.
"""

from __future__ import annotations

import dataclasses

from bson import ObjectId
from pymongo.errors import DuplicateKeyError

from zaqar_lite.errors import ClaimDoesNotExist, StorageUnavailable
from zaqar_lite.storage.base import Claim, ClaimController, Message, is_valid_id, new_id
from zaqar_lite.storage.mongodb.database import Database, translate_errors
from zaqar_lite.storage.mongodb.documents import Document, as_datetime, message_from_doc
from zaqar_lite.storage.mongodb.queries import free_messages, in_marker_order
from zaqar_lite.storage.mongodb.queues import (
    POST_ATTEMPTS,
    catch_up_counter,
    is_marker_conflict,
    reserve_markers,
)
from zaqar_lite.storage.rules import ClaimTerms, DeadLetterPolicy, split_candidates

CLAIM_ATTEMPTS = 3
"""Selections tried when concurrent claimants took every candidate, so that a
claim on a queue with free messages rarely comes back empty."""


class MongoClaims(ClaimController):
    def __init__(self, db: Database) -> None:
        self._db = db

    @translate_errors
    def create(
        self, project: str, queue: str, *, ttl: int, grace: int, limit: int
    ) -> tuple[str | None, list[Message]]:
        """Select candidates, tag the free ones with one update_many, extend their
        lifetimes, dead-letter the over-claimed ones, then answer the candidates as
        tagged; the claim is read back only if a concurrent claimant took some.

        If other claimants took every candidate first, select again.
        """
        if limit < 1:
            return None, []
        terms = ClaimTerms(moment=self._db.clock(), ttl=ttl, grace=grace)
        now = terms.now
        claim_id = new_id()
        queue_doc = self._db.queue_docs.find_one({"p": project, "n": queue}, {"m": 1, "c": 1})
        policy = DeadLetterPolicy.from_metadata(queue_doc["m"] if queue_doc else None)
        top = int(queue_doc["c"]) + 1 if queue_doc else None
        free = {"e": {"$gt": now}, "c.e": {"$lte": now}, "d": {"$lte": now}}
        tagged = 0
        for _ in range(CLAIM_ATTEMPTS):
            candidates = free_messages(self._db, project, queue, free, limit, top)
            if not candidates:
                return None, []
            live, dead = split_candidates(
                ((doc["_id"], doc["c"]["n"]) for doc in candidates), policy)
            tagged = _tag(self._db, live, policy, claim_id, terms) if live else 0
            # Only messages that would expire before the claim need a longer life.
            short_lived = [doc["_id"] for doc in candidates if terms.needs_longer_life(doc["e"])]
            if tagged and short_lived:
                _extend_lifetimes(self._db, claim_id, terms, short_lived)
            if dead and policy is not None:
                _move_to_dead_letter_queue(self._db, project, dead, policy, claim_id, terms)
            if tagged or dead:
                break
        if not tagged:
            return None, []
        if tagged == len(live):
            taken = set(live)
            return claim_id, [_as_claimed(doc, claim_id, terms) for doc in candidates
                              if doc["_id"] in taken]
        messages = _claimed_messages(self._db, project, queue, claim_id, now)
        return (claim_id, messages) if messages else (None, [])

    @translate_errors
    def get(self, project: str, queue: str, claim_id: str) -> Claim:
        moment = self._db.clock()
        now = int(moment)
        messages = []
        if is_valid_id(claim_id):
            messages = _claimed_messages(self._db, project, queue, claim_id, now)
        if not messages:
            raise ClaimDoesNotExist(project, queue, claim_id)
        return Claim.of(claim_id, messages, moment)

    @translate_errors
    def update(self, project: str, queue: str, claim_id: str, *, ttl: int, grace: int) -> None:
        """Read the claim's live messages, renew them by id (re-checking that each is
        still live and held), then extend the lives that end too soon."""
        terms = ClaimTerms(moment=self._db.clock(), ttl=ttl, grace=grace)
        now = terms.now
        live = {"c.e": {"$gt": now}, "e": {"$gt": now}}
        held = in_marker_order(self._db.message_docs,
                               {"p": project, "q": queue, "c.id": claim_id}, live,
                               projection={"e": 1})
        if not held:
            raise ClaimDoesNotExist(project, queue, claim_id)
        result = self._db.message_docs.update_many(
            {"_id": {"$in": [doc["_id"] for doc in held]}, "c.id": claim_id, **live},
            {"$set": {"c.e": terms.expires, "c.t": ttl}},
        )
        if result.matched_count == 0:
            raise ClaimDoesNotExist(project, queue, claim_id)
        short_lived = [doc["_id"] for doc in held if terms.needs_longer_life(doc["e"])]
        if short_lived:
            _extend_lifetimes(self._db, claim_id, terms, short_lived)

    @translate_errors
    def delete(self, project: str, queue: str, claim_id: str) -> None:
        self._db.message_docs.update_many(
            {"p": project, "q": queue, "c.id": claim_id},
            {"$set": {"c.id": None, "c.e": 0, "c.t": 0}},
        )


def _tag(
    db: Database, message_ids: list[ObjectId], policy: DeadLetterPolicy | None,
    claim_id: str, terms: ClaimTerms,
) -> int:
    """Tag the messages that are still free (and under the claim limit); return how many."""
    query: Document = {"_id": {"$in": message_ids}, "c.e": {"$lte": terms.now}}
    if policy is not None:
        query["c.n"] = {"$lt": policy.max_claim_count}
    result = db.message_docs.update_many(
        query, {"$set": {"c.id": claim_id, "c.e": terms.expires, "c.t": terms.ttl},
                "$inc": {"c.n": 1}})
    return result.modified_count


def _as_claimed(doc: Document, claim_id: str, terms: ClaimTerms) -> Message:
    """A candidate as ``_tag`` (and ``_extend_lifetimes``) just stored it, from the
    candidate as read (a claim taken and released by another in between could have
    lengthened its life or counted one more claim: the stored message says so)."""
    message = message_from_doc(doc)
    if terms.needs_longer_life(message.expires):
        extended = terms.extended
        message = dataclasses.replace(message, ttl=extended.ttl, expires=extended.expires)
    return dataclasses.replace(message, claim_id=claim_id, claim_expires=terms.expires,
                               claim_ttl=terms.ttl, claim_count=message.claim_count + 1)


def _extend_lifetimes(
    db: Database, claim_id: str, terms: ClaimTerms, message_ids: list[ObjectId]
) -> None:
    """Those of the messages that would expire before the claim (and still hold it)
    live on until it ends plus grace.

    Filtered by id: SecantusDB plans an update whose filter has the queue, the
    claim and a range as a scan of the whole collection.
    """
    extended = terms.extended
    db.message_docs.update_many(
        {"_id": {"$in": message_ids}, "c.id": claim_id, "e": {"$lt": terms.expires}},
        {"$set": {"e": extended.expires, "x": as_datetime(extended.expires),
                  "t": extended.ttl}},
    )


def _move_to_dead_letter_queue(
    db: Database, project: str, message_ids: list[ObjectId], policy: DeadLetterPolicy,
    claim_id: str, terms: ClaimTerms,
) -> None:
    """Move messages to the dead-letter queue, tagged with this claim there.

    Each move re-checks that the message is still free and still over the
    limit; one that is not (a concurrent claim took it) stays where it is.
    """
    changes: Document = {"q": policy.queue, "c.id": claim_id, "c.e": terms.expires,
                         "c.t": terms.ttl}
    lifetime = policy.moved_lifetime(terms.moment)
    if lifetime is not None:
        changes.update({"t": lifetime.ttl, "e": lifetime.expires,
                        "x": as_datetime(lifetime.expires)})
    first = reserve_markers(db, project, policy.queue, len(message_ids), terms.now, create=True)
    for offset, mid in enumerate(message_ids):
        query = {"_id": mid, "c.e": {"$lte": terms.now},
                 "c.n": {"$gte": policy.max_claim_count}}
        _move(db, project, policy.queue, query, changes, first + offset, terms.now)


def _move(
    db: Database, project: str, dead_letter_queue: str, query: Document,
    changes: Document, marker: int, now: int,
) -> None:
    """Apply one move; a marker collision catches the counter up and takes a new one."""
    for _ in range(POST_ATTEMPTS):
        try:
            db.message_docs.update_one(query, {"$set": {**changes, "k": marker}})
            return
        except DuplicateKeyError as exc:
            if not is_marker_conflict(exc):
                raise
            catch_up_counter(db, project, dead_letter_queue)
            marker = reserve_markers(db, project, dead_letter_queue, 1, now, create=True)
    raise StorageUnavailable(
        f"markers of queue {dead_letter_queue!r} of project {project!r} kept colliding"
    )


def _claimed_messages(
    db: Database, project: str, queue: str, claim_id: str, now: int
) -> list[Message]:
    """The live messages of a live claim, in FIFO order."""
    docs = in_marker_order(db.message_docs, {"p": project, "q": queue, "c.id": claim_id},
                           {"c.e": {"$gt": now}, "e": {"$gt": now}})
    return [message_from_doc(doc) for doc in docs]
