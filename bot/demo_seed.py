"""The people of the terminal demo: an organisation, a coach and a client who has already joined."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.models.coaching import (
    AssignmentKind,
    ClientName,
    CoachAssignment,
    Coaching,
    CoachingStatus,
)
from bot.models.people import Person, Role
from bot.services import people

AGREEMENT_VERSION = "demo"


@dataclass(frozen=True, slots=True)
class DemoPeople:
    organisation_id: int
    coach_id: int
    client_id: int


async def seed(
    session: AsyncSession,
    *,
    coach_telegram_id: int,
    coach_name: str,
    client_telegram_id: int,
    client_name: str,
    organisation_name: str,
    locale: str,
    timezone: str,
    now: dt.datetime,
) -> DemoPeople:
    """Create the demo's coach and an onboarded client in one organisation."""
    coach = await people.add_coach(
        session,
        telegram_user_id=coach_telegram_id,
        name=coach_name,
        organisation_name=organisation_name,
        now=now,
        timezone=timezone,
        locale=locale,
        admin=True,
    )
    organisation = await people.ensure_organisation(
        session, name=organisation_name, now=now, timezone=timezone, locale=locale
    )
    client = Person(
        telegram_user_id=client_telegram_id,
        chat_id=client_telegram_id,
        display_name=client_name,
        locale=locale,
        locale_chosen=True,
        timezone=timezone,
        created_at=now,
        updated_at=now,
    )
    session.add(client)
    await session.flush()
    assert client.id is not None and coach.id is not None and organisation.id is not None
    await people.grant_role(
        session, person_id=client.id, organisation_id=organisation.id, role=Role.CLIENT, now=now
    )
    coaching = Coaching(
        client_id=client.id,
        organisation_id=organisation.id,
        status=CoachingStatus.ACTIVE,
        agreement_version=AGREEMENT_VERSION,
        agreement_accepted_at=now,
        started_at=now,
        created_at=now,
        updated_at=now,
    )
    session.add(coaching)
    await session.flush()
    assert coaching.id is not None
    session.add(
        CoachAssignment(
            coaching_id=coaching.id,
            client_id=client.id,
            coach_id=coach.id,
            kind=AssignmentKind.RESPONSIBLE,
            valid_from=now,
            created_by_id=coach.id,
            created_at=now,
        )
    )
    session.add(
        ClientName(
            coach_id=coach.id, client_id=client.id, name=client_name, created_at=now, updated_at=now
        )
    )
    await session.flush()
    return DemoPeople(organisation_id=organisation.id, coach_id=coach.id, client_id=client.id)
