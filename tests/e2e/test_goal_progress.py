"""Goal progress end to end, clock injected: the weekly question comes on a check-in day, one goal
question a day at most; "stuck" flags the coach once and takes a smaller step; "reached" is
celebrated and told to the coach; a passed date is raised once, gently.
"""

from __future__ import annotations

import datetime as dt

import pytest
from sqlmodel import col, select

from bot.devtools.harness import Harness
from bot.models.flags import Flag, FlagKind
from bot.models.goals import Goal, GoalEvent, GoalEventKind, GoalStatus, GoalStep
from bot.runtime.clock import ManualClock
from bot.sandbox import SandboxMessage, SandboxUser
from bot.services import schedules
from tests.support.actors import everything, last_text, press, say
from tests.support.moments import utc
from tests.support.world import Desk, build

pytestmark = pytest.mark.asyncio
QUESTION = "🎯 How is your goal going?"


@pytest.fixture
async def desk(harness: Harness, clock: ManualClock) -> Desk:
    clock.set(utc(2026, 3, 2, 6, 0))  # Monday 2 March, 08:00 in Helsinki
    built = await build(harness, clock.now())
    async with harness.db.session() as session:
        # Liisa checks in at 9.00 on weekdays: goal questions come on those days only.
        await schedules.set_single_time(
            session,
            client_id=built.ids["liisa"],
            local_time=dt.time(9, 0),
            timezone="Europe/Helsinki",
            now=clock.now(),
            weekdays="12345",
        )
    return built


async def _at(harness: Harness, clock: ManualClock, when: dt.datetime) -> None:
    clock.set(when)
    await harness.tick()


def _questions(user: SandboxUser) -> list[str]:
    return [m.text or "" for m in user.bot_messages() if (m.text or "").startswith(QUESTION)]


def _asked(user: SandboxUser) -> SandboxMessage:
    """The latest goal question (the check-in's own message may be newer)."""
    return [m for m in user.bot_messages() if (m.text or "").startswith(QUESTION)][-1]


async def _add(harness: Harness, user: SandboxUser, area: str, example: str, date: str) -> None:
    await say(harness, user, "/goal")
    await press(harness, user, area)
    await press(harness, user, example)
    await press(harness, user, date)


async def _goals(harness: Harness, client_id: int) -> list[Goal]:
    async with harness.db.session() as session:
        rows = await session.exec(
            select(Goal).where(Goal.client_id == client_id).order_by(col(Goal.id))
        )
        return list(rows.all())


async def test_weekly_question_on_check_in_days_stuck_flags_once_and_reached_is_celebrated(
    harness: Harness, clock: ManualClock, desk: Desk
) -> None:
    liisa, kaisa = desk.liisa, desk.kaisa
    await _add(harness, liisa, "🏠 Everyday life", "A regular daily rhythm", "➖ No date")
    await _add(harness, liisa, "💼 Finding work", "Writing my CV", "➖ No date")

    # Nothing during the first week (Saturday and Sunday have no check-in either).
    for day in range(2, 9):
        await _at(harness, clock, utc(2026, 3, day, 7, 0))
        await _at(harness, clock, utc(2026, 3, day, 12, 0))
    assert _questions(liisa) == []

    # Monday 9 March, with the check-in: one goal question, not two.
    await _at(harness, clock, utc(2026, 3, 9, 6, 59))
    assert _questions(liisa) == []
    await _at(harness, clock, utc(2026, 3, 9, 7, 0))
    assert _questions(liisa) == [f"{QUESTION}\n\n“A regular daily rhythm”"]
    await _at(harness, clock, utc(2026, 3, 9, 15, 0))
    assert len(_questions(liisa)) == 1

    # Stuck: the client may tell the coach and write a smaller step.
    await press(harness, liisa, "🧱 Stuck", message=_asked(liisa))
    shown = liisa.last_bot_message()
    assert shown is not None and "Being stuck happens to everyone" in (shown.text or "")
    await press(harness, liisa, "✏️ Write a smaller step")
    await say(harness, liisa, "Bed by 23.00 on Sunday")
    await press(harness, liisa, data=f"gl:tc:{(await _goals(harness, desk.ids['liisa']))[0].id}")
    assert "✓ I told your coach." in last_text(liisa)
    # Tuesday: the second goal's turn (it waited for the next check-in day).
    # The flag waits for the coach's working hours (it is evening), then comes once.
    await _at(harness, clock, utc(2026, 3, 10, 7, 0))
    stuck = [m for m in kaisa.bot_messages() if "is stuck with a goal" in (m.text or "")]
    assert [m.text.split("\n")[0] for m in stuck] == [  # type: ignore[union-attr]
        "🚩 Liisa <L&L>: is stuck with a goal and would like help."
    ]
    assert _questions(liisa)[1:] == [f"{QUESTION}\n\n“Writing my CV”"]
    await press(harness, liisa, "🏆 Reached!", message=_asked(liisa))
    celebration = liisa.last_bot_message()
    assert celebration is not None
    assert "🏆 You reached your goal “Writing my CV”!" in (celebration.text or "")
    assert "Be proud of yourself" in (celebration.text or "")
    await harness.settle()
    assert any(
        "🏆 Liisa <L&L> reached a goal: “Writing my CV”" in (m.text or "")
        for m in kaisa.bot_messages()
    )

    # A week later the first goal is asked again; stuck again, the open flag is not repeated.
    for day in (11, 12, 13, 14, 15):
        await _at(harness, clock, utc(2026, 3, day, 7, 0))
    assert len(_questions(liisa)) == 2
    await _at(harness, clock, utc(2026, 3, 16, 7, 0))
    assert len(_questions(liisa)) == 3
    await press(harness, liisa, "🧱 Stuck", message=_asked(liisa))
    await press(harness, liisa, "📞 Tell my coach")
    await _at(harness, clock, utc(2026, 3, 16, 9, 0))
    stuck = [m for m in kaisa.bot_messages() if "is stuck with a goal" in (m.text or "")]
    assert len(stuck) == 1
    async with harness.db.session() as session:
        flags = (await session.exec(select(Flag).where(Flag.kind == FlagKind.GOAL_STUCK))).all()
        steps = (await session.exec(select(GoalStep))).all()
        events = (await session.exec(select(GoalEvent.kind).order_by(col(GoalEvent.id)))).all()
    assert len(flags) == 1 and flags[0].client_id == desk.ids["liisa"]
    assert [s.title for s in steps] == ["Bed by 23.00 on Sunday"]
    assert events.count(GoalEventKind.STUCK) == 2 and events.count(GoalEventKind.REACHED) == 1
    # The reached goal is asked about no more: Tuesday passes without a question.
    await _at(harness, clock, utc(2026, 3, 17, 7, 0))
    assert len(_questions(liisa)) == 3
    goals = await _goals(harness, desk.ids["liisa"])
    assert [g.status for g in goals] == [GoalStatus.AGREED, GoalStatus.REACHED]


