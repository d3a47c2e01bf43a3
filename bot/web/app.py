"""The desk's pages: login through Telegram's signed launch data, then the coach's caseload.

Every request after the login carries the session cookie; every request that changes something
also carries the session's CSRF token (a form field or the `X-CSRF-Token` header). The person
behind a session is looked up again on every request, so a coach whose role ended an hour ago
sees nothing more. A refusal says no more than "not available" and looks the same whether or not
the client id exists.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

from jinja2 import Environment, PackageLoader, select_autoescape
from sqlmodel.ext.asyncio.session import AsyncSession
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response

from bot.config import is_loopback_host
from bot.models.people import Person, Role
from bot.runtime.context import Services
from bot.services import people
from bot.text import i18n
from bot.web import formats, init_data
from bot.web.sessions import SESSION_LENGTH, DeskSession, SessionStore

_LOGGER = logging.getLogger(__name__)

COOKIE = "desk_session"
NEXT_PAGE = re.compile(r"/clients(/[0-9]{1,12})?|/organisation")
STATIC = Path(__file__).parent / "static"
# Telegram's own script may be loaded for theme and back button; nothing else from elsewhere.
TELEGRAM_SCRIPT = "https://telegram.org/js/telegram-web-app.js"
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self' https://telegram.org; style-src 'self'; "
        "img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'self'; "
        "frame-ancestors 'self' https://web.telegram.org"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


@dataclass(frozen=True, slots=True)
class Coach:
    """The person behind a desk session, as the pages need them."""

    person_id: int
    name: str
    locale: str
    timezone: str
    is_admin: bool


@dataclass(frozen=True, slots=True)
class Visit:
    """One request of a logged-in coach: the session, the coach and a database session."""

    request: Request
    session: DeskSession
    coach: Coach
    db: AsyncSession
    now: dt.datetime


Page = Callable[["Desk", Visit], Awaitable[Response]]


class Refused(Exception):
    """Stop here with a refusal page (401: who are you; 403: not for you)."""

    def __init__(self, status: int) -> None:
        super().__init__(status)
        self.status = status


class Desk:
    """The web app's state: the bot's services, the open sessions and the templates."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self.sessions = SessionStore()
        self.templates = Environment(
            loader=PackageLoader("bot.web", "templates"),
            autoescape=select_autoescape(default=True, default_for_string=True),
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self.templates.globals.update(_=i18n.gettext, ngettext=i18n.ngettext)
        self.templates.filters.update(formats.FILTERS)
        base = services.settings.web_base_url or ""
        self.secure_cookies = not base.startswith("http://")

    def now(self) -> dt.datetime:
        return self.services.clock.now()

    def render(
        self,
        name: str,
        *,
        locale: str,
        status: int = 200,
        timezone: str = "Europe/Helsinki",
        **context: Any,
    ) -> HTMLResponse:
        with i18n.use_locale(locale), formats.use_timezone(timezone):
            html = self.templates.get_template(name).render(
                locale=i18n.current_locale(), now=self.now(), **context
            )
        return HTMLResponse(html, status_code=status, headers=SECURITY_HEADERS)

    def refusal(self, request: Request, status: int) -> HTMLResponse:
        locale = i18n.resolve_locale(
            request.headers.get("accept-language", "").split(",")[0].strip() or None,
            self.services.settings.default_locale,
        )
        return self.render("refused.html", locale=locale, status=status, logged_in=False)


async def _coach_of(db: AsyncSession, person_id: int, now: dt.datetime) -> Coach | None:
    """The person as a coach now, or None (no longer a coach or an admin anywhere, forgotten)."""
    person = await db.get(Person, person_id)
    if person is None or person.forgotten_at is not None:
        return None
    roles = await people.roles_of(db, person_id=person_id, now=now)
    if Role.COACH not in roles and Role.ADMIN not in roles:
        return None
    return Coach(
        person_id=person_id,
        name=person.display_name or "",
        locale=person.locale if person.locale in i18n.LOCALES else "fi",
        timezone=person.timezone,
        is_admin=Role.ADMIN in roles,
    )


MAX_FORM_BYTES = 64 * 1024


async def form_of(request: Request) -> dict[str, str]:
    """A posted URL-encoded form (the desk posts nothing else), its first value per field.

    Parsed here rather than by Starlette, which would need python-multipart for forms."""
    cached = request.scope.get("desk.form")
    if isinstance(cached, dict):
        return cached
    form: dict[str, str] = {}
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type == "application/x-www-form-urlencoded":
        body = await request.body()
        if len(body) > MAX_FORM_BYTES:
            raise Refused(413)
        for key, value in parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True):
            form.setdefault(key, value)
    request.scope["desk.form"] = form
    return form


