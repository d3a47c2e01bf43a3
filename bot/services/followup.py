"""Follow-up after placement or closing: a rhythm that tapers and tightens again, its answers, and
the employer's scheduled contact with the employee's paired pulse.

The employee is asked weekly in the first month after the start, every two weeks in months 2-3,
monthly to month 12 and every three months after that, until 36 months have passed since the
coaching was closed or the placement started, whichever is later. The organisation may change
the rhythm (settings["follow_up"]) and so may a client's plan (FollowUpPlan.rhythm). One row is
scheduled at a time: the next is created when one is sent. Three unanswered contacts in a row, or
answers that get worse, tighten the rhythm back to weekly for a month and flag the coach.

With a contact linked to the placement and the client's consent for the employer standing, the
employer is asked at 2 weeks, 1, 3, 6 and 12 months; at each, the employee gets the same short
question about the same period, and a clear mismatch between the two answers flags the coach.
Neither side ever sees the other's answer.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.models.coaching import Coaching, CoachingStatus
from bot.models.consent import Consent, ConsentSubject
from bot.models.flags import FlagKind
from bot.models.people import Organisation, Person
from bot.models.placements import (
    EmployerContact,
    FollowUpAudience,
    FollowUpContact,
    FollowUpPlan,
    FollowUpStatus,
    Placement,
    PlacementContact,
)
from bot.services import flags
from bot.services.days import add_months, local_day
from bot.services.errors import DomainError
from bot.services.schedules import resolve_local
from bot.services.sql import insert_ignoring_conflicts, table_of
from bot.text.i18n import N_

EMPLOYEE = FollowUpAudience.EMPLOYEE
EMPLOYER = FollowUpAudience.EMPLOYER
# The employee's answers: how work goes, the workload, getting along at work.
WORK = ("good", "so_so", "hard")
LOAD = ("ok", "too_much", "too_little")
ALONG = ("good", "so_so", "hard")
# The employer's answer.
VIEW = ("good", "some", "serious")
SCORE = {"good": 0, "so_so": 1, "hard": 2, "some": 1, "serious": 2}
# How long a contact waits for an answer before it counts as unanswered; a contact that could not
# be sent within it (the bot was down) is not sent late.
WINDOW = dt.timedelta(days=7)


class FollowUpClosed(DomainError):
    """The contact is not the presser's, or no longer open."""

    def __init__(self, contact_id: int) -> None:
        super().__init__(
            f"follow-up contact {contact_id} is not open",
            user_message=N_("This question is no longer open."),
        )


@dataclass(frozen=True, slots=True)
class Rhythm:
    """How often to ask: (until month, unit "d" or "m", step) per phase, the last open-ended."""

    phases: tuple[tuple[int | None, str, int], ...] = (
        (1, "d", 7),
        (3, "d", 14),
        (12, "m", 1),
        (None, "m", 3),
    )
    months: int = 36  # after the later of the start and the closing
    hour: int = 10  # the local hour a contact comes
    tighten_months: int = 1
    employer: tuple[tuple[str, int], ...] = field(
        default=(("d", 14), ("m", 1), ("m", 3), ("m", 6), ("m", 12))
    )

    @classmethod
    def from_settings(cls, *layers: dict[str, Any] | None) -> Rhythm:
        """The defaults, overridden by each layer in turn (the organisation's, the client's)."""
        values: dict[str, Any] = {}
        for layer in layers:
            values.update(layer or {})
        base = cls()
        phases = values.get("phases")
        employer = values.get("employer")
        return cls(
            phases=tuple(
                (None if p[0] is None else int(p[0]), str(p[1]), int(p[2])) for p in phases
            )
            if phases
            else base.phases,
            months=int(values.get("months", base.months)),
            hour=int(values.get("hour", base.hour)),
            tighten_months=int(values.get("tighten_months", base.tighten_months)),
            employer=tuple((str(u), int(n)) for u, n in employer) if employer else base.employer,
        )


