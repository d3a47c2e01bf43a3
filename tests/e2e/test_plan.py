"""The plan on a continuum, end to end: the coach sets the emphasis from the client card with a
reason, twice and more; /plan shows the client the latest in plain words and the history keeps
every change; the next check-in's questions follow the emphasis, also back to everyday life.
"""

from __future__ import annotations

import datetime as dt

import pytest
from sqlmodel import col, select

from bot.devtools.harness import Harness
from bot.models.checkins import Checkin
from bot.models.coaching import GoalArea, PlanEmphasis
from bot.runtime.clock import ManualClock
from bot.sandbox import SandboxUser
from bot.services import schedules
from tests.support.actors import everything, labels, last_text, press, say
from tests.support.moments import utc
from tests.support.world import Desk, build

pytestmark = pytest.mark.asyncio


@pytest.fixture
async def desk(harness: Harness, clock: ManualClock) -> Desk:
    clock.set(utc(2026, 3, 2, 6, 0))  # Monday 2 March, 08:00 in Helsinki
    built = await build(harness, clock.now())
    async with harness.db.session() as session:
        await schedules.set_single_time(
            session,
            client_id=built.ids["liisa"],
            local_time=dt.time(9, 0),
            timezone="Europe/Helsinki",
            now=clock.now(),
            weekdays="1234567",
        )
    return built


async def _open_plan(harness: Harness, coach: SandboxUser, client: str) -> None:
    await say(harness, coach, "/clients")
    await press(harness, coach, f"👤 {client}")
    await press(harness, coach, "📊 Plan")


async def _set(harness: Harness, coach: SandboxUser, area: str, level: str) -> None:
    await press(harness, coach, area)
    await press(harness, coach, level)


async def _latest_checkin(harness: Harness, client_id: int) -> Checkin:
    async with harness.db.session() as session:
        rows = await session.exec(
            select(Checkin).where(Checkin.client_id == client_id).order_by(col(Checkin.id).desc())
        )
        found = rows.first()
    assert found is not None
    return found


