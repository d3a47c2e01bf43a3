"""The rules of a client's rhythm, without Telegram, on a real database: changing check-in times
and days, pauses, settings, encouragement, the weekly summary's figures and the coach's morning
summary, and the recurring notices' rows and claims.
"""

from __future__ import annotations

import datetime as dt
import itertools
import random

import pytest
from sqlmodel import col, select

from bot.messages.recurring import digest_text, weekly_text
from bot.models.checkins import (
    Checkin,
    CheckinPause,
    CheckinSchedule,
    CheckinStatus,
    GotUp,
    NoticeKind,
    PauseReason,
    RecurringNotice,
)
from bot.models.coaching import AssignmentKind, CoachAssignment
from bot.models.flags import Flag, FlagKind
from bot.models.people import Preference
from bot.runtime.db import Database
from bot.services import (
    encouragement,
    pauses,
    preferences,
    schedule_changes,
    schedules,
    summaries,
)
from bot.services.encouragement import LINES, choose_from_days
from bot.services.errors import DomainError
from bot.services.summaries import DigestLine, WeekFigures
from bot.text.i18n import use_locale
from tests.support.moments import utc
from tests.support.world import add_client, add_coach

NOW = dt.datetime(2026, 3, 2, 7, 0, tzinfo=dt.UTC)  # Monday 2 March 2026, 09:00 in Helsinki
HELSINKI = "Europe/Helsinki"


async def _people(db: Database) -> tuple[int, int, int]:
    """A coach and two of her clients."""
    async with db.session() as session:
        coach = await add_coach(session, telegram_user_id=1, name="Kaisa Virtanen", now=NOW)
        liisa = await add_client(
            session,
            coach_id=coach,
            telegram_user_id=2,
            own_name="Lisu",
            given_name="Liisa",
            now=NOW,
        )
        pekka = await add_client(
            session,
            coach_id=coach,
            telegram_user_id=3,
            own_name="Bert",
            given_name="Pekka <P&P>",
            now=NOW,
        )
    return coach, liisa, pekka


async def _checkin(
    db: Database,
    client_id: int,
    due: dt.datetime,
    *,
    got_up: GotUp | None,
    status: CheckinStatus = CheckinStatus.ANSWERED,
    schedule_id: int | None = None,
) -> None:
    async with db.session() as session:
        session.add(
            Checkin(
                client_id=client_id,
                schedule_id=schedule_id,
                due_at=due,
                window_ends_at=due + dt.timedelta(hours=10),
                status=status,
                sent_at=due,
                answered_at=due + dt.timedelta(minutes=5) if got_up is not None else None,
                got_up=got_up,
                questions=["sleep", "got_up", "mood", "day", "note"],
                created_at=due,
                updated_at=due,
            )
        )


# -- check-in times and days -------------------------------------------------------------------


async def test_times_are_changed_added_and_removed_and_the_next_check_in_moves(
    db: Database,
) -> None:
    _coach, liisa, _pekka = await _people(db)
    async with db.session() as session:
        await schedules.set_single_time(
            session, client_id=liisa, local_time=dt.time(8), timezone=HELSINKI, now=NOW
        )
        view = await schedule_changes.view(session, client_id=liisa)
        assert view.times == (dt.time(8),)
        assert view.weekdays == "12345"
        assert view.next_due_at == utc(2026, 3, 3, 6, 0)  # 08:00 has passed today: Tuesday

        # 10.00 is still to come today.
        view = await schedule_changes.set_time(
            session, client_id=liisa, old=dt.time(8), new=dt.time(10), now=NOW
        )
        assert view.times == (dt.time(10),)
        assert view.next_due_at == utc(2026, 3, 2, 8, 0)

        view = await schedule_changes.set_time(
            session, client_id=liisa, old=None, new=dt.time(18, 30), now=NOW
        )
        assert view.times == (dt.time(10), dt.time(18, 30))
        view = await schedule_changes.set_weekdays(
            session, client_id=liisa, weekdays="7531246", now=NOW
        )
        assert view.weekdays == "1234567"
        rows = await schedules.schedules_of(session, client_id=liisa)
        assert {r.weekdays for r in rows} == {"1234567"}

        view = await schedule_changes.remove_time(
            session, client_id=liisa, old=dt.time(10), now=NOW
        )
        assert view.times == (dt.time(18, 30),)
        assert view.next_due_at == utc(2026, 3, 2, 16, 30)
        # The row of the removed time stays for the history of its check-ins, inactive.
        everything = (
            await session.exec(select(CheckinSchedule).where(CheckinSchedule.client_id == liisa))
        ).all()
        assert sorted((s.local_time, s.active) for s in everything) == [
            (dt.time(10), False),
            (dt.time(18, 30), True),
        ]


