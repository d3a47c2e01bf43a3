"""Recurring notices: a client's weekly summary and a coach's morning summary (the daily digest).

Each person has at most one RecurringNotice row per kind, holding its next due time in UTC:
- weekly summary: every active client (a coaching in progress), Sundays at 18.00 local time;
- daily digest: every coach, at the start of their working hours on their working days; no due
  time while the coach has turned it off.

Rows are created by `ensure_notices`, a sweep that adds the missing ones in batches (run by
bot/recurring.send_due at most every 15 minutes, so a client who finished onboarding or a coach who
joined gets theirs within a quarter of an hour without any other module calling this one), and by
`ensure_for_person` / `reschedule_digest` when a person changes their settings. The dispatcher
claims a due row by moving its next due time forward (compare-and-set), in the transaction that
queues the message, so two workers never send one notice twice.

The figures the messages report are computed here too: `week_figures` and `digest`.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession
from sqlmodel.sql.expression import Select

from bot.models.checkins import Checkin, CheckinStatus, GotUp, NoticeKind, RecurringNotice
from bot.models.coaching import CoachAssignment, Coaching, CoachingStatus
from bot.models.flags import Flag, FlagStatus
from bot.models.messaging import RelayDirection, RelayedMessage
from bot.models.people import Membership, Person, Preference, Role
from bot.services import access, days, pauses, people
from bot.services.assignments import LIVE, answering, member_at, valid_at
from bot.services.schedules import next_occurrence, resolve_local
from bot.services.sql import dialect_name, insert_ignoring_conflicts, table_of

WEEKLY_DAYS = "7"  # Sunday
WEEKLY_AT = dt.time(18, 0)
# Past these, a notice due while the bot was down is no longer worth sending: it is skipped.
WEEKLY_LATE = dt.timedelta(hours=12)
DIGEST_LATE = dt.timedelta(hours=8)
# A digest looks back to the previous one, at most this far (e.g. over a long weekend).
DIGEST_LOOKBACK = dt.timedelta(days=4)
ENSURE_BATCH = 2000

_ANSWERED = (CheckinStatus.ANSWERED, CheckinStatus.PARTIAL)


def next_weekly(*, timezone: str, after: dt.datetime) -> dt.datetime | None:
    """The next Sunday 18.00 in the person's timezone, strictly after `after`."""
    return next_occurrence(
        local_time=WEEKLY_AT, weekdays=WEEKLY_DAYS, timezone=timezone, after=after
    )


def next_digest(preference: Preference, *, timezone: str, after: dt.datetime) -> dt.datetime | None:
    """The start of the coach's next working day after `after`; None when the digest is off."""
    if not preference.daily_digest:
        return None
    return next_occurrence(
        local_time=preference.working_start,
        weekdays=preference.working_days,
        timezone=timezone,
        after=after,
    )


def _missing(kind: NoticeKind) -> sa.ColumnElement[bool]:
    return ~sa.exists().where(
        col(RecurringNotice.person_id) == col(Person.id), col(RecurringNotice.kind) == kind
    )


def _client_query(now: dt.datetime) -> Select[int | None, str]:
    """Active clients: a client membership now and a coaching in progress."""
    return (
        select(col(Person.id), col(Person.timezone))
        .join(Membership, col(Membership.person_id) == col(Person.id))
        .join(Coaching, col(Coaching.client_id) == col(Person.id))
        .where(
            col(Membership.role) == Role.CLIENT,
            member_at(now),
            col(Coaching.status) == CoachingStatus.ACTIVE,
            col(Person.forgotten_at).is_(None),
        )
        .distinct()
    )


def _coach_query(now: dt.datetime) -> Select[int | None, str]:
    """Coaches: a coach membership now."""
    return (
        select(col(Person.id), col(Person.timezone))
        .join(Membership, col(Membership.person_id) == col(Person.id))
        .where(
            col(Membership.role) == Role.COACH,
            member_at(now),
            col(Person.forgotten_at).is_(None),
        )
        .distinct()
    )


async def _preferences(session: AsyncSession, person_ids: Sequence[int]) -> dict[int, Preference]:
    if not person_ids:
        return {}
    rows = await session.exec(
        select(Preference).where(col(Preference.person_id).in_(list(person_ids)))
    )
    found = {p.person_id: p for p in rows.all()}
    return {pid: found.get(pid) or Preference(person_id=pid) for pid in person_ids}


