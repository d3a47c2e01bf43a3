"""The client's consents for employers, and the log of what was shared under them.

A consent belongs to one employer organisation. The client gives it after reading, in plain
words, what the employer will and will never see; the version of that text is stored with it.
The client may revoke it at any moment: from then on the employer's contacts may do nothing
about the client. Whatever about the client reaches an employer contact is logged as a
disclosure, which the client sees in /consents.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.models.consent import Consent, ConsentSubject, DisclosedItem, Disclosure
from bot.models.invites import Invite
from bot.models.people import Person
from bot.models.placements import (
    Employer,
    EmployerContact,
    Meeting,
    MeetingStatus,
    Placement,
    PlacementContact,
)
from bot.services import audit
from bot.services.access import AccessDenied

# The wording of the consent question the client sees (bot/flows/placement.py); a change of its
# meaning gets a new version.
TEXT_VERSION = "employer-1"


async def active(session: AsyncSession, *, client_id: int, employer_id: int) -> Consent | None:
    """The client's standing consent for this employer, if any."""
    rows = await session.exec(
        select(Consent).where(
            Consent.client_id == client_id,
            Consent.subject == ConsentSubject.EMPLOYER_LINK,
            Consent.employer_id == employer_id,
            col(Consent.revoked_at).is_(None),
        )
    )
    return rows.first()


async def give(
    session: AsyncSession, *, client_id: int, placement_id: int, now: dt.datetime
) -> Consent:
    """The client says yes for the employer of their placement (once: a standing one is kept)."""
    placement = await session.get(Placement, placement_id)
    if placement is None or placement.client_id != client_id:
        raise AccessDenied(f"person {client_id} may not answer for placement {placement_id}")
    existing = await active(session, client_id=client_id, employer_id=placement.employer_id)
    if existing is not None:
        return existing
    consent = Consent(
        client_id=client_id,
        subject=ConsentSubject.EMPLOYER_LINK,
        employer_id=placement.employer_id,
        text_version=TEXT_VERSION,
        given_at=now,
        created_at=now,
    )
    session.add(consent)
    await session.flush()
    await audit.record(
        session,
        event="consent.given",
        now=now,
        actor_id=client_id,
        subject_id=client_id,
        object_type="consent",
        object_id=consent.id,
    )
    return consent


async def check_answer(session: AsyncSession, *, client_id: int, placement_id: int) -> Placement:
    """The placement a client's answer names, if it is theirs."""
    placement = await session.get(Placement, placement_id)
    if placement is None or placement.client_id != client_id:
        raise AccessDenied(f"person {client_id} may not answer for placement {placement_id}")
    return placement


@dataclass(frozen=True, slots=True)
class Revoked:
    """A revoked consent, and whom to tell: the employer's contacts and the client's coach."""

    consent: Consent
    employer_name: str
    contacts: list[Person] = field(default_factory=list)


async def linked_contacts(
    session: AsyncSession, *, client_id: int, employer_id: int
) -> list[Person]:
    """The employer's contact people who were linked to this client and have joined."""
    rows = await session.exec(
        select(Person)
        .join(EmployerContact, col(EmployerContact.person_id) == col(Person.id))
        .join(PlacementContact, col(PlacementContact.contact_id) == col(EmployerContact.id))
        .join(Placement, col(Placement.id) == col(PlacementContact.placement_id))
        .where(
            Placement.client_id == client_id,
            Placement.employer_id == employer_id,
            col(Person.chat_id).is_not(None),
        )
        .distinct()
    )
    return list(rows.all())


async def revoke(
    session: AsyncSession, *, client_id: int, consent_id: int, now: dt.datetime
) -> Revoked | None:
    """The client takes back a consent, at once; None if it was not theirs or not standing."""
    consent = await session.get(Consent, consent_id)
    if consent is None or consent.client_id != client_id:
        raise AccessDenied(f"person {client_id} may not revoke consent {consent_id}")
    if consent.revoked_at is not None or consent.employer_id is None:
        return None
    consent.revoked_at = now
    # Links not yet used under it stop working too.
    await session.exec(
        sa.update(Invite)
        .where(
            col(Invite.consent_id) == consent.id,
            col(Invite.used_at).is_(None),
            col(Invite.revoked_at).is_(None),
        )
        .values(revoked_at=now)
    )
    await session.flush()
    await audit.record(
        session,
        event="consent.revoked",
        now=now,
        actor_id=client_id,
        subject_id=client_id,
        object_type="consent",
        object_id=consent.id,
    )
    employer = await session.get(Employer, consent.employer_id)
    contacts = await linked_contacts(session, client_id=client_id, employer_id=consent.employer_id)
    # The contacts lose the link itself: a later yes needs a new link from the coach.
    placement_ids = select(Placement.id).where(
        Placement.client_id == client_id, Placement.employer_id == consent.employer_id
    )
    await session.exec(
        sa.delete(PlacementContact).where(col(PlacementContact.placement_id).in_(placement_ids))
    )
    # Meetings with the employer that have not happened are off.
    await session.exec(
        sa.update(Meeting)
        .where(
            col(Meeting.client_id) == client_id,
            col(Meeting.employer_id) == consent.employer_id,
            col(Meeting.status).in_([MeetingStatus.PROPOSED, MeetingStatus.CONFIRMED]),
            col(Meeting.starts_at) > now,
        )
        .values(status=MeetingStatus.CANCELLED)
    )
    return Revoked(consent, employer.name if employer else "", contacts)


async def disclose(
    session: AsyncSession,
    *,
    client_id: int,
    employer_id: int,
    recipient_id: int | None,
    what: DisclosedItem,
    now: dt.datetime,
    details: dict[str, Any] | None = None,
) -> Disclosure:
    """Log one thing about the client that went to an employer contact."""
    consent = await active(session, client_id=client_id, employer_id=employer_id)
    row = Disclosure(
        client_id=client_id,
        consent_id=consent.id if consent else None,
        employer_id=employer_id,
        recipient_id=recipient_id,
        what=what,
        details=details or {},
        created_at=now,
    )
    session.add(row)
    await session.flush()
    return row


@dataclass(frozen=True, slots=True)
class ConsentLine:
    """One consent as the client sees it in /consents, with what was shared under it."""

    consent_id: int
    employer_name: str
    given_at: dt.datetime
    revoked_at: dt.datetime | None
    shared: list[tuple[DisclosedItem, dt.datetime]]


async def of_client(session: AsyncSession, *, client_id: int) -> list[ConsentLine]:
    """All the client's consents, standing ones first, each with its disclosures."""
    rows = await session.exec(
        select(Consent, Employer)
        .join(Employer, col(Employer.id) == col(Consent.employer_id))
        .where(Consent.client_id == client_id)
        .order_by(col(Consent.given_at).desc(), col(Consent.id).desc())
    )
    lines = []
    for consent, employer in rows.all():
        assert consent.id is not None
        shared = await session.exec(
            select(Disclosure.what, Disclosure.created_at)
            .where(Disclosure.client_id == client_id, Disclosure.consent_id == consent.id)
            .order_by(col(Disclosure.created_at), col(Disclosure.id))
        )
        within = [(DisclosedItem(what), when) for what, when in shared.all()]
        lines.append(
            ConsentLine(consent.id, employer.name, consent.given_at, consent.revoked_at, within)
        )
    lines.sort(key=lambda line: line.revoked_at is not None)
    return lines
