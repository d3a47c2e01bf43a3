"""Who may see what, decided in one place.

- A client sees only their own data.
- A coach sees the clients assigned to them (responsible) or handed over to them (substitute);
  during a handover the responsible coach keeps read access, and the substitute acts.
- An admin manages the coaches of their own organisation but does not read clients' data
  unless they are also that client's coach.
- Employers see nothing of a client's check-ins, moods, notes, goals or messages. An employer
  contact may act only on the placements they are linked to, and only while the client's consent
  for that employer stands.

Handlers call these functions for every object a command or a button names; a refusal is a
DomainError with a translated message that names nothing of the object.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.i18n import N_
from bot.models.coaching import AssignmentKind, CoachAssignment, Coaching, CoachingStatus
from bot.models.consent import Consent, ConsentSubject
from bot.models.messaging import RelayDirection, RelayedMessage
from bot.models.people import Membership, Role
from bot.models.placements import EmployerContact, Placement, PlacementContact
from bot.services import routing
from bot.services.errors import DomainError

NOT_AVAILABLE = N_("This is not available to you.")


class AccessDenied(DomainError):
    """The person may not see or touch this; the answer names nothing of it."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail, user_message=NOT_AVAILABLE)


def _valid(now: dt.datetime) -> sa.ColumnElement[bool]:
    return sa.and_(
        col(CoachAssignment.valid_from) <= now,
        sa.or_(col(CoachAssignment.valid_until).is_(None), col(CoachAssignment.valid_until) > now),
    )


_LIVE = [CoachingStatus.ONBOARDING, CoachingStatus.ACTIVE, CoachingStatus.CLOSED]


async def visible_client_ids(
    session: AsyncSession, *, coach_id: int, now: dt.datetime
) -> list[int]:
    """The clients a coach may read: assigned to them or handed over to them, now."""
    rows = await session.exec(
        select(CoachAssignment.client_id)
        .join(Coaching, col(Coaching.id) == col(CoachAssignment.coaching_id))
        .where(
            CoachAssignment.coach_id == coach_id,
            _valid(now),
            col(Coaching.status).in_(_LIVE),
        )
        .distinct()
    )
    return sorted(set(rows.all()))


async def readers_of_client(
    session: AsyncSession, *, client_id: int, now: dt.datetime
) -> list[int]:
    """The coaches who may read this client now: responsible, and substitute during a handover."""
    rows = await session.exec(
        select(CoachAssignment.coach_id)
        .join(Coaching, col(Coaching.id) == col(CoachAssignment.coaching_id))
        .where(
            CoachAssignment.client_id == client_id,
            _valid(now),
            col(Coaching.status).in_(_LIVE),
        )
        .distinct()
    )
    return sorted(set(rows.all()))


async def can_read_client(
    session: AsyncSession, *, viewer_id: int, client_id: int, now: dt.datetime
) -> bool:
    """May the viewer read this client's data? The client themself, or one of their coaches."""
    if viewer_id == client_id:
        return True
    return client_id in await visible_client_ids(session, coach_id=viewer_id, now=now)


async def require_read(
    session: AsyncSession, *, viewer_id: int, client_id: int, now: dt.datetime
) -> None:
    if not await can_read_client(session, viewer_id=viewer_id, client_id=client_id, now=now):
        raise AccessDenied(f"person {viewer_id} may not read client {client_id}")


async def can_act_for_client(
    session: AsyncSession, *, coach_id: int, client_id: int, now: dt.datetime
) -> bool:
    """May this coach write to the client or about them now (the coach who answers for them)?"""
    coach = await routing.current_coach(session, client_id=client_id, now=now)
    return coach is not None and coach.id == coach_id


async def require_act(
    session: AsyncSession, *, coach_id: int, client_id: int, now: dt.datetime
) -> None:
    if not await can_act_for_client(session, coach_id=coach_id, client_id=client_id, now=now):
        raise AccessDenied(f"coach {coach_id} may not act for client {client_id}")


async def is_responsible(
    session: AsyncSession, *, coach_id: int, client_id: int, now: dt.datetime
) -> bool:
    """Is this coach the client's responsible coach (who may hand them over or transfer them)?"""
    rows = await session.exec(
        select(CoachAssignment.id)
        .join(Coaching, col(Coaching.id) == col(CoachAssignment.coaching_id))
        .where(
            CoachAssignment.coach_id == coach_id,
            CoachAssignment.client_id == client_id,
            CoachAssignment.kind == AssignmentKind.RESPONSIBLE,
            _valid(now),
            col(Coaching.status).in_(_LIVE),
        )
    )
    return rows.first() is not None


async def admin_organisations(
    session: AsyncSession, *, person_id: int, now: dt.datetime
) -> list[int]:
    """The organisations in which the person is an admin."""
    rows = await session.exec(
        select(Membership.organisation_id).where(
            Membership.person_id == person_id,
            Membership.role == Role.ADMIN,
            col(Membership.active_from) <= now,
            sa.or_(col(Membership.active_until).is_(None), col(Membership.active_until) > now),
        )
    )
    return sorted(set(rows.all()))


def require_own(*, viewer_id: int, owner_id: int) -> None:
    """A person's own data (/mydata, /forget) is theirs alone: nobody else's id may be named."""
    if viewer_id != owner_id:
        raise AccessDenied(f"person {viewer_id} may not touch the own data of person {owner_id}")


