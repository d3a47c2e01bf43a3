"""People for the coach's desk tests, seeded straight into the database.

Työpaja Helmi has three coaches: Kaisa, Matti and Olli. Kaisa coaches Lisu (whom she calls
"Liisa <L&L>") and Bert ("Pekka"); Olli coaches Cecilia ("Cilla"). Everyone speaks English, and
everyone has started the bot, so that it may write to them first.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.devtools.harness import Harness
from bot.models.coaching import (
    AssignmentKind,
    ClientName,
    CoachAssignment,
    Coaching,
    CoachingStatus,
)
from bot.models.people import Person, Role
from bot.sandbox import SandboxMessage, SandboxUser
from bot.services import people

ORGANISATION = "Työpaja Helmi"


@dataclass
class Desk:
    """The sandbox users and their person ids."""

    kaisa: SandboxUser
    matti: SandboxUser
    olli: SandboxUser
    liisa: SandboxUser
    pekka: SandboxUser
    cilla: SandboxUser
    ids: dict[str, int]
    organisation_id: int


async def add_coach(
    session: AsyncSession, *, telegram_user_id: int, name: str, now: dt.datetime
) -> int:
    coach = await people.add_coach(
        session,
        telegram_user_id=telegram_user_id,
        name=name,
        organisation_name=ORGANISATION,
        now=now,
        timezone="Europe/Helsinki",
        locale="en",
    )
    assert coach.id is not None
    return coach.id


async def add_client(
    session: AsyncSession,
    *,
    coach_id: int,
    telegram_user_id: int,
    own_name: str,
    given_name: str,
    now: dt.datetime,
) -> int:
    """A client who has joined and accepted the agreement, with their coach's name for them."""
    organisation = await people.ensure_organisation(
        session, name=ORGANISATION, now=now, timezone="Europe/Helsinki", locale="fi"
    )
    assert organisation.id is not None
    client = Person(
        telegram_user_id=telegram_user_id,
        chat_id=telegram_user_id,
        display_name=own_name,
        locale="en",
        locale_chosen=True,
        timezone="Europe/Helsinki",
        created_at=now,
        updated_at=now,
    )
    session.add(client)
    await session.flush()
    assert client.id is not None
    await people.grant_role(
        session, person_id=client.id, organisation_id=organisation.id, role=Role.CLIENT, now=now
    )
    coaching = Coaching(
        client_id=client.id,
        organisation_id=organisation.id,
        status=CoachingStatus.ACTIVE,
        agreement_version="test",
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
            coach_id=coach_id,
            kind=AssignmentKind.RESPONSIBLE,
            valid_from=now,
            created_by_id=coach_id,
            created_at=now,
        )
    )
    session.add(
        ClientName(
            coach_id=coach_id, client_id=client.id, name=given_name, created_at=now, updated_at=now
        )
    )
    await session.flush()
    return client.id


async def build(harness: Harness, now: dt.datetime) -> Desk:
    sandbox = harness.sandbox
    users = {
        key: sandbox.add_user(first_name=first, language_code="en")
        for key, first in [
            ("kaisa", "Kaisa"),
            ("matti", "Matti"),
            ("olli", "Olli"),
            ("liisa", "Lisu"),
            ("pekka", "Bert"),
            ("cilla", "Cecilia"),
        ]
    }
    for user in users.values():
        sandbox.mark_started(user.id)
    async with harness.db.session() as session:
        ids = {
            "kaisa": await add_coach(
                session, telegram_user_id=users["kaisa"].id, name="Kaisa Virtanen", now=now
            ),
            "matti": await add_coach(
                session, telegram_user_id=users["matti"].id, name="Matti Laine", now=now
            ),
            "olli": await add_coach(
                session, telegram_user_id=users["olli"].id, name="Olli Koski", now=now
            ),
        }
        for key, coach, own, given in [
            ("liisa", "kaisa", "Lisu", "Liisa <L&L>"),
            ("pekka", "kaisa", "Bert", "Pekka"),
            ("cilla", "olli", "Cecilia", "Cilla"),
        ]:
            ids[key] = await add_client(
                session,
                coach_id=ids[coach],
                telegram_user_id=users[key].id,
                own_name=own,
                given_name=given,
                now=now,
            )
        organisation = await people.ensure_organisation(
            session, name=ORGANISATION, now=now, timezone="Europe/Helsinki", locale="fi"
        )
        assert organisation.id is not None
    return Desk(**users, ids=ids, organisation_id=organisation.id)


async def say(harness: Harness, user: SandboxUser, text: str) -> list[SandboxMessage]:
    """Write and wait; the bot's new messages to this user."""
    before = len(user.bot_messages())
    await user.send_text(text)
    await harness.settle()
    return user.bot_messages()[before:]


async def press(
    harness: Harness,
    user: SandboxUser,
    label: str | None = None,
    *,
    data: str | None = None,
    message: SandboxMessage | None = None,
) -> None:
    """Press a button (by label, or forged data) and wait."""
    await user.press(label, data=data, message=message)
    await harness.settle()


def texts(messages: list[SandboxMessage]) -> str:
    return "\n".join(m.text or "" for m in messages)


def last_text(user: SandboxUser) -> str:
    """The words of the bot's last message to a user (there must be one)."""
    message = user.last_bot_message()
    assert message is not None
    return message.text or ""


def everything(user: SandboxUser) -> str:
    """All the bot's messages to a user as they stand now (after edits)."""
    return texts(user.bot_messages())


def labels(message: SandboxMessage | None) -> list[str]:
    assert message is not None
    return [button.text for row in message.buttons for button in row]
