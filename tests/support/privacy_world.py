"""A small world of people for the privacy and access tests, seeded straight into the database.

Työpaja Helmi has two coaches, Kaisa (X) and Ville (Y), and an admin, Aino, who coaches nobody.
Kaisa coaches Lisu (client A, whom Kaisa calls "Liisa") and Bert (client B, "Pekka"); Ville
coaches Cecilia (client C, "Cilla"). A stranger, Sami, has never had an invite. Everyone speaks
English so that the tests read the bot's own words; Telegram ids are fixed so a test can look
for them in what the bot sends.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlmodel import SQLModel
from sqlmodel.ext.asyncio.session import AsyncSession

import bot.models  # noqa: F401 - every table, for all_rows
from bot.devtools.harness import Harness
from bot.models.coaching import (
    AssignmentKind,
    ClientName,
    CoachAssignment,
    Coaching,
    CoachingStatus,
)
from bot.models.people import Person, Role
from bot.runtime.clock import ManualClock
from bot.sandbox import SandboxMessage, SandboxUser
from bot.services import people

ORGANISATION = "Työpaja Helmi"
X_ID, Y_ID, ADMIN_ID = 7_700_001, 7_700_002, 7_700_003
A_ID, B_ID, C_ID, STRANGER_ID = 7_700_011, 7_700_012, 7_700_013, 7_700_099


@dataclass
class World:
    """The sandbox users and their person ids."""

    x: SandboxUser
    y: SandboxUser
    admin: SandboxUser
    a: SandboxUser
    b: SandboxUser
    c: SandboxUser
    stranger: SandboxUser
    ids: dict[str, int]
    organisation_id: int


async def add_client(
    session: AsyncSession,
    *,
    organisation_id: int,
    coach_id: int,
    telegram_user_id: int,
    own_name: str,
    given_name: str,
    now: dt.datetime,
    locale: str = "en",
) -> int:
    """A client who has joined and accepted the agreement, with their coach's name for them."""
    client = Person(
        telegram_user_id=telegram_user_id,
        chat_id=telegram_user_id,
        display_name=own_name,
        locale=locale,
        locale_chosen=True,
        timezone="Europe/Helsinki",
        created_at=now,
        updated_at=now,
    )
    session.add(client)
    await session.flush()
    assert client.id is not None
    await people.grant_role(
        session, person_id=client.id, organisation_id=organisation_id, role=Role.CLIENT, now=now
    )
    coaching = Coaching(
        client_id=client.id,
        organisation_id=organisation_id,
        status=CoachingStatus.ACTIVE,
        agreement_version="2026-11",
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
            valid_from=now - dt.timedelta(days=30),
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


async def build_world(harness: Harness, clock: ManualClock) -> World:
    sandbox = harness.sandbox
    users = {
        "x": sandbox.add_user("Kaisa", language_code="en", user_id=X_ID),
        "y": sandbox.add_user("Ville", language_code="en", user_id=Y_ID),
        "admin": sandbox.add_user("Aino", language_code="en", user_id=ADMIN_ID),
        "a": sandbox.add_user("Lisu", language_code="en", user_id=A_ID),
        "b": sandbox.add_user("Bert", language_code="en", user_id=B_ID),
        "c": sandbox.add_user("Cecilia", language_code="en", user_id=C_ID),
        "stranger": sandbox.add_user("Sami", language_code="en", user_id=STRANGER_ID),
    }
    for user in users.values():
        sandbox.mark_started(user.id)
    now = clock.now()
    ids: dict[str, int] = {}
    async with harness.db.session() as session:
        for key, tg_id, name, admin in (
            ("x", X_ID, "Kaisa Virtanen", False),
            ("y", Y_ID, "Ville Koski", False),
            ("admin", ADMIN_ID, "Aino Admin", True),
        ):
            coach = await people.add_coach(
                session,
                telegram_user_id=tg_id,
                name=name,
                organisation_name=ORGANISATION,
                now=now - dt.timedelta(days=60),
                timezone="Europe/Helsinki",
                locale="en",
                admin=admin,
            )
            assert coach.id is not None
            ids[key] = coach.id
        organisation = await people.ensure_organisation(
            session, name=ORGANISATION, now=now, timezone="Europe/Helsinki", locale="en"
        )
        assert organisation.id is not None
        for key, coach_key, tg_id, own, given in (
            ("a", "x", A_ID, "Lisu", "Liisa"),
            ("b", "x", B_ID, "Bert", "Pekka"),
            ("c", "y", C_ID, "Cecilia", "Cilla"),
        ):
            ids[key] = await add_client(
                session,
                organisation_id=organisation.id,
                coach_id=ids[coach_key],
                telegram_user_id=tg_id,
                own_name=own,
                given_name=given,
                now=now,
            )
    return World(
        x=users["x"],
        y=users["y"],
        admin=users["admin"],
        a=users["a"],
        b=users["b"],
        c=users["c"],
        stranger=users["stranger"],
        ids=ids,
        organisation_id=organisation.id,
    )


async def say(
    harness: Harness, user: SandboxUser, text: str, *, chat_id: int | None = None
) -> list[SandboxMessage]:
    """Send text (in their private chat unless `chat_id` says otherwise); what the bot answered."""
    watched = user.chat_id if chat_id is None else chat_id
    before = len([m for m in harness.sandbox.chat_messages(watched) if m.from_bot])
    await user.send_text(text, chat_id=chat_id)
    await harness.settle()
    return [m for m in harness.sandbox.chat_messages(watched) if m.from_bot][before:]


async def all_rows(session: AsyncSession) -> dict[str, list[str]]:
    """Every row of every table, as text, to look for what must not be stored."""
    found: dict[str, list[str]] = {}
    for table in SQLModel.metadata.sorted_tables:
        rows = (await session.exec(sa.select(table))).all()  # type: ignore[call-overload]
        found[table.name] = [repr(tuple(row)) for row in rows]
    return found


async def tables_holding(session: AsyncSession, needle: str) -> list[str]:
    """The tables with a row that holds `needle` anywhere."""
    rows = await all_rows(session)
    return sorted(name for name, texts in rows.items() if any(needle in t for t in texts))


def texts(messages: list[SandboxMessage]) -> list[str]:
    return [m.visible_text for m in messages]


def assert_no_trace(seen: list[Any], forbidden: list[str]) -> None:
    """None of the forbidden words appears in what a person was shown."""
    for item in seen:
        shown = str(item)
        for word in forbidden:
            assert word not in shown, f"{word!r} leaked in {shown!r}"
