"""getUpdates: confirmation by offset, long polling, conflicts, webhooks, allowed_updates."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

import httpx
import pytest
import telegram
from telegram.error import Conflict

from bot.sandbox import Sandbox, SandboxUser


async def test_offset_confirms_and_limit_caps(sandbox: Sandbox, bot: telegram.Bot) -> None:
    anna = sandbox.add_user(first_name="Anna")
    for text in ("one", "two", "three"):
        await anna.send_text(text)
    assert sandbox.pending_update_count == 3
    first_two = await bot.get_updates(limit=2)
    assert [u.message.text for u in first_two if u.message] == ["one", "two"]
    assert sandbox.pending_update_count == 3  # delivered is not confirmed
    rest = await bot.get_updates(offset=first_two[-1].update_id + 1)
    assert [u.message.text for u in rest if u.message] == ["three"]
    assert sandbox.pending_update_count == 1
    assert await bot.get_updates(offset=rest[-1].update_id + 1) == ()
    assert sandbox.pending_update_count == 0
    assert sandbox.next_update_id == rest[-1].update_id + 1


async def test_negative_offset_keeps_the_newest(sandbox: Sandbox, bot: telegram.Bot) -> None:
    anna = sandbox.add_user(first_name="Anna")
    for text in ("a", "b", "c"):
        await anna.send_text(text)
    updates = await bot.get_updates(offset=-1)
    assert [u.message.text for u in updates if u.message] == ["c"]
    assert sandbox.pending_update_count == 1


async def test_long_poll_returns_as_soon_as_an_update_arrives(
    sandbox: Sandbox, bot: telegram.Bot
) -> None:
    anna = sandbox.add_user(first_name="Anna")
    started = time.monotonic()
    poll = asyncio.create_task(bot.get_updates(timeout=5))
    await asyncio.sleep(0.05)
    assert not poll.done()
    await anna.send_text("now")
    updates = await poll
    assert time.monotonic() - started < 1
    assert updates[0].message is not None and updates[0].message.text == "now"


async def test_second_concurrent_get_updates_gets_409(
    sandbox: Sandbox,
    bot: telegram.Bot,
    http: httpx.AsyncClient,
    api_url: Callable[[str], str],
) -> None:
    first = asyncio.create_task(bot.get_updates(timeout=3))
    await asyncio.sleep(0.05)
    second = await http.post(api_url("getUpdates"), data={"timeout": 0})
    assert second.status_code == 409
    assert second.json() == {
        "ok": False,
        "error_code": 409,
        "description": "Conflict: terminated by other getUpdates request; make sure that only "
        "one bot instance is running",
    }
    async with telegram.Bot(sandbox.token, base_url=sandbox.base_url) as other_instance:
        with pytest.raises(Conflict, match="terminated by other getUpdates request"):
            await other_instance.get_updates(timeout=0)
    anna = sandbox.add_user(first_name="Anna")
    await anna.send_text("still polling")
    assert len(await first) == 1  # the first poll was not disturbed


async def test_abandoned_poll_does_not_block_the_next_one(
    sandbox: Sandbox, bot: telegram.Bot
) -> None:
    """A bot that gave up on a poll (stopped, or read timeout) may poll again at once."""
    abandoned = asyncio.create_task(bot.get_updates(timeout=5))
    await asyncio.sleep(0.05)
    abandoned.cancel()
    with pytest.raises(asyncio.CancelledError):
        await abandoned
    assert await bot.get_updates(timeout=0) == ()


async def test_webhook_blocks_polling(
    sandbox: Sandbox, bot: telegram.Bot, anna: SandboxUser
) -> None:
    assert await bot.set_webhook("https://bot.example.org/hook", secret_token="s3cret")
    info = await bot.get_webhook_info()
    assert info.url == "https://bot.example.org/hook" and info.pending_update_count == 1
    with pytest.raises(Conflict, match="can't use getUpdates method while webhook is active"):
        await bot.get_updates()
    assert await bot.delete_webhook(drop_pending_updates=True)
    assert sandbox.pending_update_count == 0
    assert (await bot.get_webhook_info()).url == ""
    assert await bot.get_updates() == ()


async def test_allowed_updates_filter_new_updates(sandbox: Sandbox, bot: telegram.Bot) -> None:
    anna = sandbox.add_user(first_name="Anna")
    await bot.get_updates(allowed_updates=["callback_query"])
    await anna.send_text("ignored")
    assert sandbox.pending_update_count == 0
    await bot.get_updates(allowed_updates=[])  # back to the default
    await anna.send_text("delivered")
    assert sandbox.pending_update_count == 1


async def test_stop_releases_a_waiting_poll() -> None:
    sandbox = Sandbox(flood=None)
    await sandbox.start()
    async with telegram.Bot(sandbox.token, base_url=sandbox.base_url) as bot:
        poll = asyncio.create_task(bot.get_updates(timeout=10))
        await asyncio.sleep(0.05)
        started = time.monotonic()
        await sandbox.stop()
        assert await poll == ()
        assert time.monotonic() - started < 1
