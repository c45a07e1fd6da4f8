"""uvicorn's httptools protocol with a request deadline and JSON error answers.

uvicorn bounds only the idle time between requests: a client that trickles a
request byte by byte holds its connection for ever. Here a request (its
headers and its body) must arrive whole within ``request_timeout`` seconds of
its first byte (or of the connection, for the first request); otherwise it is
answered 408 and the connection closed. A client that reads its answers more slowly
than they are written gets no more of its requests read or answered until it
catches up, so what waits for it is one answer; one that takes nothing of its
answers for ``request_timeout`` seconds is cut off. Answers the HTTP layer gives itself
(malformed request 400, request line too long 414, headers too large 431,
408) are JSON, like every answer of the app.
"""

from __future__ import annotations

import asyncio
import collections
import json
from collections.abc import Mapping
from typing import Any

import httptools
from uvicorn.protocols.http.httptools_impl import STATUS_LINE, HttpToolsProtocol

from zaqar_lite.serving.bridge import Response, WsgiBridge, body_refusal, content_length
from zaqar_lite.serving.threads import outcome_of

MAX_REQUEST_LINE = 8190
"""Longest request target accepted (gunicorn's limit too); longer is 414."""
MAX_HEADER_FIELD = 8190
"""Longest header field (name and value) accepted; longer is 431."""
MAX_HEADER_FIELDS = 100
"""Most header fields accepted; more is 431."""

REASONS = {400: "Bad Request", 408: "Request Timeout", 414: "URI Too Long",
           431: "Request Header Fields Too Large", 500: "Internal Server Error"}
CONTINUE = b"HTTP/1.1 100 Continue\r\n\r\n"
NO_BODY_STATUSES = (204, 304)


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


Request = tuple[Mapping[str, Any], bytes, bool]
"""A whole request for the bridge: its ASGI-style scope, its body, keep-alive."""


