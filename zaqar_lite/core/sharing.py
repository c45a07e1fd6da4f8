"""Queue sharing: pre-signed URLs for a queue's sub-resources (``POST …/share``)."""

from __future__ import annotations

from zaqar_lite.config import Settings
from zaqar_lite.core.body import Body
from zaqar_lite.errors import InvalidBody, ValidationFailed
from zaqar_lite.signing import SignedUrl, SigningError, sign
from zaqar_lite.storage.base import Clock

KNOWN_KEYS = ("expires", "methods", "paths")
SHAREABLE = ("claims", "messages", "subscriptions")


def _set_text(items: set[str]) -> str:
    """A set as Python prints it (Zaqar's messages do), in a stable order."""
    return "{" + ", ".join(repr(item) for item in sorted(items)) + "}"


class Sharing:
    def __init__(self, settings: Settings, clock: Clock) -> None:
        self._settings = settings
        self._clock = clock

    def share(self, project: str, queue_path: str, body: Body) -> SignedUrl:
        """Sign ``paths`` (default ``messages``) under ``queue_path`` for ``methods``
        (default GET) until ``expires`` (default a day), for the caller's project."""
        document = body.json(required=True)
        if not isinstance(document, dict):
            raise InvalidBody("Document type not supported.")
        unknown = set(document) - set(KNOWN_KEYS)
        if unknown:
            raise ValidationFailed(f"Unknown keys: {_set_text(unknown)}")
        paths = document.get("paths") or ["messages"]
        if not isinstance(paths, list) or not all(isinstance(path, str) for path in paths):
            raise ValidationFailed("`paths` must be a list of messages, subscriptions, claims")
        invalid = set(paths) - set(SHAREABLE)
        if invalid:
            raise ValidationFailed(f"Invalid paths: {_set_text(invalid)}")
        try:
            return sign(self._settings.secret_key, [f"{queue_path}/{path}" for path in paths],
                        project=project, now=self._clock(), methods=document.get("methods"),
                        expires=document.get("expires"))
        except SigningError as exc:
            raise ValidationFailed(str(exc)) from None
