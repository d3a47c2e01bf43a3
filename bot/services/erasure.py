"""Erasing a person's data on their request (or when they decline the agreement).

The person's row goes, and with it (by the foreign keys) everything that is theirs: check-ins,
messages, goals, notes, consents, placements, flags, schedules, names given to them, and the
outgoing messages written to them or about them (a flag notice or a relayed message waiting for
their coach is never delivered). What they wrote that still sits in the inbox goes too, and so
does what the people around them did with it: the handled updates in the chats of their coaches,
backups and admins and of their employer's contacts are emptied (a button pressed under a flag
carries the flag's text, a reply carries the message it answers). The inbox keeps those updates
only to recognise a repeated delivery, which needs no content. What remains is an audit record
that an erasure happened, when and at whose request, without content.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.models.coaching import CoachAssignment, Coaching
from bot.models.flags import Flag, FlagEvent
from bot.models.people import Membership, Organisation, Person, Role
from bot.models.placements import EmployerContact, Placement, PlacementContact
from bot.models.transport import InboxStatus, InboxUpdate
from bot.services import audit, inbox


async def _witnesses(session: AsyncSession, *, person_id: int) -> set[int]:
    """Person ids of everyone the bot may have shown this person's data to."""
    organisations = set(
        (
            await session.exec(
                select(Membership.organisation_id).where(Membership.person_id == person_id)
            )
        ).all()
    ) | set(
        (
            await session.exec(
                select(Coaching.organisation_id).where(Coaching.client_id == person_id)
            )
        ).all()
    )
    found: set[int] = set(
        (
            await session.exec(
                select(CoachAssignment.coach_id).where(CoachAssignment.client_id == person_id)
            )
        ).all()
    )
    if organisations:
        found |= set(
            (
                await session.exec(
                    select(Membership.person_id).where(
                        col(Membership.organisation_id).in_(organisations),
                        col(Membership.role).in_([Role.COACH, Role.ADMIN]),
                    )
                )
            ).all()
        )
        found |= {
            i
            for i in (
                await session.exec(
                    select(Organisation.backup_person_id).where(
                        col(Organisation.id).in_(organisations)
                    )
                )
            ).all()
            if i is not None
        }
    found |= {
        i
        for i in (
            await session.exec(
                select(FlagEvent.target_id)
                .join(Flag, col(Flag.id) == col(FlagEvent.flag_id))
                .where(Flag.client_id == person_id)
            )
        ).all()
        if i is not None
    }
    found |= set(
        (
            await session.exec(
                select(EmployerContact.person_id)
                .join(PlacementContact, col(PlacementContact.contact_id) == col(EmployerContact.id))
                .join(Placement, col(Placement.id) == col(PlacementContact.placement_id))
                .where(Placement.client_id == person_id)
            )
        ).all()
    )
    found.discard(person_id)
    return found


async def empty_witness_updates(session: AsyncSession, *, person_id: int) -> int:
    """Empty the handled updates in the chats of everyone who may have seen the person's data."""
    witnesses = await _witnesses(session, person_id=person_id)
    if not witnesses:
        return 0
    chats = [
        c
        for c in (
            await session.exec(select(Person.chat_id).where(col(Person.id).in_(witnesses)))
        ).all()
        if c is not None
    ]
    if not chats:
        return 0
    ids = (
        await session.exec(
            select(InboxUpdate.update_id).where(
                col(InboxUpdate.chat_id).in_(chats),
                col(InboxUpdate.status) != InboxStatus.RECEIVED,
            )
        )
    ).all()
    await inbox.blank(session, ids)
    return len(ids)


async def erase_person(
    session: AsyncSession, *, person_id: int, now: dt.datetime, reason: str
) -> bool:
    """Erase everything about the person; False if there was nobody to erase."""
    person = await session.get(Person, person_id)
    if person is None:
        return False
    telegram_user_id = person.telegram_user_id
    await empty_witness_updates(session, person_id=person_id)
    await session.delete(person)
    await session.flush()
    if telegram_user_id is not None:
        await session.exec(
            sa.delete(InboxUpdate).where(col(InboxUpdate.user_id) == telegram_user_id)
        )
    # The record names no person (the row is gone) and holds no content: only that it happened.
    await audit.record(
        session,
        event="person.erased",
        now=now,
        object_type="person",
        object_id=person_id,
        details={"reason": reason},
    )
    return True