async def _insert(
    session: AsyncSession,
    kind: NoticeKind,
    people_due: Sequence[tuple[int, dt.datetime | None]],
    now: dt.datetime,
) -> None:
    rows = [
        {"person_id": pid, "kind": kind, "next_due_at": due, "created_at": now}
        for pid, due in people_due
    ]
    for start in range(0, len(rows), 500):
        await insert_ignoring_conflicts(
            session, table_of(RecurringNotice), rows[start : start + 500]
        )


async def ensure_notices(
    session: AsyncSession, *, now: dt.datetime, limit: int = ENSURE_BATCH
) -> tuple[int, bool]:
    """Add the missing rows: a weekly summary for each active client, a digest for each coach.

    At most `limit` of each kind per call; returns how many were added and whether none are left.
    """
    clients = [
        (pid, tz)
        for pid, tz in (
            await session.exec(
                _client_query(now).where(_missing(NoticeKind.WEEKLY_SUMMARY)).limit(limit)
            )
        ).all()
        if pid is not None
    ]
    await _insert(
        session,
        NoticeKind.WEEKLY_SUMMARY,
        [(pid, next_weekly(timezone=tz, after=now)) for pid, tz in clients],
        now,
    )
    coaches = [
        (pid, tz)
        for pid, tz in (
            await session.exec(
                _coach_query(now).where(_missing(NoticeKind.DAILY_DIGEST)).limit(limit)
            )
        ).all()
        if pid is not None
    ]
    prefs = await _preferences(session, [pid for pid, _tz in coaches])
    await _insert(
        session,
        NoticeKind.DAILY_DIGEST,
        [(pid, next_digest(prefs[pid], timezone=tz, after=now)) for pid, tz in coaches],
        now,
    )
    return len(clients) + len(coaches), len(clients) < limit and len(coaches) < limit


async def ensure_for_person(session: AsyncSession, *, person_id: int, now: dt.datetime) -> None:
    """Add this person's missing rows now (a client's summary, a coach's digest)."""
    client = (
        await session.exec(
            _client_query(now).where(
                col(Person.id) == person_id, _missing(NoticeKind.WEEKLY_SUMMARY)
            )
        )
    ).first()
    if client is not None:
        await _insert(
            session,
            NoticeKind.WEEKLY_SUMMARY,
            [(person_id, next_weekly(timezone=client[1], after=now))],
            now,
        )
    coach = (
        await session.exec(
            _coach_query(now).where(col(Person.id) == person_id, _missing(NoticeKind.DAILY_DIGEST))
        )
    ).first()
    if coach is not None:
        prefs = await _preferences(session, [person_id])
        await _insert(
            session,
            NoticeKind.DAILY_DIGEST,
            [(person_id, next_digest(prefs[person_id], timezone=coach[1], after=now))],
            now,
        )


async def reschedule_digest(session: AsyncSession, *, coach_id: int, now: dt.datetime) -> None:
    """The coach changed their digest or working hours: move their next digest accordingly."""
    person = await session.get(Person, coach_id)
    if person is None:
        return
    preference = (await _preferences(session, [coach_id]))[coach_id]
    due = next_digest(preference, timezone=person.timezone, after=now)
    await _insert(session, NoticeKind.DAILY_DIGEST, [(coach_id, due)], now)
    await session.exec(
        sa.update(RecurringNotice)
        .where(
            col(RecurringNotice.person_id) == coach_id,
            col(RecurringNotice.kind) == NoticeKind.DAILY_DIGEST,
        )
        .values(next_due_at=due)
    )


@dataclass(frozen=True, slots=True)
class Claimed:
    """A notice taken by this worker: whom for, which kind, when it was due, the one before."""

    notice_id: int
    person: Person
    kind: NoticeKind
    due_at: dt.datetime
    previous_sent_at: dt.datetime | None

    def late(self, now: dt.datetime) -> bool:
        """Was it due so long ago (the bot was down) that it is no longer worth sending?"""
        allowed = WEEKLY_LATE if self.kind == NoticeKind.WEEKLY_SUMMARY else DIGEST_LATE
        return now - self.due_at > allowed


