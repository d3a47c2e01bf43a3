"""What the pictures show, gathered from the database as plain values.

A client's chart covers the last four weeks: 28 days of the client's own calendar ending today.
Per day it holds the mood, whether they got up as planned, the check-ins due and answered, the
goal steps done and the goals reached, and whether the day was paused. A client who has not had a
single check-in yet gets their planned check-in days ahead instead.

The caseload picture holds the last 14 days of every client on a coach's desk, one state per
client and day: answered, missed, flagged, paused, waiting for an answer, or nothing due.

Who may see a chart is decided in bot/services/access.py (a coach: only of a client in coaching,
and only the client's time with their organisation); these functions only read, in one session,
and return frozen values that the renderer turns into a picture without the database.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections import defaultdict
from dataclasses import dataclass

from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.models.checkins import Checkin, CheckinStatus, GotUp
from bot.models.flags import Flag
from bot.models.goals import Goal, GoalEvent, GoalEventKind, GoalStatus
from bot.models.people import Person
from bot.services import access, caseload, pauses, people, schedules
from bot.services.days import local_day, start_of_day, zone_of

CHART_DAYS = 28
CASELOAD_DAYS = 14
AHEAD_DAYS = 14

# A check-in counts as due once it was sent; scheduled and cancelled ones were never asked.
_ASKED = [
    CheckinStatus.SENT,
    CheckinStatus.ANSWERED,
    CheckinStatus.PARTIAL,
    CheckinStatus.MISSED,
]
_OPEN_GOALS = [GoalStatus.AGREED, GoalStatus.IN_PROGRESS]


@dataclass(frozen=True, slots=True)
class DayProgress:
    """One day of a client's chart, in the client's own calendar."""

    day: dt.date
    mood: float | None  # the mean of the day's answers, 1 (low) to 5
    got_up: GotUp | None
    due: int  # check-ins sent that day
    answered: int
    steps_done: int
    goals_reached: int
    paused: bool


@dataclass(frozen=True, slots=True)
class ClientProgress:
    """A client's last four weeks, or their days ahead when nothing has been asked yet."""

    # The name the viewer knows the client by; None when the client looks at their own chart.
    name: str | None
    today: dt.date
    days: tuple[DayProgress, ...]  # CHART_DAYS of them, oldest first, ending today
    started: bool  # has the client been sent a check-in yet?
    ahead: tuple[dt.date, ...]  # planned check-in days from today on (only before the first)
    has_schedule: bool
    goals_open: int


class CellState(enum.StrEnum):
    """One client's day in the caseload picture."""

    ANSWERED = "answered"
    MISSED = "missed"
    FLAGGED = "flagged"
    PAUSED = "paused"
    WAITING = "waiting"  # sent, its window still open
    NOTHING_DUE = "nothing_due"


@dataclass(frozen=True, slots=True)
class CaseloadRow:
    client_id: int
    name: str  # the name the coach gave the client
    cells: tuple[CellState, ...]  # one per day of the grid


@dataclass(frozen=True, slots=True)
class CaseloadGrid:
    """The last CASELOAD_DAYS days of every client on a coach's desk, by name."""

    days: tuple[dt.date, ...]
    rows: tuple[CaseloadRow, ...]


async def _timezone(session: AsyncSession, person_id: int) -> str:
    return zone_of(await session.get(Person, person_id))


