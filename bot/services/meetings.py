"""Meetings about a client's work: the employer proposes a time, the coach confirms it, and
everyone concerned (the client, the coach, the employer's contacts) is reminded the day before.

A meeting is only about a placement the proposer may act on; once confirmed it is logged as a
disclosure to each employer contact it was shown to.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.models.consent import DisclosedItem
from bot.models.people import Person
from bot.models.placements import (
    EmployerContact,
    Meeting,
    MeetingStatus,
    Placement,
    PlacementContact,
)
from bot.services import access, consents, routing
from bot.services.errors import DomainError
from bot.services.schedules import resolve_local
from bot.text import dates
from bot.text.i18n import N_, gettext

REMIND_BEFORE = dt.timedelta(days=1)
SLOT_HOURS = (9, 13)
SLOT_DAYS = 2
PASSED = N_("{when} has already passed. Write a time in the future.")


class MeetingGone(DomainError):
    """The meeting is no longer in the state the button assumed."""


def slots(now: dt.datetime, timezone: str) -> list[dt.datetime]:
    """A few times to offer: the next working days at 9 and 13, local time."""
    zone = ZoneInfo(timezone)
    day = now.astimezone(zone).date()
    found: list[dt.datetime] = []
    while len(found) < SLOT_DAYS * len(SLOT_HOURS):
        day += dt.timedelta(days=1)
        if day.weekday() >= 5:
            continue
        for hour in SLOT_HOURS:
            found.append(resolve_local(dt.datetime.combine(day, dt.time(hour, 0)), zone))
    return found


def read_time(text: str, timezone: str, now: dt.datetime) -> tuple[dt.datetime | None, str]:
    """A day and time typed together (15.1.2027 13.00, 15/1 klo 13, 2027-01-15 1 pm), in the
    future; else None and the words that say what was read and how to write it."""
    zone = ZoneInfo(timezone)
    reading = dates.read_moment(text, today=now.astimezone(zone).date())
    if reading.day is None or reading.time is None:
        return None, reading.refusal
    when = resolve_local(dt.datetime.combine(reading.day, reading.time), zone)
    if when <= now:
        return None, gettext(PASSED).format(when=dates.format_datetime(when, timezone=timezone))
    return when, ""


def parse_time(text: str, timezone: str, now: dt.datetime) -> dt.datetime | None:
    """A day and time typed together, in the future; None when it is not one."""
    return read_time(text, timezone, now)[0]


async def propose(
    session: AsyncSession,
    *,
    contact_person_id: int,
    placement_id: int,
    starts_at: dt.datetime,
    now: dt.datetime,
) -> Meeting:
    """An employer contact proposes a meeting about a placement they may act on."""
    await access.require_employer_act(
        session, contact_person_id=contact_person_id, placement_id=placement_id, now=now
    )
    if starts_at <= now:
        raise MeetingGone("a meeting in the past")
    placement = await session.get(Placement, placement_id)
    assert placement is not None
    meeting = Meeting(
        client_id=placement.client_id,
        placement_id=placement_id,
        employer_id=placement.employer_id,
        proposed_by_id=contact_person_id,
        starts_at=starts_at,
        status=MeetingStatus.PROPOSED,
        created_at=now,
    )
    session.add(meeting)
    await session.flush()
    return meeting


async def contacts_of(session: AsyncSession, *, meeting: Meeting, now: dt.datetime) -> list[Person]:
    """The employer contacts who may hear about this meeting now (linked, consent standing)."""
    if meeting.placement_id is None:
        return []
    rows = await session.exec(
        select(Person)
        .join(EmployerContact, col(EmployerContact.person_id) == col(Person.id))
        .join(PlacementContact, col(PlacementContact.contact_id) == col(EmployerContact.id))
        .where(PlacementContact.placement_id == meeting.placement_id)
    )
    allowed = []
    for person in rows.all():
        assert person.id is not None
        if await access.can_employer_act(
            session, contact_person_id=person.id, placement_id=meeting.placement_id, now=now
        ):
            allowed.append(person)
    return allowed


@dataclass(frozen=True, slots=True)
class Decided:
    meeting: Meeting
    client: Person
    contacts: list[Person]


async def decide(
    session: AsyncSession, *, coach_id: int, meeting_id: int, confirm: bool, now: dt.datetime
) -> Decided:
    """The coach confirms (or declines) a proposed meeting, once."""
    meeting = await session.get(Meeting, meeting_id)
    if meeting is None:
        raise access.AccessDenied(f"no meeting {meeting_id}")
    await access.require_act(session, coach_id=coach_id, client_id=meeting.client_id, now=now)
    contacts = await contacts_of(session, meeting=meeting, now=now)
    if not contacts and confirm:
        raise MeetingGone("the employer may no longer hear about the client")
    result = await session.exec(
        sa.update(Meeting)
        .where(col(Meeting.id) == meeting_id, col(Meeting.status) == MeetingStatus.PROPOSED)
        .values(
            status=MeetingStatus.CONFIRMED if confirm else MeetingStatus.CANCELLED,
            confirmed_by_id=coach_id if confirm else None,
            confirmed_at=now if confirm else None,
        )
    )
    if not result.rowcount:
        raise MeetingGone(f"meeting {meeting_id} was decided already")
    await session.refresh(meeting)
    client = await session.get(Person, meeting.client_id)
    assert client is not None
    if confirm and meeting.employer_id is not None:
        for contact in contacts:
            await consents.disclose(
                session,
                client_id=meeting.client_id,
                employer_id=meeting.employer_id,
                recipient_id=contact.id,
                what=DisclosedItem.MEETING,
                now=now,
                details={"meeting_id": meeting.id, "starts_at": meeting.starts_at.isoformat()},
            )
    return Decided(meeting, client, contacts)


@dataclass(frozen=True, slots=True)
class Reminder:
    meeting: Meeting
    people: list[Person]  # the client, their coach, and the employer's contacts


async def claim_reminders(session: AsyncSession, *, now: dt.datetime) -> list[Reminder]:
    """Confirmed meetings starting within a day whose reminder has not gone; each claimed once."""
    due = (
        await session.exec(
            select(Meeting).where(
                Meeting.status == MeetingStatus.CONFIRMED,
                col(Meeting.reminder_sent_at).is_(None),
                col(Meeting.starts_at) <= now + REMIND_BEFORE,
                col(Meeting.starts_at) > now,
            )
        )
    ).all()
    claimed = []
    for meeting in due:
        result = await session.exec(
            sa.update(Meeting)
            .where(col(Meeting.id) == meeting.id, col(Meeting.reminder_sent_at).is_(None))
            .values(reminder_sent_at=now)
        )
        if not result.rowcount:
            continue
        people: list[Person] = []
        client = await session.get(Person, meeting.client_id)
        if client is not None:
            people.append(client)
        coach = await routing.current_coach(session, client_id=meeting.client_id, now=now)
        if coach is not None:
            people.append(coach)
        people.extend(await contacts_of(session, meeting=meeting, now=now))
        claimed.append(Reminder(meeting, people))
    return claimed


async def next_due(session: AsyncSession, *, now: dt.datetime) -> dt.datetime | None:
    """When the next meeting reminder falls due (a meeting already begun gets none)."""
    first = (
        await session.exec(
            select(sa.func.min(Meeting.starts_at)).where(
                Meeting.status == MeetingStatus.CONFIRMED,
                col(Meeting.reminder_sent_at).is_(None),
                col(Meeting.starts_at) > now,
            )
        )
    ).one()
    if first is None:
        return None
    if first.tzinfo is None:
        first = first.replace(tzinfo=dt.UTC)
    return first - REMIND_BEFORE


class NoEmployerContact(DomainError):
    """Nobody at the employer may hear about the client now (no consent, or nobody joined)."""

    def __init__(self, detail: str) -> None:
        super().__init__(
            detail,
            user_message=N_(
                "Nobody at the employer can be told about a meeting right now: the client's "
                "yes or a joined contact person is missing."
            ),
        )


async def arrange(
    session: AsyncSession,
    *,
    coach_id: int,
    client_id: int,
    starts_at: dt.datetime,
    now: dt.datetime,
) -> Decided:
    """The coach sets a meeting with the client's current employer: agreed at once."""
    await access.require_act(session, coach_id=coach_id, client_id=client_id, now=now)
    placement = (
        await session.exec(
            select(Placement).where(Placement.client_id == client_id, col(Placement.is_current))
        )
    ).first()
    if placement is None or placement.id is None:
        raise NoEmployerContact(f"client {client_id} has no current placement")
    if starts_at <= now:
        raise MeetingGone("a meeting in the past")
    meeting = Meeting(
        client_id=client_id,
        placement_id=placement.id,
        employer_id=placement.employer_id,
        proposed_by_id=coach_id,
        starts_at=starts_at,
        status=MeetingStatus.PROPOSED,
        created_at=now,
    )
    if not await contacts_of(session, meeting=meeting, now=now):
        raise NoEmployerContact(f"nobody at employer {placement.employer_id} may hear of it")
    session.add(meeting)
    await session.flush()
    assert meeting.id is not None
    return await decide(session, coach_id=coach_id, meeting_id=meeting.id, confirm=True, now=now)
