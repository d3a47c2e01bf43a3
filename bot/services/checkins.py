"""Daily-rhythm check-ins: when they fall due, their window, the answers, reminders and misses.

The schedule of record is the database: a schedule row holds its next due time; claiming it
moves that time forward and creates the check-in (one per schedule and due time, however many
workers see it due). A check-in's window lasts until the client's next check-in or the end of
their day, whichever is first; answers and corrections count inside it.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import NamedTuple, Protocol
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.models.checkins import (
    Checkin,
    CheckinPause,
    CheckinSchedule,
    CheckinStatus,
    DayKind,
    GotUp,
    Sleep,
)
from bot.models.coaching import GoalArea
from bot.models.people import Person
from bot.services import access, flags, plan
from bot.services.errors import DomainError
from bot.services.schedules import next_occurrence, resolve_local
from bot.services.sql import among, dialect_name, table_of

# The questions of a rhythm check-in, in the order they are asked. The note is optional.
RHYTHM = ("sleep", "got_up", "mood", "day", "note")
REQUIRED = ("sleep", "got_up", "mood", "day")
# Questions the plan's emphasis adds (answers kept in extra_answers), asked before the note:
# how the day's tasks went (work and functional capacity), job-search steps (employment).
TASKS = "tasks"
JOB_SEARCH = "job_search"
# Coping at work: rest after work (asked instead of sleep), the workload, and how things are with
# colleagues and the supervisor.
REST = "rest"
WORKLOAD = "workload"
COLLEAGUES = "colleagues"
COPING = (WORKLOAD, COLLEAGUES)
EXTRA = (TASKS, JOB_SEARCH, REST, *COPING)
REMINDER_AFTER = dt.timedelta(hours=3)
# Done with the note: the client wrote one, sent a voice message, or said they have none.
NOTE_DONE = "note_done"

VALUES: dict[str, tuple[str, ...]] = {
    "sleep": tuple(s.value for s in Sleep),
    "got_up": tuple(g.value for g in GotUp),
    "mood": ("1", "2", "3", "4", "5"),
    "day": tuple(d.value for d in DayKind),
    TASKS: ("well", "partly", "hard", "none"),
    JOB_SEARCH: ("applied", "searched", "contacted", "not_today"),
    REST: ("well", "so_so", "badly"),
    WORKLOAD: ("ok", "too_much", "too_little"),
    COLLEAGUES: ("good", "so_so", "hard"),
}


def questions_for(levels: Mapping[str, int]) -> list[str]:
    """The questions of a check-in under the plan's emphasis (area -> level 0-4); no plan, or
    everyday life alone, keeps the rhythm questions. Coping at work asks about rest after work
    instead of sleep, and adds the workload and how things are with colleagues."""
    coping = levels.get(GoalArea.COPING_AT_WORK.value, 0) > 0
    extra = []
    if levels.get(GoalArea.WORK_CAPACITY.value, 0) > 0:
        extra.append(TASKS)
    if levels.get(GoalArea.EMPLOYMENT.value, 0) > 0:
        extra.append(JOB_SEARCH)
    if coping:
        extra.extend(COPING)
    first = [REST] if coping else [RHYTHM[0]]
    return [*first, *RHYTHM[1:-1], *extra, RHYTHM[-1]]


class CheckinClosed(DomainError):
    """The check-in's window has closed; answers no longer count."""


@dataclass(frozen=True, slots=True)
class Created:
    """A check-in that has just fallen due, with what sending it needs."""

    checkin_id: int
    client_id: int
    chat_id: int
    locale: str
    timezone: str
    due_at: dt.datetime
    window_ends_at: dt.datetime


class Recurring(Protocol):
    """What a schedule's next occurrence depends on."""

    @property
    def local_time(self) -> dt.time: ...
    @property
    def weekdays(self) -> str: ...
    @property
    def timezone(self) -> str: ...


class _Due(NamedTuple):
    """The columns of a schedule the claim needs (plain rows: no ORM objects to build)."""

    id: int | None
    client_id: int
    local_time: dt.time
    weekdays: str
    timezone: str
    next_due_at: dt.datetime | None


