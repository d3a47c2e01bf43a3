"""Coping at work, end to end: with the plan's emphasis on coping at work the check-in asks about
rest after work, the workload and colleagues; three check-ins running with too much work flag the
coach once; moving the emphasis back gives the everyday-life questions again. A recorded placement
offers the coach to raise coping at work, confirmed with the client like any change of emphasis.
After closing and the end of follow-up the door stays open: the client's message reaches the last
coach, or an admin (and the team chat an alert without content) when that coach has left.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest
from sqlmodel import col, select

from bot.devtools.demo_seed import seed
from bot.devtools.harness import Harness
from bot.messages import coping_notices
from bot.models.checkins import Checkin
from bot.models.coaching import Coaching, GoalArea, PlanEmphasis
from bot.models.flags import Flag, FlagKind
from bot.models.people import Membership, Organisation, Person
from bot.models.placements import Employer, EmployerContact, Placement, PlacementKind
from bot.runtime.clock import ManualClock
from bot.sandbox import SandboxUser
from bot.services import people, schedules
from tests.support.actors import press, say
from tests.support.moments import utc

pytestmark = pytest.mark.asyncio


@dataclass
class World:
    coach: SandboxUser
    client: SandboxUser
    client_id: int
    coach_id: int
    organisation_id: int


@pytest.fixture
async def world(harness: Harness, clock: ManualClock) -> AsyncIterator[World]:
    clock.set(utc(2026, 3, 2, 6, 0))  # Monday 2 March, 08:00 in Helsinki
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
            client_name="Liisa",
            organisation_name="Työpaja",
            locale="en",
            timezone="Europe/Helsinki",
            now=clock.now(),
        )
        await schedules.set_single_time(
            session,
            client_id=ids.client_id,
            local_time=dt.time(9, 0),
            timezone="Europe/Helsinki",
            now=clock.now(),
            weekdays="1234567",
        )
    yield World(coach, client, ids.client_id, ids.coach_id, ids.organisation_id)


async def _at(harness: Harness, clock: ManualClock, when: dt.datetime) -> None:
    clock.set(when)
    await harness.tick()


async def _set_emphasis(
    harness: Harness, coach: SandboxUser, area: str, level: str, reason: str
) -> None:
    await say(harness, coach, "/clients")
    await press(harness, coach, "👤 Liisa")
    await press(harness, coach, "📊 Plan")
    await press(harness, coach, area)
    await press(harness, coach, level)
    await press(harness, coach, reason)


async def _latest_checkin(harness: Harness, client_id: int) -> Checkin:
    async with harness.db.session() as session:
        found = (
            await session.exec(
                select(Checkin)
                .where(Checkin.client_id == client_id)
                .order_by(col(Checkin.id).desc())
            )
        ).first()
    assert found is not None
    return found


def _flags(user: SandboxUser) -> list[str]:
    return [m.text or "" for m in user.bot_messages() if (m.text or "")[:1] in ("🚩", "🆘")]


def _last(user: SandboxUser) -> str:
    message = user.last_bot_message()
    assert message is not None
    return message.text or ""


async def test_coping_questions_follow_the_emphasis_and_strain_flags_the_coach_once(
    harness: Harness, clock: ManualClock, world: World
) -> None:
    coach, client = world.coach, world.client
    await _set_emphasis(
        harness, coach, "🌱 Coping at work ☆☆☆☆", "★★☆☆ moderate", "Ready to focus on this"
    )
    assert "📊 Your plan changed: 🌱 Coping at work – some." in _last(client)

    for day in (2, 3, 4):  # Monday to Wednesday, 09:00 in Helsinki
        await _at(harness, clock, utc(2026, 3, day, 7, 0))
        checkin = await _latest_checkin(harness, world.client_id)
        assert checkin.questions == [
            "rest",
            "got_up",
            "mood",
            "day",
            "workload",
            "colleagues",
            "note",
        ]
        assert "Did you rest after work?" in _last(client)
        for label in ("😌 Well", "✅ Yes", "🙂 Good", "🛠️ Work or workshop"):
            await press(harness, client, label)
        assert "How is your workload?" in _last(client)
        await press(harness, client, "🥵 Too much")
        assert "How are things with your colleagues and your supervisor?" in _last(client)
        await press(harness, client, "🙂 Going well")
        assert "Anything to tell your coach?" in _last(client)
        await press(harness, client, "✅ No, that is all")
        summary = _last(client)
        assert "Rest after work: 😌 Well" in summary
        assert "Workload: 🥵 Too much" in summary
        assert "Colleagues and supervisor: 🙂 Going well" in summary
        checkin = await _latest_checkin(harness, world.client_id)
        assert checkin.status == "answered"
        assert checkin.sleep is None
        assert {k: checkin.extra_answers[k] for k in ("rest", "workload", "colleagues")} == {
            "rest": "well",
            "workload": "too_much",
            "colleagues": "good",
        }
        await _at(harness, clock, utc(2026, 3, day, 7, 30))
        assert len(_flags(coach)) == (1 if day == 4 else 0)

    [notice] = _flags(coach)
    assert notice.startswith(
        "🚩 Liisa: too much work or a hard time with colleagues in several check-ins running."
    )
    # Raised at the third "too much", before that day's question on colleagues.
    assert notice.count("workload: too much") == 3
    assert notice.count("colleagues: good") == 2
    # Thursday is too much again: the open flag is not repeated.
    await _at(harness, clock, utc(2026, 3, 5, 7, 0))
    await press(harness, client, "🙂 Normal day")
    assert "How is your workload?" in _last(client)
    await press(harness, client, "🥵 Too much")
    await press(harness, client, "😣 Hard")
    await _at(harness, clock, utc(2026, 3, 5, 8, 0))
    assert len(_flags(coach)) == 1
    async with harness.db.session() as session:
        [flag] = (await session.exec(select(Flag))).all()
    assert flag.kind == FlagKind.WORK_STRAIN and flag.urgency == "normal"
    checkin = await _latest_checkin(harness, world.client_id)
    assert checkin.extra_answers["rest"] == "well" and checkin.extra_answers["colleagues"] == "hard"

    # The emphasis moves back to everyday life: a normal change, and the rhythm questions again.
    clock.set(utc(2026, 3, 5, 12, 0))
    await _set_emphasis(
        harness, coach, "🌱 Coping at work ★★☆☆", "☆☆☆☆ none", "More room for everyday life now"
    )
    await _at(harness, clock, utc(2026, 3, 6, 7, 0))
    checkin = await _latest_checkin(harness, world.client_id)
    assert checkin.questions == ["sleep", "got_up", "mood", "day", "note"]
    assert "How did you sleep?" in _last(client)
    everything = "\n".join(m.text or "" for m in client.bot_messages())
    assert "back" not in everything.replace("Back", "").casefold()


async def test_a_hard_time_with_colleagues_three_running_flags_and_another_answer_breaks_it(
    harness: Harness, clock: ManualClock, world: World
) -> None:
    coach, client = world.coach, world.client
    await _set_emphasis(
        harness, coach, "🌱 Coping at work ☆☆☆☆", "★☆☆☆ slight", "Agreed together in a meeting"
    )
    for day, colleagues in ((2, "😣 Hard"), (3, "😐 So-so"), (4, "😣 Hard"), (5, "😣 Hard")):
        await _at(harness, clock, utc(2026, 3, day, 7, 0))
        await press(harness, client, "🙂 Normal day")
        await press(harness, client, "👍 Just right")
        await press(harness, client, colleagues)
        await _at(harness, clock, utc(2026, 3, day, 7, 30))
    assert _flags(coach) == []
    await _at(harness, clock, utc(2026, 3, 6, 7, 0))
    await press(harness, client, "🙂 Normal day")
    await press(harness, client, "🪫 Too little")
    await press(harness, client, "😣 Hard")
    await _at(harness, clock, utc(2026, 3, 6, 7, 30))
    [notice] = _flags(coach)
    assert "a hard time with colleagues" in notice


async def _record_placement(harness: Harness, world: World, now: dt.datetime) -> bool:
    """A placement row as the placement code records it, then the offer it makes."""
    async with harness.db.session() as session:
        employer = Employer(name="Puutarha <Vihreä & Co>", organisation_id=world.organisation_id)
        session.add(employer)
        await session.flush()
        assert employer.id is not None
        session.add(
            Placement(
                client_id=world.client_id,
                employer_id=employer.id,
                job_title="Gardener",
                start_date=dt.date(2026, 3, 9),
                kind=PlacementKind.WAGE_SUBSIDISED,
                created_by_id=world.coach_id,
                created_at=now,
                updated_at=now,
            )
        )
        await session.flush()
        offered = await coping_notices.propose_coping_emphasis(
            session, client_id=world.client_id, coach_id=world.coach_id, now=now
        )
    harness.wake()
    await harness.settle()
    return offered


async def _plan_rows(harness: Harness) -> list[PlanEmphasis]:
    async with harness.db.session() as session:
        return list((await session.exec(select(PlanEmphasis).order_by(col(PlanEmphasis.id)))).all())


async def test_a_placement_offers_to_raise_coping_at_work_and_the_coach_confirms_it(
    harness: Harness, clock: ManualClock, world: World
) -> None:
    coach, client = world.coach, world.client
    assert await _record_placement(harness, world, clock.now())
    offer = coach.last_bot_message()
    assert offer is not None
    assert "🌱 Liisa starts work: Gardener at Puutarha <Vihreä & Co>." in (offer.text or "")
    assert "Agree on it with Liisa first." in (offer.text or "")
    assert offer.button_labels == ["🌱 Raise coping at work to moderate", "⏸️ Not now"]
    assert await _plan_rows(harness) == []
    assert "plan" not in "\n".join(m.text or "" for m in client.bot_messages())

    await press(harness, coach, "🌱 Raise coping at work to moderate")
    assert "✅ Coping at work is now moderate in Liisa's plan." in _last(coach)
    [row] = await _plan_rows(harness)
    assert (row.area, row.level, row.set_by_id, row.agreed_with_client) == (
        GoalArea.COPING_AT_WORK,
        2,
        world.coach_id,
        True,
    )
    assert row.reason == "Started work: support for coping at work"
    assert "📊 Your plan changed: more focus on coping at work." in _last(client)
    await say(harness, client, "/plan")
    shown = _last(client)
    assert "🌱 Coping at work: ★★☆☆ some" in shown
    assert "Started work: support for coping at work" in shown

    # The next check-in asks about coping at work.
    await _at(harness, clock, utc(2026, 3, 2, 7, 0))
    assert "Did you rest after work?" in _last(client)

    # A second press (forged: the buttons are gone) changes nothing more; no second offer.
    await coach.press(data=f"cw:y:{world.client_id}", message=offer)
    await harness.settle()
    assert "already has moderate emphasis" in _last(coach)
    assert len(await _plan_rows(harness)) == 1
    async with harness.db.session() as session:
        assert not await coping_notices.propose_coping_emphasis(
            session, client_id=world.client_id, coach_id=world.coach_id, now=clock.now()
        )


async def test_not_now_leaves_the_plan_and_another_coach_cannot_confirm(
    harness: Harness, clock: ManualClock, world: World
) -> None:
    coach, client = world.coach, world.client
    stranger = harness.sandbox.add_user(first_name="Olli", language_code="en")
    harness.sandbox.mark_started(stranger.id)
    async with harness.db.session() as session:
        await people.add_coach(
            session,
            telegram_user_id=stranger.id,
            name="Olli Koski",
            organisation_name="Työpaja",
            now=clock.now(),
            timezone="Europe/Helsinki",
            locale="en",
        )
    assert await _record_placement(harness, world, clock.now())
    await press(harness, coach, "⏸️ Not now")
    assert "Okay, Liisa's plan stays as it is." in _last(coach)
    assert await _plan_rows(harness) == []
    # A forged press by someone who does not act for the client changes nothing.
    await say(harness, stranger, "/clients")
    listing = stranger.last_bot_message()
    await stranger.press(data=f"cw:y:{world.client_id}", message=listing)
    await harness.settle()
    assert "This is not available to you." in _last(stranger)
    assert await _plan_rows(harness) == []
    await _at(harness, clock, utc(2026, 3, 2, 7, 0))
    assert "How did you sleep?" in _last(client)


async def test_after_follow_up_the_door_stays_open_to_the_last_coach_then_an_admin(
    harness: Harness, clock: ManualClock, world: World
) -> None:
    sandbox = harness.sandbox
    coach, client = world.coach, world.client
    admin = sandbox.add_user(first_name="Aki", language_code="en")
    boss = sandbox.add_user(first_name="Erkki", language_code="en")
    for user in (admin, boss):
        sandbox.mark_started(user.id)
    team = sandbox.add_group("Team Työpaja", [coach, admin])
    async with harness.db.session() as session:
        aki = await people.add_coach(
            session,
            telegram_user_id=admin.id,
            name="Aki Admin",
            organisation_name="Työpaja",
            now=clock.now(),
            timezone="Europe/Helsinki",
            locale="en",
            admin=True,
        )
        organisation = await session.get(Organisation, world.organisation_id)
        assert organisation is not None and aki.id is not None
        organisation.team_chat_id = team.id
        # The employer who hired the client: a contact person who must never get their messages.
        erkki = Person(
            telegram_user_id=boss.id,
            chat_id=boss.id,
            display_name="Erkki Employer",
            locale="en",
            timezone="Europe/Helsinki",
        )
        session.add(erkki)
        await session.flush()
        assert erkki.id is not None
        employer = Employer(name="Puutarha Oy", organisation_id=world.organisation_id)
        session.add(employer)
        await session.flush()
        assert employer.id is not None
        contact = EmployerContact(employer_id=employer.id, person_id=erkki.id)
        session.add(contact)
        await session.flush()
        session.add(
            Placement(
                client_id=world.client_id,
                employer_id=employer.id,
                contact_id=contact.id,
                job_title="Gardener",
                start_date=dt.date(2026, 3, 2),
                kind=PlacementKind.OPEN_LABOUR_MARKET,
            )
        )

    # The coach closes the coaching; follow-up runs for a month.
    await say(harness, coach, "/clients")
    await press(harness, coach, "👤 Liisa")
    await press(harness, coach, "🏁 End the coaching")
    await press(harness, coach, "💼 Work on the open labour market")
    await press(harness, coach, "✅ Yes, end the coaching")
    async with harness.db.session() as session:
        [coaching] = (await session.exec(select(Coaching))).all()
        assert coaching.closed_at == clock.now()
        coaching.follow_up_until = utc(2026, 4, 2, 6, 0)
        session.add(coaching)

    # During follow-up: to the coach, as before.
    clock.set(utc(2026, 3, 20, 9, 0))
    await say(harness, client, "Work is fine")
    assert client.own_messages()[-1].bot_reaction == "👍"

    # Follow-up has ended: the message still reaches the coach, and the client hears who answers.
    clock.set(utc(2026, 5, 4, 9, 0))
    before = len(coach.bot_messages())
    await say(harness, client, "Hi Kaisa, I have a new job")
    texts = [m.text or "" for m in coach.bot_messages()[before:]]
    assert texts == ["💬 Message from Liisa:", "Hi Kaisa, I have a new job"]
    assert _last(client) == (
        "✓ Sent to Kaisa.\n\nYour coaching has ended, but you can still write to me. "
        "Kaisa gets your messages and answers you."
    )
    # The coach answers from the chat.
    await coach.send_text("Congratulations!", reply_to=coach.bot_messages()[-1])
    await harness.settle()
    assert "Congratulations!" in _last(client)
    # A next message a while later: sent, and no repeat of who answers.
    clock.set(utc(2026, 5, 5, 9, 0))
    await say(harness, client, "Thank you")
    assert client.own_messages()[-1].bot_reaction == "👍"
    assert not _last(client).startswith("✓ Sent")

    # The coach leaves the organisation: an admin gets the message, the team chat an alert.
    async with harness.db.session() as session:
        for membership in (
            await session.exec(select(Membership).where(Membership.person_id == world.coach_id))
        ).all():
            membership.active_until = utc(2026, 5, 31, 21, 0)
            session.add(membership)
    clock.set(utc(2026, 6, 8, 9, 0))
    before = len(coach.bot_messages())
    await say(harness, client, "Is anyone there? <help>")
    assert len(coach.bot_messages()) == before
    texts = [m.text or "" for m in admin.bot_messages()]
    assert texts[-2:] == ["💬 Message from Liisa:", "Is anyone there? <help>"]
    assert _last(client) == (
        "✓ Sent to Aki.\n\nYour coach no longer works at Työpaja. Aki from Työpaja reads your "
        "messages now and answers you."
    )
    [alert] = [m.text or "" for m in sandbox.chat_messages(team.id) if m.from_bot]
    assert alert == (
        "📨 A former client wrote to the bot. Their coach no longer works here, so the message "
        "went to Aki."
    )
    # The admin answers; the client gets it.
    await admin.send_text("Hello, I can help.", reply_to=admin.bot_messages()[-1])
    await harness.settle()
    assert "Hello, I can help." in _last(client)
    # The next message goes to the admin too, with its own alert, and no repeat of who answers.
    clock.set(utc(2026, 6, 9, 9, 0))
    await say(harness, client, "Thanks")
    assert client.own_messages()[-1].bot_reaction == "👍"
    assert len([m for m in sandbox.chat_messages(team.id) if m.from_bot]) == 2
    # Nothing ever reached the employer.
    assert boss.bot_messages() == []
