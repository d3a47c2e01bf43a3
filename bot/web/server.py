"""The desk's web server: uvicorn serving the Starlette app on the bot's own event loop.

As python-telegram-bot's custom-webhook example does, uvicorn's `Server.serve()` runs as a task
beside the bot instead of owning a loop of its own, so the same server can take Telegram's
webhooks later. `start` returns once the socket listens; `stop` lets requests in progress end.
"""

from __future__ import annotations

import asyncio
import logging
import socket

import uvicorn

from bot.runtime.context import Services
from bot.web.site import build_web_app

_LOGGER = logging.getLogger(__name__)


class WebServer:
    """The desk's HTTP server inside the bot's process."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self.app = build_web_app(services)
        self._server: uvicorn.Server | None = None
        self._task: asyncio.Task[None] | None = None
        self.port: int | None = None

    async def start(self) -> None:
        settings = self.services.settings
        # The socket is bound here, so that port 0 (any free port, for tests) is known at once.
        family = socket.AF_INET6 if ":" in settings.web_host else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((settings.web_host, settings.web_port))
        sock.set_inheritable(True)
        self.port = int(sock.getsockname()[1])
        config = uvicorn.Config(
            self.app,
            log_level="warning",
            access_log=False,
            use_colors=False,
            # The proxy in front sets X-Forwarded-*; only one on this machine is believed.
            proxy_headers=True,
            forwarded_allow_ips="127.0.0.1",
            server_header=False,
            lifespan="off",
        )
        self._server = uvicorn.Server(config)
        self._task = asyncio.create_task(self._server.serve(sockets=[sock]), name="desk-web")
        while not self._server.started:
            if self._task.done():
                self._task.result()
                raise RuntimeError("the desk's web server stopped while starting")
            await asyncio.sleep(0.01)
        _LOGGER.info("the desk listens on %s:%d", settings.web_host, self.port)

    async def stop(self) -> None:
        server, task = self._server, self._task
        self._server = self._task = None
        if server is None or task is None:
            return
        server.should_exit = True
        await task
