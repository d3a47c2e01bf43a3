"""Flags: a client who needs a human, raised by a rule, delivered to the right coach at the right
time, and escalated when urgent and not acknowledged.

One open flag per client and cause: a new occurrence adds to the open one instead of repeating it.
A flag that is not urgent waits for the coach's working hours. An urgent one goes at once; if the
coach has not acknowledged it in 30 minutes, it goes to the organisation's backup (and an alert
without content to the team chat), and when the backup cannot be reached, to every admin.

The backup and the admins are told what to do, not the client's health: the client's name, that it
is urgent, how to reach the client and their coach, and buttons (bot/messages/flag_notices.py). The
one who takes it over ("I'll contact") stands in for the coach as a substitute until the coach is
back at work (the start of their first working hours after today: `cover_until`), and then sees what
a substitute sees (bot/services/access.py).
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections import defaultdict
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.models.checkins import Checkin, CheckinStatus
from bot.models.coaching import Coaching
from bot.models.flags import Flag, FlagEvent, FlagEventKind, FlagKind, FlagStatus, FlagUrgency
from bot.models.people import Membership, Organisation, Person, Preference, Role
from bot.services import access, handover, reachability, routing
from bot.services.schedules import resolve_local
from bot.services.sql import insert_ignoring_conflicts, table_of

ESCALATE_AFTER = dt.timedelta(minutes=30)
DEFAULT_WORKING = ("12345", dt.time(8, 0), dt.time(16, 0))


@dataclass(frozen=True, slots=True)
class Thresholds:
    """How many days of low mood, how many missed check-ins running, and how many check-ins
    running with too much work or a hard time with colleagues make a flag."""

    low_mood_days: int = 3
    low_mood_at_most: int = 2
    missed_running: int = 3
    work_strain_running: int = 3


async def thresholds_for(session: AsyncSession, *, client_id: int) -> Thresholds:
    """The client's organisation's thresholds (settings["flags"]), else the defaults."""
    row = (
        await session.exec(
            select(Organisation.settings)
            .join(Coaching, col(Coaching.organisation_id) == col(Organisation.id))
            .where(Coaching.client_id == client_id)
            .order_by(col(Coaching.id).desc())
        )
    ).first()
    configured: dict[str, Any] = dict((row or {}).get("flags", {}))
    defaults = Thresholds()
    return Thresholds(
        low_mood_days=int(configured.get("low_mood_days", defaults.low_mood_days)),
        low_mood_at_most=int(configured.get("low_mood_at_most", defaults.low_mood_at_most)),
        missed_running=int(configured.get("missed_running", defaults.missed_running)),
        work_strain_running=int(
            configured.get("work_strain_running", defaults.work_strain_running)
        ),
    )


def next_working_moment(
    now: dt.datetime, *, timezone: str, days: str, start: dt.time, end: dt.time
) -> dt.datetime:
    """Now, if it is within working hours; else the start of the next working day."""
    zone = ZoneInfo(timezone)
    local = now.astimezone(zone)
    allowed = {int(d) for d in days if d.isdigit()} or {1, 2, 3, 4, 5}
    if local.isoweekday() in allowed and start <= local.time() < end:
        return now
    for offset in range(0, 8):
        day = local.date() + dt.timedelta(days=offset)
        if day.isoweekday() not in allowed:
            continue
        moment = resolve_local(dt.datetime.combine(day, start), zone)
        if moment > now:
            return moment
    return now


async def working_moment_for(
    session: AsyncSession, *, person_id: int | None, now: dt.datetime
) -> dt.datetime:
    """The next moment within the person's working hours (now, when they are working)."""
    if person_id is None:
        return now
    person = await session.get(Person, person_id)
    preference = await session.get(Preference, person_id)
    days, start, end = (
        (preference.working_days, preference.working_start, preference.working_end)
        if preference is not None
        else DEFAULT_WORKING
    )
    return next_working_moment(
        now,
        timezone=person.timezone if person else "Europe/Helsinki",
        days=days,
        start=start,
        end=end,
    )


