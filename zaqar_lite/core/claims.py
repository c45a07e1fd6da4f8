"""Claim operations shared by every API version: lease, read, renew, release."""

from __future__ import annotations

import dataclasses

from zaqar_lite.core.body import Body
from zaqar_lite.core.encryption import BodyCipher
from zaqar_lite.core.rules import VersionRules
from zaqar_lite.metrics import MESSAGES
from zaqar_lite.storage.base import Claim, Message, Store
from zaqar_lite.validation import RequestValidator

CLAIMED = MESSAGES.labels("claimed")


class Claims:
    def __init__(self, store: Store, validator: RequestValidator, cipher: BodyCipher) -> None:
        self._store = store
        self._validator = validator
        self._cipher = cipher

    def create(self, project: str, queue: str, body: Body, query_limit: int | None,
               rules: VersionRules) -> tuple[str | None, list[Message]]:
        """Claim up to ``limit`` free messages: ``(claim_id, messages)`` or ``(None, [])``.

        The body is optional where ttl and grace default, required otherwise.
        """
        document = body.object(required=not rules.ttl_defaults)
        ttl, grace, limit = self._validator.claim_create(document, query_limit, rules)
        claim_id, messages = self._store.claims.create(
            project, queue, ttl=ttl, grace=grace, limit=limit)
        CLAIMED.inc(len(messages))
        return claim_id, self._cipher.open_all(messages)

    def get(self, project: str, queue: str, claim_id: str) -> Claim:
        claim = self._store.claims.get(project, queue, claim_id)
        return dataclasses.replace(claim, messages=self._cipher.open_all(claim.messages))

    def renew(self, project: str, queue: str, claim_id: str, body: Body,
              rules: VersionRules) -> None:
        """Renew a live claim from now; the body is required, its members may default."""
        ttl, grace = self._validator.claim_update(body.object(required=True), rules)
        self._store.claims.update(project, queue, claim_id, ttl=ttl, grace=grace)

    def release(self, project: str, queue: str, claim_id: str) -> None:
        self._store.claims.delete(project, queue, claim_id)
