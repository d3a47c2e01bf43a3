"""Words of crisis and worry are read wherever a client writes: a photo's or a file's caption, a
goal's title, its step, the reason for letting it go, the typed time while joining, a message
after the coaching has ended; and a stranger who writes words of crisis gets the numbers too.
Each place gets the crisis answer first and the coach an urgent flag naming where it was written;
whatever the words were also meant for (a goal, the time) carries on as before.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Awaitable, Callable

import pytest
from sqlmodel import select

from bot.devtools.harness import Harness
from bot.models.coaching import Coaching, CoachingStatus
from bot.models.flags import Flag, FlagKind, FlagUrgency
from bot.models.goals import Goal
from bot.runtime.clock import ManualClock
from bot.sandbox import SandboxUser
from tests.support.desk_world import Desk, build, everything, labels, press, say
from tests.support.moments import utc

pytestmark = pytest.mark.asyncio

WORDS = "i want to die"
ANSWER = "💛 I am worried about you."


@pytest.fixture
async def desk(harness: Harness, clock: ManualClock) -> Desk:
    clock.set(utc(2026, 3, 2, 7, 0))  # Monday 2 March, 09:00 in Helsinki
    return await build(harness, clock.now())


def _urgent_notices(coach: SandboxUser) -> list[str]:
    return [m.text or "" for m in coach.bot_messages() if (m.text or "").startswith("🆘")]


async def _crisis_flags(harness: Harness, client_id: int) -> list[Flag]:
    async with harness.db.session() as session:
        rows = await session.exec(
            select(Flag).where(Flag.client_id == client_id, Flag.kind == FlagKind.CRISIS)
        )
        return list(rows.all())


async def _caption(harness: Harness, desk: Desk) -> None:
    await desk.liisa.send_photo(caption=WORDS)
    await harness.settle()


async def _document(harness: Harness, desk: Desk) -> None:
    await desk.liisa.send_document(caption=WORDS)
    await harness.settle()


async def _goal_title(harness: Harness, desk: Desk) -> None:
    await say(harness, desk.liisa, "/goal")
    await press(harness, desk.liisa, "💼 Finding work")
    await press(harness, desk.liisa, "✏️ In my own words")
    await say(harness, desk.liisa, WORDS)


async def _example_goal(harness: Harness, desk: Desk) -> None:
    await say(harness, desk.liisa, "/goal")
    await press(harness, desk.liisa, "🏠 Everyday life")
    await press(harness, desk.liisa, "A regular daily rhythm")
    await press(harness, desk.liisa, "➖ No date")


async def _goal_step(harness: Harness, desk: Desk) -> None:
    await _example_goal(harness, desk)
    await press(harness, desk.liisa, "✏️ Add a small step")
    await say(harness, desk.liisa, WORDS)


async def _let_go_reason(harness: Harness, desk: Desk) -> None:
    await _example_goal(harness, desk)
    await say(harness, desk.liisa, "/goals")
    await press(harness, desk.liisa, "A regular daily rhythm")
    await press(harness, desk.liisa, "🌿 Let it go")
    await press(harness, desk.liisa, "✏️ Another reason")
    await say(harness, desk.liisa, WORDS)


async def _after_the_coaching(harness: Harness, desk: Desk) -> None:
    async with harness.db.session() as session:
        coaching = (
            await session.exec(select(Coaching).where(Coaching.client_id == desk.ids["liisa"]))
        ).one()
        coaching.status = CoachingStatus.CLOSED
        coaching.closed_at = harness.app.services.clock.now() - dt.timedelta(days=400 * 4)
    await say(harness, desk.liisa, WORDS)


PLACES: dict[str, tuple[Callable[[Harness, Desk], Awaitable[None]], str]] = {
    "caption": (_caption, "with a photo or a file"),
    "document": (_document, "with a photo or a file"),
    "goal title": (_goal_title, "in a goal"),
    "goal step": (_goal_step, "in a goal's step"),
    "let-go reason": (_let_go_reason, "when letting a goal go"),
    "after the coaching": (_after_the_coaching, "in a message"),
}


@pytest.mark.parametrize("place", list(PLACES))
async def test_words_of_crisis_are_caught_wherever_a_client_writes(
    harness: Harness, desk: Desk, place: str
) -> None:
    write, where = PLACES[place]
    before = len(desk.liisa.bot_messages())
    await write(harness, desk)
    await harness.tick()
    answers = [m.text or "" for m in desk.liisa.bot_messages()[before:]]
    crisis = [a for a in answers if a.startswith(ANSWER)]
    assert len(crisis) == 1, answers
    assert "call 112" in crisis[0] and "09 2525 0111" in crisis[0]
    [flag] = await _crisis_flags(harness, desk.ids["liisa"])
    assert flag.urgency == FlagUrgency.URGENT
    [notice] = _urgent_notices(desk.kaisa)
    assert notice.startswith("🆘 Liisa <L&L>: wrote words that may mean a crisis.")
    assert f"“{WORDS}” ({where})" in notice


async def test_what_the_words_were_written_for_carries_on(harness: Harness, desk: Desk) -> None:
    """A goal titled with words of crisis is still a goal of the client's (nothing is lost):
    the crisis answer comes first, then the goal flow asks for its date as usual."""
    await _goal_title(harness, desk)
    last = desk.liisa.last_bot_message()
    assert last is not None and labels(last) == [
        "📅 In a month",
        "📅 In three months",
        "➖ No date",
    ]
    await press(harness, desk.liisa, "➖ No date")
    async with harness.db.session() as session:
        [goal] = (await session.exec(select(Goal))).all()
    assert goal.title == WORDS


async def test_words_typed_while_joining_are_caught(harness: Harness, desk: Desk) -> None:
    before = len(desk.kaisa.bot_messages())
    await say(harness, desk.kaisa, "/invite Saana")
    [invite] = desk.kaisa.bot_messages()[before:]
    found = re.search(r"start=([A-Za-z0-9_-]+)", invite.text or "")
    assert found
    saana = harness.sandbox.add_user(first_name="Saana", language_code="en")
    await saana.send_command("start", found.group(1))
    await harness.settle()
    await press(harness, saana, "🇬🇧 English")
    # Words at a step that waits for a button: the crisis answer, then the step again.
    shown = await say(harness, saana, "en jaksa enää elää")
    assert (shown[0].text or "").startswith("💛 Olen huolissani sinusta.")  # Finnish words
    assert "Your job coach is Kaisa" in (shown[-1].text or "")
    for label in ("▶️ Continue", "👍 I understand", "✅ Yes, I agree", "⏰ Another time"):
        await press(harness, saana, label)
    # Words typed where the time is asked for.
    shown = await say(harness, saana, "I want to kill myself")
    assert (shown[0].text or "").startswith(ANSWER)
    assert "I could not read a time there" in (shown[-1].text or "")
    await harness.tick()
    notices = _urgent_notices(desk.kaisa)
    assert len(notices) == 1  # one open crisis flag, the second words added to it
    assert "“en jaksa enää elää” (while joining)" in notices[0]


async def test_a_stranger_who_writes_words_of_crisis_gets_the_numbers_too(
    harness: Harness, desk: Desk
) -> None:
    stranger = harness.sandbox.add_user(first_name="Vieras", language_code="sv")
    harness.sandbox.mark_started(stranger.id)
    shown = await say(harness, stranger, "jag vill inte leva längre")
    first = shown[0].text or ""
    assert first.startswith("💛 Jag är orolig för dig.")
    assert "112" in first and "coach" not in first  # nobody to tell: no word of a coach
    assert len(shown) == 2  # and then what a stranger is always told
    async with harness.db.session() as session:
        assert (await session.exec(select(Flag))).all() == []
    assert "112" not in everything(desk.kaisa)
