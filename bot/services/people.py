"""People and their roles: who is writing, in which language, and what they are to the bot."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.config import DEFAULT_TIMEZONE
from bot.models.people import Membership, Organisation, Person, Role
from bot.services.assignments import member_at
from bot.services.errors import DomainError
from bot.text.i18n import LOCALES, resolve_locale


@dataclass(frozen=True, slots=True)
class Actor:
    """The person behind an update, as the handlers need them."""

    telegram_user_id: int
    locale: str
    person_id: int | None = None
    name: str | None = None
    timezone: str = DEFAULT_TIMEZONE
    locale_chosen: bool = False
    app_locale: str = "fi"
    command_menu: str | None = None
    roles: frozenset[Role] = field(default_factory=frozenset)
    # Speaks for an employer (an employer contact has no role in a coaching organisation).
    is_employer: bool = False

    @property
    def is_known(self) -> bool:
        """Known = holds some role; a stranger may have a row that keeps only their language."""
        return bool(self.roles)

    @property
    def is_coach(self) -> bool:
        return Role.COACH in self.roles or Role.ADMIN in self.roles

    @property
    def is_client(self) -> bool:
        return Role.CLIENT in self.roles


async def roles_of(session: AsyncSession, *, person_id: int, now: dt.datetime) -> frozenset[Role]:
    """The roles a person holds today in any organisation."""
    rows = await session.exec(
        select(Membership.role).where(Membership.person_id == person_id, member_at(now))
    )
    return frozenset(Role(r) for r in rows.all())


async def person_by_telegram_id(session: AsyncSession, *, telegram_user_id: int) -> Person | None:
    rows = await session.exec(select(Person).where(Person.telegram_user_id == telegram_user_id))
    return rows.first()


async def identify(
    session: AsyncSession,
    *,
    telegram_user_id: int,
    language_code: str | None,
    now: dt.datetime,
    default_locale: str,
) -> Actor:
    """Who is writing: their stored language and roles, or a stranger in their app's language."""
    person = await person_by_telegram_id(session, telegram_user_id=telegram_user_id)
    app_locale = resolve_locale(language_code, default_locale)
    if person is None or person.forgotten_at is not None or person.id is None:
        return Actor(telegram_user_id=telegram_user_id, locale=app_locale, app_locale=app_locale)
    locale = person.locale if person.locale_chosen else app_locale
    return Actor(
        telegram_user_id=telegram_user_id,
        person_id=person.id,
        locale=locale,
        name=person.display_name,
        timezone=person.timezone,
        locale_chosen=person.locale_chosen,
        app_locale=app_locale,
        command_menu=person.command_menu,
        roles=await roles_of(session, person_id=person.id, now=now),
        is_employer=await _speaks_for_employer(session, person_id=person.id, now=now),
    )


async def _speaks_for_employer(session: AsyncSession, *, person_id: int, now: dt.datetime) -> bool:
    from bot.services import access

    return await access.is_employer_contact(session, person_id=person_id, now=now)


async def choose_locale(
    session: AsyncSession,
    *,
    telegram_user_id: int,
    locale: str,
    now: dt.datetime,
    default_timezone: str,
) -> Person:
    """Keep a person's choice of language; for a stranger only their Telegram id and language."""
    if locale not in LOCALES:
        raise DomainError("unknown language")
    person = await person_by_telegram_id(session, telegram_user_id=telegram_user_id)
    if person is None:
        person = Person(
            telegram_user_id=telegram_user_id,
            chat_id=telegram_user_id,
            timezone=default_timezone,
            created_at=now,
        )
        session.add(person)
    person.locale = locale
    person.locale_chosen = True
    person.updated_at = now
    await session.flush()
    return person


async def remember_command_menu(session: AsyncSession, *, person_id: int, menu: str | None) -> None:
    """Note which command menu the person's chat has now."""
    person = await session.get(Person, person_id)
    if person is not None:
        person.command_menu = menu


async def ensure_organisation(
    session: AsyncSession, *, name: str, now: dt.datetime, timezone: str, locale: str
) -> Organisation:
    """The organisation of that name, created on first use."""
    rows = await session.exec(select(Organisation).where(Organisation.name == name))
    organisation = rows.first()
    if organisation is None:
        organisation = Organisation(name=name, timezone=timezone, locale=locale, created_at=now)
        session.add(organisation)
        await session.flush()
    return organisation


async def grant_role(
    session: AsyncSession,
    *,
    person_id: int,
    organisation_id: int,
    role: Role,
    now: dt.datetime,
) -> Membership:
    """Give a person a role in an organisation (again, if it had ended)."""
    rows = await session.exec(
        select(Membership).where(
            Membership.person_id == person_id,
            Membership.organisation_id == organisation_id,
            Membership.role == role,
        )
    )
    membership = rows.first()
    if membership is None:
        membership = Membership(
            person_id=person_id,
            organisation_id=organisation_id,
            role=role,
            active_from=now,
            created_at=now,
        )
        session.add(membership)
    else:
        membership.active_until = None
    await session.flush()
    return membership


