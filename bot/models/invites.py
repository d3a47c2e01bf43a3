"""One-time invite links and the counter that slows down guessing them.

Only the SHA-256 hex digest of an invite's token is stored, never the token: a leaked database
yields no usable link. An invite is redeemed once, atomically (an update that sets ``used_at``
only where it is still empty, unexpired and unrevoked).
"""

from __future__ import annotations

import datetime as dt
import enum

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from bot.models.base import BigInt, UTCDateTime, enum_column, utcnow


class InviteKind(enum.StrEnum):
    """Who an invite makes of the person who opens it."""

    CLIENT = "client"
    COACH = "coach"
    EMPLOYER = "employer"


class Invite(SQLModel, table=True):
    """A one-time link into the bot for a client, a coach or an employer contact."""

    __tablename__ = "invite"

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64)  # SHA-256 hex of the token in the link
    kind: InviteKind = Field(sa_type=enum_column(16))
    organisation_id: int = Field(foreign_key="organisation.id", ondelete="CASCADE")
    # None for a coach invite made from the command line.
    created_by_id: int | None = Field(default=None, foreign_key="person.id", ondelete="SET NULL")
    # A client invite: the name the coach will know the client by.
    client_name: str | None = Field(default=None, max_length=100)
    # An employer invite exists only under a consent; without it the link must not work.
    employer_id: int | None = Field(default=None, foreign_key="employer.id", ondelete="CASCADE")
    placement_id: int | None = Field(default=None, foreign_key="placement.id", ondelete="CASCADE")
    consent_id: int | None = Field(default=None, foreign_key="consent.id", ondelete="CASCADE")
    expires_at: dt.datetime = Field(sa_type=UTCDateTime)
    used_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    used_by_id: int | None = Field(default=None, foreign_key="person.id", ondelete="SET NULL")
    revoked_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)

    __table_args__ = (
        sa.UniqueConstraint("token_hash", name="uq_invite_token_hash"),
        sa.Index("ix_invite_creator", "created_by_id", "used_at"),
        sa.Index("ix_invite_organisation", "organisation_id", "kind"),
        sa.Index("ix_invite_consent", "consent_id"),
    )


class InviteAttempt(SQLModel, table=True):
    """Wrong invite tokens from one Telegram user, counted in a window, to slow down guessing."""

    __tablename__ = "invite_attempt"

    # The Telegram id, not a person: whoever guesses is usually not known to the bot.
    telegram_user_id: int = Field(
        primary_key=True, sa_type=BigInt, sa_column_kwargs={"autoincrement": False}
    )
    failures: int = Field(default=0)
    window_started_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    blocked_until: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
