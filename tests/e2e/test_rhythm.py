"""A client's rhythm end to end, clock injected: /schedule moves the check-ins, a pause stops them
and the other side is told, /settings turns encouragement off, the weekly summary counts the
week, and the coach's morning summary lists who answered and who did not, with buttons to the
cards.

The recurring notices (weekly summary, morning summary) are sent by the dispatcher through
bot/recurring.send_due. Until the dispatcher calls it in its tick, `_at` calls it here just as the
dispatcher will; a second call finds nothing due, so the tests hold either way.
"""

from __future__ import annotations

import datetime as dt

import pytest
from sqlmodel import select

from bot.devtools.harness import Harness
from bot.messages import recurring
from bot.models.checkins import CheckinPause, CheckinSchedule, NoticeKind, RecurringNotice
from bot.models.flags import Flag, FlagKind
from bot.models.people import Preference
from bot.runtime.clock import ManualClock
from bot.sandbox import SandboxUser
from bot.services import encouragement, schedules
from tests.support.desk_world import Desk, build, everything, labels, press, say, texts
from tests.support.moments import utc

pytestmark = pytest.mark.asyncio

CHECK_IN = "☀️ Hello! Time for a short check-in."


async def _at(harness: Harness, clock: ManualClock, when: dt.datetime) -> None:
    """Move the clock and let everything due happen (recurring notices included)."""
    clock.set(when)
    await harness.tick()
    async with harness.db.session() as session:
        claimed = await recurring.send_due(session, now=clock.now(), limit=200)
    if claimed:
        await harness.tick()


def _check_ins(user: SandboxUser) -> int:
    return sum(1 for m in user.bot_messages() if (m.text or "").startswith(CHECK_IN))


async def _desk(harness: Harness, clock: ManualClock, weekdays: str = "12345") -> Desk:
    """Kaisa's clients Liisa and Pekka and Olli's client Cilla, each checking in at 8.00."""
    clock.set(utc(2026, 3, 1, 18, 0))  # Sunday 20.00 in Helsinki
    desk = await build(harness, clock.now())
    async with harness.db.session() as session:
        for key in ("liisa", "pekka", "cilla"):
            await schedules.set_single_time(
                session,
                client_id=desk.ids[key],
                local_time=dt.time(8),
                timezone="Europe/Helsinki",
                now=clock.now(),
                weekdays=weekdays,
            )
    return desk


async def _normal_day(harness: Harness, user: SandboxUser) -> None:
    await press(harness, user, "🙂 Normal day")
    await press(harness, user, "✅ No, that is all")


async def test_schedule_changes_the_times_and_the_next_check_in_comes_at_the_new_time(
    harness: Harness, clock: ManualClock
) -> None:
    desk = await _desk(harness, clock)
    liisa = desk.liisa
    await _at(harness, clock, utc(2026, 3, 2, 5, 0))  # Monday 07.00
    [shown] = await say(harness, liisa, "/schedule")
    assert shown.text == (
        "⏰ Your check-ins\n"
        "Time: 08:00\n"
        "Days: Monday–Friday\n"
        "Next check-in: Monday, 2 March 2026 at 08:00."
    )
    assert labels(shown) == ["🕐 Change the time", "➕ Add a time", "📅 Change the days", "✅ Done"]
    await press(harness, liisa, "🕐 Change the time")
    picker = liisa.bot_messages()[-1]
    assert picker.message_id == shown.message_id, "the choices replace the view"
    assert labels(picker) == [
        "🕖 07:00",
        "🕘 09:00",
        "🕙 10:00",
        "🕛 12:00",
        "⏰ Another time",
        "↩️ Back",
    ]
    await press(harness, liisa, "🕙 10:00")
    assert (liisa.bot_messages()[-1].text or "").startswith(
        "✓ Saved.\n\n⏰ Your check-ins\nTime: 10:00\nDays: Monday–Friday\n"
        "Next check-in: Monday, 2 March 2026 at 10:00."
    )

    await _at(harness, clock, utc(2026, 3, 2, 6, 0))  # 08.00: nothing any more
    assert _check_ins(liisa) == 0
    await _at(harness, clock, utc(2026, 3, 2, 7, 59))
    assert _check_ins(liisa) == 0
    await _at(harness, clock, utc(2026, 3, 2, 8, 0))  # 10.00
    assert _check_ins(liisa) == 1

    # A second time, typed, and every day.
    await say(harness, liisa, "/schedule")
    await press(harness, liisa, "➕ Add a time")
    await press(harness, liisa, "⏰ Another time")
    assert texts(liisa.bot_messages()[-1:]) == "Write the time, for example 08:30. /cancel stops."
    [retry] = await say(harness, liisa, "half past two")
    assert retry.text == "I could not read a time there. Write the time like 13:00."
    [saved] = await say(harness, liisa, "14.30")
    assert "Times: 10:00, 14:30" in (saved.text or "")
    await press(harness, liisa, "📅 Change the days", message=saved)
    await press(harness, liisa, "🗓️ Every day")
    assert "Days: Every day" in (liisa.bot_messages()[-1].text or "")
    async with harness.db.session() as session:
        rows = (
            await session.exec(
                select(CheckinSchedule).where(
                    CheckinSchedule.client_id == desk.ids["liisa"],
                    CheckinSchedule.active == True,  # noqa: E712
                )
            )
        ).all()
    assert sorted((r.local_time, r.weekdays) for r in rows) == [
        (dt.time(10), "1234567"),
        (dt.time(14, 30), "1234567"),
    ]
    await _at(harness, clock, utc(2026, 3, 2, 12, 30))  # Monday 14.30
    assert _check_ins(liisa) == 2
    await _at(harness, clock, utc(2026, 3, 7, 8, 0))  # Saturday 10.00: every day now
    assert _check_ins(liisa) == 3
    # Nobody else's check-ins moved; Kaisa was not told of Liisa's own change.
    assert "changed your check-in times" not in everything(desk.kaisa)


