"""Flood limits: 429 with retry_after per chat, per group and overall; refusals change nothing."""

from __future__ import annotations

import datetime as dtm
from collections.abc import AsyncIterator

import httpx
import pytest
import telegram
from telegram.error import RetryAfter

from bot.sandbox import FloodLimits, Sandbox, SandboxUser

# python-telegram-bot itself warns about retry_after's future type whenever it raises RetryAfter.
pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")


class FakeMonotonic:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def monotonic() -> FakeMonotonic:
    return FakeMonotonic()


@pytest.fixture
async def flooded(monotonic: FakeMonotonic) -> AsyncIterator[Sandbox]:
    async with Sandbox(flood=FloodLimits(), monotonic=monotonic) as sandbox:
        yield sandbox


@pytest.fixture
async def flood_bot(flooded: Sandbox) -> AsyncIterator[telegram.Bot]:
    async with telegram.Bot(flooded.token, base_url=flooded.base_url) as bot:
        yield bot


def retry_seconds(error: RetryAfter) -> float:
    """``retry_after`` in seconds, whichever type this python-telegram-bot version uses."""
    value = error.retry_after
    return value.total_seconds() if isinstance(value, dtm.timedelta) else float(value)


async def _started(sandbox: Sandbox, name: str = "Anna") -> SandboxUser:
    person = sandbox.add_user(first_name=name)
    await person.send_text("hi")
    return person


async def test_burst_over_the_per_chat_limit(
    flooded: Sandbox,
    flood_bot: telegram.Bot,
    monotonic: FakeMonotonic,
    http: httpx.AsyncClient,
) -> None:
    anna = await _started(flooded)
    for number in range(3):  # the burst Telegram tolerates
        await flood_bot.send_message(anna.id, f"message {number}")
    with pytest.raises(RetryAfter) as caught:
        await flood_bot.send_message(anna.id, "one too many")
    assert retry_seconds(caught.value) >= 1
    raw = await http.post(
        f"{flooded.base_url}{flooded.token}/sendMessage", data={"chat_id": anna.id, "text": "x"}
    )
    assert raw.status_code == 429
    assert raw.json() == {
        "ok": False,
        "error_code": 429,
        "description": "Too Many Requests: retry after 1",
        "parameters": {"retry_after": 1},
    }
    assert len(anna.bot_messages()) == 3  # refused sends left no trace
    monotonic.now += 1.0
    await flood_bot.send_message(anna.id, "after waiting")
    assert len(anna.bot_messages()) == 4


async def test_edits_count_and_refused_edits_change_nothing(
    flooded: Sandbox, flood_bot: telegram.Bot
) -> None:
    anna = await _started(flooded)
    sent = await flood_bot.send_message(anna.id, "v1")
    await flood_bot.edit_message_text("v2", chat_id=anna.id, message_id=sent.message_id)
    await flood_bot.edit_message_text("v3", chat_id=anna.id, message_id=sent.message_id)
    with pytest.raises(RetryAfter):
        await flood_bot.edit_message_text("v4", chat_id=anna.id, message_id=sent.message_id)
    stored = anna.last_bot_message()
    assert stored is not None and (stored.text, stored.edit_count) == ("v3", 2)


async def test_reply_keyboard_is_not_set_by_a_refused_send(
    flooded: Sandbox, flood_bot: telegram.Bot
) -> None:
    anna = await _started(flooded)
    for _ in range(3):
        await flood_bot.send_message(anna.id, "x")
    with pytest.raises(RetryAfter):
        await flood_bot.send_message(
            anna.id, "y", reply_markup=telegram.ReplyKeyboardMarkup([["A"]])
        )
    assert anna.reply_keyboard is None


async def test_global_limit(
    flooded: Sandbox, flood_bot: telegram.Bot, monotonic: FakeMonotonic
) -> None:
    people = [await _started(flooded, f"P{number}") for number in range(31)]
    for person in people[:30]:
        await flood_bot.send_message(person.id, "broadcast")
    with pytest.raises(RetryAfter) as caught:
        await flood_bot.send_message(people[30].id, "broadcast")
    assert retry_seconds(caught.value) == 1
    monotonic.now += 0.05  # 30 a second: a token is back after 1/30 s
    await flood_bot.send_message(people[30].id, "broadcast")


async def test_group_limit_is_per_minute(
    flooded: Sandbox, flood_bot: telegram.Bot, monotonic: FakeMonotonic
) -> None:
    anna = await _started(flooded)
    group = flooded.add_group("Job club", [anna])
    flooded.flood = FloodLimits(per_chat_burst=100)  # isolate the group limit
    for _ in range(20):
        await flood_bot.send_message(group.id, "news")
    with pytest.raises(RetryAfter) as caught:
        await flood_bot.send_message(group.id, "news")
    assert retry_seconds(caught.value) == 3  # 20 a minute: one every three seconds
    monotonic.now += 3.0
    await flood_bot.send_message(group.id, "news")


async def test_reads_and_chat_actions_are_not_charged(
    flooded: Sandbox, flood_bot: telegram.Bot
) -> None:
    anna = await _started(flooded)
    for _ in range(10):
        await flood_bot.send_chat_action(anna.id, "typing")
        await flood_bot.get_chat(anna.id)
    await flood_bot.send_message(anna.id, "still fine")


async def test_limits_can_change_or_be_lifted(flooded: Sandbox, flood_bot: telegram.Bot) -> None:
    anna = await _started(flooded)
    flooded.flood = FloodLimits(per_chat_burst=1)
    await flood_bot.send_message(anna.id, "one")
    with pytest.raises(RetryAfter):
        await flood_bot.send_message(anna.id, "two")
    flooded.flood = None
    for _ in range(10):
        await flood_bot.send_message(anna.id, "unlimited")


async def test_default_limits_are_telegrams() -> None:
    assert Sandbox().flood == FloodLimits(30, 1.0, 3, 20)