async def can_manage_coach(
    session: AsyncSession, *, admin_id: int, coach_id: int, now: dt.datetime
) -> bool:
    """May this admin manage this coach: is the coach (now) in an organisation the admin runs?"""
    organisations = await admin_organisations(session, person_id=admin_id, now=now)
    if not organisations:
        return False
    rows = await session.exec(
        select(Membership.id).where(
            Membership.person_id == coach_id,
            col(Membership.role).in_([Role.COACH, Role.ADMIN]),
            col(Membership.organisation_id).in_(organisations),
            col(Membership.active_from) <= now,
            sa.or_(col(Membership.active_until).is_(None), col(Membership.active_until) > now),
        )
    )
    return rows.first() is not None


_CLIENT_LINE = (RelayDirection.CLIENT_TO_COACH, RelayDirection.COACH_TO_CLIENT)


async def can_read_message(
    session: AsyncSession, *, viewer_id: int, message: RelayedMessage, now: dt.datetime
) -> bool:
    """May the viewer see this relayed message (e.g. in /inbox or an export)?

    On the line between a client and their coach: the client, and the coaches who may read that
    client now (a coach who handed the client over for good no longer does). On an employer's
    line: only its two ends, never the client it is about.
    """
    if message.direction in _CLIENT_LINE:
        return await can_read_client(
            session, viewer_id=viewer_id, client_id=message.client_id, now=now
        )
    if viewer_id == message.client_id:
        return False
    return viewer_id in (message.sender_id, message.recipient_id)


async def can_touch_goal(
    session: AsyncSession, *, person_id: int, client_id: int, now: dt.datetime, act: bool
) -> bool:
    """May this person see (act=False) or change (act=True) a goal of this client?

    The client themself always; a coach who may read the client may see it, and the coach who acts
    for the client now may propose one or let one go. Nobody else: an employer never sees goals.
    """
    if person_id == client_id:
        return True
    if act:
        return await can_act_for_client(session, coach_id=person_id, client_id=client_id, now=now)
    return await can_read_client(session, viewer_id=person_id, client_id=client_id, now=now)


async def require_goal(
    session: AsyncSession, *, person_id: int, client_id: int, now: dt.datetime, act: bool
) -> None:
    if not await can_touch_goal(
        session, person_id=person_id, client_id=client_id, now=now, act=act
    ):
        raise AccessDenied(f"person {person_id} may not touch the goals of client {client_id}")


def _contact_active(now: dt.datetime) -> sa.ColumnElement[bool]:
    return sa.and_(
        col(EmployerContact.active_from) <= now,
        sa.or_(
            col(EmployerContact.active_until).is_(None), col(EmployerContact.active_until) > now
        ),
    )


async def is_employer_contact(session: AsyncSession, *, person_id: int, now: dt.datetime) -> bool:
    """Does the person speak for some employer now?"""
    rows = await session.exec(
        select(EmployerContact.id).where(
            EmployerContact.person_id == person_id, _contact_active(now)
        )
    )
    return rows.first() is not None


async def employer_placements(
    session: AsyncSession, *, contact_person_id: int, now: dt.datetime
) -> list[int]:
    """The placements an employer contact may act on now: linked to them, and the client's
    consent for that employer standing. Nothing else of any client is theirs to see."""
    rows = await session.exec(
        select(Placement.id)
        .join(PlacementContact, col(PlacementContact.placement_id) == col(Placement.id))
        .join(EmployerContact, col(EmployerContact.id) == col(PlacementContact.contact_id))
        .join(
            Consent,
            sa.and_(
                col(Consent.client_id) == col(Placement.client_id),
                col(Consent.employer_id) == col(Placement.employer_id),
                col(Consent.subject) == ConsentSubject.EMPLOYER_LINK,
                col(Consent.revoked_at).is_(None),
            ),
        )
        .where(
            EmployerContact.person_id == contact_person_id,
            col(EmployerContact.employer_id) == col(Placement.employer_id),
            _contact_active(now),
        )
        .distinct()
    )
    return sorted(pid for pid in rows.all() if pid is not None)


async def can_employer_act(
    session: AsyncSession, *, contact_person_id: int, placement_id: int, now: dt.datetime
) -> bool:
    """May this employer contact act on this placement (ask about it, propose a meeting)?"""
    allowed = await employer_placements(session, contact_person_id=contact_person_id, now=now)
    return placement_id in allowed


async def require_employer_act(
    session: AsyncSession, *, contact_person_id: int, placement_id: int, now: dt.datetime
) -> None:
    if not await can_employer_act(
        session, contact_person_id=contact_person_id, placement_id=placement_id, now=now
    ):
        raise AccessDenied(
            f"employer contact {contact_person_id} may not act on placement {placement_id}"
        )


async def employer_placement_for(
    session: AsyncSession, *, contact_person_id: int, client_id: int, now: dt.datetime
) -> int | None:
    """The placement of this client the employer contact may act on now, if any."""
    for placement_id in await employer_placements(
        session, contact_person_id=contact_person_id, now=now
    ):
        placement = await session.get(Placement, placement_id)
        if placement is not None and placement.client_id == client_id:
            return placement_id
    return None
