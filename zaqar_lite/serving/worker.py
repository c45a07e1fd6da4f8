"""The gunicorn worker ``zaqar-lite serve`` runs: uvicorn on uvloop, guarded.

``gunicorn -k zaqar_lite.serving.worker.Worker zaqar_lite.asgi:app`` runs it
with gunicorn settings of your own. Each worker is one process with one event
loop for all its connections and (with more than one request thread) a pool of
threads for the app; the request timeout comes from the app
(``WsgiBridge.request_timeout``), or is the configured default for an app of
another kind. Under ``zaqar-lite serve`` the workers also spread kept-alive
connections evenly among themselves (``balance.py``).
"""

from __future__ import annotations

import asyncio
import socket
import sys
from typing import Any

from gunicorn.arbiter import Arbiter
from uvicorn import Config
from uvicorn.server import Server
from uvicorn_worker import UvicornWorker

from zaqar_lite.config import Settings
from zaqar_lite.serving import balance
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
        row: int | None = getattr(self, "connection_row", None)
        if balance.TABLE is None or row is None:
            await super()._serve()
            return
        self.config.app = self.wsgi
        server = BalancedServer(self.config, balance.WorkerShare(balance.TABLE, row))
        self._install_sigquit_handler()
        await server.serve(sockets=self.sockets)
        if not server.started:
            sys.exit(Arbiter.WORKER_BOOT_ERROR)


class BalancedServer(Server):
    """uvicorn's server, accepting through ``balance.BalancedListener``s."""

    def __init__(self, config: Config, share: balance.WorkerShare) -> None:
        super().__init__(config)
        self._share = share
        self.server_state.connections = balance.CountedConnections(share)

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets=[])
        config = self.config
        state = self.server_state
        app_state = self.lifespan.state
        loop = asyncio.get_running_loop()

        def create_protocol() -> asyncio.Protocol:
            return config.http_protocol_class(  # type: ignore[call-arg]
                config=config, server_state=state, app_state=app_state, _loop=loop)

        listeners: list[Any] = [balance.BalancedListener(sock, create_protocol, self._share)
                                for sock in sockets or []]
        self.servers = listeners