async def raise_flag(
    session: AsyncSession,
    *,
    client_id: int,
    kind: FlagKind,
    now: dt.datetime,
    urgent: bool = False,
    source: tuple[str, int] | None = None,
    details: dict[str, Any] | None = None,
) -> Flag | None:
    """Raise a flag; None when one of this cause is already open (it is added to instead)."""
    open_flag = (
        await session.exec(
            select(Flag).where(
                Flag.client_id == client_id,
                Flag.kind == kind,
                col(Flag.status) != FlagStatus.DONE,
            )
        )
    ).first()
    if open_flag is not None:
        occurrences = int(open_flag.details.get("occurrences", 1)) + 1
        open_flag.details = {**open_flag.details, "occurrences": occurrences}
        if urgent and open_flag.urgency != FlagUrgency.URGENT:
            open_flag.urgency = FlagUrgency.URGENT
            open_flag.notify_at = now
            open_flag.escalate_at = now + ESCALATE_AFTER
        return None
    coach = await routing.current_coach(session, client_id=client_id, now=now)
    coach_id = coach.id if coach is not None else None
    notify_at = now if urgent else await working_moment_for(session, person_id=coach_id, now=now)
    row = {
        "client_id": client_id,
        "kind": kind,
        "urgency": FlagUrgency.URGENT if urgent else FlagUrgency.NORMAL,
        "status": FlagStatus.OPEN,
        "source_type": source[0] if source else None,
        "source_id": source[1] if source else None,
        "details": {**(details or {}), "occurrences": 1},
        "raised_at": now,
        "notify_at": notify_at,
        "coach_id": coach_id,
        "escalation_level": 0,
        "escalate_at": now + ESCALATE_AFTER if urgent else None,
    }
    await insert_ignoring_conflicts(session, table_of(Flag), [row])
    return (
        await session.exec(
            select(Flag).where(
                Flag.client_id == client_id,
                Flag.kind == kind,
                col(Flag.status) != FlagStatus.DONE,
                col(Flag.raised_at) == now,
            )
        )
    ).first()


async def after_mood(
    session: AsyncSession, *, client_id: int, timezone: str, now: dt.datetime
) -> Flag | None:
    """Low mood on several days running (a day's lowest answer counts) raises a flag."""
    limits = await thresholds_for(session, client_id=client_id)
    rows = (
        await session.exec(
            select(Checkin.due_at, Checkin.mood)
            .where(
                Checkin.client_id == client_id,
                col(Checkin.mood).is_not(None),
                col(Checkin.due_at) >= now - dt.timedelta(days=limits.low_mood_days + 7),
            )
            .order_by(col(Checkin.due_at))
        )
    ).all()
    zone = ZoneInfo(timezone)
    lowest: dict[dt.date, int] = {}
    for due_at, mood in rows:
        if mood is None:
            continue
        day = due_at.astimezone(zone).date()
        lowest[day] = min(mood, lowest.get(day, 5))
    days = sorted(lowest)[-limits.low_mood_days :]
    if len(days) < limits.low_mood_days:
        return None
    running = all((b - a).days == 1 for a, b in itertools.pairwise(days))
    if not running or not all(lowest[d] <= limits.low_mood_at_most for d in days):
        return None
    return await raise_flag(
        session,
        client_id=client_id,
        kind=FlagKind.LOW_MOOD,
        now=now,
        details={"days": len(days)},
    )


# The answers of a coping-at-work check-in that count towards strain at work.
WORK_STRAIN = {"workload": "too_much", "colleagues": "hard"}


async def after_work_strain(
    session: AsyncSession, *, client_id: int, now: dt.datetime
) -> Flag | None:
    """Too much work, or a hard time with colleagues and the supervisor, in the latest
    check-ins that answered it, several running, raises a flag (not urgent)."""
    limits = await thresholds_for(session, client_id=client_id)
    latest = (
        await session.exec(
            select(Checkin.extra_answers)
            .where(
                Checkin.client_id == client_id,
                col(Checkin.due_at) <= now,
                col(Checkin.status).in_([CheckinStatus.ANSWERED, CheckinStatus.PARTIAL]),
            )
            .order_by(col(Checkin.due_at).desc(), col(Checkin.id).desc())
            .limit(limits.work_strain_running * 4)
        )
    ).all()
    for question, strained in WORK_STRAIN.items():
        answers = [a[question] for a in latest if a and a.get(question)]
        run = answers[: limits.work_strain_running]
        if len(run) == limits.work_strain_running and all(a == strained for a in run):
            return await raise_flag(
                session,
                client_id=client_id,
                kind=FlagKind.WORK_STRAIN,
                now=now,
                details={"question": question, "running": limits.work_strain_running},
            )
    return None


