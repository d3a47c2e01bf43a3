"""The line between client and coach, end to end: what a client sends reaches their coach (a
header and a protected copy), the coach's answers reach the client, edits follow, and nothing is
lost while the coach cannot be reached.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest
from sqlmodel import col, select

from bot.devtools.demo_seed import DemoPeople, seed
from bot.devtools.harness import Harness
from bot.models.messaging import RelayDirection, RelayedMessage, RelayStatus
from bot.runtime.clock import ManualClock
from bot.sandbox import FaultKind, SandboxMessage, SandboxUser
from bot.services import handover, people

pytestmark = pytest.mark.asyncio


@dataclass
class Line:
    coach: SandboxUser
    client: SandboxUser
    ids: DemoPeople


@pytest.fixture
async def line(harness: Harness, clock: ManualClock) -> AsyncIterator[Line]:
    coach = harness.sandbox.add_user(first_name="Kaisa", language_code="en")
    client = harness.sandbox.add_user(first_name="Lisu", language_code="en")
    harness.sandbox.mark_started(coach.id)
    harness.sandbox.mark_started(client.id)
    async with harness.db.session() as session:
        ids = await seed(
            session,
            coach_telegram_id=coach.id,
            coach_name="Kaisa Virtanen",
            client_telegram_id=client.id,
            client_name="Liisa <L&L>",
            organisation_name="Työpaja",
            locale="en",
            timezone="Europe/Helsinki",
            now=clock.now(),
        )
    yield Line(coach, client, ids)


def _new(user: SandboxUser, before: int) -> list[SandboxMessage]:
    return user.bot_messages()[before:]


async def test_what_a_client_sends_reaches_the_coach(harness: Harness, line: Line) -> None:
    coach, client = line.coach, line.client
    await client.send_text("Hi! I got the job interview <3 & I'm nervous")
    await harness.settle()
    header, copy = coach.bot_messages()
    assert header.text == "💬 Message from Liisa <L&L>:"
    assert header.button_labels == ["↩️ Reply"]
    assert copy.text == "Hi! I got the job interview <3 & I'm nervous"
    assert copy.protect_content and copy.copied_from is not None
    assert client.own_messages()[-1].bot_reaction == "👍"
    assert client.bot_messages() == [], "a reaction, not a message of its own"

    # More in a row: no new header and no new confirmation, but every piece arrives.
    before_coach, before_client = len(coach.bot_messages()), len(client.bot_messages())
    await client.send_photo(caption="my CV")
    await client.send_voice(duration=4)
    await client.send_sticker(emoji="😊")
    await harness.settle()
    kinds = [m.kind for m in _new(coach, before_coach)]
    assert kinds == ["photo", "voice", "sticker"]
    assert all(m.protect_content for m in _new(coach, before_coach))
    assert _new(client, before_client) == []

    async with harness.db.session() as session:
        rows = (await session.exec(select(RelayedMessage).order_by(col(RelayedMessage.id)))).all()
    assert [r.content_kind for r in rows] == ["text", "photo", "voice", "sticker"]
    assert rows[0].text == "Hi! I got the job interview <3 & I'm nervous"
    assert all(r.copy_message_id and r.status == RelayStatus.DELIVERED for r in rows)
    assert rows[0].header_message_id == header.message_id


async def test_the_coach_answers_by_reply_and_by_the_reply_button(
    harness: Harness, line: Line
) -> None:
    coach, client = line.coach, line.client
    await client.send_text("Can we meet on Friday?")
    await harness.settle()
    header, copy = coach.bot_messages()

    await coach.send_text("Yes, at 10 <b>sharp</b>!", reply_to=copy)
    await harness.settle()
    assert client.bot_messages()[-1].text == "💬 Kaisa:\nYes, at 10 <b>sharp</b>!"
    assert coach.bot_messages()[-1].text == "✓ Sent to Liisa <L&L>."

    await coach.press("↩️ Reply", message=header)
    await harness.settle()
    assert coach.bot_messages()[-1].text == "Write your answer to Liisa <L&L>. /cancel stops."
    await coach.send_photo(caption="the map")
    await harness.settle()
    got = client.bot_messages()[-2:]
    # Right after Kaisa's last message no header is needed: the photo simply follows it.
    assert got[0].text == "💬 Kaisa:\nYes, at 10 <b>sharp</b>!" and got[1].kind == "photo"
    assert got[1].protect_content

    # Replying to the header works as well as to the copy.
    await coach.send_text("See you!", reply_to=header)
    await harness.settle()
    assert client.bot_messages()[-1].text == "💬 Kaisa:\nSee you!"


async def test_edits_are_passed_on_marked_as_edited(harness: Harness, line: Line) -> None:
    coach, client = line.coach, line.client
    sent = await client.send_text("I am late 5 min")
    await harness.settle()
    await client.edit_text(sent, "I am late 15 min")
    await harness.settle()
    assert coach.bot_messages()[-1].text == "✏️ Liisa <L&L> edited a message:\nI am late 15 min"


async def test_a_coachs_stray_message_asks_whom_it_is_for(harness: Harness, line: Line) -> None:
    coach, client = line.coach, line.client
    await coach.send_text("Remember the meeting tomorrow!")
    await harness.settle()
    question = coach.bot_messages()[-1]
    assert question.text is not None and question.text.startswith("Who is this message for?")
    assert question.button_labels == ["👤 Liisa <L&L>"]
    pressed = question.buttons[0][0].callback_data
    await coach.press("👤 Liisa <L&L>")
    await harness.settle()
    assert client.bot_messages()[-1].text == "💬 Kaisa:\nRemember the meeting tomorrow!"
    assert coach.bot_messages()[-1].text == "✓ Sent to Liisa <L&L>."
    # The same button again (from an old screen) does nothing more.
    await coach.press(data=pressed, message=question)
    await harness.settle()
    assert [m.text for m in client.bot_messages()].count(
        "💬 Kaisa:\nRemember the meeting tomorrow!"
    ) == 1


async def test_messages_wait_for_an_unreachable_coach_and_arrive_once(
    harness: Harness, line: Line
) -> None:
    coach, client = line.coach, line.client
    coach.block_bot()
    await harness.settle()
    await client.send_text("Are you there?")
    await client.send_voice(duration=2)
    await harness.settle()
    assert client.bot_messages()[-1].text == (
        "Kaisa cannot be reached right now. Your message is saved, and Kaisa gets it when "
        "they are back."
    )
    assert coach.bot_messages() == []
    async with harness.db.session() as session:
        rows = (await session.exec(select(RelayedMessage))).all()
    assert {r.status for r in rows} == {RelayStatus.HELD}

    # The coach comes back: everything arrives, once, and /inbox lists it.
    coach.unblock_bot()
    await coach.send_text("/inbox")
    await harness.settle()
    texts = [m.text for m in coach.bot_messages()]
    assert texts.count("Are you there?") == 1
    assert [m.kind for m in coach.bot_messages()].count("voice") == 1
    inbox = next(t for t in texts if t and t.startswith("Messages from your clients"))
    assert "Are you there?" in inbox and "[voice message]" in inbox
    assert "Liisa &lt;L&amp;L&gt;" not in inbox and "Liisa <L&L>" in inbox
    assert client.bot_messages()[-1].text == "✓ Kaisa got your message now."
    async with harness.db.session() as session:
        rows = (await session.exec(select(RelayedMessage))).all()
    assert {r.status for r in rows} == {RelayStatus.DELIVERED}
    assert all(r.direction == RelayDirection.CLIENT_TO_COACH and r.read_at for r in rows)


async def test_after_a_transfer_the_old_coach_sees_nothing_and_edits_reach_the_new_one(
    harness: Harness, line: Line, clock: ManualClock
) -> None:
    coach, client = line.coach, line.client
    sent = await client.send_text("My first week went well")
    await harness.settle()
    newcomer = harness.sandbox.add_user(first_name="Matti", language_code="en")
    harness.sandbox.mark_started(newcomer.id)
    async with harness.db.session() as session:
        matti = await people.add_coach(
            session,
            telegram_user_id=newcomer.id,
            name="Matti Mäki",
            organisation_name="Työpaja",
            now=clock.now(),
            timezone="Europe/Helsinki",
            locale="en",
        )
        assert matti.id is not None
        await handover.transfer(
            session,
            from_coach_id=line.ids.coach_id,
            to_coach_id=matti.id,
            client_ids=[line.ids.client_id],
            now=clock.now(),
            actor_id=line.ids.coach_id,
        )
    await coach.send_text("/inbox")
    await harness.settle()
    assert coach.bot_messages()[-1].text == "No messages from clients yet."

    before_old, before_new = len(coach.bot_messages()), len(newcomer.bot_messages())
    await client.edit_text(sent, "My first week went really well")
    await harness.settle()
    assert coach.bot_messages()[before_old:] == []
    edits = [m.text or "" for m in newcomer.bot_messages()[before_new:]]
    assert any("edited a message:\nMy first week went really well" in t for t in edits)


async def test_every_message_to_the_coach_gets_a_quiet_sign_or_a_tick(
    harness: Harness, line: Line
) -> None:
    coach, client = line.coach, line.client
    sent = [
        await client.send_text("Good morning"),
        await client.send_photo("my timesheet"),
        await client.send_voice(),
        await client.send_text("Good morning"),  # the same words again are a sign too
    ]
    await harness.settle()
    assert [m.bot_reaction for m in sent] == ["👍", "👍", "👍", "👍"]
    assert client.bot_messages() == []
    assert len(coach.bot_messages()) >= 4
    # Where Telegram does not allow the reaction, a short tick in words instead.
    harness.sandbox.fail_next(1, FaultKind.BAD_REQUEST, methods="setMessageReaction")
    refused = await client.send_text("Are you there?")
    await harness.settle()
    assert refused.bot_reaction is None
    assert client.bot_messages()[-1].text == "✓ Sent to Kaisa."
