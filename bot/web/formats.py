"""Dates, times and numbers on the desk's pages in the coach's language and timezone, as the
chat writes them (bot/text/dates.py) and Babel's numbers (the filters the templates use:
`moment`, `day`, `long_day`, `time`, `number`, `percent`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any
from zoneinfo import ZoneInfo

from babel.numbers import format_decimal, format_percent

from bot.text import dates, i18n

_timezone: ContextVar[str] = ContextVar("desk_timezone", default="Europe/Helsinki")


@contextmanager
def use_timezone(timezone: str) -> Iterator[None]:
    token = _timezone.set(timezone)
    try:
        yield
    finally:
        _timezone.reset(token)


def moment(when: dt.datetime | None) -> str:
    """A moment in the coach's timezone, short: 2.3.2026 klo 9.05."""
    if when is None:
        return ""
    return dates.format_datetime(when, timezone=_timezone.get(), format="short")


def day(when: dt.datetime | dt.date | None) -> str:
    """A day without its year: 2.3. (fi), 2 mars (sv), Mar 2 (en)."""
    if when is None:
        return ""
    if isinstance(when, dt.datetime):
        when = when.astimezone(_zone()).date()
    return dates.format_day_month(when)


def long_day(when: dt.date | dt.datetime | None) -> str:
    if when is None:
        return ""
    if isinstance(when, dt.datetime):
        when = when.astimezone(_zone()).date()
    return dates.format_date(when, format="medium")


def time(when: dt.datetime | dt.time | None) -> str:
    if when is None:
        return ""
    return dates.format_time(when, timezone=_timezone.get())


def number(value: float | int, digits: int = 0) -> str:
    pattern = "#,##0" + ("." + "0" * digits if digits else "")
    return format_decimal(value, format=pattern, locale=dates.babel_locale(i18n.current_locale()))


def percent(value: float) -> str:
    return format_percent(value, locale=dates.babel_locale(i18n.current_locale()))


def _zone() -> dt.tzinfo:
    return ZoneInfo(_timezone.get())


FILTERS: dict[str, Callable[..., Any]] = {
    "moment": moment,
    "day": day,
    "long_day": long_day,
    "time": time,
    "number": number,
    "percent": percent,
}
