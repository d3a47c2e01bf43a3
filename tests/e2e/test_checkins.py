"""Check-ins end to end, clock injected: at the client's own local time on their weekdays, across
both DST changes, answered question by question (also across a restart), reminded once, missed
when the window closes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

from bot.devtools.demo_seed import seed
from bot.devtools.harness import Harness
from bot.models.checkins import Checkin, CheckinStatus
from bot.runtime.clock import ManualClock
from bot.sandbox import SandboxMessage, SandboxUser
from bot.services import schedules
from tests.support.moments import utc

pytestmark = pytest.mark.asyncio
HELSINKI = ZoneInfo("Europe/Helsinki")


@dataclass
class Client:
    user: SandboxUser
    person_id: int

    def checkins_received(self) -> int:
        return sum(
            1
            for m in self.user.bot_messages()
            if (m.text or "").startswith("☀️ Hello! Time for a short check-in.")
        )


async def _client(
    harness: Harness, clock: ManualClock, name: str, at: dt.time, weekdays: str
) -> Client:
    coach = harness.sandbox.add_user(first_name=f"Coach of {name}", language_code="en")
    user = harness.sandbox.add_user(first_name=name, language_code="en")
    harness.sandbox.mark_started(coach.id)
    harness.sandbox.mark_started(user.id)
    async with harness.db.session() as session:
        ids = await seed(
            session,
            coach_telegram_id=coach.id,
            coach_name=f"Coach {name}",
            client_telegram_id=user.id,
            client_name=name,
            organisation_name=f"Workshop {name}",
            locale="en",
            timezone="Europe/Helsinki",
            now=clock.now(),
        )
        await schedules.set_single_time(
            session,
            client_id=ids.client_id,
            local_time=at,
            timezone="Europe/Helsinki",
            now=clock.now(),
            weekdays=weekdays,
        )
    return Client(user, ids.client_id)


@pytest.fixture
async def early(harness: Harness, clock: ManualClock) -> AsyncIterator[tuple[Client, Client]]:
    clock.set(utc(2026, 3, 26, 22, 0))  # Thursday evening before the spring change
    morning = await _client(harness, clock, "Aino", dt.time(8, 0), "12345")
    night = await _client(harness, clock, "Ville", dt.time(3, 30), "1234567")
    yield morning, night


async def _at(harness: Harness, clock: ManualClock, when: dt.datetime) -> None:
    clock.set(when)
    await harness.tick()


async def test_check_ins_come_at_local_time_on_their_days_across_both_dst_changes(
    harness: Harness, clock: ManualClock, early: tuple[Client, Client]
) -> None:
    morning, night = early
    # (moment, check-ins the morning client has had by then, and the night client)
    walk = [
        (utc(2026, 3, 27, 1, 29), 0, 0),  # Fri 03:29 EET
        (utc(2026, 3, 27, 1, 30), 0, 1),  # Fri 03:30 EET
        (utc(2026, 3, 27, 5, 59), 0, 1),  # Fri 07:59
        (utc(2026, 3, 27, 6, 0), 1, 1),  # Fri 08:00 EET
        (utc(2026, 3, 28, 1, 30), 1, 2),  # Sat 03:30 EET
        (utc(2026, 3, 28, 6, 0), 1, 2),  # Sat 08:00: not a weekday
        (utc(2026, 3, 29, 0, 59), 1, 2),  # Sun 02:59 EET, clocks jump at 03:00 to 04:00
        (utc(2026, 3, 29, 1, 0), 1, 3),  # Sun 04:00 EEST: 03:30 did not exist, first valid minute
        (utc(2026, 3, 29, 5, 0), 1, 3),  # Sun 08:00 EEST: not a weekday
        (utc(2026, 3, 30, 0, 30), 1, 4),  # Mon 03:30 EEST
        (utc(2026, 3, 30, 4, 59), 1, 4),  # Mon 07:59 EEST
        (utc(2026, 3, 30, 5, 0), 2, 4),  # Mon 08:00 EEST
        # Autumn: on 25 October clocks go from 04:00 EEST back to 03:00 EET.
        # The clock jumps to Friday 23 October 08:00: that morning's 03:30 check-in is still
        # inside its window (the day), so it is sent now, as after a downtime; none of the
        # months between.
        (utc(2026, 10, 23, 5, 0), 3, 5),  # Fri 08:00 EEST
        (utc(2026, 10, 25, 0, 29), 3, 5),  # Sun 03:29 EEST (the first time)
        (utc(2026, 10, 25, 0, 30), 3, 6),  # Sun 03:30 EEST, the first of two
        (utc(2026, 10, 25, 1, 30), 3, 6),  # Sun 03:30 EET, the second: nothing more
        (utc(2026, 10, 25, 5, 0), 3, 6),  # Sun 07:00 EET
        (utc(2026, 10, 26, 1, 30), 3, 7),  # Mon 03:30 EET
        (utc(2026, 10, 26, 5, 59), 3, 7),  # Mon 07:59 EET
        (utc(2026, 10, 26, 6, 0), 4, 7),  # Mon 08:00 EET
    ]
    for when, morning_count, night_count in walk:
        await _at(harness, clock, when)
        local = when.astimezone(HELSINKI).strftime("%a %d.%m %H:%M %Z")
        assert (morning.checkins_received(), night.checkins_received()) == (
            morning_count,
            night_count,
        ), local

    # A check-in at a quiet hour (03:30) comes without a sound; one at 08:00 with it.
    def starts(client: Client) -> list[bool]:
        return [
            m.disable_notification
            for m in client.user.bot_messages()
            if (m.text or "").startswith("☀️ Hello! Time for a short check-in.")
        ]

    assert starts(night)[:4] == [True, True, True, True]
    assert starts(night)[4] is False  # the one sent late, at 08:00
    assert not any(starts(morning))


async def test_answering_question_by_question_across_a_restart_gives_one_check_in(
    harness: Harness, clock: ManualClock, early: tuple[Client, Client]
) -> None:
    morning, _night = early
    await _at(harness, clock, utc(2026, 3, 27, 6, 0))
    user = morning.user
    await user.press("😐 So-so")
    await harness.settle()
    assert "Did you get up as planned?" in (user.last_bot_message().text or "")  # type: ignore[union-attr]
    await user.press("✅ Yes")
    await harness.settle()
    # Hours later, after a restart, the same message still takes the answers.
    await harness.restart_bot()
    await _at(harness, clock, utc(2026, 3, 27, 9, 0))
    await user.press("🙂 Good")
    await harness.settle()
    await user.press("🛠️ Work or workshop")
    await harness.settle()
    await user.send_text("Busy but fine")
    await harness.settle()
    summary = user.last_bot_message()
    assert summary is not None and (summary.text or "").startswith("Thank you! ✅")
    assert "Your words: Busy but fine" in (summary.text or "")
    async with harness.db.session() as session:
        rows = (
            await session.exec(select(Checkin).where(Checkin.client_id == morning.person_id))
        ).all()
    [checkin] = rows
    assert checkin.status == CheckinStatus.ANSWERED
    assert (checkin.sleep, checkin.got_up, checkin.mood, checkin.day_kind, checkin.note) == (
        "so_so",
        "yes",
        4,
        "work_or_workshop",
        "Busy but fine",
    )
    # The note went into the check-in, not to the coach.
    assert len([m for m in user.bot_messages() if (m.text or "").startswith("✓ Sent to")]) == 0


async def test_unanswered_one_reminder_then_missed(
    harness: Harness, clock: ManualClock, early: tuple[Client, Client]
) -> None:
    morning, _night = early
    await _at(harness, clock, utc(2026, 3, 27, 6, 0))  # Fri 08:00
    await _at(harness, clock, utc(2026, 3, 27, 8, 59))

    def reminders() -> list[SandboxMessage]:
        return [m for m in morning.user.bot_messages() if "A gentle reminder" in (m.text or "")]

    assert reminders() == []
    await _at(harness, clock, utc(2026, 3, 27, 9, 0))  # 3 hours later
    assert len(reminders()) == 1
    await _at(harness, clock, utc(2026, 3, 27, 15, 0))
    assert len(reminders()) == 1
    await _at(harness, clock, utc(2026, 3, 27, 22, 0))  # the day is over
    async with harness.db.session() as session:
        [checkin] = (
            await session.exec(select(Checkin).where(Checkin.client_id == morning.person_id))
        ).all()
    assert checkin.status == CheckinStatus.MISSED
    # A press after the window closed is kindly refused and changes nothing.
    await morning.user.press("😴 Well", message=reminders()[0])
    await harness.settle()
    assert morning.user.callback_answers[-1] == (
        "This check-in is closed. The next one comes at its time."
    )


async def test_a_normal_day_in_one_tap_then_a_correction_and_a_check_in_from_the_keyboard(
    harness: Harness, clock: ManualClock, early: tuple[Client, Client]
) -> None:
    morning, _night = early
    user = morning.user
    await _at(harness, clock, utc(2026, 3, 27, 6, 0))
    await user.press("🙂 Normal day")
    await harness.settle()
    assert user.last_bot_message().text.startswith("Anything else?")  # type: ignore[union-attr]
    await user.press("✅ No, that is all")
    await harness.settle()
    summary = user.last_bot_message()
    assert summary is not None
    assert "Sleep: 😴 Well" in (summary.text or "") and "Mood: 🙂 Good" in (summary.text or "")
    # Corrected later the same day.
    await _at(harness, clock, utc(2026, 3, 27, 12, 0))
    await user.press("✏️ Change my answers", message=summary)
    await harness.settle()
    for label in ("😫 Badly", "🕐 Later", "😐 Okay", "📅 An appointment", "✅ No, that is all"):
        await user.press(label)
        await harness.settle()
    async with harness.db.session() as session:
        [checkin] = (
            await session.exec(select(Checkin).where(Checkin.client_id == morning.person_id))
        ).all()
    assert (checkin.sleep, checkin.got_up, checkin.mood, checkin.day_kind) == (
        "badly",
        "later",
        3,
        "appointment",
    )
    # On Saturday (no check-in day) the client starts one from the keyboard.
    await _at(harness, clock, utc(2026, 3, 28, 10, 0))
    await user.send_text("✅ Check in")  # the home keyboard's button sends its label
    await harness.settle()
    started = user.last_bot_message()
    assert started is not None and (started.text or "").startswith(
        "☀️ Hello! Time for a short check-in."
    )
    await user.press("😴 Well")
    await harness.settle()
    async with harness.db.session() as session:
        rows = (
            await session.exec(select(Checkin).where(Checkin.client_id == morning.person_id))
        ).all()
    assert len(rows) == 2 and rows[1].schedule_id is None and rows[1].sleep == "well"