async def claim_due(session: AsyncSession, *, now: dt.datetime, limit: int = 200) -> list[Claimed]:
    """Take the notices that have fallen due, moving each to its next time (compare-and-set)."""
    query = (
        select(RecurringNotice)
        .where(col(RecurringNotice.next_due_at) <= now)
        .order_by(col(RecurringNotice.next_due_at))
        .limit(limit)
    )
    if dialect_name(session) == "postgresql":
        query = query.with_for_update(skip_locked=True)
    due = list((await session.exec(query)).all())
    if not due:
        return []
    person_ids = sorted({n.person_id for n in due})
    persons = {
        p.id: p
        for p in (await session.exec(select(Person).where(col(Person.id).in_(person_ids)))).all()
    }
    prefs = await _preferences(session, person_ids)
    claimed = []
    for notice in due:
        old = notice.next_due_at
        person = persons.get(notice.person_id)
        assert old is not None and notice.id is not None
        if person is None:
            continue
        if notice.kind == NoticeKind.WEEKLY_SUMMARY:
            following = next_weekly(timezone=person.timezone, after=max(old, now))
        else:
            following = next_digest(
                prefs[person.id or 0], timezone=person.timezone, after=max(old, now)
            )
        moved = await session.exec(
            sa.update(RecurringNotice)
            .where(col(RecurringNotice.id) == notice.id, col(RecurringNotice.next_due_at) == old)
            .values(next_due_at=following, last_sent_at=now)
        )
        if moved.rowcount:
            claimed.append(
                Claimed(
                    notice_id=notice.id,
                    person=person,
                    kind=NoticeKind(notice.kind),
                    due_at=old,
                    previous_sent_at=notice.last_sent_at,
                )
            )
    return claimed


async def next_due(session: AsyncSession) -> dt.datetime | None:
    """The earliest moment a recurring notice falls due."""
    found: dt.datetime | None = (
        await session.exec(select(sa.func.min(RecurringNotice.next_due_at)))
    ).one()
    return found


async def forget_notice(session: AsyncSession, *, notice_id: int) -> None:
    """Drop a notice whose person no longer gets it (the sweep adds it back if they do again)."""
    await session.exec(sa.delete(RecurringNotice).where(col(RecurringNotice.id) == notice_id))


async def is_active_client(session: AsyncSession, *, person_id: int, now: dt.datetime) -> bool:
    found = await session.exec(_client_query(now).where(col(Person.id) == person_id))
    return found.first() is not None


async def is_coach(session: AsyncSession, *, person_id: int, now: dt.datetime) -> bool:
    found = await session.exec(_coach_query(now).where(col(Person.id) == person_id))
    return found.first() is not None


# ---------------------------------------------------------------------------------------------
# The weekly summary


@dataclass(frozen=True, slots=True)
class WeekFigures:
    """How a client's week went, in counts."""

    answered: int  # check-ins with at least one answer
    total: int  # check-ins that fell due (not cancelled, not still waiting for an answer)
    kept_days: int  # days on which the client got up as planned
    days: int  # days with check-ins
    paused_days: int

    @property
    def empty(self) -> bool:
        return self.total == 0


async def week_figures(
    session: AsyncSession, *, client_id: int, timezone: str, until: dt.datetime
) -> WeekFigures:
    """The client's week: from the same local time a week before `until` up to `until` (so a
    check-in after Sunday's summary counts in the next one); paused days Monday to Sunday."""
    zone = ZoneInfo(timezone)
    local = until.astimezone(zone)
    last_day = local.date()
    first_day = last_day - dt.timedelta(days=6)
    begins = resolve_local(
        dt.datetime.combine(last_day - dt.timedelta(days=7), local.time().replace(tzinfo=None)),
        zone,
    )
    rows = (
        await session.exec(
            select(Checkin).where(
                Checkin.client_id == client_id,
                col(Checkin.due_at) >= begins,
                col(Checkin.due_at) < until,
                col(Checkin.status).notin_([CheckinStatus.CANCELLED, CheckinStatus.SCHEDULED]),
            )
        )
    ).all()
    counted = [
        c
        for c in rows
        # An unanswered check-in whose window is still open is neither answered nor missed yet.
        if c.answered_at is not None
        or c.window_ends_at <= until
        or c.status == CheckinStatus.MISSED
    ]
    days: set[dt.date] = set()
    kept: set[dt.date] = set()
    for checkin in counted:
        day = checkin.due_at.astimezone(zone).date()
        days.add(day)
        if checkin.got_up == GotUp.YES:
            kept.add(day)
    paused = await pauses.paused_days(
        session, client_ids=[client_id], first=first_day, last=last_day
    )
    return WeekFigures(
        answered=sum(1 for c in counted if c.answered_at is not None or c.status in _ANSWERED),
        total=len(counted),
        kept_days=len(kept),
        days=len(days),
        paused_days=len(paused.get(client_id, set())),
    )


# ---------------------------------------------------------------------------------------------
# The coach's morning summary


@dataclass(frozen=True, slots=True)
class DigestLine:
    """One client in a coach's morning summary."""

    client_id: int
    name: str
    answered: int
    missed: int
    paused: bool
    open_flags: int
    new_messages: int

    @property
    def needs_attention(self) -> bool:
        return bool(self.missed or self.open_flags or self.new_messages)

    @property
    def anything(self) -> bool:
        return bool(self.answered or self.paused or self.needs_attention)


