"""A person's choices (/settings): a client's encouragement and quiet hours; a coach's morning
summary (the daily digest) and working hours.

The Preference row is created on the first change; until then the defaults of the model hold
(encouragement on, quiet 22-07, working Monday-Friday 8-16, digest on). Quiet hours whose start
equals their end mean "no quiet hours". Changing a coach's digest or working hours moves the
next digest (bot/services/summaries.py).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.models.people import Preference
from bot.services.errors import DomainError
from bot.services.schedules import parse_time
from bot.text.i18n import N_

NO_QUIET = (dt.time(0, 0), dt.time(0, 0))
# Offered as buttons: key (for callback data) → (start, end).
QUIET_PRESETS: dict[str, tuple[dt.time, dt.time]] = {
    "2207": (dt.time(22, 0), dt.time(7, 0)),
    "2108": (dt.time(21, 0), dt.time(8, 0)),
    "2306": (dt.time(23, 0), dt.time(6, 0)),
}
WORKING_PRESETS: dict[str, tuple[dt.time, dt.time]] = {
    "0816": (dt.time(8, 0), dt.time(16, 0)),
    "0917": (dt.time(9, 0), dt.time(17, 0)),
    "0715": (dt.time(7, 0), dt.time(15, 0)),
}

BAD_HOURS = N_("Working hours must start before they end.")
NO_DAYS = N_("Choose at least one day.")

_SPAN = re.compile(r"^\s*(.+?)\s*[-–—]\s*(.+?)\s*$")


class PreferenceError(DomainError):
    """A choice the rules refuse; the person is told why in their language."""


def defaults(person_id: int) -> Preference:
    """The choices of someone who never changed anything (not added to the session)."""
    return Preference(person_id=person_id)


async def of(session: AsyncSession, *, person_id: int) -> Preference:
    """The person's choices: their row, or the defaults (not saved)."""
    found = await session.get(Preference, person_id)
    return found if found is not None else defaults(person_id)


async def change(
    session: AsyncSession, *, person_id: int, now: dt.datetime, **values: Any
) -> Preference:
    """Save changed choices, creating the row on the first change."""
    row = await session.get(Preference, person_id)
    if row is None:
        row = defaults(person_id)
        session.add(row)
    for name, value in values.items():
        if name not in Preference.model_fields or name == "person_id":
            raise ValueError(f"no preference {name!r}")
        setattr(row, name, value)
    row.updated_at = now
    await session.flush()
    return row


def has_quiet_hours(preference: Preference) -> bool:
    """Are there quiet hours at all (start and end differ)?"""
    return preference.quiet_start != preference.quiet_end


def parse_hours(text: str) -> tuple[dt.time, dt.time] | None:
    """Working hours as people type them: 8-16, 8.30–16.30, 08:00 - 16:00; None if unclear.

    The start must come before the end (no working hours over midnight).
    """
    match = _SPAN.match(text)
    if match is None:
        return None
    start, end = parse_time(match.group(1)), parse_time(match.group(2))
    if start is None or end is None or start >= end:
        return None
    return start, end


async def set_working_hours(
    session: AsyncSession, *, person_id: int, start: dt.time, end: dt.time, now: dt.datetime
) -> Preference:
    """A coach's working hours (start before end)."""
    if start >= end:
        raise PreferenceError(f"working hours {start}-{end}", user_message=BAD_HOURS)
    return await change(session, person_id=person_id, now=now, working_start=start, working_end=end)


async def set_working_days(
    session: AsyncSession, *, person_id: int, days: str, now: dt.datetime
) -> Preference:
    """A coach's working days (ISO weekdays, at least one)."""
    clean = "".join(sorted({d for d in days if d in "1234567"}))
    if not clean:
        raise PreferenceError("no working days", user_message=NO_DAYS)
    return await change(session, person_id=person_id, now=now, working_days=clean)
