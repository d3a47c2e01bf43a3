"""The real bot and the local Telegram sandbox together in one event loop.

The terminal demo and the end-to-end tests both stand on this: start the sandbox, point the real
python-telegram-bot at it over loopback HTTP, and wait until everything has gone quiet.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from typing import Any

from bot.app import (
    build_application,
    build_webhook_server,
    set_webhook,
    start_bot,
    start_handling,
    stop_bot,
    stop_handling,
)
from bot.config import Settings, load_settings
from bot.runtime.clock import Clock
from bot.runtime.context import CompanionApplication
from bot.runtime.db import Database
from bot.runtime.schema import upgrade
from bot.runtime.webhook import WebhookServer
from bot.sandbox import Sandbox
from bot.services import outbox

_LOGGER = logging.getLogger(__name__)

SANDBOX_TOKEN = "123456:COMPANION-SANDBOX-TOKEN"


@dataclass
class Harness:
    """A sandbox and a bot running against it, on one database."""

    sandbox: Sandbox
    settings: Settings
    clock: Clock | None = None
    application: CompanionApplication | None = None
    web: WebhookServer | None = None
    _db: Database | None = field(default=None, repr=False)

    @classmethod
    async def create(
        cls,
        *,
        database_url: str,
        clock: Clock | None = None,
        sandbox: Sandbox | None = None,
        **settings: Any,
    ) -> Harness:
        """Start a sandbox (unless given one) and migrate the database; the bot is not started."""
        if sandbox is None:
            sandbox = Sandbox(token=SANDBOX_TOKEN)
            await sandbox.start(host="127.0.0.1", port=0)
        values: dict[str, Any] = {
            "bot_token": sandbox.token,
            "telegram_api_base_url": sandbox.base_url,
            "database_url": database_url,
            "polling_timeout_seconds": 10,
            "telegram_timeout_seconds": 5.0,
            "outbox_poll_seconds": 0.5,
        }
        values.update(settings)
        harness = cls(sandbox=sandbox, settings=load_settings(**values), clock=clock)
        db = Database(harness.settings.resolved_database_url)
        try:
            await upgrade(db)
        finally:
            await db.dispose()
        return harness

    @property
    def db(self) -> Database:
        """A database handle for reading and seeding, apart from the bot's own."""
        if self._db is None:
            self._db = Database(self.settings.resolved_database_url)
        return self._db

    @property
    def app(self) -> CompanionApplication:
        if self.application is None:
            raise RuntimeError("the bot is not running")
        return self.application

    async def start_bot(self) -> CompanionApplication:
        self.application = build_application(self.settings, clock=self.clock)
        await start_bot(self.application, poll_interval=0.0)
        return self.application

    async def start_webhook_bot(self) -> CompanionApplication:
        """The bot receiving by webhook: its endpoint on a free port of this machine, registered
        with the sandbox, which then delivers updates to it."""
        self.application = build_application(self.settings, clock=self.clock)
        await start_handling(self.application)
        self.web = build_webhook_server(self.application, receive=True)
        await self.web.start()
        await set_webhook(self.application)
        return self.application

    async def stop_bot(self) -> None:
        application, self.application = self.application, None
        web, self.web = self.web, None
        if web is not None:
            await web.stop()
            assert application is not None
            await stop_handling(application)
        elif application is not None:
            await stop_bot(application)

    async def restart_bot(self) -> CompanionApplication:
        await self.stop_bot()
        return await self.start_bot()

    async def close(self) -> None:
        await self.stop_bot()
        if self._db is not None:
            await self._db.dispose()
            self._db = None
        await self.sandbox.stop()

    def wake(self) -> None:
        """The clock moved: let the dispatcher and the sender look for what fell due."""
        if self.application is not None:
            self.application.services.wake_dispatcher()
            self.application.services.wake_sender()

    async def tick(self, *, timeout: float = 15.0) -> None:  # noqa: ASYNC109
        """After moving the clock: let the due work happen and wait until all is quiet."""
        self.wake()
        await self.settle(timeout=timeout)

    async def settle(self, *, timeout: float = 15.0) -> None:  # noqa: ASYNC109
        """Wait until the bot has handled every update and sent everything that is due."""
        async with asyncio.timeout(timeout):
            quiet_rounds = 0
            while quiet_rounds < 2:
                await self.sandbox.wait_idle(quiet=0.02, timeout=timeout)
                busy = await self._wait_for_bot()
                quiet_rounds = 0 if busy else quiet_rounds + 1

    async def _wait_for_bot(self) -> bool:
        """Wait for the bot's own work in progress; True if there was any."""
        if self.application is None:
            return False
        services = self.application.services
        busy = False
        dispatcher = services.dispatcher
        if dispatcher is not None:
            await dispatcher.wait_idle()
        processor = services.processor
        if self.application.update_queue.qsize() or (processor and processor.in_flight):
            busy = True
            if processor is not None:
                await processor.wait_idle()
        if services.claimer is not None and not busy:
            # The chats handled are given back, as the claimer's next round would do.
            await services.claimer.give_back_idle()
        sender = services.sender
        if sender is not None:
            async with services.db.session() as session:
                due = await outbox.count_due(session, now=services.clock.now())
            if due or sender.busy:
                busy = True
                sender.wake()
                await asyncio.sleep(0.01)
                await sender.wait_idle()
        return busy

    async def __aenter__(self) -> Harness:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()
