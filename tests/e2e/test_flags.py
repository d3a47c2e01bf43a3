"""Flags end to end: low mood on days running, check-ins missed running, paused days, words of
crisis in three languages, worrying words, and the escalation of an urgent flag nobody takes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest
from sqlmodel import select

from bot.devtools.demo_seed import seed
from bot.devtools.harness import Harness
from bot.models.checkins import Checkin, CheckinPause, CheckinStatus, PauseReason, Sleep
from bot.models.coaching import AssignmentKind, CoachAssignment
from bot.models.flags import Flag, FlagEvent, FlagKind, FlagStatus, FlagUrgency
from bot.models.people import Organisation
from bot.runtime.clock import ManualClock
from bot.sandbox import SandboxMessage, SandboxUser
from bot.services import people, schedules
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
    clock.set(utc(2026, 3, 1, 20, 0))  # Sunday evening; Monday 2 March is the first day
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


async def _check_in(harness: Harness, user: SandboxUser, mood: str) -> None:
    for label in ("😐 So-so", "✅ Yes", mood, "🏠 At home", "✅ No, that is all"):
        await user.press(label)
        await harness.settle()


def _flags(user: SandboxUser) -> list[str]:
    return [m.text or "" for m in user.bot_messages() if (m.text or "")[:1] in ("🚩", "🆘")]


def _last_flag(user: SandboxUser) -> SandboxMessage:
    return [m for m in user.bot_messages() if (m.text or "").startswith("🆘 Urgent")][-1]


async def test_low_mood_on_three_days_running_flags_the_coach_once(
    harness: Harness, clock: ManualClock, world: World
) -> None:
    for day in (2, 3, 4):  # Monday to Wednesday, 09:00 in Helsinki
        await _at(harness, clock, utc(2026, 3, day, 7, 0))
        await _check_in(harness, world.client, "🙁 Bad" if day != 3 else "😢 Very bad")
        await _at(harness, clock, utc(2026, 3, day, 7, 30))
    [notice] = _flags(world.coach)
    assert notice.startswith("🚩 Liisa: low mood on several days running.")
    assert "Last check-ins:" in notice and notice.count("mood 🙁") == 2 and "mood 😢" in notice
    [message] = [m for m in world.coach.bot_messages() if (m.text or "").startswith("🚩")]
    assert message.button_labels == ["📞 I'll contact", "✅ Done", "⏰ Later"]

    # Thursday is low again: the open flag is not repeated.
    await _at(harness, clock, utc(2026, 3, 5, 7, 0))
    await _check_in(harness, world.client, "🙁 Bad")
    await _at(harness, clock, utc(2026, 3, 5, 8, 0))
    assert len(_flags(world.coach)) == 1

    await world.coach.press("📞 I'll contact", message=message)
    await harness.settle()
    [handled] = [m for m in world.coach.bot_messages() if m.message_id == message.message_id]
    assert (handled.text or "").endswith("✔️ You will contact Liisa.")
    async with harness.db.session() as session:
        [flag] = (await session.exec(select(Flag))).all()
    assert (flag.kind, flag.status) == (FlagKind.LOW_MOOD, FlagStatus.ACKNOWLEDGED)


async def test_three_missed_running_flag_once_and_paused_days_count_for_nothing(
    harness: Harness, clock: ManualClock, world: World
) -> None:
    async with harness.db.session() as session:
        session.add(
            CheckinPause(
                client_id=world.client_id,
                starts_on=dt.date(2026, 3, 2),
                ends_on=dt.date(2026, 3, 4),
                reason=PauseReason.HOLIDAY,
                created_by_id=world.client_id,
            )
        )
    for day in range(2, 5):  # paused: no check-in, no reminder, no miss
        await _at(harness, clock, utc(2026, 3, day, 7, 0))
        await _at(harness, clock, utc(2026, 3, day, 22, 30))
    assert world.client.bot_messages() == []
    assert _flags(world.coach) == []
    for day in range(5, 8):  # Thursday to Saturday: nothing answered
        await _at(harness, clock, utc(2026, 3, day, 7, 0))
        await _at(harness, clock, utc(2026, 3, day, 22, 30))
    # Raised when Saturday's window closed; told at the start of the coach's working hours.
    assert _flags(world.coach) == []
    await _at(harness, clock, utc(2026, 3, 9, 6, 0))  # Monday 08:00 in Helsinki
    [notice] = _flags(world.coach)
    assert notice.startswith("🚩 Liisa: several check-ins missed in a row.")
    assert notice.count("no answer") == 3


@pytest.mark.parametrize(
    ("words", "how", "first_line"),
    [
        # The client's own language is English; the answer is in the language of the words.
        ("En jaksa enää, haluan kuolla.", "message", "💛 Olen huolissani sinusta."),
        ("Jag vill inte leva längre", "note", "💛 Jag är orolig för dig."),
        ("sometimes I think about suicide", "edit", "💛 I am worried about you."),
    ],
)
async def test_words_of_crisis_get_help_first_then_an_urgent_flag(
    harness: Harness, clock: ManualClock, world: World, words: str, how: str, first_line: str
) -> None:
    await _at(harness, clock, utc(2026, 3, 2, 7, 0))  # Monday 09:00
    client = world.client
    before = len(client.bot_messages())
    if how == "message":
        await client.send_text(words)
    elif how == "note":
        for label in ("😐 So-so", "✅ Yes", "😢 Very bad", "🏠 At home"):
            await client.press(label)
            await harness.settle()
        before = len(client.bot_messages())
        await client.send_text(words)
    else:
        sent = await client.send_text("Hi")
        await harness.settle()
        before = len(client.bot_messages())
        await client.edit_text(sent, words)
    await harness.settle()
    await harness.tick()
    answers = [m.text or "" for m in client.bot_messages()[before:]]
    assert answers[0].startswith(first_line)
    assert "112" in answers[0] and "09 2525 0111" in answers[0]
    [notice] = _flags(world.coach)
    assert notice.startswith("🆘 Liisa: wrote words that may mean a crisis.")
    where = {"message": "in a message", "note": "in a check-in", "edit": "in an edited message"}
    assert f"“{words}” ({where[how]})" in notice  # the coach reads what was written, and where
    async with harness.db.session() as session:
        [flag] = (await session.exec(select(Flag))).all()
    assert (flag.kind, flag.urgency) == (FlagKind.CRISIS, FlagUrgency.URGENT)


async def test_worrying_words_get_a_warm_word_without_numbers_and_flag_the_coach_once(
    harness: Harness, clock: ManualClock, world: World
) -> None:
    await _at(harness, clock, utc(2026, 3, 2, 7, 0))  # Monday 09:00, within working hours
    client = world.client
    before = len(client.bot_messages())
    await client.send_text("i can't do this anymore 😞")
    await harness.settle()
    await harness.tick()
    answers = [m.text or "" for m in client.bot_messages()[before:]]
    assert answers[0] == (
        "💛 Thank you for telling me. That sounds really hard.\n\n"
        "I let your coach know, so that they can get in touch with you."
    )
    assert not any("112" in a or "Kriisipuhelin" in a for a in answers)
    assert answers[-1] == "✓ Sent to Kaisa."  # the message itself goes to the coach as usual
    [notice] = _flags(world.coach)
    assert notice.startswith("🚩 Liisa: wrote words that sound worrying")
    assert "“i can't do this anymore 😞” (in a message)" in notice

    # More worried words the same day: added to the open flag, not a second notice or answer.
    before = len(client.bot_messages())
    await client.send_text("everything is pointless")
    await harness.settle()
    await harness.tick()
    assert not any("💛" in (m.text or "") for m in client.bot_messages()[before:])
    assert len(_flags(world.coach)) == 1
    async with harness.db.session() as session:
        [flag] = (await session.exec(select(Flag))).all()
    assert (flag.kind, flag.urgency, flag.status) == (
        FlagKind.WORRYING_WORDS,
        FlagUrgency.NORMAL,
        FlagStatus.OPEN,
    )
    assert [w["text"] for w in flag.details["words"]] == [
        "i can't do this anymore 😞",
        "everything is pointless",
    ]

    # A day later they are answered again (still one open flag for the coach).
    await _at(harness, clock, utc(2026, 3, 3, 8, 0))
    before = len(client.bot_messages())
    await client.send_text("i feel so hopeless")
    await harness.settle()
    assert (client.bot_messages()[before].text or "").startswith("💛 Thank you for telling me.")
    assert len(_flags(world.coach)) == 1


async def test_worrying_words_after_working_hours_wait_for_the_coach_but_not_the_answer(
    harness: Harness, clock: ManualClock, world: World
) -> None:
    await _at(harness, clock, utc(2026, 3, 2, 18, 0))  # Monday 20:00
    before = len(world.client.bot_messages())
    await world.client.send_text("en jaksa mitään")
    await harness.settle()
    await harness.tick()
    assert (world.client.bot_messages()[before].text or "").startswith(
        "💛 Kiitos, että kerroit."  # the words are Finnish: the answer is too
    )
    assert _flags(world.coach) == []  # not urgent: it waits for the coach's working hours
    await _at(harness, clock, utc(2026, 3, 3, 6, 0))  # Tuesday 08:00
    [notice] = _flags(world.coach)
    assert notice.startswith("🚩 Liisa: wrote words that sound worrying")
    assert "“en jaksa mitään” (in a message)" in notice


@pytest.mark.parametrize("backup_reachable", [True, False])
async def test_an_urgent_flag_nobody_takes_goes_to_the_backup_then_the_admins(
    harness: Harness, clock: ManualClock, world: World, backup_reachable: bool
) -> None:
    sandbox = harness.sandbox
    backup = sandbox.add_user(first_name="Bea", language_code="en")
    admin = sandbox.add_user(first_name="Aki", language_code="en")
    sandbox.mark_started(backup.id)
    sandbox.mark_started(admin.id)
    team = sandbox.add_group("Team Työpaja", [world.coach, backup, admin])
    async with harness.db.session() as session:
        bea = await people.add_coach(
            session,
            telegram_user_id=backup.id,
            name="Bea Backup",
            organisation_name="Työpaja",
            now=clock.now(),
            timezone="Europe/Helsinki",
            locale="en",
            admin=True,
        )
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
        assert organisation is not None and bea.id is not None and aki.id is not None
        organisation.backup_person_id = bea.id
        organisation.team_chat_id = team.id
    await _at(harness, clock, utc(2026, 3, 2, 18, 0))  # Monday 20:00, after working hours
    await world.client.send_text("I want to kill myself")
    await harness.tick()
    assert len(_flags(world.coach)) == 1  # urgent: at once, even after working hours
    await _at(harness, clock, utc(2026, 3, 2, 18, 29))
    assert _flags(backup) == []
    if backup_reachable:
        await _at(harness, clock, utc(2026, 3, 2, 18, 31))  # 30 minutes without an answer
        [to_backup] = _flags(backup)
        assert to_backup.startswith("🆘 Urgent: Liisa needs someone now.")
        assert "Nobody has taken this yet. Their coach is Kaisa." in to_backup
        assert _flags(admin) == []
        await _at(harness, clock, utc(2026, 3, 2, 19, 2))  # and 30 more: every admin
    else:
        backup.block_bot()  # the backup cannot be reached either: straight to the admins
        await harness.settle()
        await _at(harness, clock, utc(2026, 3, 2, 18, 31))
        assert _flags(backup) == []
    [to_admin] = _flags(admin)
    assert to_admin.startswith("🆘 Urgent: Liisa needs someone now.")
    assert "Nobody has taken this yet. Their coach is Kaisa." in to_admin
    team_messages = [m.text or "" for m in sandbox.chat_messages(team.id) if m.from_bot]
    assert team_messages == [
        "🆘 An urgent flag is waiting for a coach. Please open the bot in a private chat if you "
        "are on duty."
    ]
    # The admin takes it: no more escalation.
    await admin.press("📞 I'll contact", message=_last_flag(admin))
    await harness.settle()
    await _at(harness, clock, utc(2026, 3, 2, 20, 0))
    assert len([f for f in _flags(admin) if f.startswith("🆘 Urgent")]) == 1
    async with harness.db.session() as session:
        [flag] = (await session.exec(select(Flag))).all()
        events = [e.kind for e in (await session.exec(select(FlagEvent))).all()]
    assert flag.status == FlagStatus.ACKNOWLEDGED and flag.acknowledged_by_id == aki.id
    assert "escalated_team" in events and "escalated_admins" in events


async def test_the_backup_learns_what_to_do_and_taking_it_over_makes_them_a_substitute(
    harness: Harness, clock: ManualClock, world: World
) -> None:
    """An urgent flag escalated to the backup carries the client's name, that it is urgent, how
    to reach the client and their coach, and buttons; no moods, sleep or words. Taking it over
    makes the backup the client's substitute until the coach is back at work, as stated."""
    sandbox = harness.sandbox
    backup = sandbox.add_user(first_name="Bea", language_code="en")
    sandbox.mark_started(backup.id)
    async with harness.db.session() as session:
        bea = await people.add_coach(
            session,
            telegram_user_id=backup.id,
            name="Bea Backup",
            organisation_name="Työpaja",
            now=clock.now(),
            timezone="Europe/Helsinki",
            locale="en",
            admin=True,
        )
        organisation = await session.get(Organisation, world.organisation_id)
        assert organisation is not None and bea.id is not None
        organisation.backup_person_id = bea.id
        # Liisa checked in this morning: a bad night, the lowest mood and her own words.
        morning = utc(2026, 3, 2, 7, 0)
        session.add(
            Checkin(
                client_id=world.client_id,
                due_at=morning,
                window_ends_at=morning + dt.timedelta(hours=10),
                status=CheckinStatus.ANSWERED,
                sent_at=morning,
                answered_at=morning + dt.timedelta(minutes=4),
                mood=1,
                sleep=Sleep.BADLY,
                note="Sofa-secret: I slept on the sofa again",
            )
        )
    await _at(harness, clock, utc(2026, 3, 2, 18, 0))  # Monday 20:00, after working hours
    await world.client.send_text("I want to kill myself")
    await harness.tick()
    [to_coach] = _flags(world.coach)
    assert "Last check-ins:" in to_coach and "mood" in to_coach  # the coach sees it all
    await _at(harness, clock, utc(2026, 3, 2, 18, 31))  # 30 minutes without an answer

    notice = _last_flag(backup)
    text = notice.text or ""
    assert text.startswith("🆘 Urgent: Liisa needs someone now.")
    assert "Nobody has taken this yet. Their coach is Kaisa." in text
    for word in ("mood", "slept", "Last check-ins", "Sofa-secret", "kill", "crisis", "sofa"):
        assert word.casefold() not in text.casefold(), word
    # How to reach them: links to the client's and the coach's own Telegram.
    links = {e.get("url") for e in notice.entities or [] if e.get("type") == "text_link"}
    assert links == {f"tg://user?id={world.client.id}", f"tg://user?id={world.coach.id}"}
    assert "until Tuesday, 3 March 2026 at 08:00" in text.replace("\u202f", " ")
    assert [b.text for row in notice.buttons for b in row] == ["📞 I'll contact", "✅ Done"]
    # Before taking it the backup may not read Liisa.
    await backup.press(data=f"cl:c:{world.client_id}:0", message=notice)
    await harness.settle()
    assert backup.bot_messages()[-1].text == "This is not available to you."

    before = len(backup.bot_messages())
    await backup.press("📞 I'll contact", message=notice)
    await harness.settle()
    await harness.tick()
    [taken] = [m for m in backup.bot_messages() if m.message_id == notice.message_id]
    assert "✔️ You will contact Liisa." in (taken.text or "")
    assert "You stand in for Kaisa until Tuesday, 3 March 2026 at 08:00" in (
        (taken.text or "").replace("\u202f", " ")
    )
    assert taken.buttons == []
    # Now she sees what a substitute sees: the flag as the coach got it, and the card.
    after = [m.text or "" for m in backup.bot_messages()[before:]]
    assert any(t.startswith("🆘 Liisa: wrote words") and "mood" in t for t in after), after
    await say_and_settle(harness, backup, "/clients")
    await backup.press("👤 Liisa")
    await harness.settle()
    card = backup.bot_messages()[-1].text or ""
    assert card.startswith("👤 Liisa") and "You stand in for Kaisa" in card
    # Liisa is told who answers her, and her messages go to the backup.
    told = [m.text or "" for m in world.client.bot_messages()]
    assert any("Bea" in t and "instead of Kaisa" in t for t in told), told
    await world.client.send_text("Thank you for calling")
    await harness.settle()
    assert any("Thank you for calling" in (m.text or "") for m in backup.bot_messages())
    # Kaisa learns who took it and until when.
    assert any(
        "Bea" in (m.text or "") and "stands in for you" in (m.text or "")
        for m in world.coach.bot_messages()
    )
    async with harness.db.session() as session:
        [cover] = (
            await session.exec(
                select(CoachAssignment).where(CoachAssignment.kind == AssignmentKind.SUBSTITUTE)
            )
        ).all()
    assert (cover.coach_id, cover.client_id) == (bea.id, world.client_id)
    assert cover.valid_until == utc(2026, 3, 3, 6, 0)  # Tuesday 08:00 in Helsinki

    # At the end the backup's sight ends, and Liisa's messages go to Kaisa again.
    await _at(harness, clock, utc(2026, 3, 3, 6, 1))
    await backup.press(data=f"cl:c:{world.client_id}:0", message=backup.bot_messages()[-1])
    await harness.settle()
    assert backup.bot_messages()[-1].text == "This is not available to you."
    assert any("Kaisa is your coach again" in (m.text or "") for m in world.client.bot_messages())
    await world.client.send_text("Good morning Kaisa")
    await harness.settle()
    assert any("Good morning Kaisa" in (m.text or "") for m in world.coach.bot_messages())
    assert not any("Good morning Kaisa" in (m.text or "") for m in backup.bot_messages())


async def say_and_settle(harness: Harness, user: SandboxUser, text: str) -> None:
    await user.send_text(text)
    await harness.settle()
