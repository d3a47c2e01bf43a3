"""The HTTP side of the sandbox: an aiohttp server on loopback with Telegram's URL layout.

``/bot<token>/<method>`` for API calls (GET or POST), ``/file/bot<token>/<file_path>`` for
downloads. Request handlers are cancelled when their client disconnects, so a long poll or a
simulated hang ends as soon as the bot gives up on it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiohttp import web

from bot.sandbox.errors import not_found

RequestHandler = Callable[[web.Request], Awaitable[web.StreamResponse]]
# Telegram accepts uploads of up to 50 MB from bots.
MAX_REQUEST_BYTES = 50 * 1024 * 1024
_SHUTDOWN_SECONDS = 2.0


async def _unknown_path(request: web.Request) -> web.StreamResponse:
    return web.json_response(not_found().payload(), status=404)


class HttpServer:
    def __init__(self, api: RequestHandler, download: RequestHandler):
        self._app = web.Application(client_max_size=MAX_REQUEST_BYTES)
        self._app.router.add_route("*", "/bot{token}/{method}", api)
        self._app.router.add_get("/file/bot{token}/{file_path:.+}", download)
        self._app.router.add_route("*", "/{tail:.*}", _unknown_path)
        self._runner: web.AppRunner | None = None
        self.host = "127.0.0.1"
        self.port = 0

    @property
    def running(self) -> bool:
        return self._runner is not None

    async def start(self, host: str, port: int) -> int:
        """Listen on ``host:port`` (port 0 picks a free one) and return the port."""
        if self._runner is not None:
            raise RuntimeError("the sandbox server is already running")
        runner = web.AppRunner(
            self._app,
            handler_cancellation=True,
            access_log=None,
            shutdown_timeout=_SHUTDOWN_SECONDS,
        )
        await runner.setup()
        site = web.TCPSite(runner, host, port)
        try:
            await site.start()
        except BaseException:
            await runner.cleanup()
            raise
        self._runner = runner
        self.host = host
        self.port = int(runner.addresses[0][1])
        return self.port

    async def stop(self) -> None:
        if self._runner is None:
            return
        runner, self._runner = self._runner, None
        await runner.cleanup()