async def after_missed(session: AsyncSession, *, client_ids: list[int], now: dt.datetime) -> int:
    """Several check-ins missed running raise a flag; returns how many flags were raised."""
    raised = 0
    for client_id in sorted(set(client_ids)):
        limits = await thresholds_for(session, client_id=client_id)
        latest = (
            await session.exec(
                select(Checkin.status)
                .where(
                    Checkin.client_id == client_id,
                    col(Checkin.status).in_(
                        [
                            CheckinStatus.MISSED,
                            CheckinStatus.ANSWERED,
                            CheckinStatus.PARTIAL,
                        ]
                    ),
                )
                .order_by(col(Checkin.due_at).desc(), col(Checkin.id).desc())
                .limit(limits.missed_running)
            )
        ).all()
        if len(latest) == limits.missed_running and all(s == CheckinStatus.MISSED for s in latest):
            flag = await raise_flag(
                session,
                client_id=client_id,
                kind=FlagKind.MISSED_CHECKINS,
                now=now,
                details={"missed": limits.missed_running},
            )
            raised += flag is not None
    return raised


async def claim_notifications(
    session: AsyncSession, *, now: dt.datetime, limit: int = 200
) -> list[Flag]:
    """Flags whose notice may go now; each is claimed once."""
    candidates = (
        await session.exec(
            select(Flag)
            .where(col(Flag.notify_at).is_not(None), col(Flag.notify_at) <= now)
            .where(col(Flag.status).in_([FlagStatus.OPEN, FlagStatus.SNOOZED]))
            .order_by(col(Flag.notify_at))
            .limit(limit)
        )
    ).all()
    claimed = []
    for flag in candidates:
        result = await session.exec(
            sa.update(Flag)
            .where(col(Flag.id) == flag.id, col(Flag.notify_at) == flag.notify_at)
            .values(notify_at=None, notified_at=now, status=FlagStatus.OPEN)
        )
        if result.rowcount:
            await session.refresh(flag)
            claimed.append(flag)
    return claimed


async def claim_escalations(
    session: AsyncSession, *, now: dt.datetime, limit: int = 100
) -> list[Flag]:
    """Urgent flags nobody acknowledged in time; each moves up one level, once."""
    candidates = (
        await session.exec(
            select(Flag)
            .where(
                Flag.urgency == FlagUrgency.URGENT,
                Flag.status == FlagStatus.OPEN,
                col(Flag.escalate_at).is_not(None),
                col(Flag.escalate_at) <= now,
                col(Flag.escalation_level) < 2,
            )
            .order_by(col(Flag.escalate_at))
            .limit(limit)
        )
    ).all()
    claimed = []
    for flag in candidates:
        result = await session.exec(
            sa.update(Flag)
            .where(col(Flag.id) == flag.id, col(Flag.escalation_level) == flag.escalation_level)
            .values(
                escalation_level=flag.escalation_level + 1,
                escalate_at=now + ESCALATE_AFTER if flag.escalation_level + 1 < 2 else None,
            )
        )
        if result.rowcount:
            await session.refresh(flag)
            claimed.append(flag)
    return claimed


async def backup_of(
    session: AsyncSession, *, client_id: int, now: dt.datetime
) -> tuple[Organisation | None, Person | None]:
    """The client's organisation and its backup person (an admin when none is named)."""
    organisation = (
        await session.exec(
            select(Organisation)
            .join(Coaching, col(Coaching.organisation_id) == col(Organisation.id))
            .where(Coaching.client_id == client_id)
            .order_by(col(Coaching.id).desc())
        )
    ).first()
    if organisation is None:
        return None, None
    if organisation.backup_person_id is not None:
        return organisation, await session.get(Person, organisation.backup_person_id)
    admins = await admins_of(session, organisation_id=organisation.id or 0, now=now)
    return organisation, admins[0] if admins else None


