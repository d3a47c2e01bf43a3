"""One chat can never stall the rest: a flood of thousands of updates from one client while
another client checks in, with Telegram's own sending limits on both sides.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import time
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING

import pytest
from sqlmodel import select

from bot.devtools.harness import Harness
from bot.models.messaging import RelayedMessage, RelayStatus
from bot.models.transport import InboxStatus, InboxUpdate
from bot.runtime.clock import ManualClock
from bot.sandbox import FloodLimits, SandboxMessage, SandboxUser
from bot.services import inbox, state
from tests.support.traces import tables_holding
from tests.support.world import A_ID, build_world

if TYPE_CHECKING:
    from tests.conftest import WaitUntil

pytestmark = pytest.mark.asyncio

FLOOD = int(os.environ.get("FLOOD_UPDATES", "5000"))
# The latency promise of the acceptance: another client's press is answered within this.
PROMISE_SECONDS = 2.0
# A person reads the question before the next tap. Tapping faster would measure Telegram's own
# limit of about one message a second to a chat (the bot keeps to it), not the bot.
READING_SECONDS = 1.0
BUSY = (
    "Many messages came at once, and I could not keep up with them all. "
    "Please wait a moment. Then send again what I did not answer."
)


@pytest.fixture
async def paced(database_url: str, clock: ManualClock) -> AsyncIterator[Harness]:
    """The bot with Telegram's own sending limits, against a sandbox that enforces them too."""
    h = await Harness.create(database_url=database_url, clock=clock)
    try:
        await h.start_bot()
        await h.settle()
        yield h
    finally:
        await h.close()


def _view(user: SandboxUser) -> tuple[tuple[int, int, str], ...]:
    """What the person sees of the bot's messages: ids, edits and texts."""
    return tuple((m.message_id, m.edit_count, m.visible_text) for m in user.bot_messages())


async def _timed_press(
    user: SandboxUser, label: str, wait_until: WaitUntil, *, message: SandboxMessage | None = None
) -> float:
    """Press a button and return the real seconds until the press is answered and the chat
    shows the bot's reaction (the next question, or a new message)."""
    await asyncio.sleep(READING_SECONDS)
    answers, seen = len(user.callback_answers), _view(user)
    started = time.monotonic()
    await user.press(label, message=message)
    await wait_until(
        lambda: len(user.callback_answers) > answers and _view(user) != seen, timeout=60
    )
    return time.monotonic() - started


async def _flood(user: SandboxUser, words: list[str]) -> None:
    """Stickers and photos, and now and then a few words, as fast as a script could send them."""
    for i in range(FLOOD):
        if i % 100 == 50:
            word = f"flood-word-{i}"
            words.append(word)
            await user.send_text(word)
        elif i % 2:
            await user.send_sticker()
        else:
            await user.send_photo()
        if i % 50 == 49:
            await asyncio.sleep(0.01)