class _Recipient(NamedTuple):
    chat_id: int | None
    locale: str
    timezone: str


_DUE_COLUMNS = (
    col(CheckinSchedule.id),
    col(CheckinSchedule.client_id),
    col(CheckinSchedule.local_time),
    col(CheckinSchedule.weekdays),
    col(CheckinSchedule.timezone),
    col(CheckinSchedule.next_due_at),
)


def local_day(when: dt.datetime, timezone: str) -> dt.date:
    return when.astimezone(ZoneInfo(timezone)).date()


def end_of_day(when: dt.datetime, timezone: str) -> dt.datetime:
    """Midnight after `when` in the timezone, as UTC."""
    zone = ZoneInfo(timezone)
    tomorrow = when.astimezone(zone).date() + dt.timedelta(days=1)
    return resolve_local(dt.datetime.combine(tomorrow, dt.time(0, 0)), zone)


def window_end(due_at: dt.datetime, timezone: str, schedules: Sequence[Recurring]) -> dt.datetime:
    """Until the client's next check-in or the end of their day, whichever is first."""
    end = end_of_day(due_at, timezone)
    for schedule in schedules:
        following = next_occurrence(
            local_time=schedule.local_time,
            weekdays=schedule.weekdays,
            timezone=schedule.timezone,
            after=due_at,
        )
        if following is not None and following < end:
            end = following
    return end


def _paused(pauses: Sequence[CheckinPause], day: dt.date) -> bool:
    return any(p.starts_on <= day <= p.ends_on for p in pauses)


