"""Check-in schedules: the times and weekdays at which a client gets their check-in."""

from __future__ import annotations

import datetime as dt
import functools
from zoneinfo import ZoneInfo

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.models.checkins import CheckinSchedule
from bot.text import dates

WEEKDAYS = "12345"
EVERY_DAY = "1234567"


def parse_time(text: str) -> dt.time | None:
    """A time of day as people type it: 8, 8.30, 08:30, klo 8.30, kl 8:30, 1 pm; None if unclear.

    `bot.text.dates.read_time` says why not.
    """
    return dates.read_time(text).time


async def schedules_of(session: AsyncSession, *, client_id: int) -> list[CheckinSchedule]:
    rows = await session.exec(
        select(CheckinSchedule)
        .where(CheckinSchedule.client_id == client_id, CheckinSchedule.active == True)  # noqa: E712
        .order_by(col(CheckinSchedule.local_time))
    )
    return list(rows.all())


async def set_single_time(
    session: AsyncSession,
    *,
    client_id: int,
    local_time: dt.time,
    timezone: str,
    now: dt.datetime,
    weekdays: str = WEEKDAYS,
) -> CheckinSchedule:
    """Give the client one daily check-in time (replacing the times they had)."""
    existing = await schedules_of(session, client_id=client_id)
    for schedule in existing:
        schedule.active = False
        schedule.updated_at = now
    schedule = CheckinSchedule(
        client_id=client_id,
        local_time=local_time,
        weekdays=weekdays,
        timezone=timezone,
        active=True,
        next_due_at=next_occurrence(
            local_time=local_time, weekdays=weekdays, timezone=timezone, after=now
        ),
        created_at=now,
        updated_at=now,
    )
    session.add(schedule)
    await session.flush()
    return schedule


def _wall_clock_exists(naive: dt.datetime, zone: ZoneInfo) -> bool:
    aware = naive.replace(tzinfo=zone)
    return aware.astimezone(dt.UTC).astimezone(zone).replace(tzinfo=None) == naive


@functools.lru_cache(maxsize=4096)
def resolve_local(naive: dt.datetime, zone: ZoneInfo) -> dt.datetime:
    """The UTC moment of a wall-clock time on a given day.

    A time that does not exist (the hour skipped when clocks go forward) resolves to the first
    valid minute after it; a time that happens twice (the hour repeated when clocks go back)
    resolves to its first occurrence, so it fires once.
    """
    candidate = naive
    for _ in range(24 * 60):
        if _wall_clock_exists(candidate, zone):
            return candidate.replace(tzinfo=zone, fold=0).astimezone(dt.UTC)
        candidate = (candidate + dt.timedelta(minutes=1)).replace(second=0, microsecond=0)
    raise ValueError(f"no valid time near {naive} in {zone}")


@functools.lru_cache(maxsize=4096)
def next_occurrence(
    *, local_time: dt.time, weekdays: str, timezone: str, after: dt.datetime
) -> dt.datetime | None:
    """The first moment strictly after `after` at which the schedule falls due (UTC).

    None when the schedule has no weekdays.
    """
    days = {int(d) for d in weekdays if d.isdigit() and 1 <= int(d) <= 7}
    if not days:
        return None
    zone = ZoneInfo(timezone)
    start = after.astimezone(zone).date()
    for offset in range(0, 9):
        day = start + dt.timedelta(days=offset)
        if day.isoweekday() not in days:
            continue
        moment = resolve_local(dt.datetime.combine(day, local_time), zone)
        if moment > after:
            return moment
    return None