async def test_a_flood_from_one_chat_never_delays_another_clients_check_in(
    paced: Harness, clock: ManualClock, wait_until: WaitUntil
) -> None:
    harness = paced
    world = await build_world(harness, clock)
    bert, liisa, kaisa = world.b, world.a, world.x
    await bert.send_text("✅ Check in")
    await harness.settle()

    words: list[str] = []
    flood = asyncio.create_task(_flood(liisa, words))
    backlog = harness.app.bot.backlog

    def flooding() -> bool:
        """Liisa's updates are still coming in, or waiting to be handled."""
        return (
            not flood.done()
            or harness.sandbox.pending_update_count > 0
            or backlog.waiting_for(liisa.chat_id) > 0
        )

    latencies: list[float] = []
    summary: SandboxMessage | None = None
    # Bert answers check-ins (and corrects them) for as long as the flood lasts.
    while flooding() or len(latencies) < 12:
        assert len(latencies) < 500, "the flood never ended"
        if summary is None:
            latencies.append(await _timed_press(bert, "🙂 Normal day", wait_until))
        else:
            latencies.append(
                await _timed_press(bert, "✏️ Change my answers", wait_until, message=summary)
            )
            for label in ("😫 Badly", "🕐 Later", "😐 Okay", "📅 An appointment"):
                latencies.append(await _timed_press(bert, label, wait_until))
        latencies.append(await _timed_press(bert, "✅ No, that is all", wait_until))
        summary = bert.last_bot_message()
        assert summary is not None and summary.visible_text.startswith("Thank you! ✅")
    await flood
    worst = sorted(latencies)[-5:]
    assert max(latencies) < PROMISE_SECONDS, f"{len(latencies)} presses, slowest {worst}"

    # What Liisa sent: each update handled, or confirmed and not handled; she was told once.
    await harness.settle(timeout=60)
    clock.advance(dt.timedelta(seconds=30))
    await harness.tick(timeout=60)
    assert [m.visible_text for m in liisa.bot_messages()].count(BUSY) == 1
    async with harness.db.session() as session:
        kinds = (
            await session.exec(
                select(RelayedMessage.content_kind, RelayedMessage.status).where(
                    RelayedMessage.sender_id == world.ids["a"]
                )
            )
        ).all()
        dropped = (
            await session.exec(
                select(InboxUpdate.update_id).where(
                    InboxUpdate.status == InboxStatus.DROPPED, InboxUpdate.chat_id == A_ID
                )
            )
        ).all()
    assert len(kinds) + len(dropped) == FLOOD
    # Kaisa got the first three pictures, every word Liisa's updates carried that was handled,
    # in order, and the rest counted in notices, not copied one by one.
    copies = [m for m in kaisa.bot_messages() if m.copied_from is not None]
    assert [m.kind for m in copies if m.kind != "text"] == ["photo", "sticker", "photo"]
    handled_words = [m.visible_text for m in copies if m.kind == "text"]
    assert handled_words == [w for w in words if w in handled_words]
    assert len(handled_words) == sum(1 for kind, _status in kinds if kind == "text")
    counted = sum(1 for _kind, status in kinds if status == RelayStatus.SUMMARISED)
    notices = [m.visible_text for m in kaisa.bot_messages() if "in a row" in m.visible_text]
    assert len(notices) <= len(handled_words) + 1
    assert sum(int(n.split(" sent ")[1].split(" ")[0]) for n in notices) == counted


@pytest.fixture
async def narrow(database_url: str, clock: ManualClock) -> AsyncIterator[Harness]:
    """A bot that lets one chat have 5 updates waiting, and all chats together 12."""
    h = await Harness.create(
        database_url=database_url,
        clock=clock,
        rate_global_per_second=1000.0,
        rate_per_chat_per_second=100.0,
        rate_per_chat_burst=100,
        updates_per_chat_max_waiting=5,
        updates_max_waiting=12,
    )
    h.sandbox.flood = FloodLimits(
        global_per_second=1000, per_chat_per_second=100, per_chat_burst=100
    )
    try:
        await h.start_bot()
        await h.settle()
        yield h
    finally:
        await h.close()


def _relayed(user: SandboxUser) -> list[str]:
    return [m.visible_text for m in user.messages if m.copied_from is not None]


