"""Privacy after placement: in a full scenario (placement, consent, joining, a question, the
answer, a meeting and its reminder) while the client checks in, writes to the coach, has goals
and the coach writes notes, the employer's chat receives none of the client's check-ins, moods,
notes, goals or messages.
"""

from __future__ import annotations

import datetime as dt

import pytest
from sqlmodel import select

from bot.devtools.harness import Harness
from bot.models.checkins import Checkin, CheckinStatus, GotUp, Sleep
from bot.models.coaching import GoalArea
from bot.models.goals import Goal, GoalStatus
from bot.models.placements import Meeting
from bot.runtime.clock import ManualClock
from tests.support.actors import everything, press, say
from tests.support.employer_world import linked_employer, open_card
from tests.support.world import Desk, build

pytestmark = pytest.mark.asyncio

SECRETS = [
    "CHECKIN-WORDS-7",
    "GOAL-TITLE-7",
    "NOTE-TEXT-7",
    "MESSAGE-TO-COACH-7",
    "mood",
    "slept",
    "Goals",
    "Pekka",  # the name the coach gave the client
]


@pytest.fixture
async def desk(harness: Harness, clock: ManualClock) -> Desk:
    return await build(harness, clock.now())


async def test_the_employer_sees_nothing_of_the_clients_coaching(
    harness: Harness, desk: Desk, clock: ManualClock
) -> None:
    now = clock.now()
    async with harness.db.session() as session:
        yesterday = now - dt.timedelta(days=1)
        session.add(
            Checkin(
                client_id=desk.ids["pekka"],
                due_at=yesterday,
                window_ends_at=yesterday + dt.timedelta(hours=10),
                status=CheckinStatus.ANSWERED,
                sent_at=yesterday,
                answered_at=yesterday,
                mood=1,
                sleep=Sleep.BADLY,
                got_up=GotUp.NO,
                note="CHECKIN-WORDS-7",
            )
        )
        session.add(
            Goal(
                client_id=desk.ids["pekka"],
                area=GoalArea.COPING_AT_WORK,
                title="GOAL-TITLE-7",
                status=GoalStatus.AGREED,
            )
        )

    boss = await linked_employer(harness, desk)

    # Meanwhile the client writes to the coach and the coach writes a note.
    await say(harness, desk.pekka, "MESSAGE-TO-COACH-7")
    await open_card(harness, desk.kaisa, "Pekka 💬1")
    await press(harness, desk.kaisa, "📝 Note")
    await say(harness, desk.kaisa, "NOTE-TEXT-7")
    await open_card(harness, desk.kaisa, "Pekka")
    assert "NOTE-TEXT-7" in everything(desk.kaisa)

    # The employer asks; the coach answers.
    await say(harness, boss, "/ask")
    await say(harness, boss, "How can I support him?")
    await harness.settle()
    notice = desk.kaisa.last_bot_message()
    await press(harness, desk.kaisa, "↩️ Reply", message=notice)
    await say(harness, desk.kaisa, "Short clear tasks help.")
    # A meeting, confirmed, and its reminder the day before.
    [times] = await say(harness, boss, "/meeting")
    await press(harness, boss, times.buttons[0][0].text)
    proposal = desk.kaisa.last_bot_message()
    await press(harness, desk.kaisa, "✅ Confirm", message=proposal)
    async with harness.db.session() as session:
        [meeting] = (await session.exec(select(Meeting))).all()
    clock.set(meeting.starts_at - dt.timedelta(days=1))
    await harness.tick()
    await harness.settle()
    assert "⏰ Reminder: a meeting about Bert's work" in everything(boss)
    await say(harness, boss, "/help")
    await say(harness, boss, "/start")
    await say(harness, boss, "what about his mood?")

    seen = everything(boss)
    assert "Short clear tasks help." in seen and "Bert" in seen
    for secret in SECRETS:
        assert secret not in seen, secret
    # Nor does the employer's line reach the client.
    assert "How can I support him?" not in everything(desk.pekka)
    assert "Short clear tasks help." not in everything(desk.pekka)
