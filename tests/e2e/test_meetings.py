"""Meetings with the employer, end to end: the employer proposes a time from a few buttons (or
types one), the coach confirms, the client is told, and the dispatcher reminds all three the day
before, once; the meeting is recorded and shown to the client in /consents.
"""

from __future__ import annotations

import datetime as dt

import pytest
from sqlmodel import select

from bot.devtools.harness import Harness
from bot.models.consent import DisclosedItem, Disclosure
from bot.models.placements import Meeting, MeetingStatus
from bot.runtime.clock import ManualClock
from tests.support.desk_world import Desk, build, everything, press, say
from tests.support.employer_world import linked_employer, open_card, record_placement

pytestmark = pytest.mark.asyncio


@pytest.fixture
async def desk(harness: Harness, clock: ManualClock) -> Desk:
    return await build(harness, clock.now())


async def test_a_proposed_meeting_is_confirmed_and_all_get_the_reminder(
    harness: Harness, desk: Desk, clock: ManualClock
) -> None:
    # Monday 2 March 2026, 9:00 in Helsinki.
    boss = await linked_employer(harness, desk)
    [times] = await say(harness, boss, "/meeting")
    assert "Bert" in (times.text or "")
    labels = [b.text for row in times.buttons for b in row]
    assert labels == [
        "📅 3 Mar 2026, 09:00",
        "📅 3 Mar 2026, 13:00",
        "📅 4 Mar 2026, 09:00",
        "📅 4 Mar 2026, 13:00",
        "🕒 Another time",
    ]
    before = len(desk.kaisa.bot_messages())
    await press(harness, boss, "📅 4 Mar 2026, 13:00")
    assert "Proposed: 4 Mar 2026, 13:00" in everything(boss)
    [proposal] = desk.kaisa.bot_messages()[before:]
    assert (
        "Sari Salo from Puutarha <Oy> & Co proposes a meeting about Pekka: 4 Mar 2026, 13:00"
        in (proposal.text or "")
    )
    async with harness.db.session() as session:
        [meeting] = (await session.exec(select(Meeting))).all()
    assert meeting.status == MeetingStatus.PROPOSED
    assert meeting.starts_at == dt.datetime(2026, 3, 4, 11, 0, tzinfo=dt.UTC)

    await press(harness, desk.kaisa, "✅ Confirm", message=proposal)
    assert "Meeting confirmed: 4 Mar 2026, 13:00" in everything(desk.kaisa)
    assert "📅 Meeting confirmed: 4 Mar 2026, 13:00, about Bert." in everything(boss)
    assert "A meeting about your work: 4 Mar 2026, 13:00, with your coach Kaisa" in everything(
        desk.pekka
    )
    async with harness.db.session() as session:
        [meeting] = (await session.exec(select(Meeting))).all()
        shared = (await session.exec(select(Disclosure))).all()
    assert meeting.status == MeetingStatus.CONFIRMED and meeting.confirmed_at == clock.now()
    assert DisclosedItem.MEETING in [d.what for d in shared]
    [listing] = await say(harness, desk.pekka, "/consents")
    assert "a meeting" in (listing.text or "")

    # The same button again (an old copy) changes nothing.
    before = len(desk.kaisa.bot_messages())
    await press(harness, desk.kaisa, data=f"mt:c:{meeting.id}", message=proposal)
    assert [m.text for m in desk.kaisa.bot_messages()[before:]] == ["This button no longer works."]

    # The day before: not yet at 12:59 Helsinki, then once for all three.
    counts = [len(u.bot_messages()) for u in (desk.pekka, desk.kaisa, boss)]
    clock.set(dt.datetime(2026, 3, 3, 10, 59, tzinfo=dt.UTC))
    await harness.tick()
    await harness.settle()
    assert [len(u.bot_messages()) for u in (desk.pekka, desk.kaisa, boss)] == counts
    clock.set(dt.datetime(2026, 3, 3, 11, 0, tzinfo=dt.UTC))
    await harness.tick()
    await harness.settle()
    await harness.tick()
    await harness.settle()
    reminders = [
        [m.text for m in u.bot_messages()[n:]]
        for u, n in zip((desk.pekka, desk.kaisa, boss), counts, strict=True)
    ]
    assert reminders == [
        ["⏰ Reminder: a meeting about your work at 4 Mar 2026, 13:00."],
        ["⏰ Reminder: a meeting about Pekka's work at 4 Mar 2026, 13:00."],
        ["⏰ Reminder: a meeting about Bert's work at 4 Mar 2026, 13:00."],
    ]
    async with harness.db.session() as session:
        [meeting] = (await session.exec(select(Meeting))).all()
    assert meeting.reminder_sent_at == clock.now()