async def client_progress(
    session: AsyncSession, *, viewer_id: int, client_id: int, now: dt.datetime
) -> ClientProgress:
    """A client's last four weeks for someone who may read them (the client, or their coach)."""
    # The chart is drawn from check-ins: a coach in follow-up (or with the door only) gets none.
    view = await access.require_read(
        session, viewer_id=viewer_id, client_id=client_id, now=now, checkins=True
    )
    timezone = await _timezone(session, client_id)
    today = local_day(now, timezone)
    first = today - dt.timedelta(days=CHART_DAYS - 1)
    start = start_of_day(first, timezone)
    end = start_of_day(today + dt.timedelta(days=1), timezone)

    checkins = await session.exec(
        select(Checkin.due_at, Checkin.status, Checkin.mood, Checkin.got_up).where(
            Checkin.client_id == client_id,
            col(Checkin.due_at) >= start,
            col(Checkin.due_at) < end,
            col(Checkin.status).in_(_ASKED),
            access.checkin_clause(view),
        )
    )
    moods: dict[dt.date, list[int]] = defaultdict(list)
    got_up: dict[dt.date, GotUp] = {}
    due: dict[dt.date, int] = defaultdict(int)
    answered: dict[dt.date, int] = defaultdict(int)
    for due_at, status, mood, rose in sorted(checkins.all(), key=lambda row: row[0]):
        day = local_day(due_at, timezone)
        due[day] += 1
        if status in (CheckinStatus.ANSWERED, CheckinStatus.PARTIAL):
            answered[day] += 1
        if mood is not None:
            moods[day].append(mood)
        if rose is not None:
            got_up.setdefault(day, GotUp(rose))

    events = await session.exec(
        select(GoalEvent.goal_id, GoalEvent.kind, GoalEvent.created_at)
        .join(Goal, col(Goal.id) == col(GoalEvent.goal_id))
        .where(
            Goal.client_id == client_id,
            col(GoalEvent.kind).in_([GoalEventKind.STEP_DONE, GoalEventKind.REACHED]),
            col(GoalEvent.created_at) >= start,
            col(GoalEvent.created_at) < end,
            access.goal_clause(view),
        )
    )
    steps: dict[dt.date, int] = defaultdict(int)
    reached_on: dict[int, dt.datetime] = {}
    for goal_id, kind, created_at in events.all():
        if kind == GoalEventKind.STEP_DONE:
            steps[local_day(created_at, timezone)] += 1
        else:
            reached_on[goal_id] = min(created_at, reached_on.get(goal_id, created_at))
    reached_goals = await session.exec(
        select(Goal.id, Goal.reached_at).where(
            Goal.client_id == client_id,
            col(Goal.reached_at) >= start,
            col(Goal.reached_at) < end,
            access.goal_clause(view),
        )
    )
    for reached_id, reached_at in reached_goals.all():
        if reached_id is not None and reached_at is not None:
            reached_on.setdefault(reached_id, reached_at)
    reached: dict[dt.date, int] = defaultdict(int)
    for when in reached_on.values():
        reached[local_day(when, timezone)] += 1

    ahead_last = today + dt.timedelta(days=AHEAD_DAYS - 1)
    paused = (
        await pauses.paused_days(session, client_ids=[client_id], first=first, last=ahead_last)
    ).get(client_id, set())

    days = tuple(
        DayProgress(
            day=day,
            mood=sum(moods[day]) / len(moods[day]) if moods.get(day) else None,
            got_up=got_up.get(day),
            due=due.get(day, 0),
            answered=answered.get(day, 0),
            steps_done=steps.get(day, 0),
            goals_reached=reached.get(day, 0),
            paused=day in paused,
        )
        for day in (first + dt.timedelta(days=n) for n in range(CHART_DAYS))
    )

    ever = await session.exec(
        select(Checkin.id)
        .where(
            Checkin.client_id == client_id,
            col(Checkin.status).in_(_ASKED),
            access.checkin_clause(view),
        )
        .limit(1)
    )
    started = ever.first() is not None
    active = await schedules.schedules_of(session, client_id=client_id)
    weekdays = {int(d) for s in active for d in s.weekdays if d.isdigit()}
    ahead: tuple[dt.date, ...] = ()
    if not started:
        ahead = tuple(
            day
            for day in (today + dt.timedelta(days=n) for n in range(AHEAD_DAYS))
            if day.isoweekday() in weekdays and day not in paused
        )
    goals_open = await session.exec(
        select(func.count())
        .select_from(Goal)
        .where(
            Goal.client_id == client_id,
            col(Goal.status).in_(_OPEN_GOALS),
            access.goal_clause(view),
        )
    )
    name = None
    if viewer_id != client_id:
        name = await people.name_as_seen_by(session, viewer_id=viewer_id, person_id=client_id)
    return ClientProgress(
        name=name or (None if viewer_id == client_id else "?"),
        today=today,
        days=days,
        started=started,
        ahead=ahead,
        has_schedule=bool(weekdays),
        goals_open=int(goals_open.one()),
    )