async def test_a_slot_that_fired_today_starts_again_tomorrow(db: Database) -> None:
    _coach, liisa, _pekka = await _people(db)
    async with db.session() as session:
        schedule = await schedules.set_single_time(
            session, client_id=liisa, local_time=dt.time(8), timezone=HELSINKI, now=NOW
        )
        schedule_id = schedule.id
    await _checkin(db, liisa, utc(2026, 3, 2, 6, 0), got_up=GotUp.YES, schedule_id=schedule_id)
    async with db.session() as session:
        # Moved to 10.00 after today's 08.00 check-in: no second check-in today.
        view = await schedule_changes.set_time(
            session, client_id=liisa, old=dt.time(8), new=dt.time(10), now=NOW
        )
        assert view.next_due_at == utc(2026, 3, 3, 8, 0)


async def test_changes_the_rules_refuse(db: Database) -> None:
    _coach, liisa, _pekka = await _people(db)
    async with db.session() as session:
        await schedules.set_single_time(
            session, client_id=liisa, local_time=dt.time(8), timezone=HELSINKI, now=NOW
        )
        with pytest.raises(DomainError) as last:
            await schedule_changes.remove_time(session, client_id=liisa, old=dt.time(8), now=NOW)
        assert last.value.user_message == schedule_changes.LAST_TIME
        with pytest.raises(DomainError) as stale:
            await schedule_changes.set_time(
                session, client_id=liisa, old=dt.time(9), new=dt.time(10), now=NOW
            )
        assert stale.value.user_message == schedule_changes.STALE
        for hour in (9, 10, 11):
            await schedule_changes.set_time(
                session, client_id=liisa, old=None, new=dt.time(hour), now=NOW
            )
        with pytest.raises(DomainError) as taken:
            await schedule_changes.set_time(
                session, client_id=liisa, old=dt.time(9), new=dt.time(10), now=NOW
            )
        assert taken.value.user_message == schedule_changes.TIME_TAKEN
        with pytest.raises(DomainError) as many:
            await schedule_changes.set_time(
                session, client_id=liisa, old=None, new=dt.time(12), now=NOW
            )
        assert many.value.user_message == schedule_changes.TOO_MANY
        with pytest.raises(DomainError) as days:
            await schedule_changes.set_weekdays(session, client_id=liisa, weekdays="", now=NOW)
        assert days.value.user_message == schedule_changes.NO_DAYS


# -- pauses ------------------------------------------------------------------------------------