async def _csrf_of(request: Request) -> str | None:
    header = request.headers.get("x-csrf-token")
    if header:
        return header
    return (await form_of(request)).get("csrf")


def page(handler: Page, *, writes: bool = False) -> Callable[[Request], Awaitable[Response]]:
    """A page for a logged-in coach: the session, the CSRF token of a write, the coach now."""

    async def endpoint(request: Request) -> Response:
        desk: Desk = request.app.state.desk
        now = desk.now()
        session = desk.sessions.get(request.cookies.get(COOKIE), now=now)
        if session is None:
            return desk.refusal(request, 401)
        try:
            if writes and not session.csrf_matches(await _csrf_of(request)):
                raise Refused(403)
            async with desk.services.db.session() as db:
                coach = await _coach_of(db, session.person_id, now)
                if coach is None:
                    desk.sessions.close(session.id)
                    raise Refused(403)
                return await handler(
                    desk, Visit(request=request, session=session, coach=coach, db=db, now=now)
                )
        except Refused as refused:
            return desk.refusal(request, refused.status)

    return endpoint


def set_session_cookie(desk: Desk, response: Response, session: DeskSession) -> None:
    response.set_cookie(
        COOKIE,
        session.id,
        max_age=int(SESSION_LENGTH.total_seconds()),
        httponly=True,
        secure=desk.secure_cookies,
        samesite="strict",
        path="/",
    )


async def login_page(request: Request) -> Response:
    """The page Telegram opens: its script posts the launch data once, then opens the desk."""
    desk: Desk = request.app.state.desk
    locale = i18n.resolve_locale(
        request.headers.get("accept-language", "").split(",")[0].strip() or None,
        desk.services.settings.default_locale,
    )
    wanted = request.query_params.get("next", "")
    # Only the desk's own pages: never another site, never a path with surprises in it.
    next_page = wanted if NEXT_PAGE.fullmatch(wanted) else "/clients"
    return desk.render("login.html", locale=locale, logged_in=False, next=next_page)


async def start_session(request: Request) -> Response:
    """Validate the posted launch data and start a session for a coach or an admin."""
    desk: Desk = request.app.state.desk
    now = desk.now()
    try:
        raw = (await form_of(request)).get("init_data", "")
    except Refused:
        raw = ""
    user = init_data.validate(
        raw,
        token=desk.services.settings.require_token(),
        now=now,
    )
    if user is None:
        return JSONResponse({"ok": False}, status_code=401, headers=SECURITY_HEADERS)
    async with desk.services.db.session() as db:
        person = await people.person_by_telegram_id(db, telegram_user_id=user.telegram_user_id)
        coach = await _coach_of(db, person.id, now) if person is not None and person.id else None
    if coach is None:
        return JSONResponse({"ok": False}, status_code=403, headers=SECURITY_HEADERS)
    session = desk.sessions.open(person_id=coach.person_id, now=now)
    response = JSONResponse({"ok": True, "next": "/clients"}, headers=SECURITY_HEADERS)
    set_session_cookie(desk, response, session)
    return response


async def logout(desk: Desk, visit: Visit) -> Response:
    desk.sessions.close(visit.session.id)
    response = desk.render(
        "logged_out.html", locale=visit.coach.locale, timezone=visit.coach.timezone
    )
    response.delete_cookie(COOKIE, path="/", httponly=True, samesite="strict")
    return response


def loopback_url(host: str, port: int) -> str:
    """A URL of the desk on this machine (the demo prints one)."""
    shown = "127.0.0.1" if host in ("0.0.0.0", "") else host
    if not is_loopback_host(shown):
        shown = "127.0.0.1"
    return f"http://{shown}:{port}"


def json_script(value: object) -> str:
    """JSON that is safe inside a <script type="application/json"> element."""
    return json.dumps(value).replace("<", "\\u003c").replace(">", "\\u003e")
