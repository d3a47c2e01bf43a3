"""The client's consents and the log of what was disclosed under them.

Nothing about a client reaches anyone outside their coaching without a consent the client gave,
which they can revoke at any moment. A consent records the version of the text the client saw; the
disclosure log lets the client see what was shared with whom and when.
"""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from bot.models.base import JSONType, UTCDateTime, enum_column, utcnow


class ConsentSubject(enum.StrEnum):
    """What a consent allows."""

    EMPLOYER_LINK = "employer_link"  # an employer organisation may be in touch about the client


class DisclosedItem(enum.StrEnum):
    """What was disclosed to someone outside the coaching."""

    MEETING = "meeting"
    FOLLOWUP_CONTACT = "followup_contact"
    FIRST_NAME = "first_name"
    COACH_NAME = "coach_name"
    OTHER = "other"


_ACTIVE = sa.text("revoked_at IS NULL")


class Consent(SQLModel, table=True):
    """A client's permission for one subject (e.g. one employer), from given to revoked."""

    __tablename__ = "consent"

    id: int | None = Field(default=None, primary_key=True)
    client_id: int = Field(foreign_key="person.id", ondelete="CASCADE")
    subject: ConsentSubject = Field(sa_type=enum_column(32))
    # The employer organisation the consent is for: a new contact person can join under it. An
    # employer with consents given is not deleted by accident.
    employer_id: int | None = Field(default=None, foreign_key="employer.id", ondelete="RESTRICT")
    text_version: str = Field(max_length=32)  # the wording the client saw
    given_at: dt.datetime = Field(sa_type=UTCDateTime)
    revoked_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)

    __table_args__ = (
        # One standing consent per subject and employer; after a revocation a new one may follow.
        sa.Index(
            "uq_consent_active",
            "client_id",
            "subject",
            "employer_id",
            unique=True,
            sqlite_where=_ACTIVE,
            postgresql_where=_ACTIVE,
        ),
        sa.Index("ix_consent_employer", "employer_id", "revoked_at"),
    )


class Disclosure(SQLModel, table=True):
    """One thing about a client shown to someone outside the coaching, and under which consent."""

    __tablename__ = "disclosure"

    id: int | None = Field(default=None, primary_key=True)
    client_id: int = Field(foreign_key="person.id", ondelete="CASCADE")
    consent_id: int | None = Field(default=None, foreign_key="consent.id", ondelete="SET NULL")
    employer_id: int | None = Field(default=None, foreign_key="employer.id", ondelete="SET NULL")
    recipient_id: int | None = Field(default=None, foreign_key="person.id", ondelete="SET NULL")
    what: DisclosedItem = Field(sa_type=enum_column(32))
    # Ids and dates (e.g. the meeting's id and time), not message bodies.
    details: dict[str, Any] = Field(default_factory=dict, sa_type=JSONType)
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)

    __table_args__ = (
        sa.Index("ix_disclosure_client", "client_id", "created_at"),
        sa.Index("ix_disclosure_consent", "consent_id"),
    )