async def test_a_pause_cancels_the_open_check_ins_of_its_days_and_can_end_early(
    db: Database,
) -> None:
    coach, liisa, pekka = await _people(db)
    await _checkin(db, liisa, utc(2026, 3, 2, 6, 0), got_up=None, status=CheckinStatus.SENT)
    await _checkin(db, pekka, utc(2026, 3, 2, 6, 0), got_up=None, status=CheckinStatus.SENT)
    async with db.session() as session:
        pause = await pauses.start_pause(
            session,
            client_id=liisa,
            created_by_id=liisa,
            starts_on=dt.date(2026, 3, 2),
            ends_on=dt.date(2026, 3, 8),
            reason=PauseReason.SICK,
            now=NOW,
        )
        assert pause.id is not None
        statuses = dict((await session.exec(select(Checkin.client_id, Checkin.status))).all())
        # Today's unanswered check-in of the paused client will never count as missed.
        assert statuses == {liisa: CheckinStatus.CANCELLED, pekka: CheckinStatus.SENT}
        assert await pauses.is_paused(session, client_id=liisa, day=dt.date(2026, 3, 8))
        assert not await pauses.is_paused(session, client_id=liisa, day=dt.date(2026, 3, 9))
        found = await pauses.paused_days(
            session,
            client_ids=[liisa, pekka],
            first=dt.date(2026, 3, 1),
            last=dt.date(2026, 3, 3),
        )
        assert found == {liisa: {dt.date(2026, 3, 2), dt.date(2026, 3, 3)}}
        with pytest.raises(DomainError) as again:
            await pauses.start_pause(
                session,
                client_id=liisa,
                created_by_id=coach,
                starts_on=dt.date(2026, 3, 10),
                ends_on=dt.date(2026, 3, 11),
                reason=PauseReason.OTHER,
                now=NOW,
            )
        assert again.value.user_message == pauses.ALREADY_PAUSED

    # Ended on Thursday: Monday to Wednesday stay paused.
    thursday = utc(2026, 3, 5, 7, 0)
    async with db.session() as session:
        before = await pauses.end_pause(session, client_id=liisa, pause_id=pause.id, now=thursday)
        assert before.ends_on == dt.date(2026, 3, 8)
        row = await session.get(CheckinPause, pause.id)
        assert row is not None and row.ends_on == dt.date(2026, 3, 4)
        assert await pauses.current(session, client_id=liisa, now=thursday) is None
        # A pause that has not begun is removed when ended.
        later = await pauses.start_pause(
            session,
            client_id=liisa,
            created_by_id=coach,
            starts_on=dt.date(2026, 4, 1),
            ends_on=dt.date(2026, 4, 14),
            reason=PauseReason.HOLIDAY,
            now=thursday,
        )
        assert later.id is not None
        await pauses.end_pause(session, client_id=liisa, pause_id=later.id, now=thursday)
        assert await session.get(CheckinPause, later.id) is None
        with pytest.raises(DomainError):
            await pauses.end_pause(session, client_id=liisa, pause_id=later.id, now=thursday)


def test_the_days_a_pause_cannot_have() -> None:
    today = dt.date(2026, 3, 2)
    pauses.check_days(starts_on=today, ends_on=today, today=today)
    for start, end, message in [
        (dt.date(2026, 3, 1), None, pauses.IN_THE_PAST),
        (today, dt.date(2026, 3, 1), pauses.ENDS_BEFORE_START),
        (today, dt.date(2027, 4, 1), pauses.TOO_FAR),
    ]:
        with pytest.raises(DomainError) as refused:
            pauses.check_days(starts_on=start, ends_on=end, today=today)
        assert refused.value.user_message == message
    assert pauses.parse_date("24.12.", today=today) == dt.date(2026, 12, 24)
    assert pauses.parse_date("1.3.", today=today) == dt.date(2027, 3, 1)
    assert pauses.parse_date("soon", today=today) is None


# -- settings ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("8-16", (dt.time(8), dt.time(16))),
        ("8.30–16.30", (dt.time(8, 30), dt.time(16, 30))),
        ("08:00 - 15:45", (dt.time(8), dt.time(15, 45))),
        ("16-8", None),
        ("8", None),
        ("morning", None),
    ],
)
def test_working_hours_are_read_as_people_type_them(
    typed: str, expected: tuple[dt.time, dt.time] | None
) -> None:
    assert preferences.parse_hours(typed) == expected


