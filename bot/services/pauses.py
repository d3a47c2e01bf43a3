"""Pauses of check-ins: from a day to a day (inclusive, in the client's local calendar), with a
reason. Either the client (/pause) or their coach (the card's ⏸️ Pause) sets one; the other is
told (bot/messages/rhythm_notices.py).

On paused days the dispatcher creates no check-ins (checkins.claim_due_schedules skips them), so
there are no reminders either; check-ins already sent for a paused day and not yet answered are
cancelled when the pause is made, so they never count as missed. Missed-check-in flags and
streaks look past paused days: `paused_days` and `is_paused` answer which days those are.

A client has at most one pause that has not yet ended. Ending a pause early keeps the days
already paused; a pause that had not yet begun is simply removed.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.models.checkins import Checkin, CheckinPause, CheckinStatus, PauseReason
from bot.models.people import Person
from bot.services import handover
from bot.services.days import local_day
from bot.services.errors import STALE_BUTTON, DomainError
from bot.services.schedules import resolve_local
from bot.text.i18n import N_

# How far ahead a pause may start or end.
MAX_AHEAD = dt.timedelta(days=366)
# Lengths offered as buttons, in days.
LENGTHS = (1, 7, 14)

IN_THE_PAST = N_("That day is already over. Choose today or a later day.")
ENDS_BEFORE_START = N_("The pause cannot end before it starts.")
TOO_FAR = N_("A pause must end within a year from today.")
ALREADY_PAUSED = N_("There is already a pause. End it first to make a new one.")

# The answer to a press of a button that no longer works (bot/services/errors.py).
STALE = STALE_BUTTON


class PauseError(DomainError):
    """A pause the rules refuse; the person is told why in their language."""


def parse_date(text: str, *, today: dt.date) -> dt.date | None:
    """A day as people type it (24.12., 24.12.2026, 24/12/26, 2026-12-24); None if unclear.

    The same reading as a handover's days: without a year, the next such day from today on.
    """
    return handover.parse_date(text, today=today)


async def _timezone(session: AsyncSession, client_id: int) -> str:
    person = await session.get(Person, client_id)
    if person is None or person.forgotten_at is not None:
        raise PauseError(f"no client {client_id}", user_message=STALE)
    return person.timezone


async def current(
    session: AsyncSession, *, client_id: int, now: dt.datetime
) -> CheckinPause | None:
    """The client's pause that has not yet ended (going on now, or the next one)."""
    today = local_day(now, await _timezone(session, client_id))
    rows = await session.exec(
        select(CheckinPause)
        .where(CheckinPause.client_id == client_id, col(CheckinPause.ends_on) >= today)
        .order_by(col(CheckinPause.starts_on), col(CheckinPause.id))
    )
    return rows.first()


def check_days(*, starts_on: dt.date, ends_on: dt.date | None, today: dt.date) -> None:
    """Refuse days a pause cannot have: past days, an end before the start, too far ahead."""
    if starts_on < today:
        raise PauseError(f"pause starts in the past: {starts_on}", user_message=IN_THE_PAST)
    if starts_on > today + MAX_AHEAD:
        raise PauseError(f"pause starts too far ahead: {starts_on}", user_message=TOO_FAR)
    if ends_on is None:
        return
    if ends_on < starts_on:
        raise PauseError("pause ends before it starts", user_message=ENDS_BEFORE_START)
    if ends_on > today + MAX_AHEAD:
        raise PauseError(f"pause ends too far ahead: {ends_on}", user_message=TOO_FAR)


async def today_of(session: AsyncSession, *, client_id: int, now: dt.datetime) -> dt.date:
    """The client's calendar day now."""
    return local_day(now, await _timezone(session, client_id))


