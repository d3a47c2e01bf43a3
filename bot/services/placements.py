"""Placements: the job a client was placed in, with its employer and the employer's contact.

A client may have several placements over time; recording a new one makes the older ones not
current. Only the coach who acts for the client records a placement.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.models.people import Person
from bot.models.placements import Employer, EmployerContact, Placement, PlacementKind
from bot.services import access, audit, coping, followup, people
from bot.services.errors import DomainError
from bot.text import dates
from bot.text.i18n import N_, gettext

MAX_NAME = 200
MAX_TITLE = 200
MIN_HOURS = 1.0
MAX_HOURS = 80.0
HOURS_UNCLEAR = N_("Please write the hours a week as a number, like 30.")
HOURS_OUT_OF_RANGE = N_(
    "That is not between {low} and {high} hours a week. Write a number like 30."
)


class BadPlacement(DomainError):
    """A value of a placement that cannot be saved (empty, too long, out of range)."""


def clean_text(text: str | None, limit: int) -> str:
    value = " ".join((text or "").split())
    if not value:
        raise BadPlacement("empty value")
    if len(value) > limit:
        raise BadPlacement("value too long")
    return value


def parse_date(text: str, *, today: dt.date) -> dt.date | None:
    """A date as people type it (15.1.2027, 15/1/2027, 2027-01-15, 15.1.); None when not one."""
    return dates.read_date(text, today=today).day


def read_hours(text: str) -> tuple[float | None, str]:
    """Hours a week typed as a number (a comma works as a decimal point), or the words that say
    why not: a number out of range is told its range, anything else how to write it."""
    try:
        hours = float(text.strip().replace(",", ".").split()[0])
    except (ValueError, IndexError):
        return None, gettext(HOURS_UNCLEAR)
    if not MIN_HOURS <= hours <= MAX_HOURS:  # also NaN, which is no number of hours
        return None, gettext(HOURS_OUT_OF_RANGE).format(low=int(MIN_HOURS), high=int(MAX_HOURS))
    return hours, ""


def parse_hours(text: str) -> float | None:
    """Hours a week typed as a number; None when not one or out of range."""
    return read_hours(text)[0]


def next_monday(today: dt.date) -> dt.date:
    return today + dt.timedelta(days=7 - today.weekday())


async def employers_of(
    session: AsyncSession, *, coach_id: int, now: dt.datetime
) -> list[tuple[int, str]]:
    """The employers of the coach's organisation, by name."""
    organisation_id = await people.coach_organisation_id(session, coach_id=coach_id, now=now)
    if organisation_id is None:
        return []
    rows = await session.exec(
        select(Employer.id, Employer.name)
        .where(Employer.organisation_id == organisation_id)
        .order_by(col(Employer.name), col(Employer.id))
    )
    return [(employer_id, name) for employer_id, name in rows.all() if employer_id is not None]


async def employer_name(session: AsyncSession, *, employer_id: int) -> str | None:
    employer = await session.get(Employer, employer_id)
    return employer.name if employer is not None else None


async def _employer(
    session: AsyncSession,
    *,
    organisation_id: int,
    employer_id: int | None,
    name: str | None,
    now: dt.datetime,
) -> Employer:
    if employer_id is not None:
        employer = await session.get(Employer, employer_id)
        if employer is None or employer.organisation_id != organisation_id:
            raise access.AccessDenied(f"employer {employer_id} is not of this organisation")
        return employer
    clean = clean_text(name, MAX_NAME)
    rows = await session.exec(
        select(Employer).where(
            Employer.organisation_id == organisation_id,
            sa.func.lower(col(Employer.name)) == clean.lower(),
        )
    )
    employer = rows.first()
    if employer is None:
        employer = Employer(name=clean, organisation_id=organisation_id, created_at=now)
        session.add(employer)
        await session.flush()
    return employer


async def record(
    session: AsyncSession,
    *,
    coach_id: int,
    client_id: int,
    employer_id: int | None,
    employer_name: str | None,
    contact_name: str | None,
    job_title: str,
    start_date: dt.date,
    hours_per_week: float | None,
    kind: PlacementKind,
    now: dt.datetime,
) -> Placement:
    """Record a placement as the client's current one; the older ones stop being current."""
    await access.require_act(session, coach_id=coach_id, client_id=client_id, now=now)
    organisation_id = await people.coach_organisation_id(session, coach_id=coach_id, now=now)
    if organisation_id is None:
        raise access.AccessDenied(f"coach {coach_id} has no organisation")
    employer = await _employer(
        session,
        organisation_id=organisation_id,
        employer_id=employer_id,
        name=employer_name,
        now=now,
    )
    assert employer.id is not None
    contact_id = None
    if contact_name:
        # The contact person as the coach named them; they join later through a link.
        person = Person(
            display_name=clean_text(contact_name, MAX_NAME), created_at=now, updated_at=now
        )
        session.add(person)
        await session.flush()
        assert person.id is not None
        contact = EmployerContact(
            employer_id=employer.id, person_id=person.id, active_from=now, created_at=now
        )
        session.add(contact)
        await session.flush()
        contact_id = contact.id
    await session.exec(
        sa.update(Placement)
        .where(col(Placement.client_id) == client_id, col(Placement.is_current).is_(True))
        .values(is_current=False, updated_at=now)
    )
    placement = Placement(
        client_id=client_id,
        employer_id=employer.id,
        contact_id=contact_id,
        job_title=clean_text(job_title, MAX_TITLE),
        start_date=start_date,
        hours_per_week=hours_per_week,
        kind=kind,
        is_current=True,
        created_by_id=coach_id,
        created_at=now,
        updated_at=now,
    )
    session.add(placement)
    await session.flush()
    await audit.record(
        session,
        event="placement.recorded",
        now=now,
        actor_id=coach_id,
        object_type="placement",
        object_id=placement.id,
    )
    # Work changes what support looks like: the follow-up begins from the start date, and the
    # coach is offered to put emphasis on coping at work (confirmed with the client, as always).
    await followup.start_follow_up(session, client_id=client_id, placement_id=placement.id, now=now)
    await coping.propose_coping_emphasis(session, client_id=client_id, coach_id=coach_id, now=now)
    return placement


async def current(
    session: AsyncSession, *, client_id: int, organisation_ids: frozenset[int] | None = None
) -> Placement | None:
    """The client's current placement, if any (with an employer of one of `organisation_ids`,
    when given)."""
    stmt = select(Placement).where(Placement.client_id == client_id, col(Placement.is_current))
    if organisation_ids is not None:
        stmt = stmt.join(Employer, col(Employer.id) == col(Placement.employer_id)).where(
            col(Employer.organisation_id).in_(sorted(organisation_ids))
        )
    rows = await session.exec(stmt)
    return rows.first()


async def contact_name(session: AsyncSession, *, placement: Placement) -> str | None:
    """The name of the contact person the coach recorded for the placement."""
    if placement.contact_id is None:
        return None
    contact = await session.get(EmployerContact, placement.contact_id)
    if contact is None:
        return None
    person = await session.get(Person, contact.person_id)
    return person.display_name if person is not None else None