async def claim_due_schedules(
    session: AsyncSession,
    *,
    now: dt.datetime,
    limit: int = 500,
    reminder_after: dt.timedelta = REMINDER_AFTER,
) -> list[Created]:
    """Create the check-ins of schedules that have fallen due, and move the schedules on.

    A due time whose window has already closed (the bot was down) or that falls on a paused day
    creates nothing. Safe with several workers: each schedule's move is a compare-and-set, and a
    due time creates at most one check-in.
    """
    # Plain Core rows through the session's connection: no ORM objects to build for 500 rows.
    connection = await session.connection()
    query = (
        sa.select(*_DUE_COLUMNS)
        .where(
            col(CheckinSchedule.active).is_(True),
            col(CheckinSchedule.next_due_at) <= now,
        )
        .order_by(col(CheckinSchedule.next_due_at))
        .limit(limit)
    )
    dialect = dialect_name(session)
    if dialect == "postgresql":
        query = query.with_for_update(skip_locked=True)
    due = [_Due(*row) for row in (await connection.execute(query)).all()]
    if not due:
        return []
    client_ids = sorted({s.client_id for s in due})
    persons = {
        row[0]: _Recipient(*row[1:])
        for row in (
            await connection.execute(
                sa.select(
                    col(Person.id), col(Person.chat_id), col(Person.locale), col(Person.timezone)
                ).where(among(col(Person.id), client_ids, dialect))
            )
        ).all()
    }
    # The plan's emphasis of every due client, in one query: it fixes the check-in's questions.
    levels = await plan.levels_of_clients(connection, client_ids=client_ids)
    all_schedules: dict[int, list[_Due]] = defaultdict(list)
    due_ids = {s.id for s in due}
    for schedule in due:
        all_schedules[schedule.client_id].append(schedule)
    # The clients' other schedules (most have one): a window ends at the next of them.
    for row in (
        await connection.execute(
            sa.select(*_DUE_COLUMNS).where(
                among(col(CheckinSchedule.client_id), client_ids, dialect),
                col(CheckinSchedule.active).is_(True),
            )
        )
    ).all():
        other = _Due(*row)
        if other.id not in due_ids:
            all_schedules[other.client_id].append(other)
    pauses: dict[int, list[CheckinPause]] = defaultdict(list)
    for pause in (
        await session.exec(
            select(CheckinPause).where(
                among(col(CheckinPause.client_id), client_ids, dialect),
                col(CheckinPause.ends_on) >= (now - dt.timedelta(days=2)).date(),
            )
        )
    ).all():
        pauses[pause.client_id].append(pause)

    rows: list[dict[str, object]] = []
    moves: dict[tuple[dt.datetime, dt.datetime | None], list[int]] = defaultdict(list)
    for schedule in due:
        assert schedule.id is not None and schedule.next_due_at is not None
        old = schedule.next_due_at
        moment: dt.datetime | None = old
        person = persons.get(schedule.client_id)
        while moment is not None and moment <= now:
            ends = window_end(moment, schedule.timezone, all_schedules[schedule.client_id])
            day = local_day(moment, schedule.timezone)
            if (
                person is not None
                and person.chat_id is not None
                and ends > now
                and not _paused(pauses[schedule.client_id], day)
            ):
                reminder = moment + reminder_after
                rows.append(
                    {
                        "client_id": schedule.client_id,
                        "schedule_id": schedule.id,
                        "due_at": moment,
                        "window_ends_at": ends,
                        "status": CheckinStatus.SCHEDULED,
                        "reminder_due_at": reminder if reminder < ends else None,
                        "questions": questions_for(levels.get(schedule.client_id, {})),
                        "extra_answers": {},
                        "contact_requested": False,
                        "created_at": now,
                        "updated_at": now,
                    }
                )
            moment = next_occurrence(
                local_time=schedule.local_time,
                weekdays=schedule.weekdays,
                timezone=schedule.timezone,
                after=moment,
            )
        moves[(old, moment)].append(schedule.id)
    # Compare-and-set, one statement per (old, new) due time (schedules due together mostly move
    # together). A schedule another worker moved first is not returned: its check-ins are that
    # worker's to create. No ORM synchronisation: the loaded rows are not used afterwards.
    moved: set[int] = set()
    for (old, new), ids in moves.items():
        result = await session.exec(
            sa.update(CheckinSchedule)
            .where(
                # A literal id list, not one array: PostgreSQL's generic plan for `= ANY($1)` on
                # a prepared UPDATE was twice as slow here.
                col(CheckinSchedule.id).in_(ids),
                col(CheckinSchedule.next_due_at) == old,
            )
            .values(next_due_at=new, updated_at=now)
            .returning(col(CheckinSchedule.id))
            .execution_options(synchronize_session=False)
        )
        moved.update(result.scalars().all())
    rows = [r for r in rows if r["schedule_id"] in moved]
    if not rows:
        return []
    table = table_of(Checkin)
    insert = postgresql.insert if dialect_name(session) == "postgresql" else sqlite.insert
    # Only the rows actually inserted come back: a due time creates one check-in.
    inserted = await session.exec(
        insert(table)
        .on_conflict_do_nothing()
        .returning(table.c.id, table.c.client_id, table.c.due_at, table.c.window_ends_at),
        params=rows,
    )
    created = []
    for checkin_id, client_id, due_at, window_ends_at in inserted.all():
        person = persons.get(client_id)
        if person is None or person.chat_id is None:
            continue
        created.append(
            Created(
                checkin_id=checkin_id,
                client_id=client_id,
                chat_id=person.chat_id,
                locale=person.locale,
                timezone=person.timezone,
                due_at=due_at,
                window_ends_at=window_ends_at,
            )
        )
    return created


async def mark_sent(session: AsyncSession, *, checkin_ids: Sequence[int], now: dt.datetime) -> None:
    """The question of these check-ins is on its way (in the outbox)."""
    if checkin_ids:
        await session.exec(
            sa.update(Checkin)
            .where(
                col(Checkin.id).in_(list(checkin_ids)),
                col(Checkin.status) == CheckinStatus.SCHEDULED,
            )
            .values(status=CheckinStatus.SENT, sent_at=now, updated_at=now)
        )


async def next_schedule_due(session: AsyncSession) -> dt.datetime | None:
    """When the next check-in is due to be asked."""
    return (
        await session.exec(
            select(sa.func.min(CheckinSchedule.next_due_at)).where(
                CheckinSchedule.active == True  # noqa: E712
            )
        )
    ).one()