async def test_the_first_change_creates_the_preference_row(db: Database) -> None:
    coach, liisa, _pekka = await _people(db)
    async with db.session() as session:
        assert await session.get(Preference, liisa) is None
        assert (await preferences.of(session, person_id=liisa)).encouragement is True
        await preferences.change(session, person_id=liisa, now=NOW, encouragement=False)
        await preferences.set_working_days(session, person_id=coach, days="531", now=NOW)
        with pytest.raises(DomainError):
            await preferences.set_working_hours(
                session, person_id=coach, start=dt.time(16), end=dt.time(8), now=NOW
            )
    async with db.session() as session:
        row = await session.get(Preference, liisa)
        assert row is not None and row.encouragement is False
        assert row.quiet_start == dt.time(22)  # the rest keeps its defaults
        coach_row = await session.get(Preference, coach)
        assert coach_row is not None and coach_row.working_days == "135"


# -- encouragement -----------------------------------------------------------------------------


def _days(pattern: str, first: dt.date = dt.date(2026, 1, 5)) -> dict[dt.date, bool]:
    """One check-in day per character: y kept, n not kept, . no check-in that day."""
    return {first + dt.timedelta(days=i): c == "y" for i, c in enumerate(pattern) if c in "yn"}


def test_a_streak_needs_two_kept_check_in_days_and_skips_days_without_check_ins() -> None:
    days = _days("nyy..y")
    last = max(days)
    found = choose_from_days(days, last)
    assert found is not None and found.streak == 3  # the weekend breaks nothing
    assert choose_from_days(_days("ny"), dt.date(2026, 1, 6)) is None  # one day is no streak
    assert choose_from_days(_days("yyn"), dt.date(2026, 1, 7)) is None  # not kept today


def test_the_same_wording_never_comes_twice_in_a_row() -> None:
    assert len(LINES) >= 8
    generator = random.Random(4)
    for _round in range(200):
        pattern = "".join(generator.choice("yyyyn.") for _ in range(60))
        days = _days(pattern)
        shown = []
        for day in sorted(days):
            found = choose_from_days(days, day)
            if found is not None:
                shown.append(found.index)
        assert all(a != b for a, b in itertools.pairwise(shown)), pattern
    # Over ten days running, every wording is used once.
    days = _days("y" * 11)
    seen = {choose_from_days(days, d).index for d in sorted(days)[1:]}  # type: ignore[union-attr]
    assert len(seen) == len(LINES)


async def test_encouragement_after_a_completed_check_in(db: Database) -> None:
    _coach, liisa, _pekka = await _people(db)
    # Thursday, Friday, (weekend), Monday kept.
    for day in (5, 6, 9):
        await _checkin(db, liisa, utc(2026, 3, day, 6, 0), got_up=GotUp.YES)
    monday = utc(2026, 3, 9, 6, 10)
    async with db.session() as session:
        with use_locale("en"):
            line = await encouragement.encouragement_line(session, client_id=liisa, now=monday)
    assert line is not None and line.endswith("You got up as planned 3 days in a row.")
    assert line.split(" You got up")[0] in LINES

    # A second completed check-in the same day gets no second line.
    await _checkin(db, liisa, utc(2026, 3, 9, 10, 0), got_up=GotUp.YES)
    async with db.session() as session:
        second = await encouragement.encouragement_line(
            session, client_id=liisa, now=utc(2026, 3, 9, 10, 10)
        )
        assert second is None
        await preferences.change(session, person_id=liisa, now=monday, encouragement=False)
    async with db.session() as session:
        assert await encouragement.choose(session, client_id=liisa, now=monday) is None


# -- the weekly summary and the morning summary ------------------------------------------------


