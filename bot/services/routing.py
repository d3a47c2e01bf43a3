"""Who answers for whom: the coach a client's messages and flags go to (the substitute during a
handover), and the admins of the organisation behind a coach.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.models.coaching import AssignmentKind, CoachAssignment, Coaching, CoachingStatus
from bot.models.people import Membership, Person, Role


def _valid(now: dt.datetime) -> sa.ColumnElement[bool]:
    return sa.and_(
        col(CoachAssignment.valid_from) <= now,
        sa.or_(col(CoachAssignment.valid_until).is_(None), col(CoachAssignment.valid_until) > now),
    )


async def current_coach(
    session: AsyncSession, *, client_id: int, now: dt.datetime
) -> Person | None:
    """The coach who answers for the client now: a substitute in a handover, else the one
    responsible."""
    rows = await session.exec(
        select(Person, CoachAssignment)
        .join(CoachAssignment, col(CoachAssignment.coach_id) == col(Person.id))
        .join(Coaching, col(Coaching.id) == col(CoachAssignment.coaching_id))
        .where(
            CoachAssignment.client_id == client_id,
            _valid(now),
            col(Coaching.status).in_(
                [CoachingStatus.ONBOARDING, CoachingStatus.ACTIVE, CoachingStatus.CLOSED]
            ),
        )
        .order_by(col(CoachAssignment.valid_from).desc())
    )
    found = rows.all()
    for person, assignment in found:
        if assignment.kind == AssignmentKind.SUBSTITUTE:
            return person
    return found[0][0] if found else None


async def admins_for(session: AsyncSession, *, person_id: int, now: dt.datetime) -> list[Person]:
    """The admins of every organisation the person works in or is coached in."""
    organisations = select(Membership.organisation_id).where(
        Membership.person_id == person_id,
        col(Membership.active_from) <= now,
        sa.or_(col(Membership.active_until).is_(None), col(Membership.active_until) > now),
    )
    rows = await session.exec(
        select(Person)
        .join(Membership, col(Membership.person_id) == col(Person.id))
        .where(
            col(Membership.organisation_id).in_(organisations),
            Membership.role == Role.ADMIN,
            col(Membership.active_from) <= now,
            sa.or_(col(Membership.active_until).is_(None), col(Membership.active_until) > now),
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
