"""Organisations of given sizes for the organisation view's tests and the benchmark, seeded
straight into the database: an admin coach and N clients in coaching, with check-ins, flags and
goals as asked."""

from __future__ import annotations

import datetime as dt

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.models.checkins import Checkin, CheckinStatus
from bot.models.coaching import (
    AssignmentKind,
    ClientName,
    CoachAssignment,
    Coaching,
    CoachingStatus,
    GoalArea,
)
from bot.models.flags import Flag, FlagKind, FlagStatus
from bot.models.goals import Goal, GoalStatus
from bot.models.people import Person, Role
from bot.services import people


async def add_admin(
    session: AsyncSession, *, organisation: str, telegram_user_id: int, now: dt.datetime
) -> int:
    admin = await people.add_coach(
        session,
        telegram_user_id=telegram_user_id,
        name=f"Admin of {organisation}",
        organisation_name=organisation,
        now=now,
        timezone="Europe/Helsinki",
        locale="en",
        admin=True,
    )
    assert admin.id is not None
    return admin.id


async def add_clients(
    session: AsyncSession,
    *,
    organisation: str,
    coach_id: int,
    count: int,
    first_telegram_id: int,
    now: dt.datetime,
    checkin_days: int = 0,
    flagged: int = 0,
    goals_agreed: int = 0,
    goals_reached: int = 0,
    name_prefix: str = "Client",
) -> list[int]:
    """`count` clients in coaching with `coach_id`; the first `flagged` have a flag answered
    after two hours, the first `goals_agreed` an agreed goal in finding work, of which the first
    `goals_reached` reached; each answered a check-in on each of the last `checkin_days` days."""
    org = await people.ensure_organisation(
        session, name=organisation, now=now, timezone="Europe/Helsinki", locale="fi"
    )
    assert org.id is not None
    ids: list[int] = []
    for number in range(count):
        client = Person(
            telegram_user_id=first_telegram_id + number,
            chat_id=first_telegram_id + number,
            display_name=f"{name_prefix} {number}",
            locale="fi",
            locale_chosen=True,
            timezone="Europe/Helsinki",
            created_at=now,
            updated_at=now,
        )
        session.add(client)
        await session.flush()
        assert client.id is not None
        await people.grant_role(
            session, person_id=client.id, organisation_id=org.id, role=Role.CLIENT, now=now
        )
        coaching = Coaching(
            client_id=client.id,
            organisation_id=org.id,
            status=CoachingStatus.ACTIVE,
            agreement_version="test",
            agreement_accepted_at=now - dt.timedelta(days=60),
            started_at=now - dt.timedelta(days=60),
            created_at=now - dt.timedelta(days=60),
            updated_at=now,
        )
        session.add(coaching)
        await session.flush()
        assert coaching.id is not None
        session.add(
            CoachAssignment(
                coaching_id=coaching.id,
                client_id=client.id,
                coach_id=coach_id,
                kind=AssignmentKind.RESPONSIBLE,
                valid_from=now - dt.timedelta(days=60),
                created_by_id=coach_id,
                created_at=now - dt.timedelta(days=60),
            )
        )
        session.add(
            ClientName(
                coach_id=coach_id,
                client_id=client.id,
                name=f"{name_prefix} {number}",
                created_at=now,
                updated_at=now,
            )
        )
        for back in range(1, checkin_days + 1):
            due = now - dt.timedelta(days=back)
            answered = (number + back) % 4 != 0
            session.add(
                Checkin(
                    client_id=client.id,
                    due_at=due,
                    window_ends_at=due + dt.timedelta(hours=10),
                    status=CheckinStatus.ANSWERED if answered else CheckinStatus.MISSED,
                    sent_at=due,
                    answered_at=due + dt.timedelta(minutes=20) if answered else None,
                    mood=1 + (number + back) % 5 if answered else None,
                )
            )
        if number < flagged:
            raised = now - dt.timedelta(days=3)
            session.add(
                Flag(
                    client_id=client.id,
                    kind=FlagKind.LOW_MOOD,
                    status=FlagStatus.DONE,
                    raised_at=raised,
                    coach_id=coach_id,
                    done_by_id=coach_id,
                    done_at=raised + dt.timedelta(hours=2 + number),
                )
            )
        if number < goals_agreed:
            session.add(
                Goal(
                    client_id=client.id,
                    coaching_id=coaching.id,
                    area=GoalArea.EMPLOYMENT,
                    title="Apply for two jobs",
                    status=GoalStatus.REACHED if number < goals_reached else GoalStatus.AGREED,
                )
            )
        ids.append(client.id)
    await session.flush()
    return ids
