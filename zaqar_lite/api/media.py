"""Reading JSON request bodies the way Zaqar does.

A body exists only when ``Content-Length`` announces it (a chunked body
counts as none). Integers beyond signed 64 bits, non-finite numbers (also
``1e999``) and documents nested too deeply to parse are rejected, and the top
level must be an object or an array.
"""

from __future__ import annotations

import json
import math
from typing import Any

import falcon

from zaqar_lite.errors import InvalidBody
from zaqar_lite.validation import INT64_MAX, INT64_MIN


class _IntegerTooLarge(ValueError):
    pass


def _parse_int(text: str) -> int:
    value = int(text)
    if not INT64_MIN <= value <= INT64_MAX:
        raise _IntegerTooLarge(text)
    return value


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def _parse_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"{text} is out of range")
    return value


def read_raw(req: falcon.Request) -> bytes | None:
    """The request body, or None when no body was announced."""
    if not req.content_length:
        return None
    return req.bounded_stream.read()


def parse_json(raw: bytes) -> Any:
    """Parse a body; raise InvalidBody with Zaqar's descriptions."""
    try:
        document = json.loads(raw, parse_int=_parse_int, parse_float=_parse_float,
                              parse_constant=_reject_constant)
    except _IntegerTooLarge:
        raise InvalidBody("JSON contains integer that is too large.") from None
    except (ValueError, RecursionError):
        raise InvalidBody("Request body could not be parsed.") from None
    if not isinstance(document, (dict, list)):
        raise InvalidBody("Request body could not be parsed.")
    return document


def read_json(req: falcon.Request, *, required: bool = False) -> Any:
    """The parsed body, or None if there is none and ``required`` is false."""
    raw = read_raw(req)
    if raw is None:
        if required:
            raise InvalidBody("Request body can not be empty")
        return None
    return parse_json(raw)


def read_object(req: falcon.Request, *, required: bool = False) -> dict[str, Any] | None:
    """Like ``read_json`` but the top level must be an object."""
    document = read_json(req, required=required)
    if document is not None and not isinstance(document, dict):
        raise InvalidBody("Document type not supported.")
    return document


class RequestBody:
    """The body of a Falcon request, parsed on demand (see ``core.body.Body``)."""

    def __init__(self, req: falcon.Request) -> None:
        self._req = req

    @property
    def length(self) -> int | None:
        return self._req.content_length

    @property
    def media_type(self) -> str | None:
        return self._req.content_type

    def json(self, *, required: bool = False) -> Any:
        return read_json(self._req, required=required)

    def object(self, *, required: bool = False) -> dict[str, Any] | None:
        return read_object(self._req, required=required)

