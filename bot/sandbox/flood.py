"""Telegram's flood limits as token buckets, on the sandbox's injectable monotonic clock.

Telegram asks bots to stay under about 30 messages a second overall, about one a second to the
same chat (short bursts are tolerated) and 20 a minute to the same group, and answers 429 with
``retry_after`` otherwise. Only sending and editing methods are charged, and a refused call
consumes nothing.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from bot.sandbox.errors import too_many_requests


@dataclass(frozen=True, slots=True)
class FloodLimits:
    global_per_second: float = 30
    per_chat_per_second: float = 1.0
    per_chat_burst: int = 3
    per_group_per_minute: int = 20


@dataclass(slots=True)
class _Bucket:
    capacity: float
    rate: float  # tokens per second
    tokens: float
    updated: float

    def refill(self, now: float) -> None:
        self.tokens = min(self.capacity, self.tokens + (now - self.updated) * self.rate)
        self.updated = now

    def wait(self) -> float:
        """Seconds until one token is available (0 when one is)."""
        return 0.0 if self.tokens >= 1 else (1 - self.tokens) / self.rate


class FloodControl:
    """Charges sends against the limits; raises the 429 ``ApiError`` when one is exhausted."""

    def __init__(self, limits: FloodLimits, monotonic: Callable[[], float]):
        self.limits = limits
        self._monotonic = monotonic
        self._global = self._bucket(limits.global_per_second, limits.global_per_second)
        self._chats: dict[int, _Bucket] = {}
        self._groups: dict[int, _Bucket] = {}

    def _bucket(self, capacity: float, rate: float) -> _Bucket:
        return _Bucket(capacity, rate, capacity, self._monotonic())

    def admit(self, chat_id: int) -> None:
        """Take one token from every bucket that applies to ``chat_id``, or none at all."""
        now = self._monotonic()
        limits = self.limits
        buckets = [self._global]
        if chat_id not in self._chats:
            self._chats[chat_id] = self._bucket(limits.per_chat_burst, limits.per_chat_per_second)
        buckets.append(self._chats[chat_id])
        if chat_id < 0:
            if chat_id not in self._groups:
                self._groups[chat_id] = self._bucket(
                    limits.per_group_per_minute, limits.per_group_per_minute / 60
                )
            buckets.append(self._groups[chat_id])
        for bucket in buckets:
            bucket.refill(now)
        wait = max(bucket.wait() for bucket in buckets)
        if wait > 0:
            raise too_many_requests(max(1, math.ceil(wait)))
        for bucket in buckets:
            bucket.tokens -= 1