def _step(day: dt.date, unit: str, n: int) -> dt.date:
    return add_months(day, n) if unit == "m" else day + dt.timedelta(days=n)


def next_day(
    day: dt.date, *, anchor: dt.date, rhythm: Rhythm, tightened_until: dt.date | None = None
) -> dt.date:
    """The day of the contact after one on `day`: the phase `day` falls in sets the step."""
    if tightened_until is not None and day < tightened_until:
        return day + dt.timedelta(days=7)
    for until, unit, n in rhythm.phases:
        if until is None or day < add_months(anchor, until):
            return _step(day, unit, n)
    return _step(day, "m", 3)


def plan_days(anchor: dt.date, end: dt.date, rhythm: Rhythm) -> list[dt.date]:
    """Every contact day of an untightened rhythm from the anchor to the end."""
    days: list[dt.date] = []
    day = next_day(anchor, anchor=anchor, rhythm=rhythm)
    while day <= end:
        days.append(day)
        day = next_day(day, anchor=anchor, rhythm=rhythm)
    return days


def at_hour(day: dt.date, timezone: str, rhythm: Rhythm) -> dt.datetime:
    """The moment of a contact on a local day, as UTC."""
    return resolve_local(dt.datetime.combine(day, dt.time(rhythm.hour)), ZoneInfo(timezone))


@dataclass(frozen=True, slots=True)
class Context:
    """What scheduling a client's contacts needs."""

    client_id: int
    timezone: str
    rhythm: Rhythm
    anchor: dt.date
    end: dt.date
    placement: Placement | None
    plan: FollowUpPlan | None


async def _plan(session: AsyncSession, client_id: int) -> FollowUpPlan | None:
    return await session.get(FollowUpPlan, client_id)


async def plan_of(session: AsyncSession, *, client_id: int, now: dt.datetime) -> FollowUpPlan:
    """The client's plan row, created on first use."""
    plan = await _plan(session, client_id)
    if plan is None:
        plan = FollowUpPlan(client_id=client_id, updated_at=now)
        session.add(plan)
        await session.flush()
    return plan


async def context_for(
    session: AsyncSession, *, client_id: int, placement_id: int | None
) -> Context | None:
    """The rhythm, anchor and end of a client's follow-up; None when there is nothing to follow."""
    person = await session.get(Person, client_id)
    if person is None or person.forgotten_at is not None:
        return None
    coaching = (
        await session.exec(
            select(Coaching)
            .where(Coaching.client_id == client_id)
            .order_by(col(Coaching.id).desc())
        )
    ).first()
    organisation = (
        await session.get(Organisation, coaching.organisation_id) if coaching is not None else None
    )
    plan = await _plan(session, client_id)
    rhythm = Rhythm.from_settings(
        (organisation.settings or {}).get("follow_up") if organisation else None,
        plan.rhythm if plan else None,
    )
    placement = await session.get(Placement, placement_id) if placement_id else None
    closed = (
        local_day(coaching.closed_at, person.timezone)
        if coaching is not None
        and coaching.status == CoachingStatus.CLOSED
        and coaching.closed_at is not None
        else None
    )
    starts = [d for d in (placement.start_date if placement else None, closed) if d is not None]
    if not starts:
        return None
    anchor = placement.start_date if placement is not None else max(starts)
    end = add_months(max(starts), rhythm.months)
    return Context(
        client_id=client_id,
        timezone=person.timezone,
        rhythm=rhythm,
        anchor=anchor,
        end=end,
        placement=placement,
        plan=plan,
    )


async def _insert(session: AsyncSession, rows: list[dict[str, Any]]) -> int:
    """Insert contacts (one per client, audience and due time); returns how many were new."""
    if not rows:
        return 0
    table = table_of(FollowUpContact)
    return len(await insert_ignoring_conflicts(session, table, rows, returning=table.c.id))