async def next_reminder_due(session: AsyncSession) -> dt.datetime | None:
    """When the next gentle reminder of an unanswered check-in is due."""
    return (
        await session.exec(
            select(sa.func.min(Checkin.reminder_due_at)).where(
                Checkin.status == CheckinStatus.SENT,
                col(Checkin.reminded_at).is_(None),
            )
        )
    ).one()


async def next_window_end(session: AsyncSession) -> dt.datetime | None:
    """When the next open check-in's window closes (unanswered, it becomes missed)."""
    return (
        await session.exec(
            select(sa.func.min(Checkin.window_ends_at)).where(
                col(Checkin.status).in_([CheckinStatus.SENT, CheckinStatus.SCHEDULED])
            )
        )
    ).one()


async def next_due(session: AsyncSession) -> dt.datetime | None:
    """The earliest moment at which check-in work falls due: a schedule, a reminder or a miss."""
    times = [
        await next_schedule_due(session),
        await next_reminder_due(session),
        await next_window_end(session),
    ]
    present = [t for t in times if t is not None]
    return min(present) if present else None


class ClosedWindows:
    """The job that marks check-ins whose window closed unanswered as missed, and raises the
    flags that misses in a row call for."""

    def __init__(self, *, limit: int = 500) -> None:
        self._limit = limit

    async def next_due(self, session: AsyncSession, *, now: dt.datetime) -> dt.datetime | None:
        return await next_window_end(session)

    async def run(self, session: AsyncSession, now: dt.datetime) -> int:
        missed = await close_windows(session, now=now, limit=self._limit)
        if missed:
            await flags.after_missed(session, client_ids=[c.client_id for c in missed], now=now)
        return len(missed)


def next_question(checkin: Checkin) -> str | None:
    """The first question not yet answered, or None when the check-in is complete."""
    for question in checkin.questions or list(RHYTHM):
        if question == "note":
            if not checkin.extra_answers.get(NOTE_DONE):
                return question
        elif _answer_of(checkin, question) is None:
            return question
    return None


def _answer_of(checkin: Checkin, question: str) -> object:
    if question == "sleep":
        return checkin.sleep
    if question == "got_up":
        return checkin.got_up
    if question == "mood":
        return checkin.mood
    if question == "day":
        return checkin.day_kind
    return checkin.extra_answers.get(question)


def _settle_status(checkin: Checkin) -> None:
    if all(
        _answer_of(checkin, q) is not None for q in (*REQUIRED, *EXTRA) if q in checkin.questions
    ):
        checkin.status = CheckinStatus.ANSWERED
    else:
        checkin.status = CheckinStatus.PARTIAL


async def own_checkin(
    session: AsyncSession, *, checkin_id: int, client_id: int, now: dt.datetime
) -> Checkin:
    """A check-in of this client that still takes answers."""
    checkin = await session.get(Checkin, checkin_id, populate_existing=True)
    if checkin is None or checkin.client_id != client_id:
        from bot.services.access import AccessDenied

        raise AccessDenied(f"check-in {checkin_id} is not client {client_id}'s")
    if checkin.window_ends_at <= now or checkin.status in (
        CheckinStatus.MISSED,
        CheckinStatus.CANCELLED,
    ):
        raise CheckinClosed(f"check-in {checkin_id} is closed")
    return checkin


async def answer(
    session: AsyncSession,
    *,
    checkin_id: int,
    client_id: int,
    question: str,
    value: str,
    now: dt.datetime,
) -> Checkin:
    """Record one answer (a correction replaces the earlier one)."""
    checkin = await own_checkin(session, checkin_id=checkin_id, client_id=client_id, now=now)
    if question in VALUES and value not in VALUES[question]:
        raise DomainError(f"bad answer {value!r} to {question}")
    if question == "sleep":
        checkin.sleep = Sleep(value)
    elif question == "got_up":
        checkin.got_up = GotUp(value)
    elif question == "mood":
        checkin.mood = int(value)
    elif question == "day":
        checkin.day_kind = DayKind(value)
    elif question == "note":
        checkin.extra_answers = {**checkin.extra_answers, NOTE_DONE: True}
    elif question in EXTRA and question in checkin.questions:
        checkin.extra_answers = {**checkin.extra_answers, question: value}
    else:
        raise DomainError(f"unknown question {question!r}")
    checkin.answered_at = checkin.answered_at or now
    checkin.updated_at = now
    _settle_status(checkin)
    await session.flush()
    return checkin