class GuardedHttpToolsProtocol(HttpToolsProtocol):
    """One connection; ``request_timeout`` and ``bridge`` are set by
    ``guarded_protocol``.

    With a ``bridge``, whole requests go to it straight from the parser's
    callbacks instead of through uvicorn's ASGI cycle (a task, events and
    message dicts per request): the app runs right there, or, for a request the
    bridge pools, in one of its threads while the loop goes on; pipelined
    requests wait for it, so a connection's requests are answered in order.
    """

    request_timeout: float
    bridge: WsgiBridge | None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._deadline: asyncio.TimerHandle | None = None
        self._receiving = False
        self._refused: _Refused | None = None
        self._header_fields = 0
        self._body = bytearray()
        self._keep_alive = True
        self._skipping = False
        """The body of a refused request is not collected."""
        self._running = False
        """A request of this connection is in the bridge's pool."""
        self._closing = False
        """Close once the request in the pool is answered (server shutdown)."""
        self._waiting: collections.deque[Request] = collections.deque()
        self._unread: asyncio.TimerHandle | None = None
        """Checks that a client with answers waiting still takes them."""

    # -- the deadline ---------------------------------------------------

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        self._stop_watching()
        self._waiting.clear()
        super().connection_lost(exc)

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._receiving = True
        self._header_fields = 0
        if self._deadline is None:
            self._arm()

    def on_message_complete(self) -> None:
        self._receiving = False
        self._disarm()
        if self.bridge is None:
            super().on_message_complete()
        elif not self._skipping and not self.transport.is_closing():
            self._dispatch((self.scope, bytes(self._body), self._keep_alive))

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

    # -- clients that read slowly ------------------------------------------

    def pause_writing(self) -> None:
        """The transport holds more than its high-water mark: answer nothing more
        (and read no more requests) until the client has taken most of it."""
        super().pause_writing()
        if self.bridge is not None:
            self.flow.pause_reading()
        self._watch(self.transport.get_write_buffer_size())

    def resume_writing(self) -> None:
        super().resume_writing()
        self._stop_watching()
        if self.bridge is not None:
            self._go_on()

    def _watch(self, left: int) -> None:
        self._unread = self.loop.call_later(self.request_timeout, self._check_unread, left)

    def _stop_watching(self) -> None:
        if self._unread is not None:
            self._unread.cancel()
            self._unread = None

    def _check_unread(self, left: int) -> None:
        """Cut the connection off if the client took nothing since the last check,
        dropping what it left unread."""
        self._unread = None
        if not self.flow.write_paused:
            return
        now_left = self.transport.get_write_buffer_size()
        if now_left < left:
            self._watch(now_left)
            return
        self.logger.info("closing a connection whose client took none of its answers "
                         "for %g s", self.request_timeout)
        self.transport.abort()

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
        # The parser drops the whitespace before a value but keeps what follows
        # it, which is no part of the value either (RFC 9110, section 5.5).
        super().on_header(name, value.rstrip(b" \t"))

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

    # -- whole requests straight to the bridge ------------------------------

    def on_headers_complete(self) -> None:
        if self.bridge is None:
            super().on_headers_complete()
            return
        self._unset_keepalive_if_required()
        parser = self.parser
        version = parser.get_http_version()
        scope = self.scope
        scope["method"] = parser.get_method().decode("ascii")
        if version != "1.1":
            scope["http_version"] = version
        url = httptools.parse_url(self.url)
        scope["raw_path"] = self.root_path.encode("ascii") + url.path
        scope["query_string"] = url.query or b""
        self._keep_alive = version != "1.0" and parser.should_keep_alive()
        self._body = bytearray()
        self._skipping = False
        announced = content_length(self.headers)
        if announced is not None and announced > self.bridge.max_body:
            self._refuse_body()
        elif self.expect_100_continue:
            self.transport.write(CONTINUE)

    def on_body(self, body: bytes) -> None:
        if self.bridge is None:
            super().on_body(body)
            return
        if self._skipping:
            return
        self._body += body
        if len(self._body) > self.bridge.max_body:
            self._refuse_body()

    def _refuse_body(self) -> None:
        """Answer a body longer than the bridge reads with a 400, and close."""
        assert self.bridge is not None
        self._skipping = True
        self._body = bytearray()
        self._write(self.scope, body_refusal(self.bridge.max_body), keep_alive=False)

    def _dispatch(self, request: Request) -> None:
        if self._running or self.flow.write_paused:
            self._waiting.append(request)
            self.flow.pause_reading()
        else:
            self._start(request)

    def _start(self, request: Request) -> None:
        """Answer the request here, or hand it to the pool (then the connection's
        later requests wait for it)."""
        bridge = self.bridge
        assert bridge is not None
        scope, body, _ = request
        if bridge.inline(scope):
            self._answer(request, outcome_of(lambda: bridge.respond(scope, body)))
            return
        self._running = True
        loop = self.loop
        bridge.submit(scope, body, lambda outcome: loop.call_soon_threadsafe(
            self._finished, request, outcome))

    def _finished(self, request: Request, outcome: Response | Exception) -> None:
        self._running = False
        if self.transport.is_closing():
            return
        self._answer(request, outcome)
        self._go_on()

    def _go_on(self) -> None:
        """Start the requests that waited, in order, while none runs and the client
        keeps up with the answers; read on once none waits."""
        while self._waiting and not self._running and self._keeping_up():
            self._start(self._waiting.popleft())
        if not self._waiting and self._keeping_up():
            self.flow.resume_reading()

    def _keeping_up(self) -> bool:
        """The connection is open and its client takes its answers as they come."""
        return not self.flow.write_paused and not self.transport.is_closing()

    def _answer(self, request: Request, outcome: Response | Exception) -> None:
        """Write the response, or a 500 (closing) if the app raised."""
        scope, _, keep_alive = request
        if isinstance(outcome, Exception):
            self.logger.error("the app failed on %s %s", scope["method"],
                              scope["raw_path"].decode("latin-1"), exc_info=outcome)
            self.transport.write(json_answer(500, "The server failed to answer the request."))
            self.transport.close()
            return
        self._write(scope, outcome, keep_alive=keep_alive and not self._closing)

    def _write(self, scope: Mapping[str, Any], response: Response, *, keep_alive: bool) -> None:
        status, headers, content = response
        parts = [STATUS_LINE[status]]
        for name, value in self.server_state.default_headers:
            parts += (name, b": ", value, b"\r\n")
        sized = status in NO_BODY_STATUSES
        for name, value in headers:
            if name == b"content-length":
                sized = True
            elif name == b"connection" and value == b"close":
                keep_alive = False
                continue
            parts += (name, b": ", value, b"\r\n")
        if not sized:
            parts += (b"content-length: ", str(len(content)).encode(), b"\r\n")
        if not keep_alive:
            parts.append(b"connection: close\r\n")
        parts.append(b"\r\n")
        if scope["method"] != "HEAD" and status not in NO_BODY_STATUSES:
            parts.append(content)
        self.transport.write(b"".join(parts))
        self.server_state.total_requests += 1
        if not keep_alive:
            self.transport.close()
        elif not self._running and not self._waiting:
            self.timeout_keep_alive_task = self.loop.call_later(
                self.timeout_keep_alive, self.timeout_keep_alive_handler)

    def shutdown(self) -> None:
        """Server shutdown: close now, or once the request in the pool is answered."""
        if self.bridge is None or not self._running:
            super().shutdown()
            return
        self._closing = True
        self._waiting.clear()


def guarded_protocol(request_timeout: float,
                     bridge: WsgiBridge | None = None) -> type[GuardedHttpToolsProtocol]:
    """The protocol class of one worker, with its request timeout and, for an app
    that is a ``WsgiBridge``, the bridge to hand whole requests to."""
    return type("GuardedHttpToolsProtocol", (GuardedHttpToolsProtocol,),
                {"request_timeout": request_timeout, "bridge": bridge})
