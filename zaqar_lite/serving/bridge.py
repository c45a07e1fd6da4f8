"""A WSGI app served from an event loop, once a request is whole.

Unlike a streaming bridge, no thread ever waits for a client: the body is
collected on the event loop (bounded by ``max_body``) and the WSGI app gets it
as a ready ``wsgi.input``. Responses are small JSON documents, so they are
collected too and sent in one piece. The worker's protocol hands whole
requests to ``WsgiBridge.respond`` itself; the bridge is also a plain ASGI app,
for ASGI servers of other kinds.
"""

from __future__ import annotations

import asyncio
import functools
import io
import json
import logging
import sys
import urllib.parse
from collections.abc import Awaitable, Callable, Iterable, Mapping, MutableMapping, Sequence
from typing import Any, Protocol

from zaqar_lite.serving.threads import RequestThreads

LOG = logging.getLogger(__name__)

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]
Response = tuple[int, list[tuple[bytes, bytes]], bytes]
"""Status, headers (lower-case names) and the whole body."""


class Service(Protocol):
    """Background work of a worker process (e.g. the notification deliverer)."""

    def start(self) -> None: ...

    def stop(self) -> None: ...


READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def writes(scope: Mapping[str, Any]) -> bool:
    """A request whose method may change something (every method but GET, HEAD
    and OPTIONS)."""
    return scope["method"] not in READ_METHODS


class WsgiBridge:
    """WSGI behind an event loop for one worker: ``threads`` run the requests that
    ``pooled`` picks, ``max_body`` caps a body.

    The event loop's own thread runs every other request (every request, with
    one thread), between reads: that spares it the hand-off to a request thread
    and back (``threads.py``), but the loop waits for it, so what waits on a
    network or a disk belongs in the pool (``app.pooled_requests``).

    ``request_timeout`` is read by the worker's protocol (``protocol.py``), which
    enforces it while a request is being received. ``services`` start with the
    worker (ASGI lifespan start-up, after the fork) and stop with it.
    """

    def __init__(self, app: WsgiApp, *, threads: int, max_body: int, request_timeout: float,
                 pooled: Callable[[Mapping[str, Any]], bool],
                 services: Sequence[Service] = ()) -> None:
        self._app = app
        self._services = tuple(services)
        self._pooled = pooled
        self.threads = threads
        self.max_body = max_body
        self.request_timeout = request_timeout
        self._pool: RequestThreads[Response] = RequestThreads(threads)

    def inline(self, scope: Mapping[str, Any]) -> bool:
        """Whether the request runs on the event loop's thread (``respond``), not in
        a request thread (``submit``)."""
        return self.threads == 1 or not self._pooled(scope)

    def respond(self, scope: Mapping[str, Any], body: bytes) -> Response:
        """Run the app on one whole request (in the calling thread)."""
        return _call(self._app, wsgi_environ(scope, body))

    def submit(self, scope: Mapping[str, Any], body: bytes,
               settle: Callable[[Response | Exception], object]) -> None:
        """``respond`` in one of the request threads, which then calls ``settle`` with
        the response or the exception raised."""
        self._pool.submit(functools.partial(self.respond, scope, body), settle)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        body = await self._read_body(scope, receive, send)
        if body is None:
            return
        if self.inline(scope):
            status, headers, content = self.respond(scope, body)
        else:
            loop = asyncio.get_running_loop()
            answered: asyncio.Future[Response | Exception] = loop.create_future()
            self.submit(scope, body,
                        lambda outcome: loop.call_soon_threadsafe(answered.set_result, outcome))
            outcome = await answered
            if isinstance(outcome, Exception):
                raise outcome
            status, headers, content = outcome
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": content})

    async def _read_body(self, scope: Scope, receive: Receive, send: Send) -> bytes | None:
        """The whole body, or None if the client left or sent more than ``max_body``
        (then it has been answered 400 and the connection will close)."""
        announced = content_length(scope["headers"])
        if announced is not None and announced > self.max_body:
            await _refuse_body(send, self.max_body)
            return None
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return None
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_body:
                await _refuse_body(send, self.max_body)
                return None
            chunks.append(chunk)
            if not message.get("more_body", False):
                return b"".join(chunks)

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                for service in self._services:
                    service.start()
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                loop = asyncio.get_running_loop()
                await loop.run_in_executor(None, self._pool.stop)
                for service in self._services:
                    await loop.run_in_executor(None, service.stop)
                await send({"type": "lifespan.shutdown.complete"})
                return


def content_length(headers: Iterable[tuple[bytes, bytes]]) -> int | None:
    """The announced body length, or None if absent or not a number."""
    for name, value in headers:
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


def body_refusal(limit: int) -> Response:
    """The 400 (closing the connection) for a body longer than ``limit``."""
    body = json.dumps({
        "title": "Invalid request body",
        "description": f"Request body is larger than this server reads ({limit} bytes).",
    }).encode()
    return 400, [(b"content-type", b"application/json"),
                 (b"content-length", str(len(body)).encode()), (b"connection", b"close")], body


async def _refuse_body(send: Send, limit: int) -> None:
    status, headers, body = body_refusal(limit)
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def wsgi_environ(scope: Mapping[str, Any], body: bytes) -> dict[str, Any]:
    """The WSGI environ of an ASGI request, as gunicorn would build it (PEP 3333:
    the path is percent-decoded and carried as latin-1 text of its bytes)."""
    raw_path = scope.get("raw_path") or scope["path"].encode("utf-8")
    root = scope.get("root_path", "")
    path = urllib.parse.unquote_to_bytes(raw_path).decode("latin-1")
    if root and path.startswith(root):
        path = path[len(root):]
    server = scope.get("server") or ("localhost", 80)
    client = scope.get("client")
    environ: dict[str, Any] = {
        "REQUEST_METHOD": scope["method"],
        "SCRIPT_NAME": root,
        "PATH_INFO": path,
        "QUERY_STRING": scope["query_string"].decode("latin-1"),
        "SERVER_NAME": server[0],
        "SERVER_PORT": str(server[1]),
        "SERVER_PROTOCOL": f"HTTP/{scope['http_version']}",
        "REMOTE_ADDR": client[0] if client else "",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": scope.get("scheme", "http"),
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": True,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
    }
    for name, value in scope["headers"]:
        key = name.decode("latin-1").upper().replace("-", "_")
        text = value.decode("latin-1")
        if key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
            environ[key] = text
            continue
        key = "HTTP_" + key
        environ[key] = f"{environ[key]},{text}" if key in environ else text
    return environ


def _call(app: WsgiApp, environ: dict[str, Any]) -> Response:
    """Run the WSGI app; its status, headers and whole body."""
    response: list[Any] = []
    written: list[bytes] = []

    def start_response(status: str, headers: list[tuple[str, str]],
                       exc_info: Any = None) -> Callable[[bytes], None]:
        response[:] = [status, headers]
        return written.append

    result = app(environ, start_response)
    try:
        content = b"".join([*written, *result])
    finally:
        close = getattr(result, "close", None)
        if close is not None:
            close()
    status, headers = response
    return (int(status.split(" ", 1)[0]),
            [(name.lower().encode("latin-1"), value.encode("latin-1")) for name, value in headers],
            content)
