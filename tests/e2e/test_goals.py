"""Small goals end to end: a client adds one from the examples and one in their own words, a
coach's proposal waits for the client's yes, either side lets a goal go with a reason, and a
forged button naming someone else's goal is refused.
"""

from __future__ import annotations

import datetime as dt

import pytest
from sqlmodel import col, select

from bot.devtools.harness import Harness
from bot.models.coaching import GoalArea
from bot.models.goals import Goal, GoalEvent, GoalEventKind, GoalStatus, GoalStep
from bot.runtime.clock import ManualClock
from tests.support.desk_world import Desk, build, everything, labels, last_text, press, say

pytestmark = pytest.mark.asyncio


@pytest.fixture
async def desk(harness: Harness, clock: ManualClock) -> Desk:
    return await build(harness, clock.now())


async def _goals(harness: Harness, client_id: int) -> list[Goal]:
    async with harness.db.session() as session:
        return list(
            (
                await session.exec(
                    select(Goal).where(Goal.client_id == client_id).order_by(col(Goal.id))
                )
            ).all()
        )


async def _events(harness: Harness, goal_id: int | None) -> list[GoalEventKind]:
    async with harness.db.session() as session:
        rows = await session.exec(
            select(GoalEvent).where(GoalEvent.goal_id == goal_id).order_by(col(GoalEvent.id))
        )
        return [event.kind for event in rows.all()]


async def test_a_client_adds_a_goal_from_the_examples_and_one_in_their_own_words(
    harness: Harness, desk: Desk
) -> None:
    liisa = desk.liisa
    shown = await say(harness, liisa, "/goal")
    assert "Which part of life is it about?" in (shown[-1].text or "")
    assert labels(shown[-1]) == [
        "🏠 Everyday life",
        "🤝 Work and coping with tasks",
        "📚 Learning new skills",
        "💼 Finding work",
        "🌱 Coping at work",
    ]
    await press(harness, liisa, "🏠 Everyday life")
    assert "A regular daily rhythm" in labels(liisa.last_bot_message())
    assert "✏️ In my own words" in labels(liisa.last_bot_message())
    await press(harness, liisa, "A regular daily rhythm")
    assert labels(liisa.last_bot_message()) == [
        "📅 In a month",
        "📅 In three months",
        "➖ No date",
    ]
    await press(harness, liisa, "📅 In three months")
    saved = liisa.last_bot_message()
    assert saved is not None
    assert "✓ Your goal is saved: “A regular daily rhythm”" in (saved.text or "")
    assert "Target date: 2 Jun 2026" in (saved.text or "")
    # A first small step, in the client's own words.
    await press(harness, liisa, "✏️ Add a small step")
    await say(harness, liisa, "Alarm at 7.30")
    assert "✓ Step saved." in last_text(liisa)

    # A second goal in her own words, without a date.
    await say(harness, liisa, "/goal")
    await press(harness, liisa, "💼 Finding work")
    await press(harness, liisa, "✏️ In my own words")
    await say(harness, liisa, "Visit the <job fair> & talk to 2 employers")
    await press(harness, liisa, "➖ No date")

    goals = await _goals(harness, desk.ids["liisa"])
    assert [(g.title, g.area, g.status, g.target_date) for g in goals] == [
        ("A regular daily rhythm", GoalArea.EVERYDAY_LIFE, GoalStatus.AGREED, dt.date(2026, 6, 2)),
        (
            "Visit the <job fair> & talk to 2 employers",
            GoalArea.EMPLOYMENT,
            GoalStatus.AGREED,
            None,
        ),
    ]
    assert all(g.proposed_by_id == desk.ids["liisa"] for g in goals)
    assert all(g.next_progress_at is not None for g in goals)
    async with harness.db.session() as session:
        steps = (await session.exec(select(GoalStep))).all()
    assert [(s.goal_id, s.title) for s in steps] == [(goals[0].id, "Alarm at 7.30")]

    listed = await say(harness, liisa, "/goals")
    assert "“A regular daily rhythm” – 🏠 Everyday life, agreed" in (listed[-1].text or "")
    assert "“Visit the &lt;job fair&gt; &amp; talk to 2 employers”" in (listed[-1].html or "")
    # The goal on its own: its step and what can be done with it.
    await press(harness, liisa, "🎯 A regular daily rhythm")
    view = liisa.last_bot_message()
    assert view is not None and "▫️ Alarm at 7.30" in (view.text or "")
    assert "🌿 Let it go" in labels(view)

    # Letting the second goal go, with a common reason: kept, never called a failure.
    await press(harness, liisa, "⬅️ All my goals")
    await press(harness, liisa, "🎯 Visit the <job fair>")
    await press(harness, liisa, "🌿 Let it go")
    await press(harness, liisa, "Another goal matters more now")
    assert "🌿 You let go of" in last_text(liisa)
    goals = await _goals(harness, desk.ids["liisa"])
    assert goals[1].status == GoalStatus.LET_GO
    assert goals[1].let_go_reason == "Another goal matters more now"
    assert await _events(harness, goals[1].id) == [
        GoalEventKind.PROPOSED,
        GoalEventKind.ACCEPTED,
        GoalEventKind.LET_GO,
    ]
    assert "fail" not in everything(liisa).casefold()
    # Her coach is told, with the reason.
    assert "🌿 Liisa &lt;L&amp;L&gt; let go of the goal" in "\n".join(
        m.html or "" for m in desk.kaisa.bot_messages()
    )


