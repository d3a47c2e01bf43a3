"""The desk as one ASGI app: the login, the coach's pages, the organisation view and the
static files."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.gzip import GZipMiddleware
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from bot.runtime.context import Services
from bot.web import org_pages, pages
from bot.web.app import STATIC, Desk, login_page, logout, page, start_session


def build_web_app(services: Services) -> Starlette:
    """The desk over the bot's services."""
    routes = [
        Route("/", login_page, methods=["GET"]),
        Route("/session", start_session, methods=["POST"]),
        Route("/logout", page(logout, writes=True), methods=["POST"]),
        *pages.routes(),
        *org_pages.routes(),
        Mount("/static", app=StaticFiles(directory=STATIC), name="static"),
    ]
    # Pages are compressed on the way (a caseload of 200 is a tenth of its size over the wire).
    app = Starlette(routes=routes, middleware=[Middleware(GZipMiddleware, minimum_size=1024)])
    app.state.desk = Desk(services)
    return app
