"""Queue sharing: pre-signed URLs for a queue's sub-resources (``POST …/share``)."""

from __future__ import annotations

from zaqar_lite.config import Settings
from zaqar_lite.core.body import Body
from zaqar_lite.errors import ValidationFailed
from zaqar_lite.signing import SignedUrl, SigningError, sign
from zaqar_lite.storage.base import Clock
from zaqar_lite.validation import RequestValidator


class Sharing:
    def __init__(self, settings: Settings, validator: RequestValidator, clock: Clock) -> None:
        self._settings = settings
        self._validator = validator
        self._clock = clock

    def share(self, project: str, queue_path: str, body: Body) -> SignedUrl:
        """Sign ``paths`` (default ``messages``) under ``queue_path`` for ``methods``
        (default GET) until ``expires`` (default a day), for the caller's project."""
        document = body.object(required=True)
        assert document is not None
        paths = self._validator.share_paths(document)
        try:
            return sign(self._settings.secret_key, [f"{queue_path}/{path}" for path in paths],
                        project=project, now=self._clock(), methods=document.get("methods"),
                        expires=document.get("expires"))
        except SigningError as exc:
            raise ValidationFailed(str(exc)) from None
