"""The one way out: the sender that takes due messages from the outbox and delivers them.

It respects Telegram's limits (through the shared rate limiter), re-queues a 429 after its
`retry_after`, retries timeouts and 5xx answers with growing pauses, holds the messages of a person
who blocked the bot (403) and has their coach told once, and never retries a 400.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import random
from collections.abc import Awaitable, Callable
from typing import Any

from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
)
from telegram.ext import ExtBot

from bot.clock import Clock
from bot.db import Database
from bot.models.transport import OutboxMessage
from bot.services import outbox, reachability

_LOGGER = logging.getLogger(__name__)

# A 429 or a failure shorter than this is waited out in place; longer ones go back to the queue.
IN_PLACE_WAIT_SECONDS = 30.0
MAX_BACKOFF_SECONDS = 600.0

UnreachableCallback = Callable[[int], Awaitable[None]]

# Methods that act on the bot itself; their chat is named inside `scope`, not by chat_id.
_WITHOUT_CHAT_ID = frozenset({"setMyCommands", "deleteMyCommands"})


def _seconds(value: Any) -> float:
    return float(value.total_seconds()) if hasattr(value, "total_seconds") else float(value)


def backoff_seconds(attempts: int) -> float:
    """Pause before the next try after `attempts` failures: 1, 2, 4 … seconds, capped, jittered."""
    base = min(MAX_BACKOFF_SECONDS, 2.0 ** max(0, attempts - 1))
    return base * random.uniform(0.8, 1.2)


def _telegram_message_id(result: Any) -> int | None:
    if isinstance(result, dict) and isinstance(result.get("message_id"), int):
        return int(result["message_id"])
    return None


class OutboxSender:
    """Delivers outbox messages; several senders (processes) may share one database."""

    def __init__(
        self,
        *,
        bot: ExtBot[Any],
        db: Database,
        clock: Clock,
        worker_id: str,
        claim_seconds: int,
        max_attempts: int,
        poll_seconds: float,
        timeout_seconds: float,
        on_unreachable: UnreachableCallback | None = None,
        batch_size: int = 100,
    ) -> None:
        self._bot = bot
        self._db = db
        self._clock = clock
        self.worker_id = worker_id
        self._claim_seconds = claim_seconds
        self._max_attempts = max_attempts
        self._poll_seconds = poll_seconds
        self._timeout = timeout_seconds
        self._on_unreachable = on_unreachable
        self._batch_size = batch_size
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._chat_tasks: dict[int, asyncio.Task[None]] = {}
        self._chat_queues: dict[int, list[OutboxMessage]] = {}
        self._idle = asyncio.Event()
        self._idle.set()
        self.sent_count = 0

    # lifecycle -------------------------------------------------------------------------------

    async def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="outbox-sender")

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        chat_tasks = list(self._chat_tasks.values())
        for chat_task in chat_tasks:
            chat_task.cancel()
        for chat_task in chat_tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await chat_task
        leftover = [m.id for q in self._chat_queues.values() for m in q if m.id is not None]
        self._chat_queues.clear()
        self._chat_tasks.clear()
        if leftover:
            async with self._db.session() as session:
                await outbox.release(session, message_ids=leftover, worker=self.worker_id)

    def wake(self) -> None:
        """Look for due messages now (something was queued or the clock moved)."""
        self._wake.set()

    @property
    def busy(self) -> bool:
        return bool(self._chat_tasks)

    async def wait_idle(self) -> None:
        await self._idle.wait()

    # the loop --------------------------------------------------------------------------------

    async def _run(self) -> None:
        while True:
            try:
                claimed = await self.claim()
            except asyncio.CancelledError:
                raise
            except Exception:
                _LOGGER.exception("outbox: claiming failed; trying again shortly")
                claimed = 0
            if claimed:
                continue
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=await self._sleep_time())

    async def _sleep_time(self) -> float:
        try:
            async with self._db.session() as session:
                due = await outbox.next_due_at(session)
        except Exception:
            _LOGGER.exception("outbox: could not read the next due time")
            return self._poll_seconds
        if due is None:
            return self._poll_seconds
        return min(self._poll_seconds, max(0.0, (due - self._clock.now()).total_seconds()))

    async def claim(self) -> int:
        """Claim a batch of due messages and start delivering them; returns how many."""
        room = self._batch_size - sum(len(q) for q in self._chat_queues.values())
        if room <= 0:
            return 0
        async with self._db.session() as session:
            messages = await outbox.claim_due(
                session,
                now=self._clock.now(),
                worker=self.worker_id,
                claim_seconds=self._claim_seconds,
                limit=room,
            )
        for message in messages:
            self._chat_queues.setdefault(message.chat_id, []).append(message)
            if message.chat_id not in self._chat_tasks:
                self._idle.clear()
                self._chat_tasks[message.chat_id] = asyncio.create_task(
                    self._drain_chat(message.chat_id), name=f"outbox-chat-{message.chat_id}"
                )
        return len(messages)

    async def _drain_chat(self, chat_id: int) -> None:
        """Deliver one chat's messages one after another, in their order."""
        try:
            queue = self._chat_queues[chat_id]
            while queue:
                message = queue[0]
                try:
                    await self._deliver(message)
                except asyncio.CancelledError:
                    raise
                except Exception:
                    _LOGGER.exception("outbox: message %s could not be handled", message.id)
                    await self._retry_later(message, 60.0, "internal error")
                queue.pop(0)
        finally:
            self._chat_tasks.pop(chat_id, None)
            if not self._chat_queues.get(chat_id):
                self._chat_queues.pop(chat_id, None)
            if not self._chat_tasks:
                self._idle.set()
                self.wake()

    async def _deliver(self, message: OutboxMessage) -> None:
        assert message.id is not None
        while True:
            try:
                result = await self._bot.do_api_request(
                    message.method,
                    api_kwargs=self._arguments(message),
                    read_timeout=self._timeout,
                    write_timeout=self._timeout,
                    connect_timeout=self._timeout,
                    rate_limit_args={"no_retry": True},
                )
            except RetryAfter as exc:
                wait = _seconds(exc.retry_after)
                _LOGGER.info("outbox: 429 for message %s, retry after %.0fs", message.id, wait)
                if wait <= IN_PLACE_WAIT_SECONDS:
                    continue  # the rate limiter now holds this chat until retry_after has passed
                await self._retry_later(message, wait, f"429 retry after {wait:.0f}s", count=False)
                return
            except Forbidden as exc:
                await self._unreachable(message, exc)
                return
            except ChatMigrated as exc:
                message.chat_id = int(exc.new_chat_id)
                continue
            except BadRequest as exc:
                if "message is not modified" in exc.message:
                    await self._sent(message, None)
                    return
                _LOGGER.warning(
                    "outbox: Telegram refused message %s (%s, %s): %s",
                    message.id,
                    message.method,
                    message.purpose,
                    exc.message,
                )
                async with self._db.session() as session:
                    await outbox.mark_failed(
                        session, message_id=message.id, worker=self.worker_id, error=exc.message
                    )
                return
            except InvalidToken as exc:
                _LOGGER.critical("outbox: the bot token was refused: %s", exc.message)
                await self._retry_later(message, 60.0, exc.message, count=False)
                return
            except (NetworkError, TelegramError) as exc:
                if not await self._failed_attempt(message, exc):
                    return
                continue
            await self._sent(message, result)
            return

    @staticmethod
    def _arguments(message: OutboxMessage) -> dict[str, Any]:
        if message.method in _WITHOUT_CHAT_ID:
            return dict(message.payload)
        return {**message.payload, "chat_id": message.chat_id}

    async def _failed_attempt(self, message: OutboxMessage, exc: TelegramError) -> bool:
        """Count a timeout or server error; True when it is worth trying again in place."""
        assert message.id is not None
        error = f"{type(exc).__name__}: {exc.message}"
        async with self._db.session() as session:
            attempts = await outbox.count_attempt(
                session, message_id=message.id, worker=self.worker_id, error=error
            )
            if attempts >= self._max_attempts:
                _LOGGER.error(
                    "outbox: giving up on message %s (%s) after %d attempts: %s",
                    message.id,
                    message.purpose,
                    attempts,
                    error,
                )
                await outbox.mark_failed(
                    session, message_id=message.id, worker=self.worker_id, error=error
                )
                return False
        wait = backoff_seconds(attempts)
        _LOGGER.info(
            "outbox: message %s attempt %d failed (%s); next try in %.1fs",
            message.id,
            attempts,
            error,
            wait,
        )
        if wait <= IN_PLACE_WAIT_SECONDS / 3:
            await asyncio.sleep(wait)
            return True
        await self._retry_later(message, wait, error, count=False)
        return False

    async def _retry_later(
        self, message: OutboxMessage, seconds: float, error: str, *, count: bool = True
    ) -> None:
        assert message.id is not None
        async with self._db.session() as session:
            if count:
                await outbox.count_attempt(
                    session, message_id=message.id, worker=self.worker_id, error=error
                )
            await outbox.retry_later(
                session,
                message_id=message.id,
                worker=self.worker_id,
                not_before=self._clock.now() + dt.timedelta(seconds=seconds),
                error=error,
            )

    async def _sent(self, message: OutboxMessage, result: Any) -> None:
        assert message.id is not None
        async with self._db.session() as session:
            kept = await outbox.mark_sent(
                session,
                message_id=message.id,
                worker=self.worker_id,
                now=self._clock.now(),
                telegram_message_id=_telegram_message_id(result),
            )
            if message.person_id is not None:
                await reachability.mark_reachable(
                    session, person_id=message.person_id, now=self._clock.now()
                )
        if not kept:
            _LOGGER.warning("outbox: message %s was sent after its claim expired", message.id)
        self.sent_count += 1

    async def _unreachable(self, message: OutboxMessage, exc: Forbidden) -> None:
        queue = self._chat_queues.get(message.chat_id, [])
        # Everything else claimed for this chat meets the same refusal: settle it now too.
        affected = [message, *queue[1:]]
        del queue[1:]
        report = False
        async with self._db.session() as session:
            for item in affected:
                assert item.id is not None
                if item.person_id is None:
                    # A group that removed the bot: nobody to wait for.
                    await outbox.mark_failed(
                        session, message_id=item.id, worker=self.worker_id, error=exc.message
                    )
                else:
                    await outbox.hold(
                        session, message_id=item.id, worker=self.worker_id, error=exc.message
                    )
            if message.person_id is not None:
                report = await reachability.mark_unreachable(
                    session,
                    person_id=message.person_id,
                    state=reachability.state_from_error(exc.message),
                    error=exc.message,
                    now=self._clock.now(),
                )
        _LOGGER.info("outbox: chat %s cannot be reached (%s)", message.chat_id, exc.message)
        if report and self._on_unreachable is not None and message.person_id is not None:
            await self._on_unreachable(message.person_id)
