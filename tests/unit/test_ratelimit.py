"""The rate limits: buckets per chat and overall, holds after a 429, and who they apply to."""

from __future__ import annotations

import asyncio

import pytest

from bot.runtime.ratelimit import Limits, RateLimits, WaitTooLong, limit_key


class FakeMonotonic:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_the_key_is_the_chat_also_inside_a_command_scope() -> None:
    assert limit_key("sendMessage", {"chat_id": 42}) == 42
    assert limit_key("sendMessage", {"chat_id": "42"}) == 42
    assert limit_key("setMyCommands", {"scope": '{"type": "chat", "chat_id": 7}'}) == 7
    assert limit_key("setMyCommands", {"scope": {"type": "chat", "chat_id": 7}}) == 7
    assert limit_key("setMyCommands", {"scope": '{"type": "default"}'}) == "setMyCommands"
    assert limit_key("getMe", {}) == "getMe"


async def test_a_chat_gets_its_burst_then_waits() -> None:
    clock = FakeMonotonic()
    limits = RateLimits(Limits(per_chat_per_second=1.0, per_chat_burst=2), clock=clock)
    await limits.acquire(1, count=True)
    await limits.acquire(1, count=True)
    # The third message to the same chat would have to wait; another chat is free.
    with pytest.raises(TimeoutError):
        async with asyncio.timeout(0.05):
            await limits.acquire(1, count=True)
    await limits.acquire(2, count=True)
    clock.now += 1.0
    await limits.acquire(1, count=True)


async def test_a_hold_longer_than_the_caller_waits_is_refused_at_once() -> None:
    clock = FakeMonotonic()
    limits = RateLimits(Limits(), clock=clock)
    limits.hold(5, 600)
    with pytest.raises(WaitTooLong) as caught:
        await limits.acquire(5, count=True, max_wait=30)
    assert caught.value.seconds == pytest.approx(600)
    # The hold is the chat's alone, and only while it lasts.
    await limits.acquire(6, count=True, max_wait=30)
    clock.now += 601
    await limits.acquire(5, count=True, max_wait=30)


async def test_a_method_without_a_chat_is_held_on_its_own() -> None:
    clock = FakeMonotonic()
    limits = RateLimits(Limits(), clock=clock)
    limits.hold("setMyCommands", 60)
    with pytest.raises(WaitTooLong):
        await limits.acquire("setMyCommands", count=False, max_wait=1)
    await limits.acquire(1, count=True, max_wait=1)
