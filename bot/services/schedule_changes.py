"""Changing a client's check-in times and weekdays (/schedule, or the coach from the card).

Rules:
- A client has one to four daily check-in times; all of them share the client's weekdays.
- Changing a time keeps its schedule row (so its check-ins keep their history); adding a time adds
  a row; removing one deactivates its row. The last time cannot be removed: a pause stops
  check-ins instead.
- Every change recomputes the next due time with schedules.next_occurrence in the client's
  timezone. A slot whose check-in the client already had today starts again tomorrow, so a change
  never brings a second check-in for one slot on the same day.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.models.checkins import Checkin, CheckinSchedule, CheckinStatus
from bot.models.people import Person
from bot.services.errors import STALE_BUTTON, DomainError
from bot.services.schedules import EVERY_DAY, WEEKDAYS, next_occurrence, resolve_local, schedules_of
from bot.text.i18n import N_

MAX_TIMES = 4
# The times offered as buttons; any other time can be typed.
COMMON_TIMES = (dt.time(7, 0), dt.time(8, 0), dt.time(9, 0), dt.time(10, 0), dt.time(12, 0))

TIME_TAKEN = N_("There is already a check-in at that time.")
TOO_MANY = N_("Four check-ins a day is the most. Remove a time first.")
LAST_TIME = N_("One check-in time is needed. To stop the check-ins for a while, use a pause.")
NO_DAYS = N_("Choose at least one day.")

# The answer to a press of a button that no longer works (bot/services/errors.py).
STALE = STALE_BUTTON


class ScheduleChangeError(DomainError):
    """A change the rules refuse; the person is told why in their language."""


@dataclass(frozen=True, slots=True)
class ScheduleView:
    """A client's check-in rhythm as the person sees it."""

    client_id: int
    times: tuple[dt.time, ...]
    weekdays: str
    timezone: str
    next_due_at: dt.datetime | None


def normalise_weekdays(text: str) -> str:
    """ISO weekdays as a sorted string without repeats ("531" → "135"); "" when there are none."""
    return "".join(sorted({d for d in text if d in EVERY_DAY}))


def hhmm(at: dt.time) -> str:
    """A time as four digits, for callback data: 08:30 → "0830"."""
    return f"{at.hour:02d}{at.minute:02d}"


def from_hhmm(text: str) -> dt.time | None:
    """The time of four digits such as "0830"; None if it is not one."""
    if len(text) != 4 or not text.isdigit():
        return None
    hour, minute = int(text[:2]), int(text[2:])
    if hour > 23 or minute > 59:
        return None
    return dt.time(hour, minute)


def weekdays_of(schedules: Sequence[CheckinSchedule]) -> str:
    """The client's weekdays: those of their earliest time (all times share them)."""
    for schedule in schedules:
        days = normalise_weekdays(schedule.weekdays)
        if days:
            return days
    return WEEKDAYS


async def _timezone(session: AsyncSession, client_id: int) -> str:
    person = await session.get(Person, client_id)
    if person is None or person.forgotten_at is not None:
        raise ScheduleChangeError(f"no client {client_id}", user_message=STALE)
    return person.timezone


async def view(session: AsyncSession, *, client_id: int) -> ScheduleView:
    """The client's current times, weekdays and next check-in."""
    timezone = await _timezone(session, client_id)
    schedules = await schedules_of(session, client_id=client_id)
    due = [s.next_due_at for s in schedules if s.next_due_at is not None]
    return ScheduleView(
        client_id=client_id,
        times=tuple(s.local_time for s in schedules),
        weekdays=weekdays_of(schedules) if schedules else WEEKDAYS,
        timezone=timezone,
        next_due_at=min(due) if due else None,
    )


