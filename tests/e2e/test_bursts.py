"""A burst of stickers or pictures from a client reaches their coach as the first few and one
notice that counts the rest; everything with words still arrives, in the order it was sent.
"""

from __future__ import annotations

import datetime as dt

import pytest
from sqlmodel import col, select

from bot.devtools.harness import Harness
from bot.models.messaging import RelayedMessage, RelayStatus
from bot.runtime.clock import ManualClock
from bot.sandbox import SandboxMessage
from tests.support.world import World, build_world

pytestmark = pytest.mark.asyncio


def _coach_view(world: World) -> list[str]:
    """Kaisa's chat as she reads it: copies by kind (with their words), notices by text."""
    shown = []
    for m in world.x.bot_messages():
        if m.copied_from is not None:
            words = m.visible_text or m.caption or ""
            shown.append(f"{m.kind}:{words}" if words else m.kind)
        else:
            shown.append(m.visible_text)
    return shown


def _counting(messages: list[SandboxMessage]) -> list[SandboxMessage]:
    return [m for m in messages if "in a row" in (m.visible_text or "")]


async def test_a_burst_of_stickers_and_pictures_becomes_one_notice_and_words_all_arrive(
    harness: Harness, clock: ManualClock
) -> None:
    world = await build_world(harness, clock)
    liisa, kaisa = world.a, world.x
    for i in range(37):
        if i % 3 == 0:
            await liisa.send_photo()
        else:
            await liisa.send_sticker("🎉")
    # Words in the middle of the burst: a caption and a voice message are passed on.
    await liisa.send_photo(caption="My new work shoes")
    await liisa.send_voice(duration=5)
    for _ in range(3):
        await liisa.send_sticker("👍")
    await harness.settle()

    # The first three as they are; the words come after a notice that counts what came before
    # them, so Kaisa reads everything in the order it was sent.
    counted_34 = (
        "📎 Liisa sent 34 more stickers or pictures in a row.\n"
        "To keep your chat calm, I did not pass them on."
    )
    assert _coach_view(world) == [
        "💬 Message from Liisa:",
        "photo",
        "sticker",
        "sticker",
        counted_34,
        "photo:My new work shoes",
        "voice",
    ]
    # The stickers after the words are counted in a notice that waits for the burst to pause.
    clock.advance(dt.timedelta(seconds=29))
    await harness.tick()
    assert len(_counting(kaisa.bot_messages())) == 1
    clock.advance(dt.timedelta(seconds=1))
    await harness.tick()
    first, notice = _counting(kaisa.bot_messages())
    assert notice.visible_text == (
        "📎 Liisa sent 3 more stickers or pictures in a row.\n"
        "To keep your chat calm, I did not pass them on."
    )
    assert first.button_labels == notice.button_labels == ["↩️ Reply"]
    # Each of Liisa's messages shows quietly that it reached Kaisa, without a message per piece.
    assert liisa.bot_messages() == []
    assert {m.bot_reaction for m in liisa.own_messages()} == {"👍"}

    # Everything is recorded: 3 + 2 passed on, 37 counted.
    async with harness.db.session() as session:
        statuses = (
            await session.exec(select(RelayedMessage.status).order_by(col(RelayedMessage.id)))
        ).all()
    assert statuses.count(RelayStatus.SUMMARISED) == 37
    assert len(statuses) == 42

    # The coach answers with the notice's Reply button: it reaches Liisa.
    await kaisa.press("↩️ Reply", message=notice)
    await harness.settle()
    await kaisa.send_text("Great shoes!")
    await harness.settle()
    assert liisa.bot_messages()[-1].visible_text == "💬 Kaisa:\nGreat shoes!"
    # /inbox lists what Liisa sent with words and the first pictures, not every sticker.
    await kaisa.send_command("inbox")
    await harness.settle()
    assert kaisa.bot_messages()[-1].visible_text.count("[sticker]") == 2

    # After a pause the next sticker is passed on as it is.
    clock.advance(dt.timedelta(minutes=2))
    await liisa.send_sticker("😊")
    await harness.settle()
    assert _coach_view(world)[-1] == "sticker"


async def test_text_in_a_burst_comes_after_the_notice_for_what_came_before_it(
    harness: Harness, clock: ManualClock
) -> None:
    world = await build_world(harness, clock)
    liisa, kaisa = world.a, world.x
    for _ in range(10):
        await liisa.send_sticker()
    await liisa.send_text("Sorry, my little brother had my phone")
    for _ in range(5):
        await liisa.send_sticker()
    await harness.settle()
    clock.advance(dt.timedelta(seconds=30))
    await harness.tick()
    assert _coach_view(world) == [
        "💬 Message from Liisa:",
        "sticker",
        "sticker",
        "sticker",
        "📎 Liisa sent 7 more stickers or pictures in a row.\n"
        "To keep your chat calm, I did not pass them on.",
        "text:Sorry, my little brother had my phone",
        "📎 Liisa sent 5 more stickers or pictures in a row.\n"
        "To keep your chat calm, I did not pass them on.",
    ]
    # A Telegram reply to a notice reaches Liisa as a reply to her message does.
    notice = _counting(kaisa.bot_messages())[0]
    await kaisa.send_text("Ha, no problem", reply_to=notice)
    await harness.settle()
    assert liisa.bot_messages()[-1].visible_text == "💬 Kaisa:\nHa, no problem"


async def test_a_burst_that_never_pauses_is_counted_every_few_minutes(
    harness: Harness, clock: ManualClock
) -> None:
    world = await build_world(harness, clock)
    liisa, kaisa = world.a, world.x
    # A sticker every 20 seconds for ten minutes: one burst, as each follows the last closely.
    for _ in range(31):
        await liisa.send_sticker()
        await harness.settle()
        clock.advance(dt.timedelta(seconds=20))
        await harness.tick()
    # The notice of a burst that goes on is sent three minutes after its first counted sticker.
    notices = _counting(kaisa.bot_messages())
    assert len(notices) == 3
    clock.advance(dt.timedelta(minutes=3))
    await harness.tick()
    copies = [m for m in kaisa.bot_messages() if m.copied_from is not None]
    notices = _counting(kaisa.bot_messages())
    assert len(copies) == 3
    # Every counted sticker is in exactly one notice (28 = 31 - the first 3).
    counts = [int(n.visible_text.split(" sent ")[1].split(" ")[0]) for n in notices]
    assert counts == [9, 9, 9, 1]
