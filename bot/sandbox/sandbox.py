"""The ``Sandbox``: a local Telegram Bot API server plus the controls a test or demo needs.

Point python-telegram-bot at ``sandbox.base_url`` / ``sandbox.base_file_url``; act as people
with ``sandbox.add_user(...)`` and the returned ``SandboxUser``; schedule failures with
``fail_next``; read what happened from the chats, ``calls`` and ``on_bot_message``.
Everything runs in the caller's event loop.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterable
from types import TracebackType
from typing import Any

from bot.sandbox import render, web_app
from bot.sandbox.api_calls import (
    DEFAULT_CALLBACK_QUERY_MAX_AGE,
    DEFAULT_HANG_SECONDS,
    CallProcessor,
)
from bot.sandbox.driver import SandboxUser
from bot.sandbox.faults import FaultKind
from bot.sandbox.flood import FloodControl, FloodLimits
from bot.sandbox.models import CallbackQueryRecord, CallRecord, SandboxChat, SandboxMessage
from bot.sandbox.schema import load_schema
from bot.sandbox.server import HttpServer
from bot.sandbox.state import BotIdentity, SandboxState, scope_key
from bot.sandbox.update_queue import UpdateQueue
from bot.sandbox.webhook import WebhookDelivery

DEFAULT_TOKEN = "123456:TEST-TOKEN"
DEFAULT_BOT_USERNAME = "companion_test_bot"
TELEGRAM_FLOOD_LIMITS = FloodLimits()


def _bot_id(token: str) -> int:
    number, separator, secret = token.partition(":")
    if not separator or not number.isdigit() or not secret:
        raise ValueError("a bot token looks like '123456:SECRET'")
    return int(number)


class Sandbox:
    """One fake Telegram for one bot token; use ``async with Sandbox() as sandbox``."""

    def __init__(
        self,
        token: str = DEFAULT_TOKEN,
        bot_username: str = DEFAULT_BOT_USERNAME,
        *,
        bot_first_name: str = "Companion Test Bot",
        flood: FloodLimits | None = TELEGRAM_FLOOD_LIMITS,
        clock: Callable[[], float] = time.time,
        monotonic: Callable[[], float] = time.monotonic,
        hang_seconds: float = DEFAULT_HANG_SECONDS,
        callback_query_max_age: float = DEFAULT_CALLBACK_QUERY_MAX_AGE,
    ):
        self.token = token
        self.monotonic = monotonic
        self.state = SandboxState(
            BotIdentity(id=_bot_id(token), username=bot_username, first_name=bot_first_name),
            clock,
        )
        self.updates = UpdateQueue()
        self._processor = CallProcessor(
            token=token,
            schema=load_schema(),
            state=self.state,
            updates=self.updates,
            monotonic=monotonic,
            on_activity=self.touch,
        )
        self._processor.hang_seconds = hang_seconds
        self._processor.callback_query_max_age = callback_query_max_age
        self._flood_limits: FloodLimits | None = None
        self.flood = flood
        self._server: HttpServer | None = None
        self._users: dict[int, SandboxUser] = {}
        # Real time, not the injectable clocks: tests freeze those, but idleness is real.
        self._last_activity = time.monotonic()
        self.webhook = WebhookDelivery(self.state.webhook, self.updates, clock, self.touch)

    # -- lifecycle ---------------------------------------------------------------------------

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> None:
        """Serve the Bot API on ``host:port``; port 0 picks a free port."""
        if self._server is not None:
            raise RuntimeError("the sandbox is already running")
        self.updates.reopen()
        self._processor.reset_release()
        server = HttpServer(self._processor.handle, self._processor.download)
        await server.start(host, port)
        self._server = server
        await self.webhook.start()

    async def stop(self) -> None:
        """Stop serving; pending long polls get an empty answer, hanging calls are dropped."""
        self.updates.close()
        await self.webhook.stop()
        self._processor.release_hanging()
        if self._server is not None:
            server, self._server = self._server, None
            await server.stop()

    async def __aenter__(self) -> Sandbox:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.stop()

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("the sandbox is not running")
        return self._server.port

    @property
    def base_url(self) -> str:
        """For ``telegram.Bot(base_url=...)``: the token is appended by the library."""
        return f"http://{self._host}:{self.port}/bot"

    @property
    def base_file_url(self) -> str:
        return f"http://{self._host}:{self.port}/file/bot"

    @property
    def _host(self) -> str:
        assert self._server is not None
        return self._server.host

    # -- settings ----------------------------------------------------------------------------

    @property
    def flood(self) -> FloodLimits | None:
        return self._flood_limits

    @flood.setter
    def flood(self, limits: FloodLimits | None) -> None:
        """Change or (with None) lift the flood limits; the buckets start full again."""
        self._flood_limits = limits
        self._processor.flood = None if limits is None else FloodControl(limits, self.monotonic)

    @property
    def hang_seconds(self) -> float:
        """How long a TIMEOUT_DROP or TIMEOUT_HANG call is held before its connection closes."""
        return self._processor.hang_seconds

    @hang_seconds.setter
    def hang_seconds(self, seconds: float) -> None:
        self._processor.hang_seconds = seconds

    @property
    def callback_query_max_age(self) -> float:
        return self._processor.callback_query_max_age

    @callback_query_max_age.setter
    def callback_query_max_age(self, seconds: float) -> None:
        self._processor.callback_query_max_age = seconds

    @property
    def bot(self) -> BotIdentity:
        return self.state.bot

    @property
    def on_bot_message(self) -> list[Callable[[SandboxMessage], None]]:
        """Callbacks for every new or edited bot message; append to subscribe."""
        return self._processor.on_bot_message

    # -- people and chats --------------------------------------------------------------------

    def add_user(
        self,
        first_name: str = "Anna",
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = "fi",
        *,
        user_id: int | None = None,
    ) -> SandboxUser:
        record = self.state.add_user(
            first_name,
            last_name=last_name,
            username=username,
            language_code=language_code,
            user_id=user_id,
        )
        handle = SandboxUser(self, record)
        self._users[record.id] = handle
        return handle

    def web_app_init_data(self, user_id: int, *, auth_date: int) -> str:
        """Launch data of a Mini App opened by this user, signed with this bot's token as
        Telegram signs it (`auth_date` in Unix seconds: pass the test's clock)."""
        return web_app.init_data(
            self.token, render.user(self.state.users[user_id]), auth_date=auth_date
        )

    def mark_started(self, user_id: int) -> None:
        """Treat the person as having written to the bot, without queueing an update.

        For tests that only need the bot to be allowed to write to many people.
        """
        self.user(user_id)  # fails for an unknown person
        self.state.users[user_id].has_started = True

    @property
    def users(self) -> list[SandboxUser]:
        return list(self._users.values())

    def user(self, user_id: int) -> SandboxUser:
        try:
            return self._users[user_id]
        except KeyError:
            raise LookupError(f"no sandbox user {user_id}") from None

    def add_group(
        self,
        title: str,
        members: Iterable[SandboxUser | int],
        *,
        chat_type: str = "group",
        chat_id: int | None = None,
        username: str | None = None,
    ) -> SandboxChat:
        """A group (negative id) with these people and the bot as members."""
        member_ids = [m.id if isinstance(m, SandboxUser) else int(m) for m in members]
        return self.state.add_group(
            title, member_ids, chat_type=chat_type, chat_id=chat_id, username=username
        )

    def chat(self, chat_id: int) -> SandboxChat:
        try:
            return self.state.chats[chat_id]
        except KeyError:
            raise LookupError(f"no sandbox chat {chat_id}") from None

    def chat_messages(self, chat_id: int) -> list[SandboxMessage]:
        """The chat's messages in order, in their current state; deleted ones left out."""
        return self.state.live_messages(chat_id)

    def commands(
        self, scope: dict[str, Any] | None = None, language_code: str = ""
    ) -> list[tuple[str, str]]:
        """The commands registered with setMyCommands for exactly this scope and language."""
        return list(self.state.commands.get((scope_key(scope), language_code), []))

    def unanswered_callback_queries(self) -> list[CallbackQueryRecord]:
        """Presses the bot has not answered (Telegram's client shows them spinning)."""
        return [
            query
            for query in self.state.callback_queries.values()
            if query.answer is None and not query.expired
        ]

    def expire_callback_queries(self) -> None:
        """Make every callback query so far too old to answer, as after a bot restart."""
        for query in self.state.callback_queries.values():
            query.expired = True

    # -- updates -----------------------------------------------------------------------------

    def push_update(self, kind: str, payload: dict[str, Any]) -> dict[str, Any] | None:
        """Queue a raw update of ``kind`` (e.g. "message"); for updates no driver call makes."""
        update = self.updates.push(kind, payload)
        self.touch()
        return update

    def push_raw_update(self, fields: dict[str, Any]) -> dict[str, Any]:
        """Queue an update exactly as given, with no check at all (allowed_updates included):
        a malformed update, or one of a kind or shape Telegram may send in the future. It gets
        the next update_id unless ``fields`` names one; the queued update is returned."""
        update = self.updates.push_raw(fields)
        self.touch()
        return update

    @property
    def pending_update_count(self) -> int:
        """Updates queued and not yet confirmed by a getUpdates offset."""
        return self.updates.pending_count

    @property
    def next_update_id(self) -> int:
        return self.updates.next_update_id

    # -- faults and observation --------------------------------------------------------------

    def fail_next(
        self,
        count: int,
        kind: FaultKind,
        *,
        methods: Iterable[str] | str | None = None,
        chat_id: int | None = None,
        status: int = 500,
    ) -> None:
        """Make the next ``count`` matching calls fail as ``kind``.

        ``methods`` limits the fault to those methods (any case); without it every method but
        getUpdates matches. ``chat_id`` limits it to calls for that chat. ``status`` is the
        HTTP status of a SERVER_ERROR (500, 502 or 503).
        """
        names = [methods] if isinstance(methods, str) else methods
        self._processor.faults.add(count, kind, methods=names, chat_id=chat_id, status=status)

    def clear_faults(self) -> None:
        self._processor.faults.clear()

    @property
    def faults_fired(self) -> int:
        return self._processor.faults.fired

    @property
    def faults_pending(self) -> int:
        return self._processor.faults.pending

    @property
    def calls(self) -> list[CallRecord]:
        """Every API call so far, in arrival order."""
        return self._processor.calls

    def calls_to(self, method: str) -> list[CallRecord]:
        wanted = method.lower()
        return [call for call in self.calls if call.method.lower() == wanted]

    @property
    def in_flight_requests(self) -> int:
        """API requests being handled now, not counting getUpdates."""
        return self._processor.in_flight

    def touch(self) -> None:
        """Note that something happened, for ``wait_idle``."""
        self._last_activity = time.monotonic()

    # The timeout is part of the documented driver API, hence the parameter.
    async def wait_idle(self, quiet: float = 0.05, timeout: float = 10.0) -> None:  # noqa: ASYNC109
        """Wait until the bot has caught up.

        Idle means: no unconfirmed updates, no request in flight (a waiting long poll does not
        count) and nothing happened for ``quiet`` seconds. Raises ``TimeoutError`` otherwise.
        """
        deadline = time.monotonic() + timeout
        while True:
            now = time.monotonic()
            busy = self.pending_update_count or self.in_flight_requests
            calm_for = now - self._last_activity
            if not busy and calm_for >= quiet:
                return
            if now >= deadline:
                raise TimeoutError(
                    f"sandbox not idle after {timeout}s: {self.pending_update_count} "
                    f"unconfirmed updates, {self.in_flight_requests} requests in flight"
                )
            pause = quiet - calm_for if not busy else 0.01
            await asyncio.sleep(max(0.001, min(pause, deadline - now)))