async def test_the_week_in_counts(db: Database) -> None:
    _coach, liisa, _pekka = await _people(db)
    # Monday to Friday 9-13 March: four got up as planned, Thursday missed; Saturday paused.
    for day, got_up in [(9, GotUp.YES), (10, GotUp.YES), (11, GotUp.LATER), (13, GotUp.YES)]:
        await _checkin(db, liisa, utc(2026, 3, day, 6, 0), got_up=got_up)
    await _checkin(db, liisa, utc(2026, 3, 12, 6, 0), got_up=None, status=CheckinStatus.MISSED)
    # The week before does not count; a cancelled one neither. One after last Sunday's summary
    # (Sunday 8 March, 20.00) counts in this one.
    await _checkin(db, liisa, utc(2026, 3, 6, 6, 0), got_up=GotUp.YES)
    await _checkin(db, liisa, utc(2026, 3, 8, 16, 0) - dt.timedelta(minutes=1), got_up=GotUp.YES)
    await _checkin(db, liisa, utc(2026, 3, 8, 18, 0), got_up=GotUp.NO)
    await _checkin(db, liisa, utc(2026, 3, 14, 6, 0), got_up=None, status=CheckinStatus.CANCELLED)
    async with db.session() as session:
        session.add(
            CheckinPause(
                client_id=liisa,
                starts_on=dt.date(2026, 3, 14),
                ends_on=dt.date(2026, 3, 14),
                reason=PauseReason.OTHER,
                created_at=NOW,
            )
        )
    sunday = utc(2026, 3, 15, 16, 0)  # Sunday 18.00 in Helsinki
    async with db.session() as session:
        figures = await summaries.week_figures(
            session, client_id=liisa, timezone=HELSINKI, until=sunday
        )
    assert figures == WeekFigures(answered=5, total=6, kept_days=3, days=6, paused_days=1)
    with use_locale("en"):
        assert weekly_text(figures, encouragement=True) == (
            "🗓️ Your week\n"
            "This week you answered 5 of 6 check-ins.\n"
            "You got up as planned on 3 of 6 mornings.\n"
            "Your check-ins were paused on 1 day.\n"
            "Have a good week!"
        )
        one = WeekFigures(answered=1, total=1, kept_days=1, days=1, paused_days=0)
        assert weekly_text(one, encouragement=True) == (
            "🗓️ Your week\n"
            "This week you answered 1 of 1 check-in.\n"
            "You got up as planned on 1 of 1 morning.\n"
            "🌱 Every morning as planned. Well done!\n"
            "Have a good week!"
        )
        assert "Well done" not in weekly_text(one, encouragement=False)


async def test_the_morning_summary_lists_answered_missed_paused_flags_and_messages(
    db: Database,
) -> None:
    coach, liisa, pekka = await _people(db)
    tuesday = utc(2026, 3, 3, 6, 0)  # Tuesday 08:00 in Helsinki
    await _checkin(db, liisa, utc(2026, 3, 2, 7, 0), got_up=GotUp.YES)
    await _checkin(db, pekka, utc(2026, 3, 2, 7, 0), got_up=None, status=CheckinStatus.MISSED)
    async with db.session() as session:
        session.add(Flag(client_id=pekka, kind=FlagKind.MISSED_CHECKINS, raised_at=NOW))
        session.add(
            CheckinPause(
                client_id=liisa,
                starts_on=dt.date(2026, 3, 3),
                ends_on=dt.date(2026, 3, 5),
                reason=PauseReason.HOLIDAY,
                created_at=NOW,
            )
        )
    async with db.session() as session:
        lines = await summaries.digest(
            session, coach_id=coach, since=tuesday - dt.timedelta(days=1), now=tuesday
        )
    assert lines == [
        DigestLine(liisa, "Liisa", 1, 0, True, 0, 0),
        DigestLine(pekka, "Pekka <P&P>", 0, 1, False, 1, 0),
    ]
    with use_locale("en"):
        assert digest_text(lines) == (
            "☀️ Good morning! This is how your clients are doing.\n"
            "✅ Answered: Liisa\n"
            "❌ Missed: Pekka &lt;P&amp;P&gt; (1 check-in)\n"
            "⏸️ On a pause: Liisa\n"
            "🚩 Open flags: Pekka &lt;P&amp;P&gt; (1 flag)\n"
            "Open a client's card:"
        )
        assert digest_text([DigestLine(liisa, "Liisa", 0, 0, False, 0, 0)]) is None