def _row(
    ctx: Context,
    audience: FollowUpAudience,
    due_at: dt.datetime,
    now: dt.datetime,
    **extra: Any,
) -> dict[str, Any]:
    return {
        "client_id": ctx.client_id,
        "placement_id": ctx.placement.id if ctx.placement else None,
        "audience": audience,
        "recipient_id": ctx.client_id if audience == EMPLOYEE else None,
        "due_at": due_at,
        "status": FollowUpStatus.SCHEDULED,
        "answers": {},
        "created_at": now,
        **extra,
    }


async def _remember_end(session: AsyncSession, *, ctx: Context) -> None:
    """The coaching keeps when its follow-up ends (the last contact's day and its answer window),
    so what happens after it (whoever answers a former client) needs no rhythm arithmetic."""
    coaching = (
        await session.exec(
            select(Coaching)
            .where(Coaching.client_id == ctx.client_id)
            .order_by(col(Coaching.id).desc())
        )
    ).first()
    if coaching is None:
        return
    until = at_hour(ctx.end, ctx.timezone, ctx.rhythm) + WINDOW
    if coaching.follow_up_until is None or coaching.follow_up_until < until:
        coaching.follow_up_until = until


async def start_follow_up(
    session: AsyncSession, *, client_id: int, placement_id: int | None, now: dt.datetime
) -> int:
    """Start the follow-up of a placement (from its start date) or of a closed coaching.

    Schedules the employee's first contact and, for a placement, the employer's contacts (sent
    only if a contact is linked and the client's consent stands when they fall due). Safe to call
    again (what was started is left as it is); returns how many rows were scheduled.
    """
    ctx = await context_for(session, client_id=client_id, placement_id=placement_id)
    if ctx is None:
        return 0
    await _remember_end(session, ctx=ctx)
    # A new placement replaces what was scheduled for an earlier one. Never-sent contacts carry no
    # history, and a kept row would hold its due time against the new placement's contacts.
    await session.exec(
        sa.delete(FollowUpContact).where(
            col(FollowUpContact.client_id) == client_id,
            col(FollowUpContact.status) == FollowUpStatus.SCHEDULED,
            sa.or_(
                col(FollowUpContact.placement_id).is_(None),
                col(FollowUpContact.placement_id) != (placement_id or 0),
            ),
        )
    )
    existing = set(
        (
            await session.exec(
                select(FollowUpContact.audience).where(
                    FollowUpContact.client_id == client_id,
                    col(FollowUpContact.placement_id).is_(None)
                    if placement_id is None
                    else col(FollowUpContact.placement_id) == placement_id,
                    col(FollowUpContact.status) != FollowUpStatus.CANCELLED,
                )
            )
        ).all()
    )
    rows: list[dict[str, Any]] = []
    opted_out = ctx.plan is not None and ctx.plan.opted_out_at is not None
    if not opted_out and EMPLOYEE not in existing:
        day = next_day(ctx.anchor, anchor=ctx.anchor, rhythm=ctx.rhythm)
        while day <= ctx.end:
            due = at_hour(day, ctx.timezone, ctx.rhythm)
            if due > now:
                rows.append(_row(ctx, EMPLOYEE, due, now))
                break
            day = next_day(day, anchor=ctx.anchor, rhythm=ctx.rhythm)
    if ctx.placement is not None and EMPLOYER not in existing:
        for unit, n in ctx.rhythm.employer:
            due = at_hour(_step(ctx.anchor, unit, n), ctx.timezone, ctx.rhythm)
            if due > now:
                rows.append(_row(ctx, EMPLOYER, due, now))
    return await _insert(session, rows)