async def test_the_coach_sets_the_times_from_the_card_and_the_client_is_told(
    harness: Harness, clock: ManualClock
) -> None:
    desk = await _desk(harness, clock)
    await say(harness, desk.kaisa, "/clients")
    await press(harness, desk.kaisa, "👤 Liisa <L&L>")
    await press(harness, desk.kaisa, "⏰ Check-in times")
    view = desk.kaisa.bot_messages()[-1]
    assert (view.text or "").startswith("⏰ Check-ins of Liisa <L&L>\nTime: 08:00\n")
    assert labels(view)[-1] == "⬅️ Back to the card"
    await press(harness, desk.kaisa, "🕐 Change the time")
    await press(harness, desk.kaisa, "🕘 09:00")
    await harness.settle()
    assert texts(desk.liisa.bot_messages()[-1:]) == (
        "⏰ Kaisa changed your check-in times. Now: 09:00 (Monday–Friday)."
    )
    await press(harness, desk.kaisa, "⬅️ Back to the card")
    assert (desk.kaisa.bot_messages()[-1].text or "").startswith("👤 Liisa <L&L>")
    await _at(harness, clock, utc(2026, 3, 2, 6, 0))  # Monday 08.00
    assert _check_ins(desk.liisa) == 0
    await _at(harness, clock, utc(2026, 3, 2, 7, 0))  # Monday 09.00
    assert _check_ins(desk.liisa) == 1

    # Another coach's client cannot be changed with a made-up button, nor by the client.
    cilla = desk.ids["cilla"]
    await press(harness, desk.kaisa, data=f"sc:{cilla}:s:0800:0600")
    assert texts(desk.kaisa.bot_messages()[-1:]) == "This is not available to you."
    await press(harness, desk.pekka, data=f"sc:{desk.ids['liisa']}:s:0900:0600")
    assert texts(desk.pekka.bot_messages()[-1:]) == "This is not available to you."
    async with harness.db.session() as session:
        times = {
            s.client_id: s.local_time
            for s in (
                await session.exec(
                    select(CheckinSchedule).where(CheckinSchedule.active == True)  # noqa: E712
                )
            ).all()
        }
    assert times[cilla] == dt.time(8) and times[desk.ids["liisa"]] == dt.time(9)


