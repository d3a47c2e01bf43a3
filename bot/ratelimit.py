"""Telegram's sending limits, kept on our side so that we rarely meet a 429.

Token buckets on the event loop's monotonic time: one for everything (about 30 messages a second),
one per private chat (about 1 a second with a small burst) and one per group (20 a minute).
A 429's `retry_after` holds the chat until then. Every Bot API call that sends goes through
:class:`TelegramRateLimiter`, so direct replies and the outbox sender share one view of the limits.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any, TypedDict

from telegram.error import RetryAfter
from telegram.ext import BaseRateLimiter

_LOGGER = logging.getLogger(__name__)

# Calls that put something in a chat and so count against its limits.
SENDING_METHODS = frozenset(
    {
        "sendMessage",
        "copyMessage",
        "copyMessages",
        "forwardMessage",
        "forwardMessages",
        "sendPhoto",
        "sendDocument",
        "sendVoice",
        "sendAudio",
        "sendVideo",
        "sendSticker",
        "sendMediaGroup",
        "sendAnimation",
        "sendLocation",
        "editMessageText",
        "editMessageCaption",
        "editMessageReplyMarkup",
    }
)


@dataclass(frozen=True, slots=True)
class Limits:
    global_per_second: float = 25.0
    per_chat_per_second: float = 1.0
    per_chat_burst: int = 3
    per_group_per_minute: float = 20.0


class _Bucket:
    __slots__ = ("capacity", "rate", "tokens", "updated")

    def __init__(self, rate: float, capacity: float, now: float) -> None:
        self.rate = rate
        self.capacity = capacity
        self.tokens = capacity
        self.updated = now

    def _refill(self, now: float) -> None:
        self.tokens = min(self.capacity, self.tokens + (now - self.updated) * self.rate)
        self.updated = now

    def wait_time(self, now: float) -> float:
        self._refill(now)
        return 0.0 if self.tokens >= 1 else (1 - self.tokens) / self.rate

    def take(self, now: float) -> None:
        self._refill(now)
        self.tokens -= 1

    def full(self, now: float) -> bool:
        self._refill(now)
        return self.tokens >= self.capacity


class RateLimits:
    """The shared state of the limits in this process."""

    def __init__(self, limits: Limits, clock: Callable[[], float] = time.monotonic) -> None:
        self.limits = limits
        self._clock = clock
        now = clock()
        self._global = _Bucket(limits.global_per_second, max(1.0, limits.global_per_second), now)
        self._chats: dict[int, _Bucket] = {}
        self._held_until: dict[int, float] = {}
        self._lock = asyncio.Lock()

    def _bucket(self, chat_id: int, now: float) -> _Bucket:
        bucket = self._chats.get(chat_id)
        if bucket is None:
            if chat_id < 0:
                rate = self.limits.per_group_per_minute / 60.0
            else:
                rate = self.limits.per_chat_per_second
            bucket = _Bucket(rate, float(self.limits.per_chat_burst), now)
            self._chats[chat_id] = bucket
            if len(self._chats) > 10_000:
                self._forget_idle(now)
        return bucket

    def _forget_idle(self, now: float) -> None:
        # Buckets that are full again carry no information; drop them so memory stays small.
        for chat_id in [c for c, b in self._chats.items() if b.full(now)]:
            del self._chats[chat_id]
        for chat_id in [c for c, t in self._held_until.items() if t <= now]:
            del self._held_until[chat_id]

    def hold(self, chat_id: int | None, seconds: float) -> None:
        """Send nothing to this chat (or to anyone, for None) for `seconds`."""
        key = 0 if chat_id is None else chat_id
        until = self._clock() + seconds
        self._held_until[key] = max(until, self._held_until.get(key, 0.0))

    def held_for(self, chat_id: int | None) -> float:
        now = self._clock()
        waits = [self._held_until.get(0, 0.0) - now]
        if chat_id is not None:
            waits.append(self._held_until.get(chat_id, 0.0) - now)
        return max(0.0, *waits)

    async def acquire(self, chat_id: int | None) -> None:
        """Wait until one more message may go to this chat, then count it."""
        while True:
            async with self._lock:
                now = self._clock()
                wait = max(self.held_for(chat_id), self._global.wait_time(now))
                bucket = self._bucket(chat_id, now) if chat_id is not None else None
                if bucket is not None:
                    wait = max(wait, bucket.wait_time(now))
                if wait <= 0:
                    self._global.take(now)
                    if bucket is not None:
                        bucket.take(now)
                    return
            await asyncio.sleep(wait)


class LimitArgs(TypedDict, total=False):
    """Per-call options: the outbox sender re-queues a 429 itself instead of waiting here."""

    no_retry: bool


def _chat_of(data: dict[str, Any]) -> int | None:
    chat_id = data.get("chat_id")
    try:
        return int(chat_id) if chat_id is not None else None
    except (TypeError, ValueError):
        return None  # an @username: no per-chat limit can be kept for it


class TelegramRateLimiter(BaseRateLimiter[LimitArgs]):
    """Paces every sending call and retries a direct reply after a 429, a few times."""

    def __init__(self, limits: RateLimits, *, max_retries: int = 3, max_wait: float = 30.0):
        self.limits = limits
        self.max_retries = max_retries
        self.max_wait = max_wait

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to tear down."""

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | dict[str, Any] | list[dict[str, Any]]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: LimitArgs | None,
    ) -> bool | dict[str, Any] | list[dict[str, Any]]:
        sending = endpoint in SENDING_METHODS
        chat_id = _chat_of(data)
        no_retry = bool(rate_limit_args and rate_limit_args.get("no_retry"))
        attempt = 0
        while True:
            if sending:
                await self.limits.acquire(chat_id)
            try:
                return await callback(*args, **kwargs)
            except RetryAfter as exc:
                retry_after = exc.retry_after
                seconds = (
                    retry_after.total_seconds()
                    if hasattr(retry_after, "total_seconds")
                    else float(retry_after)
                )
                self.limits.hold(chat_id, seconds)
                attempt += 1
                if no_retry or attempt > self.max_retries or seconds > self.max_wait:
                    raise
                _LOGGER.info(
                    "429 on %s to chat %s; retrying after %.1fs", endpoint, chat_id, seconds
                )
                if not sending:
                    await asyncio.sleep(seconds)