async def add_note(
    session: AsyncSession,
    *,
    checkin_id: int,
    client_id: int,
    now: dt.datetime,
    text: str | None = None,
    voice_file_id: str | None = None,
) -> Checkin:
    """The client's own word for the day, or a voice message; stored as sent (text capped)."""
    checkin = await own_checkin(session, checkin_id=checkin_id, client_id=client_id, now=now)
    if text is not None:
        # A second word (after changing the answers) is added to the first, not put in its place.
        checkin.note = text if not checkin.note else f"{checkin.note}\n{text}"
    if voice_file_id is not None:
        checkin.voice_file_id = voice_file_id
    checkin.extra_answers = {**checkin.extra_answers, NOTE_DONE: True}
    checkin.answered_at = checkin.answered_at or now
    checkin.updated_at = now
    _settle_status(checkin)
    await session.flush()
    return checkin


async def request_contact(
    session: AsyncSession, *, checkin_id: int, client_id: int, now: dt.datetime
) -> Checkin:
    checkin = await own_checkin(session, checkin_id=checkin_id, client_id=client_id, now=now)
    checkin.contact_requested = True
    checkin.updated_at = now
    await session.flush()
    return checkin


async def reopen(
    session: AsyncSession, *, checkin_id: int, client_id: int, now: dt.datetime
) -> Checkin:
    """The client wants to change their answers: ask again from the first question."""
    checkin = await own_checkin(session, checkin_id=checkin_id, client_id=client_id, now=now)
    checkin.sleep = None
    checkin.got_up = None
    checkin.mood = None
    checkin.day_kind = None
    checkin.extra_answers = {
        k: v for k, v in checkin.extra_answers.items() if k != NOTE_DONE and k not in EXTRA
    }
    checkin.status = CheckinStatus.PARTIAL
    checkin.updated_at = now
    await session.flush()
    return checkin


async def usual_answers(session: AsyncSession, *, client_id: int) -> dict[str, str]:
    """What a normal day looks like for this client: their most common recent answers."""
    recent = (
        await session.exec(
            select(Checkin)
            .where(Checkin.client_id == client_id, col(Checkin.answered_at).is_not(None))
            .order_by(col(Checkin.due_at).desc())
            .limit(14)
        )
    ).all()

    def most(values: list[str], default: str) -> str:
        counted = Counter(v for v in values if v)
        return counted.most_common(1)[0][0] if counted else default

    rests = [str(c.extra_answers.get(REST) or "") for c in recent]
    return {
        "sleep": most([str(c.sleep) for c in recent if c.sleep], Sleep.WELL.value),
        REST: most([r for r in rests if r in VALUES[REST]], "well"),
        "got_up": most([str(c.got_up) for c in recent if c.got_up], GotUp.YES.value),
        "mood": most([str(c.mood) for c in recent if c.mood and c.mood >= 3], "4"),
        "day": most(
            [str(c.day_kind) for c in recent if c.day_kind], DayKind.WORK_OR_WORKSHOP.value
        ),
    }


async def normal_day(
    session: AsyncSession, *, checkin_id: int, client_id: int, now: dt.datetime
) -> Checkin:
    """Answer the usual in one tap (the rhythm questions this check-in asks)."""
    usual = await usual_answers(session, client_id=client_id)
    checkin = await own_checkin(session, checkin_id=checkin_id, client_id=client_id, now=now)
    asked = checkin.questions or list(RHYTHM)
    for question in (q for q in (*REQUIRED, REST) if q in asked):
        checkin = await answer(
            session,
            checkin_id=checkin_id,
            client_id=client_id,
            question=question,
            value=usual[question],
            now=now,
        )
    return checkin


