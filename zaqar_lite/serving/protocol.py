"""uvicorn's httptools protocol with a request deadline and JSON error answers.

uvicorn bounds only the idle time between requests: a client that trickles a
request byte by byte holds its connection for ever. Here a request (its
headers and its body) must arrive whole within ``request_timeout`` seconds of
its first byte (or of the connection, for the first request); otherwise it is
answered 408 and the connection closed. Answers the HTTP layer gives itself
(malformed request 400, request line too long 414, headers too large 431,
408) are JSON, like every answer of the app.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

MAX_REQUEST_LINE = 8190
"""Longest request target accepted (gunicorn's limit too); longer is 414."""
MAX_HEADER_FIELD = 8190
"""Longest header field (name and value) accepted; longer is 431."""
MAX_HEADER_FIELDS = 100
"""Most header fields accepted; more is 431."""

REASONS = {400: "Bad Request", 408: "Request Timeout", 414: "URI Too Long",
           431: "Request Header Fields Too Large"}


class _Refused(Exception):
    """Raised from a parser callback to stop parsing a request that is refused.

    httptools turns any callback error into ``HttpParserCallbackError``, which
    uvicorn answers through ``send_400_response``."""

    def __init__(self, status: int, description: str) -> None:
        super().__init__(description)
        self.status = status
        self.description = description


def json_answer(status: int, description: str) -> bytes:
    """A complete HTTP response closing the connection, with a JSON error body."""
    body = json.dumps({"title": f"{status} {REASONS[status]}",
                       "description": description}).encode()
    head = (f"HTTP/1.1 {status} {REASONS[status]}\r\ncontent-type: application/json\r\n"
            f"content-length: {len(body)}\r\nconnection: close\r\n\r\n").encode()
    return head + body


class GuardedHttpToolsProtocol(HttpToolsProtocol):
    """One connection; ``request_timeout`` is set by ``guarded_protocol``."""

    request_timeout: float

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._deadline: asyncio.TimerHandle | None = None
        self._receiving = False
        self._refused: _Refused | None = None
        self._header_fields = 0

    # -- the deadline ---------------------------------------------------

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if self._deadline is None:
            self._arm()
        super().data_received(data)

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._receiving = True
        self._header_fields = 0

    def on_message_complete(self) -> None:
        self._receiving = False
        self._disarm()
        super().on_message_complete()

    def _arm(self) -> None:
        self._deadline = self.loop.call_later(self.request_timeout, self._expired)

    def _disarm(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _expired(self) -> None:
        self._deadline = None
        if self.transport.is_closing():
            return
        if self._receiving:
            self.logger.info("closing a connection whose request was still incomplete after "
                             "%g s", self.request_timeout)
            self.transport.write(json_answer(
                408, f"The request was not received in full within {self.request_timeout:g} "
                     "seconds."))
        self.transport.close()

    # -- limits and JSON errors -----------------------------------------

    def on_url(self, url: bytes) -> None:
        super().on_url(url)
        if len(self.url) > MAX_REQUEST_LINE:
            self._refuse(414, f"The request target is longer than {MAX_REQUEST_LINE} bytes.")

    def on_header(self, name: bytes, value: bytes) -> None:
        self._header_fields += 1
        if self._header_fields > MAX_HEADER_FIELDS:
            self._refuse(431, f"The request has more than {MAX_HEADER_FIELDS} header fields.")
        if len(name) + len(value) > MAX_HEADER_FIELD:
            self._refuse(431, f"A header field is longer than {MAX_HEADER_FIELD} bytes.")
        super().on_header(name, value)

    def _refuse(self, status: int, description: str) -> None:
        """Stop parsing: the parser reports the raised error, and uvicorn then calls
        ``send_400_response``, which answers with this status instead."""
        self._refused = _Refused(status, description)
        raise self._refused

    def send_400_response(self, msg: str) -> None:
        """uvicorn's answer to a request the parser refused, as JSON (and the more
        precise status when a limit was the reason)."""
        refused, self._refused = self._refused, None
        self._disarm()
        if refused is not None:
            self.transport.write(json_answer(refused.status, refused.description))
        else:
            self.transport.write(json_answer(400, "The request is not valid HTTP/1.1."))
        self.transport.close()


def guarded_protocol(request_timeout: float) -> type[GuardedHttpToolsProtocol]:
    """The protocol class of one worker, with its request timeout."""
    return type("GuardedHttpToolsProtocol", (GuardedHttpToolsProtocol,),
                {"request_timeout": request_timeout})