async def test_a_passed_target_date_is_raised_once_gently(
    harness: Harness, clock: ManualClock, desk: Desk
) -> None:
    liisa = desk.liisa
    await _add(harness, liisa, "📚 Learning new skills", "A hot-work card", "📅 In a month")
    (goal,) = await _goals(harness, desk.ids["liisa"])
    assert goal.target_date == dt.date(2026, 4, 2)
    # Answer the weekly questions until the date passes (Thursday 2 April).
    for day in (9, 16, 23, 30):
        await _at(harness, clock, utc(2026, 3, day, 6, 0))
        await _at(harness, clock, utc(2026, 3, day, 7, 0))
        await press(harness, liisa, "🙂 Some progress", message=_asked(liisa))
    assert len(_questions(liisa)) == 4
    # Summer time from 29 March: 9.00 in Helsinki is 6.00 UTC.
    await _at(harness, clock, utc(2026, 4, 2, 6, 0))  # the date itself: nothing yet
    await _at(harness, clock, utc(2026, 4, 3, 5, 59))
    assert "has passed" not in everything(liisa)
    await _at(harness, clock, utc(2026, 4, 3, 6, 0))  # Friday's check-in
    raised = liisa.last_bot_message()
    assert raised is not None
    assert "The date you set for your goal “A hot-work card” has passed." in (raised.text or "")
    assert "That is okay. Plans change" in (raised.text or "")
    assert "fail" not in (raised.text or "").casefold()
    assert [b.text for row in raised.buttons for b in row] == [
        "📅 In a month",
        "📅 In three months",
        "▶️ Keep going, no date",
        "🌿 Let it go",
    ]
    await press(harness, liisa, "📅 In a month")
    (goal,) = await _goals(harness, desk.ids["liisa"])
    assert goal.target_date == dt.date(2026, 5, 3)
    async with harness.db.session() as session:
        raised_events = (
            await session.exec(
                select(GoalEvent).where(GoalEvent.kind == GoalEventKind.OVERDUE_RAISED)
            )
        ).all()
    assert len(raised_events) == 1
    # Only once: the following days bring no second word about the old date.
    for day in (6, 7, 8):
        await _at(harness, clock, utc(2026, 4, day, 7, 0))
    assert everything(liisa).count("has passed") == 1


async def test_the_client_chooses_how_often_the_question_comes(
    harness: Harness, clock: ManualClock, desk: Desk
) -> None:
    liisa = desk.liisa
    await _add(harness, liisa, "🤝 Work and coping with tasks", "Being on time", "➖ No date")
    await say(harness, liisa, "/goals")
    await press(harness, liisa, "🎯 Being on time")
    assert "I ask how it goes: Every week" in last_text(liisa)
    await press(harness, liisa, "⏱️ How often")
    await press(harness, liisa, "📆 Every two weeks")
    assert "I ask how it goes: Every two weeks" in last_text(liisa)
    (goal,) = await _goals(harness, desk.ids["liisa"])
    assert goal.progress_every_days == 14
    for day in (9, 10, 11, 12, 13):  # the week that would have had a weekly question
        await _at(harness, clock, utc(2026, 3, day, 7, 0))
    assert _questions(liisa) == []
    await _at(harness, clock, utc(2026, 3, 16, 7, 0))
    assert _questions(liisa) == [f"{QUESTION}\n\n“Being on time”"]