async def admins_of(
    session: AsyncSession, *, organisation_id: int, now: dt.datetime
) -> list[Person]:
    rows = await session.exec(
        select(Person)
        .join(Membership, col(Membership.person_id) == col(Person.id))
        .where(
            Membership.organisation_id == organisation_id,
            Membership.role == Role.ADMIN,
            col(Membership.active_from) <= now,
            sa.or_(col(Membership.active_until).is_(None), col(Membership.active_until) > now),
        )
        .order_by(col(Person.id))
    )
    return list(rows.all())


async def log(
    session: AsyncSession,
    *,
    flag_id: int,
    kind: FlagEventKind,
    now: dt.datetime,
    target_id: int | None = None,
    target_chat_id: int | None = None,
    actor_id: int | None = None,
    note: str | None = None,
) -> None:
    session.add(
        FlagEvent(
            flag_id=flag_id,
            kind=kind,
            target_id=target_id,
            target_chat_id=target_chat_id,
            actor_id=actor_id,
            note=note,
            created_at=now,
        )
    )


def to_admins(flag: Flag) -> None:
    """An urgent flag goes past the backup to every admin, and no further."""
    flag.escalation_level = 2
    flag.escalate_at = None


async def backup_unreachable(
    session: AsyncSession, *, flag_id: int, now: dt.datetime
) -> Flag | None:
    """The backup's notice of an urgent flag was held (the backup cannot be reached): the flag goes
    on to the admins at once. Returns the flag to escalate, or None when it is settled already
    (taken, closed, or with the admins)."""
    flag = await session.get(Flag, flag_id)
    if flag is None or flag.status != FlagStatus.OPEN or flag.escalation_level >= 2:
        return None
    to_admins(flag)
    await log(
        session,
        flag_id=flag_id,
        kind=FlagEventKind.DELIVERY_FAILED,
        now=now,
        note="backup unreachable",
    )
    return flag


async def may_handle(
    session: AsyncSession, *, person_id: int, flag: Flag, now: dt.datetime
) -> bool:
    """The coach who answers for the client (also by the door alone: a former client's message
    can raise a flag), or (once escalated) the backup or an admin."""
    if await access.can_answer_client(
        session, coach_id=person_id, client_id=flag.client_id, now=now
    ):
        return True
    if flag.escalation_level == 0:
        return False
    organisation, backup = await backup_of(session, client_id=flag.client_id, now=now)
    if backup is not None and backup.id == person_id:
        return True
    if organisation is not None and organisation.id is not None:
        return person_id in {
            a.id for a in await admins_of(session, organisation_id=organisation.id, now=now)
        }
    return False


@dataclass(frozen=True, slots=True)
class Handled:
    """A flag after someone's answer, and the cover they took on with it (if they did)."""

    flag: Flag
    cover: handover.FlagCover | None = None


async def _start_of_tomorrow(
    session: AsyncSession, *, person_id: int, now: dt.datetime
) -> dt.datetime:
    person = await session.get(Person, person_id)
    zone = ZoneInfo(person.timezone if person else "Europe/Helsinki")
    tomorrow = (now + dt.timedelta(days=1)).astimezone(zone).date()
    return resolve_local(dt.datetime.combine(tomorrow, dt.time(0, 0)), zone)


async def cover_until(
    session: AsyncSession, *, coach_id: int | None, now: dt.datetime
) -> dt.datetime:
    """Until when a backup who takes a flag over stands in for the coach: the start of the
    coach's first working hours after today, when they are back to pick the client up."""
    if coach_id is None:
        return now + dt.timedelta(days=1)
    tomorrow = await _start_of_tomorrow(session, person_id=coach_id, now=now)
    back = await working_moment_for(session, person_id=coach_id, now=tomorrow)
    return max(back, tomorrow)


