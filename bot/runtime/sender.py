"""The one way out: the sender that takes due messages from the outbox and delivers them.

It respects Telegram's limits (through the shared rate limiter), re-queues a 429 after its
`retry_after`, retries timeouts and 5xx answers with growing pauses, holds the messages of a person
who blocked the bot (403) and has their coach told once, and never retries a 400.

Each chat's messages go out one after another in their order; chats are served concurrently.
A message is sent at least once: a duplicate is possible only for a message in flight when the
process died (or whose claim could not be renewed in time).

Claims are short (`claim_seconds`, 30 by default) and renewed by a heartbeat a third of the way
through while the sender lives, so what a dead sender had claimed is taken over within that
time; a sender that starts takes over at once what a dead sender of its own host held.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import enum
import logging
import random
from collections.abc import Awaitable, Callable
from typing import Any

import sqlalchemy as sa
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession
from telegram.error import (
    BadRequest,
    ChatMigrated,
    EndPointNotFound,
    Forbidden,
    InvalidToken,
    RetryAfter,
    TelegramError,
)
from telegram.ext import ExtBot

from bot.models.people import Reachability, ReachabilityState
from bot.models.transport import OutboxMessage, OutboxStatus
from bot.runtime.clock import Clock
from bot.runtime.db import Database
from bot.runtime.workers import dead_here
from bot.services import outbox, reachability
from bot.services.sql import table_of

_LOGGER = logging.getLogger(__name__)

# A 429 or a failure shorter than this is waited out in place; longer ones go back to the queue.
IN_PLACE_WAIT_SECONDS = 30.0
MAX_BACKOFF_SECONDS = 600.0
# A graceful stop lets each chat finish the message it is sending, for at most this long.
STOP_GRACE_SECONDS = 10.0
# Deliveries that arrive within this long are recorded in one transaction.
RECORD_DELAY_SECONDS = 0.02

# Called inside the transaction that marked the person unreachable, to queue the coach's notice.
UnreachableCallback = Callable[[AsyncSession, int], Awaitable[None]]
# Called inside the transaction that records a delivery: (session, purpose, Telegram message id).
SentCallback = Callable[[AsyncSession, str, int | None], Awaitable[None]]
# Called inside the transaction that holds a message for an unreachable person: (session, purpose).
HeldCallback = Callable[[AsyncSession, str], Awaitable[None]]
# Called inside the transaction that gives a message up for good (Telegram refused it, or every
# attempt failed), so its author can be told: (session, purpose).
FailedCallback = Callable[[AsyncSession, str], Awaitable[None]]

# Methods that act on the bot itself; their chat is named inside `scope`, not by chat_id.
_WITHOUT_CHAT_ID = frozenset({"setMyCommands", "deleteMyCommands"})


class _Outcome(enum.Enum):
    SETTLED = "settled"  # sent, refused for good, or held: go on with the chat's next message
    DEFERRED = "deferred"  # back in the queue for later: the chat's later messages wait too


def _seconds(value: Any) -> float:
    return float(value.total_seconds()) if hasattr(value, "total_seconds") else float(value)


def backoff_seconds(attempts: int) -> float:
    """Pause before the next try after `attempts` failures: 1, 2, 4 … seconds, capped, jittered."""
    base = min(MAX_BACKOFF_SECONDS, 2.0 ** max(0, attempts - 1))
    return base * random.uniform(0.8, 1.2)  # jitter, not security


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
        on_sent: SentCallback | None = None,
        on_held: HeldCallback | None = None,
        on_failed: FailedCallback | None = None,
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
        self._on_sent = on_sent
        self._on_held = on_held
        self._on_failed = on_failed
        self._batch_size = batch_size
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._stopping = False
        self._chat_tasks: dict[int, asyncio.Task[None]] = {}
        self._chat_queues: dict[int, list[OutboxMessage]] = {}
        self._queued_ids: set[int] = set()
        self._heartbeat: asyncio.Task[None] | None = None
        self._idle = asyncio.Event()
        self._idle.set()
        self.sent_count = 0
        self._to_record: list[tuple[OutboxMessage, Any, asyncio.Future[None]]] = []
        self._recorder: asyncio.Task[None] | None = None

    # lifecycle -------------------------------------------------------------------------------

    async def start(self) -> None:
        if self._task is None:
            self._stopping = False
            await self._free_dead_claims()
            self._task = asyncio.create_task(self._run(), name="outbox-sender")
            self._heartbeat = asyncio.create_task(self._beat(), name="outbox-heartbeat")

    async def _free_dead_claims(self) -> None:
        """What a sender of this host that no longer runs had claimed goes back to the queue."""
        try:
            async with self._db.session() as session:
                dead = dead_here(await outbox.claimants(session))
                freed = await outbox.free_claims(session, workers=dead)
        except Exception:
            _LOGGER.exception("outbox: could not look for claims of stopped senders")
            return
        if freed:
            _LOGGER.info("outbox: %d messages claimed by stopped senders taken over", freed)

    async def stop(self) -> None:
        """Stop claiming, let each chat finish the message in flight, hand back the rest."""
        self._stopping = True
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        chat_tasks = list(self._chat_tasks.values())
        if chat_tasks:
            _done, pending = await asyncio.wait(chat_tasks, timeout=STOP_GRACE_SECONDS)
            for chat_task in pending:
                chat_task.cancel()
            for chat_task in pending:
                with contextlib.suppress(asyncio.CancelledError):
                    await chat_task
        heartbeat, self._heartbeat = self._heartbeat, None
        if heartbeat is not None:
            heartbeat.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await heartbeat
        leftover = [m.id for q in self._chat_queues.values() for m in q if m.id is not None]
        self._chat_queues.clear()
        self._chat_tasks.clear()
        self._queued_ids.clear()
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
            # The timeout first: a stop while it is worked out must not leave a wait() behind.
            sleep = await self._sleep_time()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=sleep)

    async def _sleep_time(self) -> float:
        try:
            async with self._db.session() as session:
                due = await outbox.next_due_at(session, excluding_worker=self.worker_id)
        except Exception:
            _LOGGER.exception("outbox: could not read the next due time")
            return self._poll_seconds
        if due is None:
            return self._poll_seconds
        until_due = (due - self._clock.now()).total_seconds()
        return max(0.0, min(self._poll_seconds, until_due))

    async def _beat(self) -> None:
        """The heartbeat: renew the claims on messages waiting here a third of the way through,
        apart from the claiming loop, so that a slow claim never lets them run out."""
        while True:
            await asyncio.sleep(self._claim_seconds / 3)
            try:
                await self._renew_claims()
            except asyncio.CancelledError:
                raise
            except Exception:
                _LOGGER.exception("outbox: renewing claims failed; trying again")

    async def _renew_claims(self) -> None:
        """Keep the claims on messages waiting here, so no other sender takes them over."""
        if not self._queued_ids:
            return
        async with self._db.session() as session:
            await outbox.renew_claims(
                session,
                message_ids=sorted(self._queued_ids),
                worker=self.worker_id,
                claim_until=self._clock.now() + dt.timedelta(seconds=self._claim_seconds),
            )

    async def claim(self) -> int:
        """Claim a batch of due messages and start delivering them; returns how many."""
        room = self._batch_size - len(self._queued_ids)
        if room <= 0 or self._stopping:
            return 0
        async with self._db.session() as session:
            messages = await outbox.claim_due(
                session,
                now=self._clock.now(),
                worker=self.worker_id,
                claim_seconds=self._claim_seconds,
                limit=room,
            )
        fresh = 0
        for message in messages:
            if message.id is None or message.id in self._queued_ids:
                continue  # already waiting here: its claim was only refreshed
            fresh += 1
            self._queued_ids.add(message.id)
            self._chat_queues.setdefault(message.chat_id, []).append(message)
            if message.chat_id not in self._chat_tasks:
                self._idle.clear()
                self._chat_tasks[message.chat_id] = asyncio.create_task(
                    self._drain_chat(message.chat_id), name=f"outbox-chat-{message.chat_id}"
                )
        return fresh

    async def _drain_chat(self, chat_id: int) -> None:
        """Deliver one chat's messages one after another, in their order."""
        queue = self._chat_queues.setdefault(chat_id, [])
        try:
            while queue and not self._stopping:
                message = queue[0]
                outcome = await self._attempt(message)
                queue.pop(0)
                self._queued_ids.discard(message.id or 0)
                if outcome is _Outcome.DEFERRED and queue:
                    # Later messages of this chat must not overtake the one put back.
                    await self._defer_rest(queue, message)
        finally:
            self._chat_tasks.pop(chat_id, None)
            if not queue or not self._stopping:
                self._chat_queues.pop(chat_id, None)
                for rest in queue:
                    self._queued_ids.discard(rest.id or 0)
            if not self._chat_tasks:
                self._idle.set()
                self.wake()

    async def _defer_rest(self, queue: list[OutboxMessage], head: OutboxMessage) -> None:
        rest = [m.id for m in queue if m.id is not None]
        queue.clear()
        for message_id in rest:
            self._queued_ids.discard(message_id)
        async with self._db.session() as session:
            await outbox.release(
                session, message_ids=rest, worker=self.worker_id, not_before=head.not_before
            )

    async def _attempt(self, message: OutboxMessage) -> _Outcome:
        """Deliver one message, never letting an unexpected error stop the chat's queue."""
        try:
            return await self._deliver(message)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            _LOGGER.exception("outbox: message %s could not be handled", message.id)
            try:
                error = f"internal error: {type(exc).__name__}"
                return await self._failed(message, error, 60.0) or _Outcome.DEFERRED
            except Exception:
                _LOGGER.exception("outbox: message %s left to its claim's expiry", message.id)
                return _Outcome.SETTLED

    async def _deliver(self, message: OutboxMessage) -> _Outcome:
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
                    # The rate limiter holds this chat until then; the next try waits for it.
                    continue
                await self._put_back(message, wait, f"429 retry after {wait:.0f}s")
                return _Outcome.DEFERRED
            except Forbidden as exc:
                await self._unreachable(message, exc)
                return _Outcome.SETTLED
            except ChatMigrated as exc:
                message.chat_id = int(exc.new_chat_id)
                continue
            except BadRequest as exc:
                if "message is not modified" in exc.message:
                    await self._sent(message, None)
                    return _Outcome.SETTLED
                await self._refused(message, exc.message)
                return _Outcome.SETTLED
            except EndPointNotFound as exc:
                await self._refused(message, exc.message)
                return _Outcome.SETTLED
            except InvalidToken as exc:
                _LOGGER.critical("outbox: the bot token was refused: %s", exc.message)
                await self._put_back(message, 60.0, exc.message)
                return _Outcome.DEFERRED
            except TelegramError as exc:  # timeouts, 5xx, network trouble
                error = f"{type(exc).__name__}: {exc.message}"
                outcome = await self._failed(message, error, None)
                if outcome is None:
                    continue
                return outcome
            await self._record_sent(message, result)
            return _Outcome.SETTLED

    async def _record_sent(self, message: OutboxMessage, result: Any) -> None:
        """Record a delivery with the others that arrive within RECORD_DELAY_SECONDS: one
        transaction for the batch. The chat's next message waits until this one is recorded."""
        done = asyncio.get_running_loop().create_future()
        self._to_record.append((message, result, done))
        if self._recorder is None or self._recorder.done():
            self._recorder = asyncio.create_task(self._flush_recorded())
        await done

    async def _flush_recorded(self) -> None:
        while self._to_record:
            await asyncio.sleep(RECORD_DELAY_SECONDS)
            batch, self._to_record = self._to_record, []
            try:
                await self._sent_many([(m, r) for m, r, _f in batch])
            except Exception as exc:
                for _m, _r, future in batch:
                    if not future.done():
                        future.set_exception(exc)
                continue
            for _m, _r, future in batch:
                if not future.done():
                    future.set_result(None)

    async def _sent_many(self, batch: list[tuple[OutboxMessage, Any]]) -> None:
        """Record deliveries; Telegram has them now, so the bookkeeping is retried, never the
        messages."""
        now = self._clock.now()
        table = table_of(OutboxMessage)
        kept: set[int] = set()
        for attempt in range(5):
            try:
                async with self._db.session() as session:
                    kept = set(
                        (
                            await session.exec(
                                sa.update(table)
                                .where(
                                    table.c.id.in_([m.id for m, _r in batch]),
                                    table.c.status == OutboxStatus.SENDING,
                                    table.c.claimed_by == self.worker_id,
                                )
                                .values(
                                    status=OutboxStatus.SENT,
                                    sent_at=now,
                                    # Telegram has the message now: its words are not kept here.
                                    payload={},
                                    claimed_by=None,
                                    claim_until=None,
                                    last_error=None,
                                )
                                .returning(table.c.id)
                            )
                        ).scalars()
                    )
                    ids = [
                        {"mid": m.id, "tid": _telegram_message_id(r)}
                        for m, r in batch
                        if m.id in kept and _telegram_message_id(r) is not None
                    ]
                    if ids:
                        await session.exec(
                            sa.update(table)
                            .where(table.c.id == sa.bindparam("mid"))
                            .values(sent_message_id=sa.bindparam("tid")),
                            params=ids,
                        )
                    people = sorted({m.person_id for m, _r in batch if m.person_id is not None})
                    unreachable = (
                        await session.exec(
                            select(col(Reachability.person_id)).where(
                                col(Reachability.person_id).in_(people),
                                col(Reachability.state) != ReachabilityState.REACHABLE,
                            )
                        )
                    ).all()
                    for person_id in unreachable:
                        await reachability.mark_reachable(session, person_id=person_id, now=now)
                    if self._on_sent is not None:
                        for m, r in batch:
                            if m.id in kept:
                                await self._on_sent(session, m.purpose, _telegram_message_id(r))
                break
            except Exception:
                if attempt == 4:
                    raise
                _LOGGER.warning("outbox: recording %d deliveries failed; retrying", len(batch))
                await asyncio.sleep(0.2 * (attempt + 1))
        for m, _r in batch:
            if m.id not in kept:
                _LOGGER.warning("outbox: message %s was sent after its claim was lost", m.id)
        self.sent_count += len(batch)

    @staticmethod
    def _arguments(message: OutboxMessage) -> dict[str, Any]:
        if message.method in _WITHOUT_CHAT_ID:
            return dict(message.payload)
        return {**message.payload, "chat_id": message.chat_id}

    async def _failed(
        self, message: OutboxMessage, error: str, wait: float | None
    ) -> _Outcome | None:
        """Count a failed try; None means "try again now" (after a short pause in place)."""
        assert message.id is not None
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
                if (
                    await outbox.mark_failed(
                        session, message_id=message.id, worker=self.worker_id, error=error
                    )
                    and self._on_failed is not None
                ):
                    await self._on_failed(session, message.purpose)
                return _Outcome.SETTLED
        wait = backoff_seconds(attempts) if wait is None else wait
        _LOGGER.info(
            "outbox: message %s attempt %d failed (%s); next try in %.1fs",
            message.id,
            attempts,
            error,
            wait,
        )
        if wait <= IN_PLACE_WAIT_SECONDS / 3:
            await asyncio.sleep(wait)
            return None
        await self._put_back(message, wait, error)
        return _Outcome.DEFERRED

    async def _put_back(self, message: OutboxMessage, seconds: float, error: str) -> None:
        assert message.id is not None
        message.not_before = self._clock.now() + dt.timedelta(seconds=seconds)
        async with self._db.session() as session:
            await outbox.retry_later(
                session,
                message_id=message.id,
                worker=self.worker_id,
                not_before=message.not_before,
                error=error,
            )

    async def _refused(self, message: OutboxMessage, description: str) -> None:
        assert message.id is not None
        _LOGGER.warning(
            "outbox: Telegram refused message %s (%s, %s): %s",
            message.id,
            message.method,
            message.purpose,
            description,
        )
        async with self._db.session() as session:
            if (
                await outbox.mark_failed(
                    session, message_id=message.id, worker=self.worker_id, error=description
                )
                and self._on_failed is not None
            ):
                await self._on_failed(session, message.purpose)

    async def _sent(self, message: OutboxMessage, result: Any) -> None:
        """Record a delivery. Telegram has the message now: never send it again, so the
        bookkeeping is retried rather than the message."""
        assert message.id is not None
        for attempt in range(5):
            try:
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
                    if kept and self._on_sent is not None:
                        await self._on_sent(session, message.purpose, _telegram_message_id(result))
                break
            except Exception:
                if attempt == 4:
                    raise
                _LOGGER.warning("outbox: recording message %s as sent failed; retrying", message.id)
                await asyncio.sleep(0.2 * (attempt + 1))
        if not kept:
            _LOGGER.warning("outbox: message %s was sent after its claim was lost", message.id)
        self.sent_count += 1

    async def _unreachable(self, message: OutboxMessage, exc: Forbidden) -> None:
        queue = self._chat_queues.get(message.chat_id, [])
        # Everything else claimed for this chat meets the same refusal: settle it now too.
        affected = [message, *queue[1:]]
        del queue[1:]
        async with self._db.session() as session:
            for item in affected:
                assert item.id is not None
                self._queued_ids.discard(item.id)
                if item.person_id is None:
                    # A group that removed the bot: nobody to wait for.
                    await outbox.mark_failed(
                        session, message_id=item.id, worker=self.worker_id, error=exc.message
                    )
                else:
                    await outbox.hold(
                        session, message_id=item.id, worker=self.worker_id, error=exc.message
                    )
                    if self._on_held is not None:
                        await self._on_held(session, item.purpose)
            if message.person_id is not None:
                report = await reachability.mark_unreachable(
                    session,
                    person_id=message.person_id,
                    state=reachability.state_from_error(exc.message),
                    error=exc.message,
                    now=self._clock.now(),
                )
                if report and self._on_unreachable is not None:
                    await self._on_unreachable(session, message.person_id)
        _LOGGER.info("outbox: chat %s cannot be reached (%s)", message.chat_id, exc.message)
        self.wake()
