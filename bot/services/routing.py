"""Who answers for whom: the coach a client's messages and flags go to (the substitute during a
handover), and the admins of the organisation behind a coach. After a coaching has closed, its
last coach still answers; when that coach has left the organisation, an admin of it does, so a
former client always has someone to reach.
"""

from __future__ import annotations

import datetime as dt

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.models.coaching import CoachAssignment, Coaching, CoachingStatus
from bot.models.people import Membership, Person, Role
from bot.services.assignments import LIVE, OPEN, answering, member_at, valid_at


async def current_coach(
    session: AsyncSession, *, client_id: int, now: dt.datetime
) -> Person | None:
    """The coach who answers for the client now: a substitute in a handover, else the one
    responsible; of the client's open coaching, else of their latest closed one (a client who
    moved on to another organisation is answered there)."""
    rows = await session.exec(
        select(Person, CoachAssignment, Coaching)
        .join(CoachAssignment, col(CoachAssignment.coach_id) == col(Person.id))
        .join(Coaching, col(Coaching.id) == col(CoachAssignment.coaching_id))
        .where(
            CoachAssignment.client_id == client_id,
            valid_at(now),
            col(Coaching.status).in_(LIVE),
        )
        .order_by(col(CoachAssignment.valid_from).desc())
    )
    found = rows.all()
    if not found:
        return None
    # An open coaching answers before a closed one, the newest coaching first; within it a
    # substitute stands in for the responsible coach (the newest assignment first).
    ordered = sorted(
        found,
        key=lambda row: (
            row[2].status not in OPEN,
            -row[2].created_at.timestamp(),
            -(row[2].id or 0),
        ),
    )
    chosen = [row for row in ordered if row[2].id == ordered[0][2].id]
    current = answering([row[1] for row in chosen])
    person, _assignment, coaching = next(row for row in chosen if row[1] is current)
    if coaching.status == CoachingStatus.CLOSED:
        return await _still_there_or_admin(
            session, coach=person, organisation_id=coaching.organisation_id, now=now
        )
    return person


async def _still_there_or_admin(
    session: AsyncSession, *, coach: Person, organisation_id: int, now: dt.datetime
) -> Person | None:
    """The last coach of a closed coaching while they work in its organisation; else its first
    admin (None when it has none)."""
    staying = await session.exec(
        select(Membership.id).where(
            Membership.person_id == coach.id,
            Membership.organisation_id == organisation_id,
            col(Membership.role).in_([Role.COACH, Role.ADMIN]),
            member_at(now),
        )
    )
    if staying.first() is not None:
        return coach
    admins = await session.exec(
        select(Person)
        .join(Membership, col(Membership.person_id) == col(Person.id))
        .where(
            Membership.organisation_id == organisation_id,
            Membership.role == Role.ADMIN,
            member_at(now),
        )
        .order_by(col(Person.id))
    )
    return admins.first()


async def admins_for(session: AsyncSession, *, person_id: int, now: dt.datetime) -> list[Person]:
    """The admins of every organisation the person works in or is coached in."""
    organisations = select(Membership.organisation_id).where(
        Membership.person_id == person_id,
        member_at(now),
    )
    rows = await session.exec(
        select(Person)
        .join(Membership, col(Membership.person_id) == col(Person.id))
        .where(
            col(Membership.organisation_id).in_(organisations),
            Membership.role == Role.ADMIN,
            member_at(now),
            Person.id != person_id,
        )
        .distinct()
    )
    return list(rows.all())


async def responsible_for(
    session: AsyncSession, *, person_id: int, now: dt.datetime
) -> list[Person]:
    """Whoever should hear that this person cannot be reached: a client's coach, else admins."""
    coach = await current_coach(session, client_id=person_id, now=now)
    if coach is not None:
        return [coach]
    return await admins_for(session, person_id=person_id, now=now)