async def test_a_pause_stops_check_ins_on_its_days_and_the_coach_is_told(
    harness: Harness, clock: ManualClock
) -> None:
    desk = await _desk(harness, clock)
    liisa, kaisa = desk.liisa, desk.kaisa
    await _at(harness, clock, utc(2026, 3, 2, 6, 0))  # Monday 08.00
    assert _check_ins(liisa) == 1
    [start] = await say(harness, liisa, "/pause")
    assert labels(start) == ["📍 Today", "➡️ Tomorrow", "📅 Another day", "✅ Done"]
    await press(harness, liisa, "➡️ Tomorrow")
    assert labels(liisa.bot_messages()[-1]) == [
        "1️⃣ One day",
        "🗓️ One week",
        "🗓️ Two weeks",
        "📅 Until a day I write",
        "↩️ Back",
    ]
    await press(harness, liisa, "📅 Until a day I write")
    [past] = await say(harness, liisa, "2.3.2026")
    assert past.text == "The pause cannot end before it starts."
    [why] = await say(harness, liisa, "4.3.")
    assert why.text == (
        "The pause is from Tuesday, 3 March 2026 to Wednesday, 4 March 2026. What is the reason?"
    )
    await press(harness, liisa, "🤒 Sick")
    assert (liisa.bot_messages()[-1].text or "").startswith(
        "✓ Saved. Your coach is told.\n\n⏸️ A pause in your check-ins\n\n"
        "Check-ins are paused from Tuesday, 3 March 2026 to Wednesday, 4 March 2026. "
        "Reason: 🤒 Sick."
    )
    await harness.settle()
    assert texts(kaisa.bot_messages()[-1:]) == (
        "⏸️ Liisa <L&L> paused their check-ins from Tuesday, 3 March 2026 to "
        "Wednesday, 4 March 2026. Reason: 🤒 Sick."
    )

    await _at(harness, clock, utc(2026, 3, 3, 6, 0))  # Tuesday: paused
    await _at(harness, clock, utc(2026, 3, 4, 6, 0))  # Wednesday: paused
    assert _check_ins(liisa) == 1
    assert _check_ins(desk.pekka) == 3  # Pekka's check-ins go on
    await _at(harness, clock, utc(2026, 3, 5, 6, 0))  # Thursday: back
    assert _check_ins(liisa) == 2

    # A pause from today, ended early: the coach hears both; today's open check-in is not missed.
    await say(harness, liisa, "/pause")
    await press(harness, liisa, "📍 Today")
    await press(harness, liisa, "🗓️ One week")
    await press(harness, liisa, "🏖️ Holiday")
    await press(harness, liisa, "▶️ End the pause")
    await harness.settle()
    assert texts(liisa.bot_messages()[-1:]) == (
        "▶️ The pause has ended. Check-ins come again at their times. Your coach is told."
    )
    assert texts(kaisa.bot_messages()[-2:]) == (
        "⏸️ Liisa <L&L> paused their check-ins from Thursday, 5 March 2026 to "
        "Wednesday, 11 March 2026. Reason: 🏖️ Holiday.\n"
        "▶️ Liisa <L&L> ended their pause. Their check-ins continue."
    )
    async with harness.db.session() as session:
        pauses = (
            await session.exec(
                select(CheckinPause).where(CheckinPause.client_id == desk.ids["liisa"])
            )
        ).all()
    assert [(p.starts_on, p.ends_on) for p in pauses] == [
        (dt.date(2026, 3, 3), dt.date(2026, 3, 4))
    ]
    await _at(harness, clock, utc(2026, 3, 6, 6, 0))  # Friday
    assert _check_ins(liisa) == 3


async def test_the_coach_pauses_from_the_card_and_the_client_is_told(
    harness: Harness, clock: ManualClock
) -> None:
    desk = await _desk(harness, clock)
    await say(harness, desk.kaisa, "/clients")
    await press(harness, desk.kaisa, "👤 Pekka")
    await press(harness, desk.kaisa, "⏸️ Pause")
    assert (desk.kaisa.bot_messages()[-1].text or "").startswith(
        "⏸️ A pause in the check-ins of Pekka"
    )
    await press(harness, desk.kaisa, "📍 Today")
    await press(harness, desk.kaisa, "🗓️ Two weeks")
    await press(harness, desk.kaisa, "🏥 Hospital")
    await harness.settle()
    assert (desk.kaisa.bot_messages()[-1].text or "").startswith("✓ Saved. Pekka is told.")
    assert labels(desk.kaisa.bot_messages()[-1]) == ["▶️ End the pause", "⬅️ Back to the card"]
    assert texts(desk.pekka.bot_messages()[-1:]) == (
        "⏸️ Kaisa paused your check-ins from Sunday, 1 March 2026 to Saturday, 14 March 2026. "
        "Reason: 🏥 Hospital.\n"
        "You can still write to Kaisa here at any time."
    )
    await _at(harness, clock, utc(2026, 3, 2, 6, 0))
    assert _check_ins(desk.pekka) == 0
    assert _check_ins(desk.liisa) == 1
    # The client sees the pause in /pause and in /schedule.
    [shown] = await say(harness, desk.pekka, "/schedule")
    assert "⏸️ Paused from Sunday, 1 March 2026 to Saturday, 14 March 2026." in (shown.text or "")