async def test_the_morning_summary_goes_to_whoever_answers_for_the_client(db: Database) -> None:
    coach, liisa, pekka = await _people(db)
    async with db.session() as session:
        matti = await add_coach(session, telegram_user_id=9, name="Matti", now=NOW)
        coaching_id = (
            await session.exec(
                select(CoachAssignment.coaching_id).where(CoachAssignment.client_id == liisa)
            )
        ).one()
        session.add(
            CoachAssignment(
                coaching_id=coaching_id,
                client_id=liisa,
                coach_id=matti,
                kind=AssignmentKind.SUBSTITUTE,
                valid_from=NOW,
                valid_until=NOW + dt.timedelta(days=7),
                created_at=NOW,
            )
        )
    async with db.session() as session:
        assert await summaries.clients_answered_for(session, coach_id=coach, now=NOW) == [pekka]
        assert await summaries.clients_answered_for(session, coach_id=matti, now=NOW) == [liisa]
        later = NOW + dt.timedelta(days=8)
        assert await summaries.clients_answered_for(session, coach_id=coach, now=later) == [
            liisa,
            pekka,
        ]


async def test_notice_rows_are_made_for_clients_and_coaches_and_claimed_once(db: Database) -> None:
    coach, liisa, pekka = await _people(db)
    async with db.session() as session:
        added, complete = await summaries.ensure_notices(session, now=NOW)
        assert (added, complete) == (3, True)
        assert await summaries.ensure_notices(session, now=NOW) == (0, True)
        rows = {
            (n.person_id, n.kind): n.next_due_at
            for n in (await session.exec(select(RecurringNotice))).all()
        }
    sunday = utc(2026, 3, 8, 16, 0)  # Sunday 18.00 in Helsinki
    tuesday = utc(2026, 3, 3, 6, 0)  # the coach's next working day starts at 08.00
    assert rows == {
        (liisa, NoticeKind.WEEKLY_SUMMARY): sunday,
        (pekka, NoticeKind.WEEKLY_SUMMARY): sunday,
        (coach, NoticeKind.DAILY_DIGEST): tuesday,
    }
    async with db.session() as session:
        assert await summaries.next_due(session) == tuesday
        # The coach turns the morning summary off: no due time; on again with other hours.
        await preferences.change(session, person_id=coach, now=NOW, daily_digest=False)
        await summaries.reschedule_digest(session, coach_id=coach, now=NOW)
        assert await summaries.next_due(session) == sunday
        await preferences.change(
            session, person_id=coach, now=NOW, daily_digest=True, working_start=dt.time(9)
        )
        await summaries.reschedule_digest(session, coach_id=coach, now=NOW)
        assert await summaries.next_due(session) == utc(2026, 3, 3, 7, 0)

    # Claiming moves each notice on: a second claim (another worker) finds nothing.
    async with db.session() as session:
        taken = await summaries.claim_due(session, now=sunday, limit=10)
    assert sorted((c.person.id or 0, c.kind) for c in taken) == sorted(
        [
            (coach, NoticeKind.DAILY_DIGEST),
            (liisa, NoticeKind.WEEKLY_SUMMARY),
            (pekka, NoticeKind.WEEKLY_SUMMARY),
        ]
    )
    async with db.session() as session:
        assert await summaries.claim_due(session, now=sunday, limit=10) == []
        moved = dict(
            (
                await session.exec(
                    select(RecurringNotice.person_id, RecurringNotice.next_due_at).where(
                        col(RecurringNotice.kind) == NoticeKind.WEEKLY_SUMMARY
                    )
                )
            ).all()
        )
    assert moved == {liisa: utc(2026, 3, 15, 16, 0), pekka: utc(2026, 3, 15, 16, 0)}
