"""Organisations, people and the roles they hold, reachability and personal preferences.

A person is one Telegram user. Roles are not a property of the person but of a relationship:
a membership says "this person is a coach (or admin, or client) in this organisation" for a
period. An employer contact is a person linked to an employer organisation (see placements).
"""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from bot.config import DEFAULT_TIMEZONE
from bot.models.base import BigInt, JSONType, UTCDateTime, enum_column, utcnow


class Role(enum.StrEnum):
    """What a person is in one organisation."""

    CLIENT = "client"
    COACH = "coach"
    ADMIN = "admin"


class Locale(enum.StrEnum):
    """The languages the bot speaks; Finnish first."""

    FI = "fi"
    SV = "sv"
    EN = "en"


class OrganisationBase(SQLModel):
    name: str = Field(max_length=200)
    timezone: str = Field(default=DEFAULT_TIMEZONE, max_length=64)
    locale: str = Field(default="fi", sa_type=enum_column(8))
    # Crisis contacts shown to a client in distress; per organisation because they differ by region.
    emergency_number: str = Field(default="112", max_length=32)
    crisis_line_name: str = Field(default="MIELI Kriisipuhelin", max_length=120)
    crisis_line_number: str = Field(default="09 2525 0111", max_length=32)
    # A group chat of the coaching team: alerts without content go there.
    team_chat_id: int | None = Field(default=None, sa_type=BigInt)
    # Who gets an urgent flag that the client's coach has not acknowledged in time (an admin).
    backup_person_id: int | None = Field(default=None, foreign_key="person.id", ondelete="SET NULL")
    # Follow-up rhythm after placement and other tunables, as the placement issue defines them.
    settings: dict[str, Any] = Field(default_factory=dict, sa_type=JSONType)


class Organisation(OrganisationBase, table=True):
    """A coaching provider (workshop, foundation, employment service) the deployment serves."""

    id: int | None = Field(default=None, primary_key=True)
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)

    __table_args__ = (sa.UniqueConstraint("name", name="uq_organisation_name"),)


class PersonBase(SQLModel):
    telegram_user_id: int | None = Field(default=None, sa_type=BigInt)
    # The private chat with the bot; equal to the user id on Telegram, kept apart for clarity.
    chat_id: int | None = Field(default=None, sa_type=BigInt)
    # The name the person goes by in the bot (a coach's own name, an employer contact's name).
    # Clients are named by their coach instead (see ClientName); strangers have no name stored.
    display_name: str | None = Field(default=None, max_length=200)
    locale: str = Field(default="fi", sa_type=enum_column(8))
    # True once the person picked a language themselves; until then it follows their app.
    locale_chosen: bool = Field(default=False)
    timezone: str = Field(default=DEFAULT_TIMEZONE, max_length=64)


class Person(PersonBase, table=True):
    """One human known to the bot, whatever their roles."""

    id: int | None = Field(default=None, primary_key=True)
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    # The command menu last registered for this person's chat ("kind:locale"), None = default.
    command_menu: str | None = Field(default=None, max_length=32)
    # Set when the person's data was erased on request; the row stays as a tombstone.
    forgotten_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)

    __table_args__ = (sa.UniqueConstraint("telegram_user_id", name="uq_person_telegram_user_id"),)


class Membership(SQLModel, table=True):
    """A role a person holds in an organisation, for a period."""

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", index=True, ondelete="CASCADE")
    organisation_id: int = Field(foreign_key="organisation.id", index=True, ondelete="CASCADE")
    role: Role = Field(sa_type=enum_column(16))
    active_from: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    active_until: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)

    __table_args__ = (
        sa.UniqueConstraint("person_id", "organisation_id", "role", name="uq_membership_role"),
    )


class ReachabilityState(enum.StrEnum):
    """Whether the bot can write to a person."""

    REACHABLE = "reachable"
    BLOCKED = "blocked"  # the person blocked the bot
    NEVER_STARTED = "never_started"  # the bot may not start a chat the person never opened


class Reachability(SQLModel, table=True):
    """The last known delivery state of a person's private chat."""

    person_id: int = Field(foreign_key="person.id", primary_key=True, ondelete="CASCADE")
    state: ReachabilityState = Field(default=ReachabilityState.REACHABLE, sa_type=enum_column(16))
    since: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    # When whoever is responsible was told that this person cannot be reached (told once).
    reported_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_error: str | None = Field(default=None, max_length=300)


class Preference(SQLModel, table=True):
    """A person's choices about how the bot behaves towards them."""

    person_id: int = Field(foreign_key="person.id", primary_key=True, ondelete="CASCADE")
    encouragement: bool = Field(default=True)
    # A coach's working hours, local to the person's timezone; flags wait for them.
    working_days: str = Field(default="12345", max_length=7)  # ISO weekdays, Monday = 1
    working_start: dt.time = Field(default=dt.time(8, 0))
    working_end: dt.time = Field(default=dt.time(16, 0))
    # Non-urgent messages that fall in quiet hours are sent without a sound.
    quiet_start: dt.time = Field(default=dt.time(22, 0))
    quiet_end: dt.time = Field(default=dt.time(7, 0))
    daily_digest: bool = Field(default=True)
    updated_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