async def _had_today(session: AsyncSession, schedule: CheckinSchedule, now: dt.datetime) -> bool:
    """Did this slot already bring the client a check-in today (their local day)?"""
    if schedule.id is None:
        return False
    zone = ZoneInfo(schedule.timezone)
    midnight = resolve_local(dt.datetime.combine(now.astimezone(zone).date(), dt.time(0)), zone)
    found = await session.exec(
        select(Checkin.id).where(
            Checkin.schedule_id == schedule.id,
            col(Checkin.due_at) >= midnight,
            col(Checkin.due_at) <= now,
            col(Checkin.status) != CheckinStatus.CANCELLED,
        )
    )
    return found.first() is not None


async def _recompute(session: AsyncSession, schedule: CheckinSchedule, now: dt.datetime) -> None:
    """Set the slot's next due time from now (from tomorrow if it already fired today)."""
    after = now
    if await _had_today(session, schedule, now):
        zone = ZoneInfo(schedule.timezone)
        tomorrow = now.astimezone(zone).date() + dt.timedelta(days=1)
        after = resolve_local(dt.datetime.combine(tomorrow, dt.time(0)), zone) - dt.timedelta(
            microseconds=1
        )
    schedule.next_due_at = next_occurrence(
        local_time=schedule.local_time,
        weekdays=schedule.weekdays,
        timezone=schedule.timezone,
        after=after,
    )
    schedule.updated_at = now


async def set_time(
    session: AsyncSession,
    *,
    client_id: int,
    old: dt.time | None,
    new: dt.time,
    now: dt.datetime,
) -> ScheduleView:
    """Change the time `old` to `new`, or add `new` as another daily time when `old` is None."""
    timezone = await _timezone(session, client_id)
    schedules = await schedules_of(session, client_id=client_id)
    by_time = {s.local_time: s for s in schedules}
    if old is not None and old not in by_time:
        raise ScheduleChangeError(f"client {client_id} has no time {old}", user_message=STALE)
    if old == new:
        return await view(session, client_id=client_id)
    if new in by_time:
        raise ScheduleChangeError(f"client {client_id} already has {new}", user_message=TIME_TAKEN)
    if old is None:
        if len(schedules) >= MAX_TIMES:
            raise ScheduleChangeError(f"client {client_id} has {MAX_TIMES}", user_message=TOO_MANY)
        schedule = CheckinSchedule(
            client_id=client_id,
            local_time=new,
            weekdays=weekdays_of(schedules) if schedules else WEEKDAYS,
            timezone=timezone,
            active=True,
            created_at=now,
            updated_at=now,
        )
        session.add(schedule)
        await session.flush()
    else:
        schedule = by_time[old]
        schedule.local_time = new
    await _recompute(session, schedule, now)
    await session.flush()
    return await view(session, client_id=client_id)


async def remove_time(
    session: AsyncSession, *, client_id: int, old: dt.time, now: dt.datetime
) -> ScheduleView:
    """Stop one of the client's daily times (never the last one)."""
    await _timezone(session, client_id)
    schedules = await schedules_of(session, client_id=client_id)
    found = [s for s in schedules if s.local_time == old]
    if not found:
        raise ScheduleChangeError(f"client {client_id} has no time {old}", user_message=STALE)
    if len(schedules) <= 1:
        raise ScheduleChangeError(f"client {client_id}: last time", user_message=LAST_TIME)
    for schedule in found:
        schedule.active = False
        schedule.next_due_at = None
        schedule.updated_at = now
    await session.flush()
    return await view(session, client_id=client_id)


async def set_weekdays(
    session: AsyncSession, *, client_id: int, weekdays: str, now: dt.datetime
) -> ScheduleView:
    """Give every one of the client's times these weekdays."""
    await _timezone(session, client_id)
    days = normalise_weekdays(weekdays)
    if not days:
        raise ScheduleChangeError(f"client {client_id}: no days", user_message=NO_DAYS)
    for schedule in await schedules_of(session, client_id=client_id):
        schedule.weekdays = days
        await _recompute(session, schedule, now)
    await session.flush()
    return await view(session, client_id=client_id)
