"""Employer contacts: the one-time link a coach makes under the client's consent, and joining.

A link exists only while the client's consent for the employer stands; it works once, for seven
days, and only a hash of its token is stored (bot/services/invites.py). Joining makes the person
an employer contact of that employer and links them to the one placement the link was for; a new
contact person of the same employer joins through another link under the same consent.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.models.consent import DisclosedItem
from bot.models.invites import Invite, InviteKind
from bot.models.people import Person
from bot.models.placements import (
    Employer,
    EmployerContact,
    Meeting,
    Placement,
    PlacementContact,
)
from bot.services import access, consents, invites, people, placements
from bot.services.errors import DomainError
from bot.text.i18n import N_


class NoConsent(DomainError):
    """No standing consent: nothing goes to the employer."""

    def __init__(self, detail: str) -> None:
        super().__init__(
            detail,
            user_message=N_(
                "The client has not said yes to a link with this employer. "
                "Without their yes, the employer gets no link."
            ),
        )


class NoPlacement(DomainError):
    def __init__(self, detail: str) -> None:
        super().__init__(
            detail, user_message=N_("Record the placement first: 💼 Placement on the card.")
        )


@dataclass(frozen=True, slots=True)
class Link:
    token: str
    employer_name: str
    expires_at: dt.datetime


async def make_link(
    session: AsyncSession, *, coach_id: int, client_id: int, now: dt.datetime
) -> Link:
    """A one-time link for a contact person of the client's current employer, under consent."""
    await access.require_act(session, coach_id=coach_id, client_id=client_id, now=now)
    placement = await placements.current(session, client_id=client_id)
    if placement is None or placement.id is None:
        raise NoPlacement(f"client {client_id} has no current placement")
    consent = await consents.active(session, client_id=client_id, employer_id=placement.employer_id)
    if consent is None:
        raise NoConsent(f"client {client_id} has no consent for employer {placement.employer_id}")
    employer = await session.get(Employer, placement.employer_id)
    assert employer is not None
    invite, token = await invites.create(
        session,
        kind=InviteKind.EMPLOYER,
        organisation_id=employer.organisation_id,
        now=now,
        created_by_id=coach_id,
    )
    invite.employer_id = employer.id
    invite.placement_id = placement.id
    invite.consent_id = consent.id
    await session.flush()
    return Link(token, employer.name, invite.expires_at)


@dataclass(frozen=True, slots=True)
class Joined:
    """A contact who joined: whom they speak for, about whom, and who the coach is."""

    contact_id: int
    client_id: int
    contact_name: str | None
    employer_name: str
    employee_first_name: str
    coach_name: str


async def _person(
    session: AsyncSession,
    *,
    placement: Placement,
    telegram_user_id: int,
    name: str,
    locale: str,
    now: dt.datetime,
) -> Person:
    person = await people.person_by_telegram_id(session, telegram_user_id=telegram_user_id)
    if person is None and placement.contact_id is not None:
        # The contact person the coach named for the placement, not yet on the bot.
        contact = await session.get(EmployerContact, placement.contact_id)
        named = await session.get(Person, contact.person_id) if contact else None
        if named is not None and named.telegram_user_id is None:
            person = named
    if person is None:
        person = Person(display_name=name[:200] or None, created_at=now)
        session.add(person)
    person.telegram_user_id = telegram_user_id
    person.chat_id = telegram_user_id
    if not person.locale_chosen:
        person.locale = locale
    if not person.display_name:
        person.display_name = name[:200] or None
    person.updated_at = now
    await session.flush()
    return person


async def join(
    session: AsyncSession,
    *,
    invite: Invite,
    telegram_user_id: int,
    name: str,
    locale: str,
    now: dt.datetime,
) -> Joined:
    """Make the person who opened an employer link a contact linked to the link's placement."""
    placement = await session.get(Placement, invite.placement_id) if invite.placement_id else None
    if placement is None or placement.id is None or invite.employer_id != placement.employer_id:
        raise DomainError("an employer link without its placement")
    consent = await consents.active(
        session, client_id=placement.client_id, employer_id=placement.employer_id
    )
    if consent is None or consent.id != invite.consent_id:
        raise DomainError(
            "the consent behind the link is gone",
            user_message=N_(
                "This invite link is no longer valid. Please ask the job coach for a new one."
            ),
        )
    person = await _person(
        session,
        placement=placement,
        telegram_user_id=telegram_user_id,
        name=name,
        locale=locale,
        now=now,
    )
    assert person.id is not None
    contact = (
        await session.exec(
            select(EmployerContact).where(
                EmployerContact.employer_id == placement.employer_id,
                EmployerContact.person_id == person.id,
            )
        )
    ).first()
    if contact is None:
        contact = EmployerContact(
            employer_id=placement.employer_id, person_id=person.id, active_from=now, created_at=now
        )
        session.add(contact)
    contact.active_until = None
    await session.flush()
    assert contact.id is not None
    linked = (
        await session.exec(
            select(PlacementContact).where(
                PlacementContact.placement_id == placement.id,
                PlacementContact.contact_id == contact.id,
            )
        )
    ).first()
    if linked is None:
        session.add(
            PlacementContact(
                placement_id=placement.id,
                contact_id=contact.id,
                created_by_id=invite.created_by_id,
                created_at=now,
            )
        )
    await invites.mark_used_by(session, invite=invite, person_id=person.id, now=now)
    employer = await session.get(Employer, placement.employer_id)
    client = await session.get(Person, placement.client_id)
    coach = await session.get(Person, invite.created_by_id) if invite.created_by_id else None
    for what in (DisclosedItem.FIRST_NAME, DisclosedItem.COACH_NAME):
        await consents.disclose(
            session,
            client_id=placement.client_id,
            employer_id=placement.employer_id,
            recipient_id=person.id,
            what=what,
            now=now,
            details={"placement_id": placement.id},
        )
    return Joined(
        contact_id=contact.id,
        client_id=placement.client_id,
        contact_name=person.display_name,
        employer_name=employer.name if employer else "",
        employee_first_name=employee_first_name(client),
        coach_name=(coach.display_name if coach else None) or "",
    )


def employee_first_name(client: Person | None) -> str:
    """What an employer knows an employee by: their first name, nothing else."""
    if client is None:
        return "?"
    return people.first_name(client.display_name) or "?"


@dataclass(frozen=True, slots=True)
class Employee:
    """A placement an employer contact may act on, as they see it."""

    placement_id: int
    client_id: int
    first_name: str
    employer_id: int


async def employees_of(
    session: AsyncSession, *, contact_person_id: int, now: dt.datetime
) -> list[Employee]:
    """The employees this contact may act on now (linked, with consent standing)."""
    found = []
    for placement_id in await access.employer_placements(
        session, contact_person_id=contact_person_id, now=now
    ):
        placement = await session.get(Placement, placement_id)
        assert placement is not None
        client = await session.get(Person, placement.client_id)
        found.append(
            Employee(
                placement_id,
                placement.client_id,
                employee_first_name(client),
                placement.employer_id,
            )
        )
    return found


async def is_contact_of(session: AsyncSession, *, person_id: int, meeting: Meeting) -> bool:
    """Is the person one of the employer's contacts for this meeting's employer?"""
    if meeting.employer_id is None:
        return False
    rows = await session.exec(
        select(EmployerContact.id).where(
            EmployerContact.person_id == person_id,
            EmployerContact.employer_id == meeting.employer_id,
        )
    )
    return rows.first() is not None