async def test_settings_turn_encouragement_off_and_the_morning_summary_off(
    harness: Harness, clock: ManualClock
) -> None:
    desk = await _desk(harness, clock)
    liisa = desk.liisa
    [shown] = await say(harness, liisa, "/settings")
    assert shown.text == (
        "⚙️ Your settings\n"
        "🌱 Encouragement after check-ins: on\n"
        "🌙 Quiet hours: 22:00–07:00. Messages in these hours come without a sound."
    )
    assert labels(shown) == ["🔕 Turn encouragement off", "🌙 Quiet hours", "✅ Done"]
    await press(harness, liisa, "🔕 Turn encouragement off")
    assert liisa.callback_answers[-1] == "✓ Saved."
    assert "🌱 Encouragement after check-ins: off" in (liisa.bot_messages()[-1].text or "")
    await press(harness, liisa, "🌙 Quiet hours")
    await press(harness, liisa, "🔔 No quiet hours")
    assert "🌙 Quiet hours: none." in (liisa.bot_messages()[-1].text or "")
    async with harness.db.session() as session:
        row = await session.get(Preference, desk.ids["liisa"])
        assert row is not None and row.encouragement is False
        assert row.quiet_start == row.quiet_end

    # Three mornings as planned: no encouragement for Liisa, who turned it off.
    for day in (2, 3, 4):
        await _at(harness, clock, utc(2026, 3, day, 6, 0))
        await _normal_day(harness, liisa)
    async with harness.db.session() as session:
        assert (
            await encouragement.choose(session, client_id=desk.ids["liisa"], now=clock.now())
            is None
        )
        found = await encouragement.choose(session, client_id=desk.ids["pekka"], now=clock.now())
        assert found is None  # Pekka did not answer

    # A coach: the morning summary off, working hours typed.
    kaisa = desk.kaisa
    [coach_view] = await say(harness, kaisa, "/settings")
    assert coach_view.text == (
        "⚙️ Your settings\n"
        "📬 Morning summary: on, at the start of your working hours\n"
        "🕗 Working hours: 08:00–16:00, Monday–Friday"
    )
    await press(harness, kaisa, "📭 Turn the morning summary off")
    await press(harness, kaisa, "🕗 Working hours")
    await press(harness, kaisa, "⏰ Other hours")
    [saved] = await say(harness, kaisa, "9.30-17")
    assert saved.text == (
        "✓ Saved.\n\n⚙️ Your settings\n"
        "📬 Morning summary: off\n"
        "🕗 Working hours: 09:30–17:00, Monday–Friday"
    )
    # Working days one by one: Friday off.
    await press(harness, kaisa, "📅 Working days", message=saved)
    await press(harness, kaisa, "✏️ Choose the days")
    assert labels(kaisa.bot_messages()[-1]) == [
        "✅ Monday",
        "✅ Tuesday",
        "✅ Wednesday",
        "✅ Thursday",
        "✅ Friday",
        "⬜ Saturday",
        "⬜ Sunday",
        "💾 Save",
        "↩️ Back",
    ]
    await press(harness, kaisa, "✅ Friday")
    assert "⬜ Friday" in labels(kaisa.bot_messages()[-1])
    await press(harness, kaisa, "💾 Save")
    assert (kaisa.bot_messages()[-1].text or "").endswith(
        "🕗 Working hours: 09:30–17:00, Monday, Tuesday, Wednesday, Thursday"
    )
    async with harness.db.session() as session:
        digest = (
            await session.exec(
                select(RecurringNotice).where(
                    RecurringNotice.person_id == desk.ids["kaisa"],
                    RecurringNotice.kind == NoticeKind.DAILY_DIGEST,
                )
            )
        ).one()
    assert digest.next_due_at is None
    before = len(kaisa.bot_messages())
    await _at(harness, clock, utc(2026, 3, 5, 7, 30))  # Thursday 09.30
    assert not any("Good morning" in (m.text or "") for m in kaisa.bot_messages()[before:])
    # Olli keeps his: it comes at the start of his working hours.
    assert any("Good morning" in (m.text or "") for m in desk.olli.bot_messages())