async def start_missing(session: AsyncSession, *, now: dt.datetime, limit: int = 100) -> int:
    """Start the follow-up of current placements that have none yet (whoever recorded them)."""
    has_rows = (
        select(FollowUpContact.id)
        .where(
            col(FollowUpContact.placement_id) == col(Placement.id),
            col(FollowUpContact.audience) == EMPLOYEE,
        )
        .exists()
    )
    opted_out = (
        select(FollowUpPlan.client_id)
        .where(
            col(FollowUpPlan.client_id) == col(Placement.client_id),
            col(FollowUpPlan.opted_out_at).is_not(None),
        )
        .exists()
    )
    found = (
        await session.exec(
            select(Placement.id, Placement.client_id)
            .where(col(Placement.is_current).is_(True), ~has_rows, ~opted_out)
            .limit(limit)
        )
    ).all()
    started = 0
    for placement_id, client_id in found:
        scheduled = await start_follow_up(
            session, client_id=client_id, placement_id=placement_id, now=now
        )
        started += scheduled
        ctx = await context_for(session, client_id=client_id, placement_id=placement_id)
        if not scheduled and ctx is not None:
            # Nothing left to schedule (the follow-up is over): a cancelled mark keeps the
            # placement from being looked at again.
            started += await _insert(
                session, [_row(ctx, EMPLOYEE, now, now, status=FollowUpStatus.CANCELLED)]
            )
    return started + await _start_after_closing(session, now=now, limit=limit)


async def _start_after_closing(session: AsyncSession, *, now: dt.datetime, limit: int) -> int:
    """Start the follow-up of closed coachings without a placement (from the closing day)."""
    any_rows = (
        select(FollowUpContact.id)
        .where(col(FollowUpContact.client_id) == col(Coaching.client_id))
        .exists()
    )
    placed = (
        select(Placement.id)
        .where(
            col(Placement.client_id) == col(Coaching.client_id),
            col(Placement.is_current).is_(True),
        )
        .exists()
    )
    opted_out = (
        select(FollowUpPlan.client_id)
        .where(
            col(FollowUpPlan.client_id) == col(Coaching.client_id),
            col(FollowUpPlan.opted_out_at).is_not(None),
        )
        .exists()
    )
    # Coachings closed long ago are over anyway; the longest follow-up is a few years.
    found = (
        await session.exec(
            select(Coaching.client_id)
            .where(
                col(Coaching.status) == CoachingStatus.CLOSED,
                col(Coaching.closed_at).is_not(None),
                col(Coaching.closed_at) > now - dt.timedelta(days=5 * 366),
                ~any_rows,
                ~placed,
                ~opted_out,
            )
            .distinct()
            .limit(limit)
        )
    ).all()
    started = 0
    for client_id in found:
        scheduled = await start_follow_up(session, client_id=client_id, placement_id=None, now=now)
        ctx = await context_for(session, client_id=client_id, placement_id=None)
        if not scheduled and ctx is not None:
            scheduled = await _insert(
                session, [_row(ctx, EMPLOYEE, now, now, status=FollowUpStatus.CANCELLED)]
            )
        started += scheduled
    return started


async def claim_due(
    session: AsyncSession, *, now: dt.datetime, limit: int = 500
) -> list[FollowUpContact]:
    """Atomically mark the due contacts sent and return them (a compare-and-set per row)."""
    candidates = (
        select(FollowUpContact.id)
        .where(
            col(FollowUpContact.status) == FollowUpStatus.SCHEDULED,
            col(FollowUpContact.due_at) <= now,
        )
        .order_by(col(FollowUpContact.due_at), col(FollowUpContact.id))
        .limit(limit)
    )
    result = await session.exec(
        sa.update(FollowUpContact)
        .where(
            col(FollowUpContact.id).in_(candidates.scalar_subquery()),
            col(FollowUpContact.status) == FollowUpStatus.SCHEDULED,
        )
        .values(status=FollowUpStatus.SENT, sent_at=now)
        .returning(FollowUpContact)
        .execution_options(synchronize_session=False)
    )
    claimed = list(result.scalars().all())
    claimed.sort(key=lambda r: (r.due_at, r.id or 0))
    return claimed


async def cancel(session: AsyncSession, *, contact: FollowUpContact) -> None:
    await session.exec(
        sa.update(FollowUpContact)
        .where(col(FollowUpContact.id) == contact.id)
        .values(status=FollowUpStatus.CANCELLED)
    )


