"""Telegram's sending limits, kept on our side so that we rarely meet a 429.

Token buckets on the event loop's monotonic time: one for everything (about 30 messages a second),
one per private chat (about 1 a second with a small burst) and one per group (20 a minute).
A 429's `retry_after` holds the chat until then. Every Bot API call that sends goes through
:class:`TelegramRateLimiter`, so direct replies and the outbox sender share one view of the limits.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import math
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
        "sendVideoNote",
        "sendPoll",
        "sendContact",
        "sendVenue",
        "sendDice",
        "sendPaidMedia",
        "editMessageMedia",
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


Key = int | str
"""What a limit or a hold applies to: a chat id, or a method name for calls that name no chat."""


class WaitTooLong(Exception):
    """The chat is held for longer than the caller is willing to wait."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"held for {seconds:.1f}s")
        self.seconds = seconds


class RateLimits:
    """The shared state of the limits in this process."""

    def __init__(self, limits: Limits, clock: Callable[[], float] = time.monotonic) -> None:
        self.limits = limits
        self._clock = clock
        now = clock()
        self._global = _Bucket(limits.global_per_second, max(1.0, limits.global_per_second), now)
        self._chats: dict[int, _Bucket] = {}
        self._held_until: dict[Key, float] = {}
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
        for key in [k for k, t in self._held_until.items() if t <= now]:
            del self._held_until[key]

    def hold(self, key: Key, seconds: float) -> None:
        """Send nothing to this chat (or call nothing of this method) for `seconds`."""
        until = self._clock() + seconds
        self._held_until[key] = max(until, self._held_until.get(key, 0.0))

    def held_for(self, key: Key) -> float:
        return max(0.0, self._held_until.get(key, 0.0) - self._clock())

    async def acquire(self, key: Key, *, count: bool, max_wait: float | None = None) -> None:
        """Wait until a call for `key` may go; when `count`, it uses up one message of the limits.

        Raises WaitTooLong at once when a 429 holds the key for longer than `max_wait`.
        """
        while True:
            held = self.held_for(key)
            if max_wait is not None and held > max_wait:
                raise WaitTooLong(held)
            async with self._lock:
                now = self._clock()
                wait = self.held_for(key)
                bucket = self._bucket(key, now) if count and isinstance(key, int) else None
                if count:
                    wait = max(wait, self._global.wait_time(now))
                if bucket is not None:
                    wait = max(wait, bucket.wait_time(now))
                if wait <= 0:
                    if count:
                        self._global.take(now)
                    if bucket is not None:
                        bucket.take(now)
                    return
            await asyncio.sleep(wait)


class LimitArgs(TypedDict, total=False):
    """Per-call options: the outbox sender re-queues a 429 itself instead of waiting here."""

    no_retry: bool


def limit_key(endpoint: str, data: dict[str, Any]) -> Key:
    """The chat a call goes to (also inside a command scope), else the method itself."""
    chat_id = data.get("chat_id")
    if chat_id is None:
        scope = data.get("scope")
        if isinstance(scope, str):
            with contextlib.suppress(ValueError):
                scope = json.loads(scope)
        if isinstance(scope, dict):
            chat_id = scope.get("chat_id")
    try:
        return int(chat_id) if chat_id is not None else endpoint
    except (TypeError, ValueError):
        return str(chat_id)  # an @username: limits kept under that name


def _retry_seconds(exc: RetryAfter) -> float:
    value = exc.retry_after
    return value.total_seconds() if hasattr(value, "total_seconds") else float(value)


class TelegramRateLimiter(BaseRateLimiter[LimitArgs]):
    """Paces every sending call and retries a direct reply after a short 429, a few times."""

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
        key = limit_key(endpoint, data)
        sending = endpoint in SENDING_METHODS
        # The outbox waits out any hold (it has no person waiting); a direct reply does not wait
        # long: it is handed to the outbox instead (see handlers/replies.py).
        no_retry = bool(rate_limit_args and rate_limit_args.get("no_retry"))
        attempt = 0
        while True:
            try:
                await self.limits.acquire(
                    key, count=sending, max_wait=None if no_retry else self.max_wait
                )
            except WaitTooLong as exc:
                raise RetryAfter(math.ceil(exc.seconds)) from None
            try:
                return await callback(*args, **kwargs)
            except RetryAfter as exc:
                seconds = _retry_seconds(exc)
                self.limits.hold(key, seconds)
                attempt += 1
                if no_retry or attempt > self.max_retries or seconds > self.max_wait:
                    raise
                _LOGGER.info("429 on %s to %s; retrying after %.1fs", endpoint, key, seconds)
