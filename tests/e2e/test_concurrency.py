"""Chats are handled concurrently, each chat's updates in order; a direct reply survives a 429."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING

import pytest
from telegram import Update
from telegram.ext import CommandHandler

from bot.devtools.harness import Harness
from bot.runtime.clock import ManualClock
from bot.runtime.context import Context
from bot.sandbox import FloodLimits

if TYPE_CHECKING:
    from tests.conftest import WaitUntil

pytestmark = pytest.mark.asyncio


async def test_one_slow_chat_does_not_hold_up_another_and_keeps_its_own_order(
    harness: Harness, wait_until: WaitUntil
) -> None:
    handled: list[tuple[int, str]] = []
    release = asyncio.Event()

    async def record(update: Update, context: Context) -> None:
        """Note the command; /slow waits until the test lets it finish."""
        assert update.effective_chat is not None and update.effective_message is not None
        command = (update.effective_message.text or "").split()[0]
        if command == "/slow":
            await release.wait()
        handled.append((update.effective_chat.id, command))

    harness.app.add_handler(CommandHandler(["slow", "fast"], record), group=-1)
    anna = harness.sandbox.add_user(first_name="Anna", language_code="en")
    ben = harness.sandbox.add_user(first_name="Ben", language_code="en")
    await anna.send_text("/slow")
    await anna.send_text("/fast")
    await ben.send_text("/fast")

    # Ben's update is handled while Anna's first one is still running...
    processor = harness.app.services.processor
    assert processor is not None
    # Both of Anna's updates are in the processor, the second waiting for the first.
    await wait_until(lambda: (ben.id, "/fast") in handled and processor.in_flight == 2)
    assert handled == [(ben.id, "/fast")]
    # ...and Anna's second update waits for her first.
    release.set()
    await harness.settle()
    assert [c for chat, c in handled if chat == anna.id] == ["/slow", "/fast"]


@pytest.fixture
async def eager_harness(database_url: str, clock: ManualClock) -> AsyncIterator[Harness]:
    """A bot that believes it may send faster than the sandbox allows."""
    h = await Harness.create(
        database_url=database_url,
        clock=clock,
        rate_per_chat_per_second=50.0,
        rate_per_chat_burst=50,
    )
    try:
        await h.start_bot()
        await h.settle()
        yield h
    finally:
        await h.close()


async def test_direct_replies_wait_out_a_429_and_all_arrive(eager_harness: Harness) -> None:
    sandbox = eager_harness.sandbox
    sandbox.flood = FloodLimits(
        global_per_second=30, per_chat_per_second=1, per_chat_burst=2, per_group_per_minute=20
    )
    user = sandbox.add_user(first_name="Anna", language_code="en")
    for _ in range(4):
        await user.send_text("/help")
    await eager_harness.settle(timeout=30)
    answers = [m.text or "" for m in user.bot_messages()]
    assert len(answers) == 4
    assert all("What I can do" in a for a in answers)
    statuses = Counter(c.status for c in sandbox.calls_to("sendMessage"))
    assert statuses[429] >= 1
    assert statuses[200] == 4
