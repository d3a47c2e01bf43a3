"""Erasing a person's data on their request (or when they decline the agreement).

The person's row goes, and with it (by the foreign keys) everything that is theirs: check-ins,
messages, goals, notes, consents, placements, flags, schedules, names given to them. What they
wrote that still sits in the inbox goes too. What remains is an audit record that an erasure
happened, when and at whose request, without content.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.models.people import Person
from bot.models.transport import InboxUpdate
from bot.services import audit


async def erase_person(
    session: AsyncSession, *, person_id: int, now: dt.datetime, reason: str
) -> bool:
    """Erase everything about the person; False if there was nobody to erase."""
    person = await session.get(Person, person_id)
    if person is None:
        return False
    telegram_user_id = person.telegram_user_id
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