async def clients_answered_for(
    session: AsyncSession, *, coach_id: int, now: dt.datetime
) -> list[int]:
    """The clients this coach answers for now (as routing.current_coach decides, in one query)
    and still sees (access.views): their own clients unless a substitute stands in, and the
    clients they stand in for."""
    valid = valid_at(now)
    mine = (
        select(CoachAssignment.client_id)
        .join(Coaching, col(Coaching.id) == col(CoachAssignment.coaching_id))
        .where(CoachAssignment.coach_id == coach_id, valid, col(Coaching.status).in_(LIVE))
    )
    rows = (
        await session.exec(
            select(CoachAssignment)
            .join(Coaching, col(Coaching.id) == col(CoachAssignment.coaching_id))
            .where(
                col(CoachAssignment.client_id).in_(mine),
                valid,
                col(Coaching.status).in_(LIVE),
            )
            .order_by(col(CoachAssignment.valid_from).desc(), col(CoachAssignment.id).desc())
        )
    ).all()
    by_client: dict[int, list[CoachAssignment]] = defaultdict(list)
    for row in rows:
        by_client[row.client_id].append(row)
    answered_for = []
    for client_id, assignments in by_client.items():
        if answering(assignments).coach_id == coach_id:
            answered_for.append(client_id)
    # Only those the coach still sees (in coaching or follow-up; not by the door alone).
    seen = await access.views(session, coach_id=coach_id, now=now, client_ids=answered_for)
    return sorted(seen)


async def digest(
    session: AsyncSession, *, coach_id: int, since: dt.datetime, now: dt.datetime
) -> list[DigestLine]:
    """Each client the coach answers for: check-ins answered and missed since `since`, whether
    they are on a pause today, open flags and unread messages; by name."""
    client_ids = await clients_answered_for(session, coach_id=coach_id, now=now)
    if not client_ids:
        return []
    views = await access.views(session, coach_id=coach_id, now=now, client_ids=client_ids)
    # The check-ins only of clients in coaching, and only of their time with this organisation.
    counted = [c for c in client_ids if views[c].checkins]
    counts = (
        await session.exec(
            select(Checkin.client_id, Checkin.status, Checkin.due_at).where(
                col(Checkin.client_id).in_(counted),
                col(Checkin.due_at) >= since,
                col(Checkin.due_at) < now,
                col(Checkin.status).in_([*_ANSWERED, CheckinStatus.MISSED]),
            )
        )
    ).all()
    answered: dict[int, int] = defaultdict(int)
    missed: dict[int, int] = defaultdict(int)
    for client_id, status, due_at in counts:
        if not views[client_id].covers(due_at):
            continue
        if status == CheckinStatus.MISSED:
            missed[client_id] += 1
        else:
            answered[client_id] += 1
    flags: dict[int, int] = defaultdict(int)
    for client_id, raised_at in (
        await session.exec(
            select(Flag.client_id, Flag.raised_at).where(
                col(Flag.client_id).in_(client_ids), Flag.status != FlagStatus.DONE
            )
        )
    ).all():
        if views[client_id].covers(raised_at):
            flags[client_id] += 1
    unread: dict[int, int] = defaultdict(int)
    for message in (
        await session.exec(
            select(RelayedMessage).where(
                RelayedMessage.recipient_id == coach_id,
                RelayedMessage.direction == RelayDirection.CLIENT_TO_COACH,
                col(RelayedMessage.read_at).is_(None),
                col(RelayedMessage.client_id).in_(client_ids),
            )
        )
    ).all():
        if access.holds_message(views[message.client_id], message):
            unread[message.client_id] += 1
    timezones = dict(
        (
            await session.exec(
                select(Person.id, Person.timezone).where(col(Person.id).in_(client_ids))
            )
        ).all()
    )
    around = now.date()
    paused = await pauses.paused_days(
        session,
        client_ids=client_ids,
        first=around - dt.timedelta(days=1),
        last=around + dt.timedelta(days=1),
    )
    lines = []
    for client_id in client_ids:
        today = days.local_day(now, timezones.get(client_id) or days.default_zone())
        name = await people.name_as_seen_by(session, viewer_id=coach_id, person_id=client_id)
        lines.append(
            DigestLine(
                client_id=client_id,
                name=name or "?",
                answered=answered.get(client_id, 0),
                missed=missed.get(client_id, 0),
                paused=today in paused.get(client_id, set()),
                open_flags=int(flags.get(client_id, 0)),
                new_messages=unread.get(client_id, 0),
            )
        )
    lines.sort(key=lambda line: (line.name.casefold(), line.client_id))
    return lines