async def test_a_chat_beyond_its_limit_is_confirmed_not_handled_and_asked_to_send_again(
    narrow: Harness, clock: ManualClock
) -> None:
    harness = narrow
    world = await build_world(harness, clock)
    liisa, bert, kaisa = world.a, world.b, world.x
    # Twelve messages from Liisa at once, then one from Bert: one batch.
    for n in range(1, 13):
        await liisa.send_text(f"liisa-word-{n}")
    await bert.send_text("bert-word")
    await harness.settle()

    # Liisa's first five and Bert's message are handled; the rest confirmed, not handled.
    assert harness.sandbox.pending_update_count == 0
    relayed = _relayed(kaisa)
    assert [w for w in relayed if w.startswith("liisa")] == [f"liisa-word-{n}" for n in range(1, 6)]
    assert "bert-word" in relayed and len(relayed) == 6
    answers = [m.visible_text for m in liisa.bot_messages()]
    assert answers.count(BUSY) == 1
    assert "👍" in {m.bot_reaction for m in liisa.own_messages()}
    async with harness.db.session() as session:
        dropped = (
            await session.exec(select(InboxUpdate).where(InboxUpdate.status == InboxStatus.DROPPED))
        ).all()
        assert len(dropped) == 7 and {row.chat_id for row in dropped} == {A_ID}
        # What the dropped messages said is kept nowhere.
        for n in range(6, 13):
            assert await tables_holding(session, f"liisa-word-{n}") == []
        counts = await state.get(session, key=state.INTAKE_COUNTS)
    assert counts is not None and counts["dropped"] == 7

    # More of the same within the minute: dropped again, but no second notice.
    clock.advance(dt.timedelta(seconds=59))
    for n in range(13, 25):
        await liisa.send_text(f"liisa-word-{n}")
    await harness.settle()
    assert [m.visible_text for m in liisa.bot_messages()].count(BUSY) == 1
    assert _relayed(kaisa)[-5:] == [f"liisa-word-{n}" for n in range(13, 18)]
    # A minute after the notice, the next flood gets one more.
    clock.advance(dt.timedelta(seconds=1))
    for n in range(25, 37):
        await liisa.send_text(f"liisa-word-{n}")
    await harness.settle()
    assert [m.visible_text for m in liisa.bot_messages()].count(BUSY) == 2
    # Sent again a moment later, a message is handled as usual.
    await liisa.send_text("liisa-word-36 again")
    await harness.settle()
    assert _relayed(kaisa)[-1] == "liisa-word-36 again"

    # Dropped updates are forgotten after the retention time, like handled ones.
    retention = dt.timedelta(hours=harness.settings.inbox_retention_hours)
    async with harness.db.session() as session:
        await inbox.prune(session, finished_before=clock.now() + retention)
        assert await inbox.count(session, status=InboxStatus.DROPPED) == 0


async def test_button_presses_beyond_the_limit_are_dropped_and_the_person_told(
    narrow: Harness, clock: ManualClock
) -> None:
    harness = narrow
    world = await build_world(harness, clock)
    bert = world.b
    await bert.send_text("✅ Check in")
    await harness.settle()
    question = bert.last_bot_message()
    assert question is not None
    for _ in range(8):
        await bert.press("😴 Well", message=question)
    await harness.settle()
    assert harness.sandbox.pending_update_count == 0
    assert [m.visible_text for m in bert.bot_messages()].count(BUSY) == 1
    async with harness.db.session() as session:
        assert await inbox.count(session, status=InboxStatus.DROPPED) == 3


async def test_the_total_waiting_is_bounded_without_dropping_chats_within_their_limit(
    narrow: Harness, clock: ManualClock
) -> None:
    harness = narrow
    world = await build_world(harness, clock)
    senders = [world.a, world.b, world.c]
    # Three chats with five messages each: 15 waiting would be more than 12 together.
    for user in senders:
        for n in range(5):
            await user.send_text(f"{user.first_name}-{n}")
    await harness.settle()
    # Nobody was dropped: the bot fetched no more than it had room for, and the rest later.
    assert harness.sandbox.pending_update_count == 0
    limits = [c.params.get("limit") for c in harness.sandbox.calls_to("getUpdates")]
    assert limits and all(limit is not None and int(limit) <= 12 for limit in limits)
    relayed = _relayed(world.x) + _relayed(world.y)
    assert sorted(relayed) == sorted(f"{u.first_name}-{n}" for u in senders for n in range(5))
    async with harness.db.session() as session:
        assert await inbox.count(session, status=InboxStatus.DROPPED) == 0
    assert not any(BUSY in m.visible_text for u in senders for m in u.bot_messages())


async def test_blocking_the_bot_in_a_flood_is_never_dropped(
    narrow: Harness, clock: ManualClock
) -> None:
    harness = narrow
    world = await build_world(harness, clock)
    liisa = world.a
    for n in range(8):
        await liisa.send_text(f"liisa-word-{n}")
    blocked = harness.sandbox.next_update_id
    liisa.block_bot()
    await harness.settle()
    async with harness.db.session() as session:
        row = await session.get(InboxUpdate, blocked)
        assert row is not None and row.status == InboxStatus.DONE
        assert await inbox.count(session, status=InboxStatus.DROPPED) == 3
    # Kaisa hears that Liisa cannot be reached, as after any block.
    assert any("cannot get my messages" in m.visible_text for m in world.x.bot_messages())
