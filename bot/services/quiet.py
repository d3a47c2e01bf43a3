"""Quiet hours: non-urgent messages that fall in a person's night are sent without a sound."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from zoneinfo import ZoneInfo

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.models.people import Preference

DEFAULT_QUIET = (dt.time(22, 0), dt.time(7, 0))


def is_quiet(when: dt.datetime, timezone: str, start: dt.time, end: dt.time) -> bool:
    """True when `when` falls between start and end in the person's local time (over midnight
    when start is after end)."""
    local = when.astimezone(ZoneInfo(timezone)).time()
    if start <= end:
        return start <= local < end
    return local >= start or local < end


async def quiet_hours(
    session: AsyncSession, *, person_ids: Sequence[int]
) -> dict[int, tuple[dt.time, dt.time]]:
    """Each person's quiet hours (the default for those who never chose)."""
    found = {
        p.person_id: (p.quiet_start, p.quiet_end)
        for p in (
            await session.exec(
                select(Preference).where(col(Preference.person_id).in_(list(person_ids)))
            )
        ).all()
    }
    return {pid: found.get(pid, DEFAULT_QUIET) for pid in person_ids}
