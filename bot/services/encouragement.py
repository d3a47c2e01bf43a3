"""Encouragement after a check-in: a short, sincere line when the client kept their rhythm (got up
as planned) on consecutive check-in days, worded differently from one day to the next.

Rules:
- A check-in day is a local day with at least one check-in that fell due (not cancelled). Days
  without check-ins (days off, paused days) neither count nor break a streak; a day whose
  check-ins have no "got up as planned: yes" breaks it.
- The line comes after the day's first completed check-in, when today is kept and the streak is
  at least two days; never when the client turned encouragement off in /settings.
- The wording: the k-th line in the client's history (k counts their days with a streak of two or
  more) is LINES[(3 × k) mod len(LINES)]. Consecutive lines have consecutive k, so the same line
  never comes twice in a row, and no row has to remember the last one.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.models.checkins import Checkin, CheckinStatus, GotUp
from bot.models.people import Person, Preference
from bot.text.i18n import N_, gettext, ngettext

MIN_STREAK = 2
_STEP = 3  # coprime with len(LINES): every line comes before any repeats

LINES: tuple[str, ...] = (
    N_("🌱 Well done. A steady morning carries the whole day."),
    N_("💪 You kept your rhythm again. That takes effort, and you did it."),
    N_("⭐ Getting up as planned is not always easy. You did it again."),
    N_("🌅 Another morning as planned. Small steps like this add up."),
    N_("👏 Good work. Your days have a rhythm now."),
    N_("☀️ You keep the promise you made to yourself. That matters."),
    N_("🙌 Keep going like this. You are doing well."),
    N_("🌿 Steady days are a good base for everything else. Well done."),
    N_("✨ Your rhythm holds. You can be proud of that."),
    N_("🎯 Right on plan again. One good day after another."),
)


@dataclass(frozen=True, slots=True)
class Encouragement:
    """Which line to show: the streak in days and the index of the wording in LINES."""

    streak: int
    index: int

    def text(self) -> str:
        """The line in the current language."""
        count = ngettext(
            "You got up as planned {days} day in a row.",
            "You got up as planned {days} days in a row.",
            self.streak,
        ).format(days=self.streak)
        return f"{gettext(LINES[self.index])} {count}"


def choose_from_days(kept_by_day: dict[dt.date, bool], today: dt.date) -> Encouragement | None:
    """The encouragement for `today`, from each check-in day's "kept" (got up as planned)."""
    if not kept_by_day.get(today):
        return None
    streak = 0
    shown = 0
    for day in sorted(d for d in kept_by_day if d <= today):
        streak = streak + 1 if kept_by_day[day] else 0
        if streak >= MIN_STREAK:
            shown += 1
    if streak < MIN_STREAK:
        return None
    return Encouragement(streak=streak, index=(_STEP * shown) % len(LINES))


async def choose(
    session: AsyncSession, *, client_id: int, now: dt.datetime
) -> Encouragement | None:
    """The encouragement due after the client's check-in completed now, if any."""
    preference = await session.get(Preference, client_id)
    if preference is not None and not preference.encouragement:
        return None
    person = await session.get(Person, client_id)
    if person is None:
        return None
    zone = ZoneInfo(person.timezone)
    rows = (
        await session.exec(
            select(Checkin.due_at, Checkin.got_up, Checkin.status).where(
                Checkin.client_id == client_id,
                col(Checkin.due_at) <= now,
                col(Checkin.status).notin_([CheckinStatus.CANCELLED, CheckinStatus.SCHEDULED]),
            )
        )
    ).all()
    today = now.astimezone(zone).date()
    kept: dict[dt.date, bool] = defaultdict(bool)
    completed_today = 0
    for due_at, got_up, status in rows:
        day = due_at.astimezone(zone).date()
        kept[day] = kept[day] or got_up == GotUp.YES
        if day == today and status == CheckinStatus.ANSWERED:
            completed_today += 1
    if completed_today > 1:
        return None  # the day's first completed check-in had its line already
    return choose_from_days(dict(kept), today)


async def encouragement_line(
    session: AsyncSession, *, client_id: int, now: dt.datetime
) -> str | None:
    """The line to add after a completed check-in, in the current language; None for none.

    Call it when a check-in has just become complete (status ANSWERED), inside the update's
    locale (the client's), and show the line under the check-in's summary.
    """
    found = await choose(session, client_id=client_id, now=now)
    return found.text() if found is not None else None
