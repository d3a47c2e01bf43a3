"""One update that cannot be read never stops the others: it is set aside in the inbox as it came,
counted, reported to the admins once, the person is asked to send again, and every other update
of its batch and after it is handled.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlmodel import select

from bot.devtools.harness import Harness
from bot.models.transport import InboxStatus, InboxUpdate
from bot.runtime.clock import ManualClock
from bot.sandbox import SandboxUser
from bot.services import inbox, state
from tests.support.world import A_ID, build_world

pytestmark = pytest.mark.asyncio

SORRY = (
    "Sorry, I could not read what you just sent. Please send it again, for example as plain text."
)


def _malformed_message(user: SandboxUser, text: str) -> dict[str, Any]:
    """A message whose entity lacks the offset and length python-telegram-bot requires (as if
    Telegram had changed the field)."""
    return {
        "message": {
            "message_id": 900_000 + len(text),
            "date": 1_772_434_800,
            "chat": {"id": user.chat_id, "type": "private", "first_name": user.first_name},
            "from": {
                "id": user.id,
                "is_bot": False,
                "first_name": user.first_name,
                "language_code": "en",
            },
            "text": text,
            "entities": [{"type": "bold"}],
        }
    }


def _deliveries(harness: Harness, update_id: int) -> int:
    """How many getUpdates answers carried this update."""
    return sum(
        1
        for call in harness.sandbox.calls_to("getUpdates")
        if call.response
        and any(u.get("update_id") == update_id for u in call.response.get("result") or [])
    )


async def test_an_unreadable_update_is_set_aside_and_the_rest_of_its_batch_is_handled(
    harness: Harness, clock: ManualClock
) -> None:
    world = await build_world(harness, clock)
    liisa, kaisa, aino = world.a, world.x, world.admin
    # One batch: a message, one that cannot be read, a message after it.
    await liisa.send_text("Before the broken one")
    bad = harness.sandbox.push_raw_update(_malformed_message(liisa, "Hidden words 1"))
    await liisa.send_text("After the broken one")
    await harness.settle()

    # Everything Telegram sent is confirmed: nothing is fetched again and again.
    assert harness.sandbox.pending_update_count == 0
    assert _deliveries(harness, bad["update_id"]) == 1
    # The readable messages of the batch reached the coach.
    relayed = [m.visible_text for m in kaisa.messages if m.copied_from]
    assert relayed == ["Before the broken one", "After the broken one"]
    # Liisa is asked to send again what could not be read.
    assert [m.visible_text for m in liisa.bot_messages()].count(SORRY) == 1
    # The update is kept as it came, for inspection; counted.
    async with harness.db.session() as session:
        row = await session.get(InboxUpdate, bad["update_id"])
        assert row is not None and row.status == InboxStatus.UNREADABLE
        assert row.payload == bad and row.user_id == A_ID and row.chat_id == A_ID
        assert await inbox.count(session, status=InboxStatus.UNREADABLE) == 1
        counts = await state.get(session, key=state.INTAKE_COUNTS)
    assert counts is not None and counts["unreadable"] == 1
    # The admins are told once, without anything the update carried.
    reports = [m.visible_text for m in aino.bot_messages()]
    assert len(reports) == 1
    assert "could not read" in reports[0] and str(bad["update_id"]) in reports[0]
    assert "Hidden words" not in reports[0]
    assert not any("could not read" in m.visible_text for m in kaisa.bot_messages())


async def test_an_unreadable_update_last_in_its_batch_or_alone_does_not_block_what_follows(
    harness: Harness, clock: ManualClock
) -> None:
    world = await build_world(harness, clock)
    liisa, kaisa, aino = world.a, world.x, world.admin
    await liisa.send_text("Hello")
    last = harness.sandbox.push_raw_update(_malformed_message(liisa, "Hidden words 2"))
    await harness.settle()
    alone = harness.sandbox.push_raw_update({"message": "not an object at all"})
    await harness.settle()
    # Ten minutes later one more that cannot be read, this one from a stranger's group.
    clock.advance(dt.timedelta(minutes=10))
    group = harness.sandbox.push_raw_update(
        {"callback_query": {"id": "77", "from": {"id": 5}, "chat_instance": "x"}}
    )
    await liisa.send_text("Still there?")
    await harness.settle()

    assert harness.sandbox.pending_update_count == 0
    for update in (last, alone, group):
        assert _deliveries(harness, update["update_id"]) == 1
    relayed = [m.visible_text for m in kaisa.messages if m.copied_from]
    assert relayed == ["Hello", "Still there?"]
    async with harness.db.session() as session:
        rows = (
            await session.exec(
                select(InboxUpdate.update_id).where(InboxUpdate.status == InboxStatus.UNREADABLE)
            )
        ).all()
    assert sorted(rows) == sorted(u["update_id"] for u in (last, alone, group))
    # One report at once; the later ones are folded into one report an hour after the first.
    [first] = [m.visible_text for m in aino.bot_messages()]
    assert "1 update that I could not read" in first and f"(update {last['update_id']})" in first
    clock.advance(dt.timedelta(minutes=49))
    await harness.tick()
    assert len(aino.bot_messages()) == 1
    clock.advance(dt.timedelta(minutes=1))
    await harness.tick()
    reports = [m.visible_text for m in aino.bot_messages()]
    assert len(reports) == 2
    assert "2 updates that I could not read" in reports[1]
    assert f"(updates {alone['update_id']}, {group['update_id']})" in reports[1]
    # Liisa was asked once; nobody could be asked about the others.
    assert [m.visible_text for m in liisa.bot_messages()].count(SORRY) == 1


async def test_unreadable_updates_are_forgotten_after_the_retention_time(
    harness: Harness, clock: ManualClock
) -> None:
    world = await build_world(harness, clock)
    bad = harness.sandbox.push_raw_update(_malformed_message(world.a, "Hidden words 3"))
    await harness.settle()
    retention = dt.timedelta(hours=harness.settings.inbox_retention_hours)
    async with harness.db.session() as session:
        assert await inbox.prune(session, finished_before=clock.now()) == 0
        assert await inbox.prune(session, finished_before=clock.now() + retention) == 1
        assert await session.get(InboxUpdate, bad["update_id"]) is None
        counts = await state.get(session, key=state.INTAKE_COUNTS)
    assert counts is not None and counts["unreadable"] == 1