async def test_the_emphasis_changes_twice_plan_shows_the_latest_and_checkins_follow(
    harness: Harness, clock: ManualClock, desk: Desk
) -> None:
    kaisa, liisa = desk.kaisa, desk.liisa
    shown = await say(harness, liisa, "/plan")
    assert "📊 Your plan has no emphasis yet." in (shown[-1].text or "")

    await _open_plan(harness, kaisa, "Liisa <L&L>")
    screen = kaisa.last_bot_message()
    assert screen is not None
    assert "No emphasis set yet" in (screen.text or "")
    assert "🏠 Everyday life ☆☆☆☆" in labels(screen)

    # The first change: work and functional capacity to moderate, with a common reason.
    await _set(harness, kaisa, "🤝 Work and coping with tasks ☆☆☆☆", "★★☆☆ moderate")
    await press(harness, kaisa, "Agreed together in a meeting")
    assert "🤝 Work and coping with tasks: ★★☆☆ moderate" in last_text(kaisa)
    assert "📊 Your plan changed: 🤝 Work and coping with tasks – some." in everything(liisa)

    # Monday's check-in asks about the day's tasks too.
    clock.set(utc(2026, 3, 2, 7, 0))
    await harness.tick()
    checkin = await _latest_checkin(harness, desk.ids["liisa"])
    assert checkin.questions == ["sleep", "got_up", "mood", "day", "tasks", "note"]
    for label in ("😴 Well", "✅ Yes", "🙂 Good", "🛠️ Work or workshop"):
        await press(harness, liisa, label)
    assert "How did your tasks go today?" in last_text(liisa)
    await press(harness, liisa, "😐 Partly")
    await press(harness, liisa, "✅ No, that is all")
    checkin = await _latest_checkin(harness, desk.ids["liisa"])
    assert checkin.extra_answers["tasks"] == "partly"
    assert checkin.status == "answered"
    assert "Tasks: 😐 Partly" in last_text(liisa)

    # The second change: employment to slight, with a reason typed by the coach.
    clock.set(utc(2026, 3, 2, 12, 0))
    await _open_plan(harness, kaisa, "Liisa <L&L>")
    await _set(harness, kaisa, "💼 Finding work ☆☆☆☆", "★☆☆☆ slight")
    await press(harness, kaisa, "✏️ Another reason")
    await say(harness, kaisa, "Wants to try a <work trial>")
    plan_now = kaisa.last_bot_message()
    assert plan_now is not None
    assert "💼 Finding work: ★☆☆☆ slight" in (plan_now.text or "")
    assert "Wants to try a <work trial>" in (plan_now.text or "")

    # The card shows the plan at a glance.
    await say(harness, kaisa, "/clients")
    await press(harness, kaisa, "👤 Liisa <L&L>")
    assert (
        "📊 Plan: everyday life –, work capacity ★★, skills –, finding work ★, coping at work –"
        in last_text(kaisa)
    )

    shown = await say(harness, liisa, "/plan")
    text = shown[-1].text or ""
    assert "🤝 Work and coping with tasks: ★★☆☆ some" in text
    assert "💼 Finding work: ★☆☆☆ a little" in text
    assert "🏠 Everyday life: ☆☆☆☆ not now" in text
    assert "Agreed together in a meeting" in text and "Wants to try a <work trial>" in text
    async with harness.db.session() as session:
        history = (await session.exec(select(PlanEmphasis).order_by(col(PlanEmphasis.id)))).all()
    assert [(h.area, h.level, h.set_by_id) for h in history] == [
        (GoalArea.WORK_CAPACITY, 2, desk.ids["kaisa"]),
        (GoalArea.EMPLOYMENT, 1, desk.ids["kaisa"]),
    ]
    assert [h.created_at for h in history] == [utc(2026, 3, 2, 6, 0), utc(2026, 3, 2, 12, 0)]

    # Tuesday's check-in follows both: tasks and job-search steps.
    clock.set(utc(2026, 3, 3, 7, 0))
    await harness.tick()
    checkin = await _latest_checkin(harness, desk.ids["liisa"])
    assert checkin.questions == ["sleep", "got_up", "mood", "day", "tasks", "job_search", "note"]
    for label in ("😴 Well", "✅ Yes", "🙂 Good", "🏠 At home", "➖ No tasks today"):
        await press(harness, liisa, label)
    await press(harness, liisa, "🔎 I looked at job ads")
    checkin = await _latest_checkin(harness, desk.ids["liisa"])
    assert checkin.extra_answers["job_search"] == "searched"

    # Back towards everyday life: a normal change, and the check-in is the rhythm again.
    clock.set(utc(2026, 3, 3, 12, 0))
    await _open_plan(harness, kaisa, "Liisa <L&L>")
    await _set(harness, kaisa, "💼 Finding work ★☆☆☆", "☆☆☆☆ none")
    await press(harness, kaisa, "More room for everyday life now")
    await _set(harness, kaisa, "🤝 Work and coping with tasks ★★☆☆", "☆☆☆☆ none")
    await press(harness, kaisa, "The life situation changed")
    await _set(harness, kaisa, "🏠 Everyday life ☆☆☆☆", "★★★☆ significant")
    await press(harness, kaisa, "More room for everyday life now")
    clock.set(utc(2026, 3, 4, 7, 0))
    await harness.tick()
    checkin = await _latest_checkin(harness, desk.ids["liisa"])
    assert checkin.questions == ["sleep", "got_up", "mood", "day", "note"]
    shown = await say(harness, liisa, "/plan")
    assert "🏠 Everyday life: ★★★☆ a lot" in (shown[-1].text or "")
    assert "back" not in everything(liisa).replace("Back", "").casefold()


async def test_only_the_clients_coach_sets_the_plan(harness: Harness, desk: Desk) -> None:
    olli, liisa, pekka = desk.olli, desk.liisa, desk.pekka
    client = desk.ids["liisa"]
    [listing] = await say(harness, olli, "/clients")
    for data in (f"pl:v:{client}", f"pl:r:{client}:2:3:a", f"pl:t:{client}:4:1"):
        before = len(olli.bot_messages())
        await press(harness, olli, data=data, message=listing)
        assert "This is not available to you." in olli.bot_messages()[before:][-1].text  # type: ignore[operator]
    await say(harness, pekka, "/goals")
    await press(harness, pekka, data=f"pl:r:{client}:2:3:a")
    assert "This is not available to you." in last_text(pekka)
    async with harness.db.session() as session:
        assert (await session.exec(select(PlanEmphasis))).all() == []
    assert "Your plan changed" not in everything(liisa)
