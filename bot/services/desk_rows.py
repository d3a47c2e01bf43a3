"""The caseload as a table for the coach's desk on the web: one row per client on the desk.

Built on `caseload.caseload` (who is on the desk, names, open flags, unread messages, as the chat's
/clients shows them) and adds, in a handful of queries for the whole caseload, what a coach plans
a day from: the phase, the last check-in and its mood, which of the last 14 days had an answer,
the streak of days answered, the next check-in and the plan's emphasis. What a view does not
hold (check-ins in follow-up, another stay's data) is left out through the same clauses.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.models.checkins import Checkin, CheckinSchedule
from bot.models.coaching import Coaching, CoachingStatus
from bot.models.people import Person
from bot.services import access, caseload, plan

STRIP_DAYS = 14
STREAK_DAYS = 28


@dataclass(frozen=True, slots=True)
class DeskRow:
    """One client in the caseload table."""

    entry: caseload.CaseloadEntry
    status: CoachingStatus | None
    last_mood: int | None
    # The last STRIP_DAYS local days, oldest first: True answered, False not (None: not shown).
    answered_days: list[bool] | None
    streak: int
    next_checkin_at: dt.datetime | None
    plan: dict[str, int] = field(default_factory=dict)
    timezone: str = "Europe/Helsinki"

    @property
    def client_id(self) -> int:
        return self.entry.client_id

    @property
    def days_since_answer(self) -> int | None:
        return None if self.answered_days is None else _days_since(self.answered_days)


def _days_since(days: list[bool]) -> int | None:
    for back, answered in enumerate(reversed(days)):
        if answered:
            return back
    return None


async def rows(session: AsyncSession, *, coach_id: int, now: dt.datetime) -> list[DeskRow]:
    """Every client on the coach's desk with what the table shows, by name."""
    entries = await caseload.caseload(session, coach_id=coach_id, now=now)
    if not entries:
        return []
    views = await access.views(session, coach_id=coach_id, now=now)
    ids = [e.client_id for e in entries]
    timezones = {
        person_id: tz
        for person_id, tz in (
            await session.exec(select(Person.id, Person.timezone).where(col(Person.id).in_(ids)))
        ).all()
        if person_id is not None
    }
    statuses = await _statuses(session, views=views)
    answered: dict[int, list[tuple[dt.datetime, int | None]]] = defaultdict(list)
    since = now - dt.timedelta(days=STREAK_DAYS + 1)
    for group, view in caseload._alike(views):
        if not view.checkins:
            continue
        found = await session.exec(
            select(Checkin.client_id, Checkin.answered_at, Checkin.mood)
            .where(
                col(Checkin.client_id).in_(group),
                col(Checkin.answered_at).is_not(None),
                col(Checkin.answered_at) >= since,
                access.checkin_clause(view),
            )
            .order_by(col(Checkin.answered_at))
        )
        for client_id, answered_at, mood in found.all():
            if answered_at is not None:
                answered[client_id].append((answered_at, mood))
    last_moods = await _last_moods(session, views=views)
    next_due = {
        client_id: when
        for client_id, when in (
            await session.exec(
                select(CheckinSchedule.client_id, func.min(CheckinSchedule.next_due_at))
                .where(col(CheckinSchedule.client_id).in_(ids), CheckinSchedule.active == True)  # noqa: E712
                .group_by(col(CheckinSchedule.client_id))
            )
        ).all()
    }
    levels = await plan.levels_of_clients(await session.connection(), client_ids=ids)
    result = []
    for entry in entries:
        view = views[entry.client_id]
        timezone = timezones.get(entry.client_id) or "Europe/Helsinki"
        days = _answered_days(answered[entry.client_id], now=now, timezone=timezone)
        result.append(
            DeskRow(
                entry=entry,
                status=statuses.get(entry.client_id),
                last_mood=last_moods.get(entry.client_id) if view.checkins else None,
                answered_days=days[-STRIP_DAYS:] if view.checkins else None,
                streak=_streak(days) if view.checkins else 0,
                next_checkin_at=next_due.get(entry.client_id) if view.checkins else None,
                # A plan set in another stay is not this organisation's to read.
                plan=levels.get(entry.client_id, {}) if view.since is None else {},
                timezone=timezone,
            )
        )
    return result


def _answered_days(
    answers: list[tuple[dt.datetime, int | None]], *, now: dt.datetime, timezone: str
) -> list[bool]:
    """The last STREAK_DAYS local days up to today, oldest first: was a check-in answered?"""
    zone = ZoneInfo(timezone)
    today = now.astimezone(zone).date()
    days = {when.astimezone(zone).date() for when, _mood in answers}
    return [today - dt.timedelta(days=back) in days for back in range(STREAK_DAYS - 1, -1, -1)]


def _streak(days: list[bool]) -> int:
    """Days answered in a row up to today (today not yet answered does not break it)."""
    streak = 0
    rest = days if days and days[-1] else days[:-1]
    for answered in reversed(rest):
        if not answered:
            break
        streak += 1
    return streak


async def _statuses(
    session: AsyncSession, *, views: dict[int, access.View]
) -> dict[int, CoachingStatus]:
    """The phase of each client: the newest coaching through which the coach sees them."""
    coaching_ids = sorted({c for view in views.values() for c in view.coaching_ids})
    found: dict[int, tuple[dt.datetime, int, CoachingStatus]] = {}
    for coaching in (
        await session.exec(select(Coaching).where(col(Coaching.id).in_(coaching_ids)))
    ).all():
        assert coaching.id is not None
        key = (coaching.created_at, coaching.id, coaching.status)
        known = found.get(coaching.client_id)
        if known is None or key[:2] > known[:2]:
            found[coaching.client_id] = key
    return {client_id: status for client_id, (_c, _i, status) in found.items()}


async def _last_moods(session: AsyncSession, *, views: dict[int, access.View]) -> dict[int, int]:
    """The mood of each client's newest answered check-in that gave one."""
    found: dict[int, int] = {}
    for group, view in caseload._alike(views):
        if not view.checkins:
            continue
        newest = (
            select(func.max(col(Checkin.id)))
            .where(
                col(Checkin.client_id).in_(group),
                col(Checkin.mood).is_not(None),
                access.checkin_clause(view),
            )
            .group_by(col(Checkin.client_id))
        )
        for client_id, mood in (
            await session.exec(
                select(Checkin.client_id, Checkin.mood).where(col(Checkin.id).in_(newest))
            )
        ).all():
            if mood is not None:
                found[client_id] = mood
    return found