def _cell(*, flagged: bool, paused: bool, statuses: list[tuple[CheckinStatus, bool]]) -> CellState:
    """The one state a day shows: a flag first, then a pause, then the check-ins."""
    if flagged:
        return CellState.FLAGGED
    if paused:
        return CellState.PAUSED
    if any(status in (CheckinStatus.ANSWERED, CheckinStatus.PARTIAL) for status, _ in statuses):
        return CellState.ANSWERED
    if any(
        status == CheckinStatus.MISSED or (status == CheckinStatus.SENT and closed)
        for status, closed in statuses
    ):
        return CellState.MISSED
    if statuses:
        return CellState.WAITING
    return CellState.NOTHING_DUE


async def caseload_grid(
    session: AsyncSession, *, coach_id: int, now: dt.datetime, timezone: str
) -> CaseloadGrid:
    """Every client on the coach's desk, by the coach's name for them, over the last 14 days.

    The days are the coach's; each client's check-ins and flags fall on the client's own days.
    """
    # Only clients in coaching: the picture is of check-ins, which a follow-up does not show.
    views = await access.views(session, coach_id=coach_id, now=now)
    clients = await caseload.client_names(
        session, coach_id=coach_id, now=now, checkins=True, views=views
    )
    today = local_day(now, timezone)
    first = today - dt.timedelta(days=CASELOAD_DAYS - 1)
    days = tuple(first + dt.timedelta(days=n) for n in range(CASELOAD_DAYS))
    if not clients:
        return CaseloadGrid(days=days, rows=())
    ids = [client_id for client_id, _ in clients]
    # A day wider on both sides in UTC: each client's own day is cut from it below.
    start = start_of_day(first - dt.timedelta(days=1), "UTC")
    end = start_of_day(today + dt.timedelta(days=2), "UTC")

    zone_rows = await session.exec(
        select(Person.id, Person.timezone).where(col(Person.id).in_(ids))
    )
    zones = {person_id: zone for person_id, zone in zone_rows.all() if person_id is not None}
    checkins = await session.exec(
        select(Checkin.client_id, Checkin.due_at, Checkin.status, Checkin.window_ends_at).where(
            col(Checkin.client_id).in_(ids),
            col(Checkin.due_at) >= start,
            col(Checkin.due_at) < end,
            col(Checkin.status).in_(_ASKED),
        )
    )
    asked: dict[tuple[int, dt.date], list[tuple[CheckinStatus, bool]]] = defaultdict(list)
    for client_id, due_at, status, window_ends_at in checkins.all():
        if not views[client_id].covers(due_at):
            continue
        day = local_day(due_at, zones.get(client_id, timezone))
        asked[(client_id, day)].append((CheckinStatus(status), window_ends_at <= now))
    flag_rows = await session.exec(
        select(Flag.client_id, Flag.raised_at).where(
            col(Flag.client_id).in_(ids),
            col(Flag.raised_at) >= start,
            col(Flag.raised_at) < end,
        )
    )
    flagged = {
        (client_id, local_day(raised_at, zones.get(client_id, timezone)))
        for client_id, raised_at in flag_rows.all()
        if views[client_id].covers(raised_at)
    }
    paused = await pauses.paused_days(session, client_ids=ids, first=first, last=today)
    rows = tuple(
        CaseloadRow(
            client_id=client_id,
            name=name,
            cells=tuple(
                _cell(
                    flagged=(client_id, day) in flagged,
                    paused=day in paused.get(client_id, set()),
                    statuses=asked.get((client_id, day), []),
                )
                for day in days
            ),
        )
        for client_id, name in clients
    )
    return CaseloadGrid(days=days, rows=rows)
