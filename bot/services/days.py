"""Days in a person's zone: the calendar day of a moment, where a day begins and ends, months
added to a date, and whose zone counts (a person's or an organisation's, else the bot's default,
the DEFAULT_TIMEZONE setting). Every rule that speaks of "today" or "that day" asks here.
"""

from __future__ import annotations

import datetime as dt
from typing import Protocol
from zoneinfo import ZoneInfo

from bot.config import DEFAULT_TIMEZONE
from bot.services.schedules import resolve_local

# The default zone, set once at start; a setting, not state: every process sets the same.
_DEFAULT = {"zone": DEFAULT_TIMEZONE}


class Zoned(Protocol):
    """A person or an organisation: anything with a timezone."""

    @property
    def timezone(self) -> str: ...


def use_default_zone(name: str) -> None:
    """Set the zone of people and organisations who have none (the composition root passes the
    DEFAULT_TIMEZONE setting)."""
    ZoneInfo(name)  # a zone that does not exist fails here, at start
    _DEFAULT["zone"] = name


def default_zone() -> str:
    return _DEFAULT["zone"]


def zone_of(owner: Zoned | None) -> str:
    """The zone of a person or an organisation; the default when there is none."""
    if owner is None or not owner.timezone:
        return _DEFAULT["zone"]
    return owner.timezone


def local_day(when: dt.datetime, timezone: str) -> dt.date:
    """The calendar day in the zone at a moment."""
    return when.astimezone(ZoneInfo(timezone)).date()


def start_of_day(day: dt.date, timezone: str) -> dt.datetime:
    """The first moment of a local calendar day, in UTC (midnight exists in every zone we use)."""
    local = dt.datetime.combine(day, dt.time(0, 0), tzinfo=ZoneInfo(timezone))
    return local.astimezone(dt.UTC)


def end_of_day(when: dt.datetime, timezone: str) -> dt.datetime:
    """Midnight after `when` in the timezone, as UTC."""
    zone = ZoneInfo(timezone)
    tomorrow = when.astimezone(zone).date() + dt.timedelta(days=1)
    return resolve_local(dt.datetime.combine(tomorrow, dt.time(0, 0)), zone)


def last_day_before(until: dt.datetime, timezone: str) -> dt.date:
    """The last local day a period ending at `until` (exclusive) covers."""
    return local_day(until - dt.timedelta(microseconds=1), timezone)


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day `months` later (the month's last day when it is shorter)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return dt.date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise ValueError(day)
