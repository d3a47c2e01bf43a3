"""The employer rules of bot/services/access.py as a matrix, on a real database.

Clients A and B work at employers E1 and E2. Contact P (E1) is linked to A's placement, contact
Q (E1) to nothing, contact R (E2) to B's placement, and S (E1) was linked to A but has left E1.
A's consent for E1 stands; B gave one for E2 and took it back. A coach is no employer contact.
"""

from __future__ import annotations

import datetime as dt

import pytest

from bot.models.consent import Consent, ConsentSubject
from bot.models.people import Person
from bot.models.placements import (
    Employer,
    EmployerContact,
    Placement,
    PlacementContact,
    PlacementKind,
)
from bot.runtime.clock import ManualClock
from bot.runtime.db import Database
from bot.services import access, people

pytestmark = pytest.mark.asyncio


async def test_an_employer_contact_acts_only_on_linked_placements_under_consent(
    db: Database, clock: ManualClock
) -> None:
    now = clock.now()
    async with db.session() as session:
        organisation = await people.ensure_organisation(
            session, name="Työpaja", now=now, timezone="Europe/Helsinki", locale="fi"
        )
        assert organisation.id is not None
        ids: dict[str, int] = {}
        for number, key in enumerate(["A", "B", "P", "Q", "R", "S", "X"], start=1):
            person = Person(telegram_user_id=number, chat_id=number, display_name=key)
            session.add(person)
            await session.flush()
            assert person.id is not None
            ids[key] = person.id
        employers = {}
        for key in ("E1", "E2"):
            employer = Employer(name=key, organisation_id=organisation.id)
            session.add(employer)
            await session.flush()
            assert employer.id is not None
            employers[key] = employer.id
        placement_ids = {}
        for client, employer_key in (("A", "E1"), ("B", "E2")):
            placement = Placement(
                client_id=ids[client],
                employer_id=employers[employer_key],
                job_title="work",
                start_date=now.date(),
                kind=PlacementKind.WAGE_SUBSIDISED,
            )
            session.add(placement)
            await session.flush()
            assert placement.id is not None
            placement_ids[client] = placement.id
        for contact, employer_key, linked, left in (
            ("P", "E1", "A", False),
            ("Q", "E1", None, False),
            ("R", "E2", "B", False),
            ("S", "E1", "A", True),
        ):
            row = EmployerContact(
                employer_id=employers[employer_key],
                person_id=ids[contact],
                active_from=now - dt.timedelta(days=10),
                active_until=now - dt.timedelta(days=1) if left else None,
            )
            session.add(row)
            await session.flush()
            assert row.id is not None
            if linked:
                session.add(PlacementContact(placement_id=placement_ids[linked], contact_id=row.id))
        session.add(
            Consent(
                client_id=ids["A"],
                subject=ConsentSubject.EMPLOYER_LINK,
                employer_id=employers["E1"],
                text_version="employer-1",
                given_at=now,
            )
        )
        session.add(
            Consent(
                client_id=ids["B"],
                subject=ConsentSubject.EMPLOYER_LINK,
                employer_id=employers["E2"],
                text_version="employer-1",
                given_at=now - dt.timedelta(days=2),
                revoked_at=now - dt.timedelta(hours=1),
            )
        )

    expected = {("P", "A")}
    async with db.session() as session:
        for contact in ("P", "Q", "R", "S", "X", "A"):
            for client in ("A", "B"):
                allowed = await access.can_employer_act(
                    session,
                    contact_person_id=ids[contact],
                    placement_id=placement_ids[client],
                    now=now,
                )
                assert allowed == ((contact, client) in expected), (contact, client)
                if not allowed:
                    with pytest.raises(access.AccessDenied) as refused:
                        await access.require_employer_act(
                            session,
                            contact_person_id=ids[contact],
                            placement_id=placement_ids[client],
                            now=now,
                        )
                    assert refused.value.user_message == access.NOT_AVAILABLE
        # An employer contact reads no client's own data.
        for contact in ("P", "Q", "R", "S"):
            for client in ("A", "B"):
                assert not await access.can_read_client(
                    session, viewer_id=ids[contact], client_id=ids[client], now=now
                )
        assert await access.is_employer_contact(session, person_id=ids["P"], now=now)
        assert not await access.is_employer_contact(session, person_id=ids["S"], now=now)
        assert not await access.is_employer_contact(session, person_id=ids["X"], now=now)