def _tightened_until(ctx: Context) -> dt.date | None:
    if ctx.plan is None or ctx.plan.tightened_at is None:
        return None
    return add_months(local_day(ctx.plan.tightened_at, ctx.timezone), ctx.rhythm.tighten_months)


async def schedule_next(
    session: AsyncSession, *, contact: FollowUpContact, now: dt.datetime
) -> dt.datetime | None:
    """After an employee contact was sent: the next one on the rhythm, unless one is scheduled,
    the client opted out or the follow-up is over."""
    if contact.audience != EMPLOYEE:
        return None
    scheduled = (
        await session.exec(
            select(FollowUpContact.id).where(
                FollowUpContact.client_id == contact.client_id,
                FollowUpContact.audience == EMPLOYEE,
                FollowUpContact.status == FollowUpStatus.SCHEDULED,
            )
        )
    ).first()
    if scheduled is not None:
        return None
    ctx = await context_for(session, client_id=contact.client_id, placement_id=contact.placement_id)
    if ctx is None or (ctx.plan is not None and ctx.plan.opted_out_at is not None):
        return None
    until = _tightened_until(ctx)
    day = local_day(contact.due_at, ctx.timezone)
    while True:
        day = next_day(day, anchor=ctx.anchor, rhythm=ctx.rhythm, tightened_until=until)
        if day > ctx.end:
            return None
        due = at_hour(day, ctx.timezone, ctx.rhythm)
        if due > now:
            break
    if until is not None and day >= until and ctx.plan is not None:
        ctx.plan.tightened_at = None  # the taper resumes
        ctx.plan.updated_at = now
    await _insert(session, [_row(ctx, EMPLOYEE, due, now)])
    return due


async def tighten(session: AsyncSession, *, client_id: int, now: dt.datetime) -> None:
    """Back to weekly for a month: the scheduled contact comes within a week at the latest."""
    plan = await plan_of(session, client_id=client_id, now=now)
    plan.tightened_at = now
    plan.updated_at = now
    if plan.opted_out_at is not None:
        return
    scheduled = (
        await session.exec(
            select(FollowUpContact).where(
                FollowUpContact.client_id == client_id,
                FollowUpContact.audience == EMPLOYEE,
                FollowUpContact.status == FollowUpStatus.SCHEDULED,
                col(FollowUpContact.paired_with_id).is_(None),
            )
        )
    ).first()
    if scheduled is None:
        return
    ctx = await context_for(session, client_id=client_id, placement_id=scheduled.placement_id)
    if ctx is None:
        return
    due = at_hour(local_day(now, ctx.timezone) + dt.timedelta(days=7), ctx.timezone, ctx.rhythm)
    taken = (
        await session.exec(
            select(FollowUpContact.id).where(
                FollowUpContact.client_id == client_id,
                FollowUpContact.audience == EMPLOYEE,
                FollowUpContact.due_at == due,
            )
        )
    ).first()
    if due < scheduled.due_at and taken is None:
        scheduled.due_at = due


async def close_windows(session: AsyncSession, *, now: dt.datetime, limit: int = 500) -> int:
    """Contacts left without an answer for their window become unanswered; three employee
    contacts unanswered in a row tighten the rhythm and flag the coach."""
    rows = (
        await session.exec(
            select(FollowUpContact)
            .where(
                col(FollowUpContact.status) == FollowUpStatus.SENT,
                col(FollowUpContact.sent_at) <= now - WINDOW,
            )
            .order_by(col(FollowUpContact.sent_at))
            .limit(limit)
        )
    ).all()
    closed = 0
    for row in rows:
        result = await session.exec(
            sa.update(FollowUpContact)
            .where(
                col(FollowUpContact.id) == row.id,
                col(FollowUpContact.status) == FollowUpStatus.SENT,
            )
            .values(status=FollowUpStatus.UNANSWERED)
        )
        if not result.rowcount:
            continue
        closed += 1
        if row.audience == EMPLOYEE:
            await _after_silence(session, client_id=row.client_id, now=now)
    return closed


