"""Reading JSON request bodies the way Zaqar does.

A body exists only when ``Content-Length`` announces it (a chunked body
counts as none). It must be UTF-8. Integers beyond signed 64 bits, non-finite
numbers (also ``1e999``), strings holding a lone UTF-16 surrogate (``"\\ud800"``,
which no store can encode) and documents nested more than ``BODY_DEPTH_MAX``
levels deep are rejected, and the top level must be an object or an array.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

import falcon

from zaqar_lite.errors import InvalidBody
from zaqar_lite.validation import BODY_DEPTH_MAX, INT64_MAX, INT64_MIN, nests_deeper

_TOO_DEEP = (f"Request body is nested too deeply: at most {BODY_DEPTH_MAX} levels of "
             "objects and arrays.")


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


_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89abcdefABCDEF]")
_SURROGATE = re.compile("[\ud800-\udfff]")


def _lone_surrogate(document: Any, where: str = "$") -> str | None:
    """Where in ``document`` (a JSON path) a string or key holds a lone surrogate."""
    if isinstance(document, str):
        return f"the string at {where}" if _SURROGATE.search(document) else None
    if isinstance(document, dict):
        for key, value in document.items():
            if _SURROGATE.search(key):
                return f"a key of {where}"
            found = _lone_surrogate(value, f"{where}.{key}")
            if found:
                return found
    elif isinstance(document, list):
        for index, value in enumerate(document):
            found = _lone_surrogate(value, f"{where}[{index}]")
            if found:
                return found
    return None


def read_raw(req: falcon.Request) -> bytes | None:
    """The request body, or None when no body was announced."""
    if not req.content_length:
        return None
    return req.bounded_stream.read()


def parse_json(raw: bytes) -> Any:
    """Parse a body; raise InvalidBody with Zaqar's descriptions."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InvalidBody(
            f"Request body could not be parsed: it is not valid UTF-8 (byte {exc.start})."
        ) from None
    try:
        document = json.loads(text, parse_int=_parse_int, parse_float=_parse_float,
                              parse_constant=_reject_constant)
    except _IntegerTooLarge:
        raise InvalidBody("JSON contains integer that is too large.") from None
    except RecursionError:
        raise InvalidBody(_TOO_DEEP) from None
    except ValueError:
        raise InvalidBody("Request body could not be parsed.") from None
    if not isinstance(document, (dict, list)):
        raise InvalidBody("Request body could not be parsed.")
    # Fewer brackets than the limit cannot nest past it: most bodies skip the walk.
    if (text.count("[") + text.count("{") > BODY_DEPTH_MAX
            and nests_deeper(document, BODY_DEPTH_MAX)):
        raise InvalidBody(_TOO_DEEP)
    # Only an escape can produce a lone surrogate: the text itself was valid UTF-8.
    if _SURROGATE_ESCAPE.search(text):
        where = _lone_surrogate(document)
        if where:
            raise InvalidBody(f"Request body: {where} holds a lone UTF-16 surrogate (an unpaired "
                              "\\ud800-\\udfff escape), which is not valid Unicode.")
    return document


def read_json(req: falcon.Request, *, required: bool = False) -> Any:
    """The parsed body, or None if there is none and ``required`` is false.

    A required body announced as empty (``Content-Length: 0``) is parsed, and
    so cannot be, as in Zaqar; one not announced at all is missing.
    """
    raw = read_raw(req)
    if raw is None:
        if not required:
            return None
        if req.content_length == 0:
            raise InvalidBody("Request body could not be parsed.")
        raise InvalidBody("Request body can not be empty")
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