async def test_the_weekly_summary_counts_the_week_in_plain_words(
    harness: Harness, clock: ManualClock
) -> None:
    desk = await _desk(harness, clock)
    liisa = desk.liisa
    for day in (2, 3, 4, 5):  # Monday to Thursday as planned; Friday missed
        await _at(harness, clock, utc(2026, 3, day, 6, 0))
        await _normal_day(harness, liisa)
    await _at(harness, clock, utc(2026, 3, 6, 6, 0))
    await _at(harness, clock, utc(2026, 3, 8, 15, 59))  # Sunday 17.59
    assert not any("Your week" in (m.text or "") for m in liisa.bot_messages())
    await _at(harness, clock, utc(2026, 3, 8, 16, 0))  # Sunday 18.00
    summaries = [m for m in liisa.bot_messages() if (m.text or "").startswith("🗓️ Your week")]
    assert [m.text for m in summaries] == [
        "🗓️ Your week\n"
        "This week you answered 4 of 5 check-ins.\n"
        "You got up as planned on 4 of 5 mornings.\n"
        "Have a good week!"
    ]
    # Cilla answered nothing but had check-ins; a client with none (paused all week) gets none.
    assert any((m.text or "").startswith("🗓️ Your week") for m in desk.cilla.bot_messages())
    assert "This week you answered 0 of 5 check-ins." in everything(desk.cilla)
    # Once a week only.
    await _at(harness, clock, utc(2026, 3, 8, 17, 0))
    assert len([m for m in liisa.bot_messages() if "Your week" in (m.text or "")]) == 1


async def test_the_morning_summary_lists_who_answered_and_who_missed_with_buttons_to_the_cards(
    harness: Harness, clock: ManualClock
) -> None:
    desk = await _desk(harness, clock)
    kaisa = desk.kaisa
    await _at(harness, clock, utc(2026, 3, 2, 6, 0))  # Monday 08.00
    # Nothing to tell yet on the first morning: no summary.
    assert not any("Good morning" in (m.text or "") for m in kaisa.bot_messages())
    await _normal_day(harness, desk.liisa)
    await say(harness, desk.pekka, "Can we talk <today>?")
    async with harness.db.session() as session:
        session.add(
            Flag(client_id=desk.ids["pekka"], kind=FlagKind.CONTACT_REQUEST, raised_at=clock.now())
        )
    await _at(harness, clock, utc(2026, 3, 3, 6, 0))  # Tuesday 08.00
    [digest] = [m for m in kaisa.bot_messages() if "Good morning" in (m.text or "")]
    assert digest.text == (
        "☀️ Good morning! This is how your clients are doing.\n"
        "✅ Answered: Liisa <L&L>\n"
        "❌ Missed: Pekka (1 check-in)\n"
        "🚩 Open flags: Pekka (1 flag)\n"
        "💬 New messages: Pekka (1 message)\n"
        "Open a client's card:"
    )
    assert labels(digest) == ["👤 Pekka", "👤 Liisa <L&L>"]
    # Olli's summary names only his own client.
    [olli] = [m for m in desk.olli.bot_messages() if "Good morning" in (m.text or "")]
    assert olli.text == (
        "☀️ Good morning! This is how your clients are doing.\n"
        "❌ Missed: Cilla (1 check-in)\n"
        "Open a client's card:"
    )

    await press(harness, kaisa, "👤 Pekka", message=digest)
    card = kaisa.bot_messages()[-1]
    assert (card.text or "").startswith("👤 Pekka\nStatus: in coaching")
    # A made-up card button for someone else's client is refused.
    await press(harness, kaisa, data=f"cl:c:{desk.ids['cilla']}:0", message=digest)
    assert texts(kaisa.bot_messages()[-1:]) == "This is not available to you."