async def _after_silence(session: AsyncSession, *, client_id: int, now: dt.datetime) -> None:
    last = (
        await session.exec(
            select(FollowUpContact.status)
            .where(
                FollowUpContact.client_id == client_id,
                FollowUpContact.audience == EMPLOYEE,
                col(FollowUpContact.status).in_(
                    [FollowUpStatus.ANSWERED, FollowUpStatus.UNANSWERED]
                ),
            )
            .order_by(col(FollowUpContact.due_at).desc())
            .limit(3)
        )
    ).all()
    if len(last) == 3 and all(s == FollowUpStatus.UNANSWERED for s in last):
        await tighten(session, client_id=client_id, now=now)
        await flags.raise_flag(
            session,
            client_id=client_id,
            kind=FlagKind.FOLLOWUP_SILENCE,
            now=now,
            details={"unanswered": 3},
        )


async def next_due(session: AsyncSession) -> dt.datetime | None:
    """The earliest scheduled contact or window to close."""
    due = (
        await session.exec(
            select(func.min(FollowUpContact.due_at)).where(
                FollowUpContact.status == FollowUpStatus.SCHEDULED
            )
        )
    ).one()
    sent = (
        await session.exec(
            select(func.min(FollowUpContact.sent_at)).where(
                FollowUpContact.status == FollowUpStatus.SENT
            )
        )
    ).one()
    times = [t for t in (due, sent + WINDOW if sent else None) if t is not None]
    return min(times) if times else None


async def employer_recipient(
    session: AsyncSession, *, placement: Placement, now: dt.datetime
) -> tuple[Person, int] | None:
    """The contact person to write to about a placement, and the consent that allows it."""
    consent = (
        await session.exec(
            select(Consent.id).where(
                Consent.client_id == placement.client_id,
                Consent.subject == ConsentSubject.EMPLOYER_LINK,
                Consent.employer_id == placement.employer_id,
                col(Consent.revoked_at).is_(None),
            )
        )
    ).first()
    if consent is None:
        return None
    rows = (
        await session.exec(
            select(EmployerContact, Person)
            .join(PlacementContact, col(PlacementContact.contact_id) == col(EmployerContact.id))
            .join(Person, col(Person.id) == col(EmployerContact.person_id))
            .where(
                PlacementContact.placement_id == placement.id,
                EmployerContact.employer_id == placement.employer_id,
                col(EmployerContact.active_from) <= now,
                sa.or_(
                    col(EmployerContact.active_until).is_(None),
                    col(EmployerContact.active_until) > now,
                ),
                col(Person.chat_id).is_not(None),
                col(Person.forgotten_at).is_(None),
            )
            .order_by(col(PlacementContact.id))
        )
    ).all()
    if not rows:
        return None
    chosen = next((p for c, p in rows if c.id == placement.contact_id), rows[0][1])
    return chosen, consent


async def add_pulse(
    session: AsyncSession, *, employer_side: FollowUpContact, now: dt.datetime
) -> None:
    """The employee's side of a paired pulse: the contact due now, or a new one."""
    plan = await _plan(session, employer_side.client_id)
    if plan is not None and plan.opted_out_at is not None:
        return
    same = (
        await session.exec(
            select(FollowUpContact).where(
                FollowUpContact.client_id == employer_side.client_id,
                FollowUpContact.audience == EMPLOYEE,
                FollowUpContact.due_at == employer_side.due_at,
            )
        )
    ).first()
    if same is not None:
        if same.paired_with_id is None:
            same.paired_with_id = employer_side.id
        return
    await _insert(
        session,
        [
            {
                "client_id": employer_side.client_id,
                "placement_id": employer_side.placement_id,
                "audience": EMPLOYEE,
                "recipient_id": employer_side.client_id,
                "paired_with_id": employer_side.id,
                "due_at": employer_side.due_at,
                "status": FollowUpStatus.SCHEDULED,
                "answers": {},
                "created_at": now,
            }
        ],
    )


