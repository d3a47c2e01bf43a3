"""Moments for tests, written as the numbers of a date and a time."""

from __future__ import annotations

import datetime as dt


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> dt.datetime:
    """A moment in UTC."""
    return dt.datetime(year, month, day, hour, minute, tzinfo=dt.UTC)