async def add_coach(
    session: AsyncSession,
    *,
    telegram_user_id: int,
    name: str,
    organisation_name: str,
    now: dt.datetime,
    timezone: str,
    locale: str,
    admin: bool = False,
) -> Person:
    """Register a coach (or re-activate one) in an organisation, by their Telegram user id."""
    name = name.strip()
    if not name:
        raise DomainError("a coach needs a name")
    organisation = await ensure_organisation(
        session, name=organisation_name, now=now, timezone=timezone, locale=locale
    )
    person = await person_by_telegram_id(session, telegram_user_id=telegram_user_id)
    if person is None:
        person = Person(
            telegram_user_id=telegram_user_id,
            chat_id=telegram_user_id,
            locale=locale,
            timezone=timezone,
            created_at=now,
        )
        session.add(person)
    person.display_name = name
    person.updated_at = now
    await session.flush()
    assert person.id is not None and organisation.id is not None
    await grant_role(
        session, person_id=person.id, organisation_id=organisation.id, role=Role.COACH, now=now
    )
    if admin:
        await grant_role(
            session, person_id=person.id, organisation_id=organisation.id, role=Role.ADMIN, now=now
        )
    return person


@dataclass(frozen=True, slots=True)
class CoachListing:
    person_id: int
    telegram_user_id: int | None
    name: str | None
    organisation: str
    admin: bool


async def list_coaches(session: AsyncSession, *, now: dt.datetime) -> list[CoachListing]:
    """Every active coach with their organisation."""
    rows = await session.exec(
        select(Person, Organisation, Membership)
        .join(Membership, col(Membership.person_id) == col(Person.id))
        .join(Organisation, col(Organisation.id) == col(Membership.organisation_id))
        .where(col(Membership.role).in_([Role.COACH, Role.ADMIN]), member_at(now))
        .order_by(col(Organisation.name), col(Person.display_name))
    )
    listing: dict[tuple[int, str], CoachListing] = {}
    for person, organisation, membership in rows.all():
        assert person.id is not None
        key = (person.id, organisation.name)
        previous = listing.get(key)
        listing[key] = CoachListing(
            person_id=person.id,
            telegram_user_id=person.telegram_user_id,
            name=person.display_name,
            organisation=organisation.name,
            admin=(previous.admin if previous else False) or membership.role == Role.ADMIN,
        )
    return list(listing.values())


async def name_as_seen_by(session: AsyncSession, *, viewer_id: int, person_id: int) -> str | None:
    """The name the viewer knows the person by: the name a coach gave a client, else their own."""
    from bot.models.coaching import ClientName

    given = await session.exec(
        select(ClientName.name).where(
            ClientName.coach_id == viewer_id, ClientName.client_id == person_id
        )
    )
    name = given.first()
    if name:
        return name
    person = await session.get(Person, person_id)
    return person.display_name if person is not None else None


async def names_as_seen_by(
    session: AsyncSession, *, viewer_id: int, person_ids: Sequence[int]
) -> dict[int, str | None]:
    """`name_as_seen_by` for many people in two queries (a whole caseload at once)."""
    from bot.models.coaching import ClientName

    if not person_ids:
        return {}
    given = dict(
        (
            await session.exec(
                select(ClientName.client_id, ClientName.name).where(
                    ClientName.coach_id == viewer_id, col(ClientName.client_id).in_(person_ids)
                )
            )
        ).all()
    )
    missing = [p for p in person_ids if not given.get(p)]
    own: dict[int, str | None] = {}
    if missing:
        own = {
            person_id: name
            for person_id, name in (
                await session.exec(
                    select(Person.id, Person.display_name).where(col(Person.id).in_(missing))
                )
            ).all()
            if person_id is not None
        }
    return {p: given.get(p) or own.get(p) for p in person_ids}


def first_name(name: str | None) -> str | None:
    """The first word of a name, as a coach signs an answer."""
    if not name:
        return None
    return name.split()[0]


async def coach_organisation_id(
    session: AsyncSession, *, coach_id: int, now: dt.datetime
) -> int | None:
    """The organisation a coach works in (the first one, if several)."""
    rows = await session.exec(
        select(Membership.organisation_id)
        .where(
            Membership.person_id == coach_id,
            col(Membership.role).in_([Role.COACH, Role.ADMIN]),
            member_at(now),
        )
        .order_by(col(Membership.organisation_id))
    )
    return rows.first()