# Answers ---------------------------------------------------------------------------------------

ANSWER_KEYS = {
    "w": ("work", WORK),
    "l": ("workload", LOAD),
    "a": ("along", ALONG),
    "e": ("view", VIEW),
}


@dataclass(frozen=True, slots=True)
class Answered:
    """What an answer led to."""

    contact: FollowUpContact
    flagged: bool = False


async def open_contact(
    session: AsyncSession, *, contact_id: int, person_id: int, now: dt.datetime
) -> FollowUpContact:
    """A contact the presser may answer: theirs, sent, and (for an employer) still consented."""
    contact = await session.get(FollowUpContact, contact_id)
    if (
        contact is None
        or contact.recipient_id != person_id
        or contact.status
        not in (FollowUpStatus.SENT, FollowUpStatus.ANSWERED, FollowUpStatus.UNANSWERED)
    ):
        raise FollowUpClosed(contact_id)
    if contact.audience == EMPLOYER:
        placement = (
            await session.get(Placement, contact.placement_id) if contact.placement_id else None
        )
        found = (
            await employer_recipient(session, placement=placement, now=now) if placement else None
        )
        if found is None or found[0].id != person_id:
            raise FollowUpClosed(contact_id)
    return contact


async def answer(
    session: AsyncSession,
    *,
    contact_id: int,
    person_id: int,
    question: str,
    value: str,
    now: dt.datetime,
) -> Answered:
    """Store one answer; check for worsening (employee) and a mismatch with the paired side."""
    contact = await open_contact(session, contact_id=contact_id, person_id=person_id, now=now)
    key, allowed = ANSWER_KEYS.get(question, ("", ()))
    wanted = EMPLOYER if question == "e" else EMPLOYEE
    if value not in allowed or contact.audience != wanted:
        raise FollowUpClosed(contact_id)
    contact.answers = {**contact.answers, key: value}
    contact.status = FollowUpStatus.ANSWERED
    contact.answered_at = contact.answered_at or now
    await session.flush()
    flagged = False
    if contact.audience == EMPLOYEE:
        flagged = await _after_employee_answer(session, contact=contact, now=now)
    if question in ("w", "e"):
        flagged = await _check_pair(session, contact=contact, now=now) or flagged
    return Answered(contact=contact, flagged=flagged)


async def _after_employee_answer(
    session: AsyncSession, *, contact: FollowUpContact, now: dt.datetime
) -> bool:
    answers = contact.answers
    worse = answers.get("workload") == "too_much" and answers.get("along") == "hard"
    if answers.get("work") == "hard" and not worse:
        previous = (
            await session.exec(
                select(FollowUpContact.answers)
                .where(
                    FollowUpContact.client_id == contact.client_id,
                    FollowUpContact.audience == EMPLOYEE,
                    FollowUpContact.status == FollowUpStatus.ANSWERED,
                    col(FollowUpContact.due_at) < contact.due_at,
                )
                .order_by(col(FollowUpContact.due_at).desc())
            )
        ).first()
        worse = previous is not None and previous.get("work") == "hard"
    if not worse:
        return False
    await tighten(session, client_id=contact.client_id, now=now)
    raised = await flags.raise_flag(
        session,
        client_id=contact.client_id,
        kind=FlagKind.FOLLOWUP_WORSE,
        now=now,
        source=("follow_up_contact", contact.id or 0),
    )
    return raised is not None


