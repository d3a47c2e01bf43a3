"""Follow-up contacts on a real database: claimed once by several dispatchers at a time, the
organisation's own rhythm used, and a restart that sends nothing twice."""

from __future__ import annotations

import asyncio
import datetime as dt

from sqlmodel import col, select

from bot.messages import followup_notices
from bot.models.coaching import Coaching, CoachingStatus
from bot.models.people import Organisation, Person
from bot.models.placements import (
    Employer,
    FollowUpAudience,
    FollowUpContact,
    FollowUpStatus,
    Placement,
    PlacementKind,
)
from bot.models.transport import OutboxMessage
from bot.runtime.db import Database
from bot.services import followup

NOW = dt.datetime(2026, 3, 1, 8, 0, tzinfo=dt.UTC)
CLIENTS = 12


async def _seed(db: Database, settings: dict[str, object]) -> list[int]:
    async with db.session() as session:
        organisation = Organisation(name="Työpaja", settings=settings)
        session.add(organisation)
        await session.flush()
        assert organisation.id is not None
        employer = Employer(name="Kahvila", organisation_id=organisation.id)
        session.add(employer)
        await session.flush()
        assert employer.id is not None
        ids = []
        for n in range(CLIENTS):
            person = Person(telegram_user_id=5000 + n, chat_id=5000 + n, locale="fi")
            session.add(person)
            await session.flush()
            assert person.id is not None
            ids.append(person.id)
            session.add(
                Coaching(
                    client_id=person.id,
                    organisation_id=organisation.id,
                    status=CoachingStatus.ACTIVE,
                )
            )
            session.add(
                Placement(
                    client_id=person.id,
                    employer_id=employer.id,
                    job_title="Helper",
                    start_date=dt.date(2026, 3, 2),
                    kind=PlacementKind.WORK_TRIAL,
                )
            )
        return ids


async def test_several_dispatchers_send_each_contact_once_and_a_restart_sends_nothing_again(
    database_url: str,
) -> None:
    setup = Database(database_url)
    await _seed(setup, {"follow_up": {"phases": [[None, "d", 3]], "hour": 9}})
    async with setup.session() as session:
        # Each placement noticed: the employee's first contact and the employer's five.
        assert await followup_notices.send_due(session, now=NOW) == CLIENTS * 6
        first = await followup.next_due(session)
    # The organisation's rhythm: every three days, at 9.00 in Helsinki.
    assert first == dt.datetime(2026, 3, 5, 7, 0, tzinfo=dt.UTC)
    await setup.dispose()

    workers = [Database(database_url) for _ in range(3)]

    async def run(db: Database) -> int:
        async with db.session() as session:
            return await followup_notices.send_due(session, now=first, limit=5)

    done = 0
    for _round in range(5):
        done += sum(await asyncio.gather(*(run(db) for db in workers)))
    for db in workers:
        await db.dispose()
    assert done == CLIENTS

    again = Database(database_url)
    async with again.session() as session:
        assert await followup_notices.send_due(session, now=first) == 0
        sent = (await session.exec(select(OutboxMessage.dedup_key))).all()
        rows = (
            await session.exec(
                select(FollowUpContact)
                .where(FollowUpContact.audience == FollowUpAudience.EMPLOYEE)
                .order_by(col(FollowUpContact.due_at))
            )
        ).all()
    await again.dispose()
    assert len(sent) == len(set(sent)) == CLIENTS
    assert [r.status for r in rows].count(FollowUpStatus.SENT) == CLIENTS
    # The next one of each, three days on, and only one each.
    scheduled = [r for r in rows if r.status == FollowUpStatus.SCHEDULED]
    assert len(scheduled) == CLIENTS
    assert {r.due_at for r in scheduled} == {first + dt.timedelta(days=3)}