async def test_a_typed_time_and_a_forged_placement(harness: Harness, desk: Desk) -> None:
    boss = await linked_employer(harness, desk)
    await say(harness, boss, "/meeting")
    await press(harness, boss, "🕒 Another time")
    [retry] = await say(harness, boss, "next week sometime")
    assert "Write the day and time like 15/1/2027 13:00" in (retry.text or "")
    await say(harness, boss, "10.3.2026 14:30")
    async with harness.db.session() as session:
        [meeting] = (await session.exec(select(Meeting))).all()
    assert meeting.starts_at == dt.datetime(2026, 3, 10, 12, 30, tzinfo=dt.UTC)
    # A made-up button for someone else's placement is refused and names nobody.
    before = len(boss.bot_messages())
    await press(harness, boss, data="mt:t:999:29600000", message=boss.last_bot_message())
    assert [m.text for m in boss.bot_messages()[before:]] == ["This is not available to you."]


async def test_the_coach_sets_a_meeting_only_when_the_employer_may_hear_of_it(
    harness: Harness, desk: Desk
) -> None:
    # Work recorded, but no yes yet: nobody at the employer can be told.
    await record_placement(harness, desk)
    await open_card(harness, desk.kaisa, "Pekka")
    await press(harness, desk.kaisa, "📅 Meeting")
    await press(harness, desk.kaisa, "📅 3 Mar 2026, 09:00")
    assert "Nobody at the employer can be told about a meeting right now" in everything(desk.kaisa)
    async with harness.db.session() as session:
        assert (await session.exec(select(Meeting))).all() == []

    boss = await linked_employer(harness, desk)
    await open_card(harness, desk.kaisa, "Pekka")
    await press(harness, desk.kaisa, "📅 Meeting")
    await press(harness, desk.kaisa, "🕒 Another time")
    await say(harness, desk.kaisa, "5.3.2026 10:00")
    assert "Meeting confirmed: 5 Mar 2026, 10:00" in everything(desk.kaisa)
    assert "📅 Meeting confirmed: 5 Mar 2026, 10:00, about Bert." in everything(boss)
    assert "A meeting about your work: 5 Mar 2026, 10:00" in everything(desk.pekka)
    async with harness.db.session() as session:
        [meeting] = (await session.exec(select(Meeting))).all()
    assert meeting.status == MeetingStatus.CONFIRMED
    assert meeting.proposed_by_id == desk.ids["kaisa"]


async def test_taking_the_consent_back_calls_off_the_meeting(
    harness: Harness, desk: Desk, clock: ManualClock
) -> None:
    boss = await linked_employer(harness, desk)
    await say(harness, boss, "/meeting")
    await press(harness, boss, "📅 3 Mar 2026, 13:00")
    await press(harness, desk.kaisa, "✅ Confirm", message=desk.kaisa.last_bot_message())
    await say(harness, desk.pekka, "/consents")
    await press(harness, desk.pekka, "🚫 Take back: Puutarha <Oy> & Co")
    async with harness.db.session() as session:
        [meeting] = (await session.exec(select(Meeting))).all()
    assert meeting.status == MeetingStatus.CANCELLED
    counts = [len(u.bot_messages()) for u in (desk.pekka, desk.kaisa, boss)]
    clock.set(meeting.starts_at - dt.timedelta(hours=2))
    await harness.tick()
    await harness.settle()
    assert [len(u.bot_messages()) for u in (desk.pekka, desk.kaisa, boss)] == counts
