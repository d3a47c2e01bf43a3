"""Daily limits per person: an employer contact's /ask and /meeting and a coach's /invite stop at
the configured number in 24 hours with a clear answer saying when they may go on, and work again
when that time has come.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator

import pytest
from sqlmodel import select

from bot.devtools.harness import Harness
from bot.models.invites import Invite
from bot.models.messaging import RelayDirection, RelayedMessage
from bot.models.placements import Meeting
from bot.runtime.clock import ManualClock
from bot.sandbox import FloodLimits
from tests.support.desk_world import Desk, build, everything, press, say
from tests.support.employer_world import linked_employer

pytestmark = pytest.mark.asyncio


@pytest.fixture
async def limited(database_url: str, clock: ManualClock) -> AsyncIterator[Harness]:
    """The bot with small daily limits (Telegram's sending limits lifted, as in `harness`)."""
    h = await Harness.create(
        database_url=database_url,
        clock=clock,
        rate_global_per_second=1000.0,
        rate_per_chat_per_second=100.0,
        rate_per_chat_burst=100,
        employer_asks_per_day=2,
        employer_meetings_per_day=2,
        coach_invites_per_day=3,
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


@pytest.fixture
async def desk(limited: Harness, clock: ManualClock) -> Desk:
    return await build(limited, clock.now())


async def _questions(harness: Harness) -> int:
    async with harness.db.session() as session:
        rows = await session.exec(
            select(RelayedMessage.id).where(
                RelayedMessage.direction == RelayDirection.EMPLOYER_TO_COACH
            )
        )
        return len(rows.all())


async def test_an_employer_asks_as_often_as_the_day_allows_and_is_told_when_again(
    limited: Harness, desk: Desk, clock: ManualClock
) -> None:
    harness = limited
    boss = await linked_employer(harness, desk)
    clock.advance(dt.timedelta(hours=1))  # Monday 10:00 in Helsinki
    for n in range(2):
        await say(harness, boss, "/ask")
        [sent] = await say(harness, boss, f"Question number {n + 1}")
        assert "Sent to the job coach" in (sent.text or "")
        clock.advance(dt.timedelta(minutes=30))
    # The third: refused before anything is typed, saying until when.
    [refused] = await say(harness, boss, "/ask")
    assert refused.text == (
        "You can send the job coaching 2 questions a day, and today's are sent. You can ask "
        "again after 3 Mar 2026, 10:00. If it is urgent, please call the job coaching."
    )
    # The next text is not taken as a question.
    await say(harness, boss, "Question number 3")
    assert "Question number 3" not in everything(desk.kaisa)
    assert await _questions(harness) == 2
    # A day after the first question, one more may go.
    clock.set(dt.datetime(2026, 3, 3, 8, 0, tzinfo=dt.UTC))
    [prompt] = await say(harness, boss, "/ask")
    assert "Write your question" in (prompt.text or "")
    await say(harness, boss, "Question number 4")
    assert "Question number 4" in everything(desk.kaisa)
    assert await _questions(harness) == 3
    [refused] = await say(harness, boss, "/ask")
    assert "You can ask again after 3 Mar 2026, 10:30." in (refused.text or "")


async def test_an_employer_proposes_as_many_meetings_as_the_day_allows(
    limited: Harness, desk: Desk, clock: ManualClock
) -> None:
    harness = limited
    boss = await linked_employer(harness, desk)
    for label in ("📅 3 Mar 2026, 09:00", "📅 3 Mar 2026, 13:00"):
        await say(harness, boss, "/meeting")
        await press(harness, boss, label)
    assert everything(boss).count("Proposed:") == 2
    # Times offered before the limit was reached cannot go past it either.
    [times] = await say(harness, boss, "/meeting")
    assert "When?" not in (times.text or "")
    assert times.text == (
        "You can propose 2 meetings a day, and today's are proposed. "
        "You can propose more after 3 Mar 2026, 09:00."
    )
    async with harness.db.session() as session:
        assert len((await session.exec(select(Meeting))).all()) == 2
    clock.advance(dt.timedelta(days=1))
    [times] = await say(harness, boss, "/meeting")
    assert "When?" in (times.text or "")


async def test_an_old_times_message_cannot_go_past_the_meeting_limit(
    limited: Harness, desk: Desk
) -> None:
    harness = limited
    boss = await linked_employer(harness, desk)
    [first] = await say(harness, boss, "/meeting")
    [second] = await say(harness, boss, "/meeting")
    [third] = await say(harness, boss, "/meeting")
    await press(harness, boss, "📅 3 Mar 2026, 09:00", message=first)
    await press(harness, boss, "📅 3 Mar 2026, 13:00", message=second)
    await press(harness, boss, "📅 4 Mar 2026, 09:00", message=third)
    assert everything(boss).count("Proposed:") == 2
    assert "You can propose 2 meetings a day" in everything(boss)
    async with harness.db.session() as session:
        assert len((await session.exec(select(Meeting))).all()) == 2


async def test_a_coach_makes_as_many_invite_links_as_the_day_allows(
    limited: Harness, desk: Desk, clock: ManualClock
) -> None:
    harness = limited
    kaisa = desk.kaisa
    for name in ("Anna", "Ben", "Cai"):
        [made] = await say(harness, kaisa, f"/invite {name}")
        assert "one-time invite link" in (made.text or "")
    [refused] = await say(harness, kaisa, "/invite Dora")
    assert refused.text == (
        "You can make 3 invite links a day, and today's are made. You can make more after "
        "3 Mar 2026, 09:00. /invites lists your open links."
    )
    async with harness.db.session() as session:
        assert len((await session.exec(select(Invite))).all()) == 3
    clock.advance(dt.timedelta(days=1))
    [made] = await say(harness, kaisa, "/invite Dora")
    assert "one-time invite link for Dora" in (made.text or "")