async def open_checkin(
    session: AsyncSession, *, client_id: int, now: dt.datetime
) -> Checkin | None:
    """The client's check-in whose window is open now, newest first."""
    return (
        await session.exec(
            select(Checkin)
            .where(
                Checkin.client_id == client_id,
                col(Checkin.due_at) <= now,
                col(Checkin.window_ends_at) > now,
                col(Checkin.status).notin_([CheckinStatus.MISSED, CheckinStatus.CANCELLED]),
            )
            .order_by(col(Checkin.due_at).desc(), col(Checkin.id).desc())
        )
    ).first()


async def start_now(session: AsyncSession, *, client_id: int, now: dt.datetime) -> Checkin:
    """The open check-in, or a new one the client starts themself."""
    found = await open_checkin(session, client_id=client_id, now=now)
    if found is not None:
        return found
    person = await session.get(Person, client_id)
    if person is None:
        raise DomainError("no such client")
    schedules = (
        await session.exec(
            select(CheckinSchedule).where(
                CheckinSchedule.client_id == client_id,
                CheckinSchedule.active == True,  # noqa: E712
            )
        )
    ).all()
    checkin = Checkin(
        client_id=client_id,
        due_at=now,
        window_ends_at=window_end(now, person.timezone, schedules),
        status=CheckinStatus.SENT,
        sent_at=now,
        questions=questions_for(await plan.levels_of(session, client_id=client_id)),
        created_at=now,
        updated_at=now,
    )
    session.add(checkin)
    await session.flush()
    return checkin


async def claim_reminders(
    session: AsyncSession, *, now: dt.datetime, limit: int = 500
) -> list[Checkin]:
    """Unanswered check-ins whose gentle reminder is due; each is claimed once."""
    candidates = (
        await session.exec(
            select(Checkin)
            .where(
                Checkin.status == CheckinStatus.SENT,
                col(Checkin.reminded_at).is_(None),
                col(Checkin.reminder_due_at) <= now,
                col(Checkin.window_ends_at) > now,
            )
            .order_by(col(Checkin.reminder_due_at))
            .limit(limit)
        )
    ).all()
    claimed = []
    for checkin in candidates:
        result = await session.exec(
            sa.update(Checkin)
            .where(col(Checkin.id) == checkin.id, col(Checkin.reminded_at).is_(None))
            .values(reminded_at=now)
        )
        if result.rowcount:
            claimed.append(checkin)
    return claimed


async def close_windows(
    session: AsyncSession, *, now: dt.datetime, limit: int = 500
) -> list[Checkin]:
    """Check-ins whose window closed without any answer become missed; returns them."""
    candidates = (
        await session.exec(
            select(Checkin)
            .where(
                col(Checkin.status).in_([CheckinStatus.SENT, CheckinStatus.SCHEDULED]),
                col(Checkin.window_ends_at) <= now,
            )
            .order_by(col(Checkin.window_ends_at))
            .limit(limit)
        )
    ).all()
    missed = []
    for checkin in candidates:
        result = await session.exec(
            sa.update(Checkin)
            .where(
                col(Checkin.id) == checkin.id,
                col(Checkin.status).in_([CheckinStatus.SENT, CheckinStatus.SCHEDULED]),
            )
            .values(status=CheckinStatus.MISSED, updated_at=now)
        )
        if result.rowcount:
            checkin.status = CheckinStatus.MISSED
            missed.append(checkin)
    return missed


async def recent(
    session: AsyncSession, *, client_id: int, view: access.View, limit: int = 7
) -> list[Checkin]:
    """The client's latest check-ins whose time has come that the view holds, newest first."""
    return list(
        (
            await session.exec(
                select(Checkin)
                .where(
                    Checkin.client_id == client_id,
                    col(Checkin.status).notin_([CheckinStatus.SCHEDULED, CheckinStatus.CANCELLED]),
                    access.checkin_clause(view),
                )
                .order_by(col(Checkin.due_at).desc(), col(Checkin.id).desc())
                .limit(limit)
            )
        ).all()
    )
