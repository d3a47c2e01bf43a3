"""Receiving by webhook: Telegram POSTs each update to the endpoint, which writes it to the inbox
(claiming its chat when it is free) and answers 200 only after that write committed, so Telegram
sends again anything that was not written. The update is never handled in the request: updates
of chats this process got are queued for its handlers, the others wait in the inbox for the
process that holds their chat.

The endpoint checks Telegram's secret header in constant time. Beside it, `/healthz` (the process
runs and its database answers) and `/readyz` (it takes work) serve the health checks of a load
balancer or of compose.

`webhook_routes` gives the routes to mount on a Starlette app (the desk's, when it runs);
`WebhookServer` serves them on their own with uvicorn, on the bot's loop, when the desk is off.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import socket
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from bot.runtime.db import Database
from bot.runtime.updates import InboxBot

_LOGGER = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


class Health:
    """What the health endpoints report: the database, and whether this process takes work."""

    def __init__(self, db: Database, ready: Callable[[], bool]) -> None:
        self._db = db
        self._ready = ready

    async def database_answers(self) -> bool:
        try:
            async with asyncio.timeout(5), self._db.engine.connect() as connection:
                await connection.execute(sa.text("SELECT 1"))
        except Exception:
            _LOGGER.warning("health: the database does not answer", exc_info=True)
            return False
        return True

    def ready(self) -> bool:
        return self._ready()


def health_routes(health: Health) -> list[BaseRoute]:
    async def healthz(_request: Request) -> Response:
        alive = await health.database_answers()
        return JSONResponse({"database": alive}, status_code=200 if alive else 503)

    async def readyz(_request: Request) -> Response:
        ready = health.ready() and await health.database_answers()
        return JSONResponse({"ready": ready}, status_code=200 if ready else 503)

    return [Route("/healthz", healthz, methods=["GET"]), Route("/readyz", readyz, methods=["GET"])]


def webhook_routes(
    *, path: str, secret: str, bot: InboxBot, queue: asyncio.Queue[object]
) -> list[BaseRoute]:
    """The endpoint Telegram posts updates to."""
    expected = secret.encode()

    async def receive(request: Request) -> Response:
        given = request.headers.get(SECRET_HEADER, "").encode()
        if not hmac.compare_digest(given, expected):
            # Not Telegram: nothing is said about why.
            return Response(status_code=403)
        try:
            raw: Any = json.loads(await request.body())
        except ValueError:
            return Response(status_code=400)
        if not isinstance(raw, dict):
            return Response(status_code=400)
        if bot.backlog.waiting >= bot.backlog.total:
            # Full: Telegram keeps the update and sends it again a little later.
            return Response(status_code=503)
        try:
            updates = await bot.take_in([raw])
        except Exception:
            _LOGGER.exception("webhook: writing an update down failed; Telegram will send it again")
            return Response(status_code=503)
        for update in updates:
            queue.put_nowait(update)
        return Response(status_code=200)

    return [Route(path, receive, methods=["POST"])]


class WebhookServer:
    """uvicorn serving the webhook and health routes inside the bot's process."""

    def __init__(self, routes: list[BaseRoute], *, host: str, port: int) -> None:
        self.app = Starlette(routes=routes)
        self._host = host
        self._port = port
        self._server: uvicorn.Server | None = None
        self._task: asyncio.Task[None] | None = None
        self.port: int | None = None

    async def start(self) -> None:
        # The socket is bound here, so that port 0 (any free port, for tests) is known at once.
        family = socket.AF_INET6 if ":" in self._host else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self._host, self._port))
        sock.set_inheritable(True)
        self.port = int(sock.getsockname()[1])
        config = uvicorn.Config(
            self.app,
            log_level="warning",
            access_log=False,
            use_colors=False,
            server_header=False,
            lifespan="off",
            # Telegram opens at most max_connections at once; more would only wait here.
            limit_concurrency=1000,
        )
        self._server = uvicorn.Server(config)
        self._task = asyncio.create_task(self._server.serve(sockets=[sock]), name="webhook-web")
        while not self._server.started:
            if self._task.done():
                self._task.result()
                raise RuntimeError("the webhook's web server stopped while starting")
            await asyncio.sleep(0.01)
        _LOGGER.info("webhook endpoint listens on %s:%d", self._host, self.port)

    async def stop(self) -> None:
        server, task = self._server, self._task
        self._server = self._task = None
        if server is None or task is None:
            return
        server.should_exit = True
        await task
