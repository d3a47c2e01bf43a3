"""After placement: employers, their contact people, placements, meetings and follow-up contacts.

An employer is an organisation known to one coaching organisation; its contact people are persons
linked to it for a period. A contact sees only the employees they were linked to (placement
contacts), and only while the client's consent for that employer stands. Follow-up contacts are
rows with due times, scheduled one at a time on a tapering rhythm that a silence or worsening
check-ins tighten again.
"""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from bot.models.base import JSONType, UTCDateTime, enum_column, utcnow


class PlacementKind(enum.StrEnum):
    """The kind of work a client was placed in."""

    OPEN_LABOUR_MARKET = "open_labour_market"
    WAGE_SUBSIDISED = "wage_subsidised"
    APPRENTICESHIP = "apprenticeship"
    WORK_TRIAL = "work_trial"


class MeetingStatus(enum.StrEnum):
    """Where a meeting with the employer stands."""

    PROPOSED = "proposed"
    CONFIRMED = "confirmed"
    CANCELLED = "cancelled"
    HELD = "held"


class FollowUpAudience(enum.StrEnum):
    """Who a follow-up contact is addressed to."""

    EMPLOYEE = "employee"
    EMPLOYER = "employer"


class FollowUpStatus(enum.StrEnum):
    """Where a follow-up contact stands."""

    SCHEDULED = "scheduled"
    SENT = "sent"
    ANSWERED = "answered"
    UNANSWERED = "unanswered"  # three in a row tighten the rhythm and flag the coach
    CANCELLED = "cancelled"


class EmployerBase(SQLModel):
    """The fields of an employer a coach enters."""

    name: str = Field(max_length=200)
    # The Finnish business id (Y-tunnus), when known; tells two employers of one name apart.
    business_id: str | None = Field(default=None, max_length=16)


class Employer(EmployerBase, table=True):
    """An employer organisation known to a coaching organisation."""

    __tablename__ = "employer"

    id: int | None = Field(default=None, primary_key=True)
    organisation_id: int = Field(foreign_key="organisation.id", ondelete="CASCADE")
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)

    __table_args__ = (
        sa.UniqueConstraint("organisation_id", "business_id", name="uq_employer_business_id"),
        sa.Index("ix_employer_organisation", "organisation_id", "name"),
    )


class EmployerContactBase(SQLModel):
    """The fields of an employer contact a coach enters."""

    title: str | None = Field(default=None, max_length=120)


class EmployerContact(EmployerContactBase, table=True):
    """A person who speaks for an employer, for a period."""

    __tablename__ = "employer_contact"

    id: int | None = Field(default=None, primary_key=True)
    employer_id: int = Field(foreign_key="employer.id", ondelete="CASCADE")
    person_id: int = Field(foreign_key="person.id", index=True, ondelete="CASCADE")
    active_from: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    active_until: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)

    __table_args__ = (
        sa.UniqueConstraint("employer_id", "person_id", name="uq_employer_contact_person"),
    )


class PlacementBase(SQLModel):
    """The fields of a placement a coach records."""

    job_title: str = Field(max_length=200)
    start_date: dt.date
    end_date: dt.date | None = Field(default=None)
    hours_per_week: float | None = Field(default=None, ge=0, le=168)
    kind: PlacementKind = Field(sa_type=enum_column(32))


_CURRENT = sa.text("is_current")


class Placement(PlacementBase, table=True):
    """A job a client was placed in; a client may have several over time, one current."""

    __tablename__ = "placement"

    id: int | None = Field(default=None, primary_key=True)
    client_id: int = Field(foreign_key="person.id", ondelete="CASCADE")
    # An employer with placement history is not deleted by accident.
    employer_id: int = Field(foreign_key="employer.id", index=True, ondelete="RESTRICT")
    # The contact the coach recorded for the placement; who else may see it: placement_contact.
    contact_id: int | None = Field(
        default=None, foreign_key="employer_contact.id", ondelete="SET NULL"
    )
    is_current: bool = Field(default=True)
    created_by_id: int | None = Field(default=None, foreign_key="person.id", ondelete="SET NULL")
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)

    __table_args__ = (
        sa.Index(
            "uq_placement_current",
            "client_id",
            unique=True,
            sqlite_where=_CURRENT,
            postgresql_where=_CURRENT,
        ),
        sa.Index("ix_placement_client", "client_id", "start_date"),
    )


