"""Response shapes: how stored values are shown to clients of one API version.

v2 is the base; older versions subclass ``Views`` and change only what
differs (roots, members, envelopes), so resources stay version-neutral.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Mapping
from typing import Any

from zaqar_lite.config import Settings
from zaqar_lite.storage.base import Claim, Message, QueueStats


class Views:
    """API v2 representations."""

    root = "/v2"

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def queue_href(self, queue: str) -> str:
        return f"{self.root}/queues/{queue}"

    def message_href(self, queue: str, message_id: str) -> str:
        return f"{self.queue_href(queue)}/messages/{message_id}"

    def claim_href(self, queue: str, claim_id: str) -> str:
        return f"{self.queue_href(queue)}/claims/{claim_id}"

    def message(self, queue: str, message: Message, now: int) -> dict[str, Any]:
        """A message; the href names the claim whenever the message carries one."""
        href = self.message_href(queue, message.id)
        if message.claim_id:
            href += f"?claim_id={message.claim_id}"
        view = {"id": message.id, "href": href, "ttl": message.ttl,
                "age": message.age(now), "body": message.body}
        if self.settings.enable_checksum and message.body is not None:
            view["checksum"] = checksum(message.body)
        return view

    def popped(self, message: Message, now: int) -> dict[str, Any]:
        """A popped message, in the reference's raw storage form (no href)."""
        return {"id": message.id, "age": message.age(now), "ttl": message.ttl,
                "claim_count": message.claim_count, "body": message.body,
                "claim_id": message.claim_id}

    def claim(self, queue: str, claim: Claim, now: int) -> dict[str, Any]:
        return {"age": claim.age, "ttl": claim.ttl, "href": self.claim_href(queue, claim.id),
                "messages": [self.message(queue, msg, now) for msg in claim.messages]}

    def stats(self, queue: str, stats: QueueStats, now: int) -> dict[str, Any]:
        counts: dict[str, Any] = {"claimed": stats.claimed, "free": stats.free,
                                  "total": stats.total}
        for label, message in (("oldest", stats.oldest), ("newest", stats.newest)):
            if message is not None:
                counts[label] = {
                    "href": self.message_href(queue, message.id),
                    "age": message.age(now),
                    "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(message.created)),
                }
        return {"messages": counts}

    def queue_metadata(self, metadata: Mapping[str, Any]) -> dict[str, Any]:
        """Stored metadata with the reserved keys' defaults filled in where falsy."""
        shown = dict(metadata)
        for key, default in self.reserved_defaults().items():
            if not shown.get(key):
                shown[key] = default
        return shown

    def reserved_defaults(self) -> dict[str, Any]:
        return {
            "_max_messages_post_size": self.settings.max_messages_post_size,
            "_default_message_ttl": self.settings.default_message_ttl,
            "_default_message_delay": self.settings.default_message_delay,
            "_dead_letter_queue": None,
            "_dead_letter_queue_messages_ttl": None,
            "_max_claim_count": None,
            "_enable_encrypt_messages": False,
        }


def checksum(body: Any) -> str:
    """``MD5:<hex>`` of the body serialised as Python's json.dumps does by default."""
    return "MD5:" + hashlib.md5(json.dumps(body).encode("utf-8")).hexdigest()
