"""The gunicorn worker ``zaqar-lite serve`` runs: uvicorn on uvloop, guarded.

``gunicorn -k zaqar_lite.serving.worker.Worker zaqar_lite.asgi:app`` runs it
with gunicorn settings of your own. Each worker is one process with one event
loop for all its connections and (with more than one request thread) a pool of
threads for the app; the request timeout comes from the app
(``WsgiBridge.request_timeout``), or is the configured default for an app of
another kind.
"""

from __future__ import annotations

from typing import Any

from uvicorn_worker import UvicornWorker

from zaqar_lite.config import Settings
from zaqar_lite.serving.bridge import WsgiBridge
from zaqar_lite.serving.protocol import guarded_protocol


class Worker(UvicornWorker):  # type: ignore[misc]
    CONFIG_KWARGS: dict[str, Any] = {
        "loop": "uvloop", "lifespan": "on", "access_log": False, "server_header": False,
        "proxy_headers": False, "ws": "none",
    }

    async def _serve(self) -> None:
        bridge = self.wsgi if isinstance(self.wsgi, WsgiBridge) else None
        timeout = bridge.request_timeout if bridge else Settings().request_timeout
        self.config.http = guarded_protocol(timeout, bridge)
        await super()._serve()
