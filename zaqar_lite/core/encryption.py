"""Encrypted queues (``_enable_encrypt_messages``): bodies sealed at rest.

Bodies are serialised as JSON and sealed with AES-256-GCM (authenticated: a
changed ciphertext is detected, never decrypted to garbage) under the SHA-256
of ``[transport] message_encryption_key``, with a fresh 96-bit nonce each.
The store keeps ``{"$zaqar-lite-sealed": "v1:<base64 nonce+ciphertext+tag>"}``
in place of the body; every read opens it again, so clients (and
subscribers) only ever see the plaintext. Unlike Zaqar's format (AES-256-CBC
of a pickled body), nothing here is ever unpickled, and the two formats are
not interchangeable.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import json
import logging
import os
from collections.abc import Sequence
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from zaqar_lite.storage.base import Message, NewMessage

LOG = logging.getLogger(__name__)

SEALED = "$zaqar-lite-sealed"
VERSION = "v1:"
ASSOCIATED_DATA = b"zaqar-lite message body"
NONCE_BYTES = 12


class BodyCipher:
    """Seals and opens message bodies with one key."""

    def __init__(self, key: str) -> None:
        self._aead = AESGCM(hashlib.sha256(key.encode("utf-8")).digest())

    def seal(self, body: Any) -> dict[str, str]:
        nonce = os.urandom(NONCE_BYTES)
        plain = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        sealed = nonce + self._aead.encrypt(nonce, plain, ASSOCIATED_DATA)
        return {SEALED: VERSION + base64.b64encode(sealed).decode("ascii")}

    def open(self, body: Any) -> Any:
        """The plaintext of a sealed body; any other body as it is (a body that only
        looks sealed, or was sealed under another key, is shown as stored)."""
        if not (isinstance(body, dict) and len(body) == 1 and SEALED in body):
            return body
        text = body[SEALED]
        if not isinstance(text, str) or not text.startswith(VERSION):
            return body
        try:
            sealed = base64.b64decode(text[len(VERSION):], validate=True)
            plain = self._aead.decrypt(sealed[:NONCE_BYTES], sealed[NONCE_BYTES:],
                                       ASSOCIATED_DATA)
        except (ValueError, InvalidTag):
            LOG.warning("a sealed message body could not be opened (another key?)")
            return body
        return json.loads(plain)

    def seal_all(self, messages: Sequence[NewMessage]) -> list[NewMessage]:
        return [dataclasses.replace(msg, body=self.seal(msg.body)) for msg in messages]

    def open_all(self, messages: Sequence[Message]) -> list[Message]:
        return [self.open_one(msg) for msg in messages]

    def open_one(self, message: Message) -> Message:
        opened = self.open(message.body)
        return message if opened is message.body else dataclasses.replace(message, body=opened)
