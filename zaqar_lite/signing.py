"""Pre-signed URLs, signed and checked exactly as Zaqar does.

A signature is the hex HMAC-SHA256, keyed with ``[signed_url] secret_key``,
of ``paths \\n methods \\n project \\n expires`` (sorted, comma-joined lists;
``\\n`` is the two characters backslash and ``n``, as in Zaqar; a missing
project is the text ``None``). So a URL signed here works on any Zaqar with
the same key, and the other way round.
"""

from __future__ import annotations

import dataclasses
import datetime
import hashlib
import hmac
import re
from collections.abc import Mapping, Sequence
from typing import Any

DATE_FORMAT = "%Y-%m-%dT%H:%M:%S"
DEFAULT_LIFETIME = datetime.timedelta(days=1)


class SigningError(ValueError):
    """A value cannot be signed; the message is Zaqar's."""


@dataclasses.dataclass(frozen=True)
class SignedUrl:
    """What a holder needs to use a pre-signed URL (the share response)."""

    paths: list[str]
    methods: list[str]
    project: str | None
    expires: str
    signature: str

    def as_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def utc_from_timestamp(seconds: float) -> datetime.datetime:
    """A naive UTC datetime, the form every comparison here uses."""
    return datetime.datetime.fromtimestamp(seconds, tz=datetime.timezone.utc).replace(tzinfo=None)


def parse_expires(value: Any) -> datetime.datetime:
    """An ISO 8601 date-time as naive UTC (no zone means UTC); integers are refused."""
    if isinstance(value, (int, float)) and not isinstance(value, bool) or (
            isinstance(value, str) and _integer_text(value)):
        raise SigningError("`expires` should be date format, for example 2016-01-01T00:00:00, "
                           f"not integer value: {int(value)}")
    if not isinstance(value, str):
        raise SigningError("`expires` should be date format, for example 2016-01-01T00:00:00")
    try:
        parsed = datetime.datetime.fromisoformat(value.strip())
    except ValueError:
        raise SigningError(f"Unable to parse date string {value!r}") from None
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(datetime.timezone.utc).replace(tzinfo=None)
    return parsed


def _integer_text(text: str) -> bool:
    """Whether Python's ``int()`` reads the text as a non-zero integer (Zaqar's test)."""
    try:
        return int(text) != 0
    except ValueError:
        return False


def signature(key: str, paths: Sequence[str], methods: Sequence[str], project: str | None,
              expires: str) -> str:
    """The hex HMAC-SHA256 of the string Zaqar signs."""
    text = "\\n".join((",".join(sorted(paths)), ",".join(sorted(methods)), str(project), expires))
    return hmac.new(key.encode("utf-8"), text.encode("utf-8"), hashlib.sha256).hexdigest()


def sign(key: str | None, paths: Sequence[str], *, project: str | None, now: float,
         methods: Any = None, expires: Any = None) -> SignedUrl:
    """Sign ``paths`` for ``methods`` (default GET) until ``expires`` (default a day on)."""
    if key is None:
        raise SigningError("The `key` can't be None")
    if not paths:
        raise SigningError("`paths` must be a non-empty list")
    methods = methods or ["GET"]
    if not isinstance(methods, list) or not all(isinstance(m, str) for m in methods):
        raise SigningError("`methods` should be a list")
    current = utc_from_timestamp(now)
    until = current + DEFAULT_LIFETIME if expires is None else parse_expires(expires)
    if until <= current:
        raise SigningError("`expires` is lower than the current time")
    expires_text = until.strftime(DATE_FORMAT)
    return SignedUrl(paths=sorted(paths), methods=sorted(methods), project=project,
                     expires=expires_text,
                     signature=signature(key, paths, methods, project, expires_text))


def verify(key: str | None, headers: Mapping[str, str | None], method: str, path: str,
           now: float) -> bool:
    """Whether a request carrying ``URL-Signature`` is admitted by its signed headers.

    The method must be signed, the signature must match the headers with the
    configured key and be unexpired, and one signed path, read as a regular
    expression as Zaqar does, must be found in the request path. The signature
    is checked before any pattern is compiled, so only server-signed patterns
    ever are.
    """
    given = headers.get("URL-Signature")
    expires = headers.get("URL-Expires")
    if key is None or given is None or expires is None:
        return False
    methods = (headers.get("URL-Methods") or "").split(",")
    paths = (headers.get("URL-Paths") or "").split(",")
    if method not in methods:
        return False
    try:
        until = parse_expires(expires)
    except SigningError:
        return False
    if until <= utc_from_timestamp(now):
        return False
    expected = signature(key, paths, methods, headers.get("X-Project-ID"),
                         until.strftime(DATE_FORMAT))
    if not hmac.compare_digest(expected, given):
        return False
    try:
        return any(re.search(pattern, path) for pattern in paths)
    except re.error:
        return False
