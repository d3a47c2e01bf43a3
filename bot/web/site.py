"""The desk as one ASGI app: the login, the coach's pages and the static files."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from bot.runtime.context import Services
from bot.web import pages
from bot.web.app import STATIC, Desk, login_page, logout, page, start_session


def build_web_app(services: Services) -> Starlette:
    """The desk over the bot's services."""
    routes = [
        Route("/", login_page, methods=["GET"]),
        Route("/session", start_session, methods=["POST"]),
        Route("/logout", page(logout, writes=True), methods=["POST"]),
        *pages.routes(),
        Mount("/static", app=StaticFiles(directory=STATIC), name="static"),
    ]
    app = Starlette(routes=routes)
    app.state.desk = Desk(services)
    return app