async def test_a_coach_proposed_goal_stays_proposed_until_the_client_accepts(
    harness: Harness, desk: Desk
) -> None:
    kaisa, pekka = desk.kaisa, desk.pekka
    await say(harness, kaisa, "/clients")
    await press(harness, kaisa, "👤 Pekka")
    await press(harness, kaisa, "🎯 Goals")
    assert "No goals yet." in last_text(kaisa)
    await press(harness, kaisa, "➕ Propose a goal")
    await press(harness, kaisa, "📚 Learning new skills")
    sent = await say(harness, kaisa, "A hot-work card")
    assert "It becomes a goal when Pekka says yes." in (sent[-1].text or "")

    goals = await _goals(harness, desk.ids["pekka"])
    assert [(g.title, g.status, g.proposed_by_id) for g in goals] == [
        ("A hot-work card", GoalStatus.PROPOSED, desk.ids["kaisa"])
    ]
    assert goals[0].next_progress_at is None  # no questions about a goal not yet agreed
    offer = pekka.last_bot_message()
    assert offer is not None
    assert "🎯 Kaisa suggests a goal for you:" in (offer.text or "")
    assert labels(offer) == ["✅ Yes, I want it", "❌ No thanks"]
    # Until Pekka answers, it stays a proposal (the card says so too).
    await say(harness, kaisa, "/clients")
    await press(harness, kaisa, "👤 Pekka")
    assert "waiting for the client's yes" in last_text(kaisa)

    await press(harness, pekka, "✅ Yes, I want it", message=offer)
    assert "is your goal now" in last_text(pekka)
    goals = await _goals(harness, desk.ids["pekka"])
    assert goals[0].status == GoalStatus.AGREED
    assert goals[0].next_progress_at is not None
    assert await _events(harness, goals[0].id) == [
        GoalEventKind.PROPOSED,
        GoalEventKind.ACCEPTED,
    ]
    assert "✅ Pekka said yes to the goal “A hot-work card”" in last_text(kaisa)

    # A second proposal, declined kindly; pressing yes afterwards changes nothing.
    await press(harness, kaisa, "🎯 Goals", message=kaisa.bot_messages()[-2])
    await press(harness, kaisa, "➕ Propose a goal")
    await press(harness, kaisa, "💼 Finding work")
    await say(harness, kaisa, "A wage-subsidised job")
    second = pekka.last_bot_message()
    await press(harness, pekka, "❌ No thanks", message=second)
    goals = await _goals(harness, desk.ids["pekka"])
    await press(harness, pekka, data=f"gl:y:{goals[1].id}", message=second)
    assert "This goal has moved on already." in last_text(pekka)
    goals = await _goals(harness, desk.ids["pekka"])
    assert goals[1].status == GoalStatus.LET_GO

    # The coach lets the first goal go, with a reason; the client is told without blame.
    await say(harness, kaisa, "/clients")
    await press(harness, kaisa, "👤 Pekka")
    await press(harness, kaisa, "🎯 Goals")
    await press(harness, kaisa, "🌿 Let go: A hot-work card")
    await press(harness, kaisa, "✏️ Another reason")
    await say(harness, kaisa, "The course moved to next year")
    goals = await _goals(harness, desk.ids["pekka"])
    assert goals[0].status == GoalStatus.LET_GO
    assert goals[0].let_go_reason == "The course moved to next year"
    told = pekka.last_bot_message()
    assert told is not None and "The course moved to next year" in (told.text or "")
    assert "That is okay. Plans change." in (told.text or "")


async def test_goals_are_the_clients_own_and_a_forged_button_is_refused(
    harness: Harness, desk: Desk
) -> None:
    liisa, pekka, cilla, olli = desk.liisa, desk.pekka, desk.cilla, desk.olli
    await say(harness, liisa, "/goal")
    await press(harness, liisa, "🏠 Everyday life")
    await press(harness, liisa, "Going outside every day")
    await press(harness, liisa, "➖ No date")
    (goal,) = await _goals(harness, desk.ids["liisa"])
    assert goal.id is not None

    # Pekka forges Liisa's goal in every button a goal has.
    for data in (
        f"gl:v:{goal.id}",
        f"gl:p:{goal.id}:r",
        f"gl:lr:{goal.id}:c",
        f"gl:y:{goal.id}",
        f"gl:as:{goal.id}",
        f"gl:tc:{goal.id}",
    ):
        before = len(pekka.bot_messages())
        await say(harness, pekka, "/goals")
        await press(harness, pekka, data=data)
        new = pekka.bot_messages()[before:]
        assert "This is not available to you." in (new[-1].text or ""), data
        assert "Going outside" not in "\n".join(m.text or "" for m in new)
    # Another coach may neither see nor let go of it; nor may a client use the coach's buttons.
    await say(harness, olli, "/clients")
    await press(harness, olli, data=f"cg:v:{desk.ids['liisa']}")
    assert "This is not available to you." in last_text(olli)
    await press(harness, olli, data=f"cg:lr:{goal.id}:c")
    assert "This is not available to you." in last_text(olli)
    await say(harness, cilla, "/goals")
    await press(harness, cilla, data=f"cg:lr:{goal.id}:c")
    assert "This is not available to you." in last_text(cilla)

    (goal,) = await _goals(harness, desk.ids["liisa"])
    assert goal.status == GoalStatus.AGREED
    assert await _events(harness, goal.id) == [GoalEventKind.PROPOSED, GoalEventKind.ACCEPTED]