async def start_pause(
    session: AsyncSession,
    *,
    client_id: int,
    created_by_id: int | None,
    starts_on: dt.date,
    ends_on: dt.date,
    reason: PauseReason,
    now: dt.datetime,
) -> CheckinPause:
    """Pause the client's check-ins from `starts_on` to `ends_on` (both included)."""
    timezone = await _timezone(session, client_id)
    today = local_day(now, timezone)
    check_days(starts_on=starts_on, ends_on=ends_on, today=today)
    if await current(session, client_id=client_id, now=now) is not None:
        raise PauseError(f"client {client_id} already has a pause", user_message=ALREADY_PAUSED)
    pause = CheckinPause(
        client_id=client_id,
        created_by_id=created_by_id,
        starts_on=starts_on,
        ends_on=ends_on,
        reason=reason,
        created_at=now,
    )
    session.add(pause)
    await session.flush()
    await _cancel_open_checkins(
        session, client_id=client_id, timezone=timezone, first=starts_on, last=ends_on, now=now
    )
    return pause


async def _cancel_open_checkins(
    session: AsyncSession,
    *,
    client_id: int,
    timezone: str,
    first: dt.date,
    last: dt.date,
    now: dt.datetime,
) -> int:
    """Cancel check-ins of paused days that wait for a first answer (not answered ones)."""
    zone = ZoneInfo(timezone)
    begins = resolve_local(dt.datetime.combine(first, dt.time(0)), zone)
    ends = resolve_local(dt.datetime.combine(last + dt.timedelta(days=1), dt.time(0)), zone)
    result = await session.exec(
        sa.update(Checkin)
        .where(
            col(Checkin.client_id) == client_id,
            col(Checkin.status).in_([CheckinStatus.SCHEDULED, CheckinStatus.SENT]),
            col(Checkin.answered_at).is_(None),
            col(Checkin.due_at) >= begins,
            col(Checkin.due_at) < ends,
        )
        .values(status=CheckinStatus.CANCELLED, updated_at=now)
    )
    return int(result.rowcount)


async def end_pause(
    session: AsyncSession, *, client_id: int, pause_id: int, now: dt.datetime
) -> CheckinPause:
    """End the pause now: check-ins come again from their next time.

    A pause that is going on keeps its past days (it ends yesterday); one that has not begun is
    removed. Returns the pause as it was before it ended (for the notices).
    """
    timezone = await _timezone(session, client_id)
    today = local_day(now, timezone)
    pause = await session.get(CheckinPause, pause_id)
    if pause is None or pause.client_id != client_id or pause.ends_on < today:
        raise PauseError(
            f"pause {pause_id} is not an open pause of {client_id}", user_message=STALE
        )
    before = CheckinPause(
        id=pause.id,
        client_id=pause.client_id,
        created_by_id=pause.created_by_id,
        starts_on=pause.starts_on,
        ends_on=pause.ends_on,
        reason=PauseReason(pause.reason),
        created_at=pause.created_at,
    )
    if pause.starts_on >= today:
        await session.delete(pause)
    else:
        pause.ends_on = today - dt.timedelta(days=1)
    await session.flush()
    return before


async def paused_days(
    session: AsyncSession, *, client_ids: Sequence[int], first: dt.date, last: dt.date
) -> dict[int, set[dt.date]]:
    """For each client, their paused days between `first` and `last` (both included)."""
    found: dict[int, set[dt.date]] = defaultdict(set)
    if not client_ids or last < first:
        return found
    rows = await session.exec(
        select(CheckinPause).where(
            col(CheckinPause.client_id).in_(list(client_ids)),
            col(CheckinPause.ends_on) >= first,
            col(CheckinPause.starts_on) <= last,
        )
    )
    for pause in rows.all():
        day = max(pause.starts_on, first)
        while day <= min(pause.ends_on, last):
            found[pause.client_id].add(day)
            day += dt.timedelta(days=1)
    return found


async def is_paused(session: AsyncSession, *, client_id: int, day: dt.date) -> bool:
    """Is the client's day `day` (their local calendar) paused?"""
    rows = await session.exec(
        select(CheckinPause.id).where(
            CheckinPause.client_id == client_id,
            col(CheckinPause.starts_on) <= day,
            col(CheckinPause.ends_on) >= day,
        )
    )
    return rows.first() is not None
