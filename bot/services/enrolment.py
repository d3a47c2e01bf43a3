"""Joining the bot through an invite: a client's coaching with their coach, or a new coach; the
coaching agreement accepted or declined.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.i18n import N_
from bot.models.coaching import (
    AssignmentKind,
    ClientName,
    CoachAssignment,
    Coaching,
    CoachingStatus,
)
from bot.models.invites import Invite
from bot.models.people import Organisation, Person, Role
from bot.services import audit, people
from bot.services.errors import DomainError

AGREEMENT_VERSION = "2026-11"


@dataclass(frozen=True, slots=True)
class Enrolment:
    """A client's place in a coaching, as onboarding needs it."""

    client_id: int
    coach_id: int
    coaching_id: int
    organisation_id: int


async def _person_for(
    session: AsyncSession,
    *,
    telegram_user_id: int,
    locale: str,
    timezone: str,
    now: dt.datetime,
) -> Person:
    person = await people.person_by_telegram_id(session, telegram_user_id=telegram_user_id)
    if person is None:
        person = Person(
            telegram_user_id=telegram_user_id,
            chat_id=telegram_user_id,
            locale=locale,
            timezone=timezone,
            created_at=now,
            updated_at=now,
        )
        session.add(person)
        await session.flush()
    return person


async def enrol_client(
    session: AsyncSession,
    *,
    invite: Invite,
    telegram_user_id: int,
    first_name: str,
    locale: str,
    now: dt.datetime,
) -> Enrolment:
    """Start a client's coaching from their coach's invite (the agreement is still to come)."""
    if invite.created_by_id is None:
        raise DomainError("a client invite without a coach")
    return await start_coaching(
        session,
        telegram_user_id=telegram_user_id,
        first_name=first_name,
        locale=locale,
        organisation_id=invite.organisation_id,
        coach_id=invite.created_by_id,
        client_name=invite.client_name,
        now=now,
    )


async def start_coaching(
    session: AsyncSession,
    *,
    telegram_user_id: int,
    first_name: str,
    locale: str,
    organisation_id: int,
    coach_id: int,
    client_name: str | None,
    now: dt.datetime,
) -> Enrolment:
    """A client's coaching with their responsible coach, waiting for the agreement."""
    organisation = await session.get(Organisation, organisation_id)
    assert organisation is not None
    person = await _person_for(
        session,
        telegram_user_id=telegram_user_id,
        locale=locale,
        timezone=organisation.timezone,
        now=now,
    )
    assert person.id is not None
    open_coaching = (
        await session.exec(
            select(Coaching).where(
                Coaching.client_id == person.id,
                Coaching.organisation_id == organisation_id,
                col(Coaching.status).in_([CoachingStatus.ONBOARDING, CoachingStatus.ACTIVE]),
            )
        )
    ).first()
    if open_coaching is not None:
        raise DomainError(
            "already in coaching",
            user_message=N_(
                "You are already in coaching here. If you want another coach, "
                "talk to your coach about it."
            ),
        )
    # The client's own name for themselves until they choose otherwise: their Telegram first name.
    person.display_name = person.display_name or first_name[:100]
    person.updated_at = now
    await people.grant_role(
        session,
        person_id=person.id,
        organisation_id=organisation_id,
        role=Role.CLIENT,
        now=now,
    )
    coaching = Coaching(
        client_id=person.id,
        organisation_id=organisation_id,
        status=CoachingStatus.ONBOARDING,
        created_at=now,
        updated_at=now,
    )
    session.add(coaching)
    await session.flush()
    assert coaching.id is not None
    session.add(
        CoachAssignment(
            coaching_id=coaching.id,
            client_id=person.id,
            coach_id=coach_id,
            kind=AssignmentKind.RESPONSIBLE,
            valid_from=now,
            created_by_id=coach_id,
            created_at=now,
        )
    )
    name = (client_name or first_name or "").strip()[:100]
    existing = (
        await session.exec(
            select(ClientName).where(
                ClientName.coach_id == coach_id, ClientName.client_id == person.id
            )
        )
    ).first()
    if existing is None:
        session.add(
            ClientName(
                coach_id=coach_id,
                client_id=person.id,
                name=name or "?",
                created_at=now,
                updated_at=now,
            )
        )
    await session.flush()
    return Enrolment(
        client_id=person.id,
        coach_id=coach_id,
        coaching_id=coaching.id,
        organisation_id=organisation_id,
    )


async def enrol_coach(
    session: AsyncSession,
    *,
    invite: Invite,
    telegram_user_id: int,
    name: str,
    locale: str,
    now: dt.datetime,
) -> Person:
    """Make the person who opened a coach invite a coach of the invite's organisation.

    A client in coaching (in any organisation) is refused: a coach reads clients' health data,
    and a client must not read their fellow clients' by opening a link meant for someone else.
    The refusal rolls back the redemption, so the link still works for the coach it was for.
    """
    organisation = await session.get(Organisation, invite.organisation_id)
    assert organisation is not None
    existing = await people.person_by_telegram_id(session, telegram_user_id=telegram_user_id)
    if existing is not None and existing.id is not None:
        in_coaching = await session.exec(
            select(Coaching.id).where(
                Coaching.client_id == existing.id,
                col(Coaching.status).in_([CoachingStatus.ONBOARDING, CoachingStatus.ACTIVE]),
            )
        )
        if in_coaching.first() is not None:
            raise DomainError(
                f"client {existing.id} opened a coach invite",
                user_message=N_(
                    "This link is for a new job coach. You are in job coaching as a client, "
                    "so this link cannot make you a coach. If you think this is a mistake, "
                    "talk to your coach."
                ),
            )
    person = await _person_for(
        session,
        telegram_user_id=telegram_user_id,
        locale=locale,
        timezone=organisation.timezone,
        now=now,
    )
    assert person.id is not None
    person.display_name = (invite.client_name or name).strip()[:200] or person.display_name
    person.updated_at = now
    await people.grant_role(
        session,
        person_id=person.id,
        organisation_id=invite.organisation_id,
        role=Role.COACH,
        now=now,
    )
    return person


async def onboarding_coaching(session: AsyncSession, *, client_id: int) -> Coaching | None:
    """The client's coaching that is still waiting for the agreement, if any."""
    return (
        await session.exec(
            select(Coaching).where(
                Coaching.client_id == client_id, Coaching.status == CoachingStatus.ONBOARDING
            )
        )
    ).first()


async def accept_agreement(
    session: AsyncSession, *, coaching_id: int, client_id: int, now: dt.datetime
) -> Coaching:
    """The client accepted the coaching agreement: the coaching starts."""
    coaching = await session.get(Coaching, coaching_id)
    if coaching is None or coaching.client_id != client_id:
        raise DomainError("no such coaching")
    if coaching.status == CoachingStatus.ONBOARDING:
        coaching.status = CoachingStatus.ACTIVE
        coaching.agreement_version = AGREEMENT_VERSION
        coaching.agreement_accepted_at = now
        coaching.started_at = now
        coaching.updated_at = now
        await audit.record(
            session,
            event="agreement.accepted",
            now=now,
            actor_id=client_id,
            subject_id=client_id,
            organisation_id=coaching.organisation_id,
            object_type="coaching",
            object_id=coaching.id,
            details={"version": AGREEMENT_VERSION},
        )
    return coaching