async def _take_over(
    session: AsyncSession, *, flag: Flag, person_id: int, now: dt.datetime
) -> handover.FlagCover | None:
    """The backup or an admin took an escalated flag: they stand in for the coach until the coach
    is back. Nothing when the person already answers for the client."""
    assert flag.id is not None
    if await access.can_answer_client(
        session, coach_id=person_id, client_id=flag.client_id, now=now
    ):
        return None
    coach = await routing.current_coach(session, client_id=flag.client_id, now=now)
    covered_id = coach.id if coach is not None and coach.id is not None else flag.coach_id
    if covered_id is None:
        return None
    return await handover.cover_for_flag(
        session,
        client_id=flag.client_id,
        covered_id=covered_id,
        substitute_id=person_id,
        until=await cover_until(session, coach_id=covered_id, now=now),
        flag_id=flag.id,
        now=now,
    )


async def handle(
    session: AsyncSession, *, flag_id: int, person_id: int, action: str, now: dt.datetime
) -> Handled:
    """A coach's answer to a flag: "contact" (I'll contact), "done", or "later" (tomorrow at the
    start of their working hours). The backup or an admin who answers "contact" to an escalated
    flag takes the client over as a substitute (see `cover_until`)."""
    flag = await session.get(Flag, flag_id, populate_existing=True)
    if flag is None or not await may_handle(session, person_id=person_id, flag=flag, now=now):
        raise access.AccessDenied(f"person {person_id} may not handle flag {flag_id}")
    if flag.status == FlagStatus.DONE:
        return Handled(flag)
    assert flag.id is not None
    cover = None
    if action == "contact":
        if flag.status == FlagStatus.OPEN and flag.escalation_level > 0:
            cover = await _take_over(session, flag=flag, person_id=person_id, now=now)
        flag.status = FlagStatus.ACKNOWLEDGED
        flag.acknowledged_by_id = person_id
        flag.acknowledged_at = now
        flag.escalate_at = None
        await log(
            session, flag_id=flag.id, kind=FlagEventKind.ACKNOWLEDGED, now=now, actor_id=person_id
        )
    elif action == "done":
        flag.status = FlagStatus.DONE
        flag.done_by_id = person_id
        flag.done_at = now
        flag.escalate_at = None
        flag.notify_at = None
        await log(session, flag_id=flag.id, kind=FlagEventKind.DONE, now=now, actor_id=person_id)
    elif action == "later":
        start_of_tomorrow = await _start_of_tomorrow(session, person_id=person_id, now=now)
        flag.status = FlagStatus.SNOOZED
        flag.acknowledged_by_id = person_id
        flag.acknowledged_at = now
        flag.escalate_at = None
        flag.notify_at = await working_moment_for(
            session, person_id=person_id, now=start_of_tomorrow
        )
        flag.snoozed_until = flag.notify_at
        await log(session, flag_id=flag.id, kind=FlagEventKind.SNOOZED, now=now, actor_id=person_id)
    else:
        raise access.AccessDenied(f"unknown flag action {action!r}")
    return Handled(flag, cover)


async def next_notice_due(session: AsyncSession) -> dt.datetime | None:
    """When the next flag's notice may go."""
    return (await session.exec(select(sa.func.min(Flag.notify_at)))).one()


async def next_escalation_due(session: AsyncSession) -> dt.datetime | None:
    """When the next open urgent flag nobody took moves up a level."""
    return (
        await session.exec(
            select(sa.func.min(Flag.escalate_at)).where(Flag.status == FlagStatus.OPEN)
        )
    ).one()


async def next_due(session: AsyncSession) -> dt.datetime | None:
    present = [
        t
        for t in (await next_notice_due(session), await next_escalation_due(session))
        if t is not None
    ]
    return min(present) if present else None


async def open_counts(session: AsyncSession, *, client_ids: list[int]) -> dict[int, int]:
    counts: dict[int, int] = defaultdict(int)
    rows = await session.exec(
        select(Flag.client_id, sa.func.count())
        .where(col(Flag.client_id).in_(client_ids), col(Flag.status) != FlagStatus.DONE)
        .group_by(col(Flag.client_id))
    )
    for client_id, n in rows.all():
        counts[client_id] = int(n)
    return counts


async def reachable(session: AsyncSession, *, person: Person | None) -> bool:
    return (
        person is not None
        and person.id is not None
        and person.chat_id is not None
        and (await reachability.is_reachable(session, person_id=person.id))
    )
