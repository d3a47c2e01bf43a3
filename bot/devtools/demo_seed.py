"""The people of the terminal demo: an organisation, a coach and a client who has already joined."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.services import enrolment, people


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
    assert coach.id is not None and organisation.id is not None
    joined = await enrolment.start_coaching(
        session,
        telegram_user_id=client_telegram_id,
        first_name=client_name,
        locale=locale,
        organisation_id=organisation.id,
        coach_id=coach.id,
        client_name=client_name,
        now=now,
    )
    await enrolment.accept_agreement(
        session, coaching_id=joined.coaching_id, client_id=joined.client_id, now=now
    )
    await people.choose_locale(
        session,
        telegram_user_id=client_telegram_id,
        locale=locale,
        now=now,
        default_timezone=timezone,
    )
    return DemoPeople(
        organisation_id=organisation.id, coach_id=coach.id, client_id=joined.client_id
    )
