"""The one world factory: organisations, coaches and clients seeded straight into the database,
and the casts the tests share, built with it.

`add_coach` and `add_client` make one person each (a client at any stage of the coaching: joined
and agreed by default, or with the coaching in another status); `cast` makes the sandbox users
and their people from a list of roles. Two casts are named here:

- the desk (`build` → `Desk`): Työpaja Helmi has three coaches, Kaisa, Matti and Olli. Kaisa
  coaches Lisu (whom she calls "Liisa <L&L>") and Bert ("Pekka"); Olli coaches Cecilia ("Cilla").
- the privacy world (`build_world` → `World`): two coaches, Kaisa (X) and Ville (Y), and an
  admin, Aino, who coaches nobody. Kaisa coaches Lisu (client A, whom Kaisa calls "Liisa") and
  Bert (client B, "Pekka"); Ville coaches Cecilia (client C, "Cilla"). A stranger, Sami, has
  never had an invite. Telegram ids are fixed so a test can look for them in what the bot sends.

Everyone speaks English so that the tests read the bot's own words, and everyone has started the
bot, so that it may write to them first.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.config import Settings
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
from bot.sandbox import SandboxUser
from bot.services import people

ORGANISATION = "Työpaja Helmi"
ZONE = Settings.model_fields["default_timezone"].default


async def ensure_organisation(
    session: AsyncSession, *, name: str = ORGANISATION, now: dt.datetime, locale: str = "en"
) -> int:
    """The organisation of that name, created on first use."""
    organisation = await people.ensure_organisation(
        session, name=name, now=now, timezone=ZONE, locale=locale
    )
    assert organisation.id is not None
    return organisation.id


async def add_coach(
    session: AsyncSession,
    *,
    telegram_user_id: int,
    name: str,
    now: dt.datetime,
    organisation: str = ORGANISATION,
    admin: bool = False,
) -> int:
    """A coach (an admin too, if asked) of the organisation, created with it on first use."""
    coach = await people.add_coach(
        session,
        telegram_user_id=telegram_user_id,
        name=name,
        organisation_name=organisation,
        now=now,
        timezone=ZONE,
        locale="en",
        admin=admin,
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
    organisation_id: int | None = None,
    locale: str = "en",
    status: CoachingStatus = CoachingStatus.ACTIVE,
    agreement_version: str = "test",
    assigned_since: dt.datetime | None = None,
) -> int:
    """A client who has joined and accepted the agreement (the coaching in `status`), assigned
    to their coach since `assigned_since` (default: now), with their coach's name for them."""
    if organisation_id is None:
        organisation_id = await ensure_organisation(session, now=now, locale="fi")
    client = Person(
        telegram_user_id=telegram_user_id,
        chat_id=telegram_user_id,
        display_name=own_name,
        locale=locale,
        locale_chosen=True,
        timezone=ZONE,
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
        status=status,
        agreement_version=agreement_version,
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
            valid_from=assigned_since or now,
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


@dataclass(frozen=True)
class Coach:
    key: str
    first_name: str  # on Telegram
    name: str  # as registered
    admin: bool = False
    telegram_id: int | None = None
    since: dt.timedelta = dt.timedelta(0)  # registered this long before now


@dataclass(frozen=True)
class Client:
    key: str
    coach: str  # the coach's key
    own_name: str  # on Telegram
    given_name: str  # the coach's name for them
    telegram_id: int | None = None
    assigned_for: dt.timedelta = dt.timedelta(0)  # assigned this long before now
    agreement_version: str = "test"
    telegram_name: str | None = None  # on Telegram, when not their own name


@dataclass(frozen=True)
class Stranger:
    key: str
    first_name: str
    telegram_id: int | None = None


@dataclass
class Cast:
    """The sandbox users by key, their person ids, and the organisation's id."""

    users: dict[str, SandboxUser]
    ids: dict[str, int]
    organisation_id: int


async def cast(
    harness: Harness,
    now: dt.datetime,
    people_: list[Coach | Client | Stranger],
    *,
    organisation: str = ORGANISATION,
) -> Cast:
    """Sandbox users for everyone (all started the bot), then the coaches, then the clients."""
    sandbox = harness.sandbox
    users: dict[str, SandboxUser] = {}
    for person in people_:
        if isinstance(person, Client):
            first = person.telegram_name or person.own_name
        else:
            first = person.first_name
        users[person.key] = sandbox.add_user(
            first_name=first, language_code="en", user_id=person.telegram_id
        )
    for user in users.values():
        sandbox.mark_started(user.id)
    ids: dict[str, int] = {}
    async with harness.db.session() as session:
        for person in people_:
            if isinstance(person, Coach):
                ids[person.key] = await add_coach(
                    session,
                    telegram_user_id=users[person.key].id,
                    name=person.name,
                    now=now - person.since,
                    organisation=organisation,
                    admin=person.admin,
                )
        org_id = await ensure_organisation(session, name=organisation, now=now)
        for person in people_:
            if isinstance(person, Client):
                ids[person.key] = await add_client(
                    session,
                    organisation_id=org_id,
                    coach_id=ids[person.coach],
                    telegram_user_id=users[person.key].id,
                    own_name=person.own_name,
                    given_name=person.given_name,
                    now=now,
                    agreement_version=person.agreement_version,
                    assigned_since=now - person.assigned_for,
                )
    return Cast(users=users, ids=ids, organisation_id=org_id)


# -- the desk -------------------------------------------------------------------------------------


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


DESK: list[Coach | Client | Stranger] = [
    Coach("kaisa", "Kaisa", "Kaisa Virtanen"),
    Coach("matti", "Matti", "Matti Laine"),
    Coach("olli", "Olli", "Olli Koski"),
    Client("liisa", "kaisa", "Lisu", "Liisa <L&L>"),
    Client("pekka", "kaisa", "Bert", "Pekka"),
    Client("cilla", "olli", "Cecilia", "Cilla"),
]


async def build(harness: Harness, now: dt.datetime) -> Desk:
    made = await cast(harness, now, DESK)
    return Desk(**made.users, ids=made.ids, organisation_id=made.organisation_id)


# -- the privacy world ----------------------------------------------------------------------------

X_ID, Y_ID, ADMIN_ID = 7_700_001, 7_700_002, 7_700_003
A_ID, B_ID, C_ID, STRANGER_ID = 7_700_011, 7_700_012, 7_700_013, 7_700_099
_SIXTY_DAYS, _THIRTY_DAYS = dt.timedelta(days=60), dt.timedelta(days=30)


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


PRIVACY: list[Coach | Client | Stranger] = [
    Coach("x", "Kaisa", "Kaisa Virtanen", telegram_id=X_ID, since=_SIXTY_DAYS),
    Coach("y", "Ville", "Ville Koski", telegram_id=Y_ID, since=_SIXTY_DAYS),
    Coach("admin", "Aino", "Aino Admin", admin=True, telegram_id=ADMIN_ID, since=_SIXTY_DAYS),
    Client("a", "x", "Lisu", "Liisa", A_ID, _THIRTY_DAYS, "2026-11"),
    Client("b", "x", "Bert", "Pekka", B_ID, _THIRTY_DAYS, "2026-11"),
    Client("c", "y", "Cecilia", "Cilla", C_ID, _THIRTY_DAYS, "2026-11"),
    Stranger("stranger", "Sami", STRANGER_ID),
]


async def build_world(harness: Harness, clock: ManualClock) -> World:
    made = await cast(harness, clock.now(), PRIVACY)
    return World(**made.users, ids=made.ids, organisation_id=made.organisation_id)