class PlacementContact(SQLModel, table=True):
    """An employer contact linked to one placement: the employees a contact may hear about."""

    __tablename__ = "placement_contact"

    id: int | None = Field(default=None, primary_key=True)
    placement_id: int = Field(foreign_key="placement.id", ondelete="CASCADE")
    contact_id: int = Field(foreign_key="employer_contact.id", index=True, ondelete="CASCADE")
    created_by_id: int | None = Field(default=None, foreign_key="person.id", ondelete="SET NULL")
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)

    __table_args__ = (
        sa.UniqueConstraint("placement_id", "contact_id", name="uq_placement_contact_pair"),
    )


class MeetingBase(SQLModel):
    """The fields of a meeting that are proposed and agreed."""

    starts_at: dt.datetime = Field(sa_type=UTCDateTime)
    place: str | None = Field(default=None, max_length=300)


class Meeting(MeetingBase, table=True):
    """A meeting about a client's work, proposed by the employer or the coach."""

    __tablename__ = "meeting"

    id: int | None = Field(default=None, primary_key=True)
    client_id: int = Field(foreign_key="person.id", ondelete="CASCADE")
    placement_id: int | None = Field(default=None, foreign_key="placement.id", ondelete="SET NULL")
    employer_id: int | None = Field(default=None, foreign_key="employer.id", ondelete="SET NULL")
    proposed_by_id: int | None = Field(default=None, foreign_key="person.id", ondelete="SET NULL")
    status: MeetingStatus = Field(default=MeetingStatus.PROPOSED, sa_type=enum_column(16))
    confirmed_by_id: int | None = Field(default=None, foreign_key="person.id", ondelete="SET NULL")
    confirmed_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    # The reminder the day before goes to everyone concerned at once; sent once.
    reminder_sent_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)

    __table_args__ = (
        sa.Index("ix_meeting_status_starts", "status", "starts_at"),
        sa.Index("ix_meeting_client", "client_id", "starts_at"),
    )


class FollowUpContact(SQLModel, table=True):
    """One scheduled follow-up question to an employee or their employer, and its answers."""

    __tablename__ = "follow_up_contact"

    id: int | None = Field(default=None, primary_key=True)
    # The employee the contact is about.
    client_id: int = Field(foreign_key="person.id", ondelete="CASCADE")
    # None when follow-up runs after a coaching that ended without a placement.
    placement_id: int | None = Field(default=None, foreign_key="placement.id", ondelete="CASCADE")
    audience: FollowUpAudience = Field(sa_type=enum_column(16))
    # The employer contact written to; for the employee it is the client.
    recipient_id: int | None = Field(default=None, foreign_key="person.id", ondelete="SET NULL")
    # The employee's side of a paired pulse points at the employer's side, so the two answers
    # about the same period can be compared without either side seeing the other's.
    paired_with_id: int | None = Field(
        default=None, foreign_key="follow_up_contact.id", ondelete="SET NULL"
    )
    due_at: dt.datetime = Field(sa_type=UTCDateTime)
    status: FollowUpStatus = Field(default=FollowUpStatus.SCHEDULED, sa_type=enum_column(16))
    sent_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    answered_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    # The pulse: how is work going, workload, getting along at work, and a free answer if any.
    answers: dict[str, Any] = Field(default_factory=dict, sa_type=JSONType)
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)

    __table_args__ = (
        # Scheduling the next contact twice (two workers, a retry) leaves one row.
        sa.UniqueConstraint("client_id", "audience", "due_at", name="uq_follow_up_contact_due"),
        sa.Index("ix_follow_up_contact_status_due", "status", "due_at"),
        sa.Index("ix_follow_up_contact_placement", "placement_id", "due_at"),
    )


class FollowUpPlanBase(SQLModel):
    """The per-client follow-up choices a client or coach can change."""

    # Set when the client opted out of follow-up contacts.
    opted_out_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    # Overrides the organisation's rhythm for this client, in the same shape as its settings.
    rhythm: dict[str, Any] | None = Field(default=None, sa_type=JSONType)


class FollowUpPlan(FollowUpPlanBase, table=True):
    """A client's follow-up settings and state."""

    __tablename__ = "follow_up_plan"

    client_id: int = Field(foreign_key="person.id", primary_key=True, ondelete="CASCADE")
    # Set when silence or worsening check-ins tightened the rhythm back to weekly; cleared when
    # the taper resumes.
    tightened_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    updated_by_id: int | None = Field(default=None, foreign_key="person.id", ondelete="SET NULL")
    updated_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