async def _check_pair(session: AsyncSession, *, contact: FollowUpContact, now: dt.datetime) -> bool:
    employee: FollowUpContact | None
    employer: FollowUpContact | None
    if contact.audience == EMPLOYEE:
        employee = contact
        employer = (
            await session.get(FollowUpContact, contact.paired_with_id)
            if contact.paired_with_id
            else None
        )
    else:
        employer = contact
        employee = (
            await session.exec(
                select(FollowUpContact).where(FollowUpContact.paired_with_id == contact.id)
            )
        ).first()
    if employee is None or employer is None:
        return False
    mine, theirs = employee.answers.get("work"), employer.answers.get("view")
    if mine is None or theirs is None or abs(SCORE[mine] - SCORE[theirs]) < 2:
        return False
    raised = await flags.raise_flag(
        session,
        client_id=contact.client_id,
        kind=FlagKind.PULSE_MISMATCH,
        now=now,
        source=("follow_up_contact", employee.id or 0),
        details={"employer_contact": employer.id},
    )
    return raised is not None


async def ask_for_contact(
    session: AsyncSession, *, contact_id: int, person_id: int, now: dt.datetime
) -> FollowUpContact:
    """'Please contact me': from the employee a contact request, from the employer theirs."""
    contact = await open_contact(session, contact_id=contact_id, person_id=person_id, now=now)
    contact.answers = {**contact.answers, "contact": True}
    contact.status = FollowUpStatus.ANSWERED
    contact.answered_at = contact.answered_at or now
    await flags.raise_flag(
        session,
        client_id=contact.client_id,
        kind=FlagKind.CONTACT_REQUEST
        if contact.audience == EMPLOYEE
        else FlagKind.EMPLOYER_REQUEST,
        now=now,
        source=("follow_up_contact", contact.id or 0),
    )
    return contact


# Opting out and back in ------------------------------------------------------------------------


async def is_opted_out(session: AsyncSession, *, client_id: int) -> bool:
    plan = await _plan(session, client_id)
    return plan is not None and plan.opted_out_at is not None


async def has_follow_up(session: AsyncSession, *, client_id: int) -> bool:
    """Whether follow-up concerns the client at all (for /settings)."""
    if await _plan(session, client_id) is not None:
        return True
    found = (
        await session.exec(
            select(FollowUpContact.id).where(FollowUpContact.client_id == client_id).limit(1)
        )
    ).first()
    return found is not None


async def opt_out(session: AsyncSession, *, client_id: int, now: dt.datetime) -> None:
    """No more follow-up questions to the client (the employer's consent is a matter apart)."""
    plan = await plan_of(session, client_id=client_id, now=now)
    plan.opted_out_at = plan.opted_out_at or now
    plan.updated_at = now
    plan.updated_by_id = client_id
    await session.exec(
        sa.update(FollowUpContact)
        .where(
            col(FollowUpContact.client_id) == client_id,
            col(FollowUpContact.audience) == EMPLOYEE,
            col(FollowUpContact.status) == FollowUpStatus.SCHEDULED,
        )
        .values(status=FollowUpStatus.CANCELLED)
    )


async def opt_in(session: AsyncSession, *, client_id: int, now: dt.datetime) -> dt.datetime | None:
    """Follow-up questions again, from the next day on the rhythm; returns when."""
    plan = await plan_of(session, client_id=client_id, now=now)
    plan.opted_out_at = None
    plan.updated_at = now
    plan.updated_by_id = client_id
    await session.flush()
    last = (
        await session.exec(
            select(FollowUpContact)
            .where(
                FollowUpContact.client_id == client_id,
                FollowUpContact.audience == EMPLOYEE,
                col(FollowUpContact.status) != FollowUpStatus.SCHEDULED,
            )
            .order_by(col(FollowUpContact.due_at).desc())
        )
    ).first()
    if last is None:
        placement = (
            await session.exec(
                select(Placement.id).where(
                    Placement.client_id == client_id, col(Placement.is_current).is_(True)
                )
            )
        ).first()
        await start_follow_up(session, client_id=client_id, placement_id=placement, now=now)
    else:
        await schedule_next(session, contact=last, now=now)
    return (
        await session.exec(
            select(func.min(FollowUpContact.due_at)).where(
                FollowUpContact.client_id == client_id,
                FollowUpContact.audience == EMPLOYEE,
                FollowUpContact.status == FollowUpStatus.SCHEDULED,
            )
        )
    ).one()
