"""How updates come in: written to the inbox before Telegram is told they arrived, then handled
concurrently across chats and in order within one chat, and marked done when handled.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Sequence
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor, ExtBot

from bot.clock import Clock
from bot.db import Database
from bot.i18n import resolve_locale, set_locale
from bot.services import inbox
from bot.services.inbox import ReceivedUpdate
from bot.telegram_bot import CompanionBot

_LOGGER = logging.getLogger(__name__)


def received(update: Update) -> ReceivedUpdate:
    chat = update.effective_chat
    user = update.effective_user
    return ReceivedUpdate(
        update_id=update.update_id,
        chat_id=chat.id if chat else None,
        user_id=user.id if user else None,
        payload=update.to_dict(),
    )


class StartedUpdates:
    """The ids of updates this process wrote to the inbox as started when it fetched them: their
    handling needs no further statement to begin (the common case, one statement less per update).
    """

    def __init__(self) -> None:
        self._ids: set[int] = set()

    def add(self, update_ids: set[int]) -> None:
        self._ids |= update_ids

    def take(self, update_id: int) -> bool:
        """True once for an id that was added; its handling may begin at once."""
        if update_id in self._ids:
            self._ids.discard(update_id)
            return True
        return False


class InboxBot(CompanionBot):
    """A bot whose getUpdates writes every update to the inbox before returning it.

    The updater confirms updates to Telegram with the offset of its next getUpdates call, so an
    update is on disk before Telegram forgets it. Updates handled before are still returned (the
    updater moves its offset past them); the processor skips them.
    """

    def __init__(
        self, *args: Any, db: Database, clock: Clock, started: StartedUpdates, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self._inbox_db = db
        self._inbox_clock = clock
        self._started = started

    @property
    def started(self) -> StartedUpdates:
        return self._started

    async def get_updates(self, *args: Any, **kwargs: Any) -> tuple[Update, ...]:
        updates: Sequence[Update] = await super().get_updates(*args, **kwargs)
        if not updates:
            return tuple(updates)
        async with self._inbox_db.session() as session:
            written = await inbox.receive(
                session, updates=[received(u) for u in updates], now=self._inbox_clock.now()
            )
        self._started.add(written)
        return tuple(updates)


class _ChatLocks:
    """One lock per chat while it has work; forgotten when nobody holds or waits for it."""

    def __init__(self) -> None:
        self._locks: dict[int, tuple[asyncio.Lock, int]] = {}

    async def acquire(self, key: int) -> asyncio.Lock:
        entry = self._locks.get(key)
        lock, users = entry if entry is not None else (asyncio.Lock(), 0)
        self._locks[key] = (lock, users + 1)
        try:
            await lock.acquire()
        except BaseException:
            self._forget(key)
            raise
        return lock

    def _forget(self, key: int) -> None:
        lock, users = self._locks[key]
        if users <= 1:
            del self._locks[key]
        else:
            self._locks[key] = (lock, users - 1)

    def release(self, key: int) -> None:
        lock, _users = self._locks[key]
        lock.release()
        self._forget(key)


class InboxUpdateProcessor(BaseUpdateProcessor):
    """Handles chats concurrently and each chat's updates in order, through the inbox.

    PTB's own limit counts updates that merely wait for their chat's turn, so one busy chat could
    fill it and stall everyone; it is therefore set high, and `max_concurrent` limits only the
    updates actually being handled.
    """

    def __init__(
        self,
        *,
        db: Database,
        clock: Clock,
        default_locale: str,
        max_concurrent: int,
        started: StartedUpdates,
        max_waiting: int = 4096,
        max_attempts: int = 5,
    ):
        super().__init__(max_concurrent_updates=max_waiting)
        self._started = started
        self._working = asyncio.Semaphore(max_concurrent)
        self._max_attempts = max_attempts
        self._db = db
        self._clock = clock
        self._default_locale = default_locale
        self._locks = _ChatLocks()
        self._in_flight = 0
        self._idle = asyncio.Event()
        self._idle.set()

    @property
    def in_flight(self) -> int:
        return self._in_flight

    async def wait_idle(self) -> None:
        """Return when no update is being handled (for tests and the demo)."""
        await self._idle.wait()

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to tear down."""

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        if not isinstance(update, Update):
            await coroutine
            return
        self._in_flight += 1
        self._idle.clear()
        try:
            await self._process(update, coroutine)
        finally:
            self._in_flight -= 1
            if self._in_flight == 0:
                self._idle.set()

    async def _process(self, update: Update, coroutine: Awaitable[Any]) -> None:
        chat = update.effective_chat
        user = update.effective_user
        key = chat.id if chat else (user.id if user else None)
        # The app's language until the handlers know the person; an apology is never untranslated.
        set_locale(resolve_locale(user.language_code if user else None, self._default_locale))
        if key is None:
            async with self._working:
                await self._handle(update, coroutine)
            return
        await self._locks.acquire(key)
        try:
            async with self._working:
                await self._handle(update, coroutine)
        finally:
            self._locks.release(key)

    async def _handle(self, update: Update, coroutine: Awaitable[Any]) -> None:
        try:
            if self._started.take(update.update_id):
                fresh = True
            else:
                fresh = await self._start(update)
        except BaseException:
            # The update stays in the inbox (or on Telegram's side) and is handled again later.
            _close(coroutine)
            raise
        if not fresh:
            _LOGGER.info("update %s was handled before (or given up); skipped", update.update_id)
            _close(coroutine)
            return
        await coroutine
        # Not reached when the task is cancelled or the process dies: the update stays
        # unfinished and is handled again at the next start.
        for attempt in range(5):
            try:
                async with self._db.session() as session:
                    await inbox.finish(session, update_id=update.update_id, now=self._clock.now())
                return
            except Exception:
                if attempt == 4:
                    raise
                _LOGGER.warning("marking update %s done failed; retrying", update.update_id)
                await asyncio.sleep(0.2 * (attempt + 1))

    async def _start(self, update: Update) -> bool:
        """Begin an update recovered from the inbox, or one another fetch wrote down."""
        async with self._db.session() as session:
            return await inbox.start(
                session,
                update_id=update.update_id,
                now=self._clock.now(),
                max_attempts=self._max_attempts,
            ) or await inbox.begin(
                session,
                update=received(update),
                now=self._clock.now(),
                max_attempts=self._max_attempts,
            )


def _close(coroutine: Awaitable[Any]) -> None:
    close = getattr(coroutine, "close", None)
    if close is not None:
        close()


async def recover_unfinished(db: Database, bot: ExtBot[Any]) -> list[Update]:
    """Updates received before but never finished, rebuilt for handling again."""
    async with db.session() as session:
        payloads = await inbox.unfinished(session)
    updates = []
    for payload in payloads:
        try:
            update = Update.de_json(payload, bot)
        except Exception:
            _LOGGER.exception("unreadable update in the inbox; left for inspection")
            continue
        if update is not None:
            updates.append(update)
    if updates:
        _LOGGER.info("handling %d updates left unfinished by the last run", len(updates))
    return updates
