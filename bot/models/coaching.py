"""The coaching itself: periods of coaching, who coaches whom, the plan's emphasis, notes, summary.

A coaching is one period of a client in one organisation, from the accepted agreement to its
closing (and the follow-up after it). Who coaches the client is not a column of the coaching but a
series of assignment rows, so that a handover or a transfer never overwrites the past. The plan is
the emphasis of each of the five goal areas, kept as history rows: the current plan is the newest
row per area.
"""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from bot.models.base import JSONType, UTCDateTime, enum_column, utcnow
from bot.models.people import Locale


class CoachingStatus(enum.StrEnum):
    """Where a coaching period stands."""

    ONBOARDING = "onboarding"  # the invite was used; the agreement is not yet accepted
    ACTIVE = "active"
    CLOSED = "closed"  # ended with an outcome; follow-up may still run
    DECLINED = "declined"  # the client did not accept the agreement


class Outcome(enum.StrEnum):
    """How a coaching ended, as the purchaser's summary reports it."""

    OPEN_LABOUR_MARKET = "open_labour_market"
    WAGE_SUBSIDISED = "wage_subsidised"
    STUDIES = "studies"
    OTHER_SERVICE = "other_service"
    OTHER = "other"


class GoalArea(enum.StrEnum):
    """The five overall goal areas (kokonaistavoitteet), in the thesis's order 1-5."""

    EVERYDAY_LIFE = "everyday_life"
    WORK_CAPACITY = "work_capacity"
    COMPETENCE = "competence"
    EMPLOYMENT = "employment"
    COPING_AT_WORK = "coping_at_work"


class AssignmentKind(enum.StrEnum):
    """Whether a coach carries a client or stands in for the one who does."""

    RESPONSIBLE = "responsible"
    SUBSTITUTE = "substitute"


class SummaryStatus(enum.StrEnum):
    """Where a closing summary is on its way to the client's approval."""

    DRAFT = "draft"
    SENT = "sent"  # shown to the client, waiting for an answer
    APPROVED = "approved"  # only now may the coach download it
    CHANGE_REQUESTED = "change_requested"


# Open coachings: at most one per client and organisation.
_OPEN_COACHING = sa.text("status IN ('onboarding', 'active')")


class Coaching(SQLModel, table=True):
    """One coaching period of a client in an organisation."""

    __tablename__ = "coaching"

    id: int | None = Field(default=None, primary_key=True)
    client_id: int = Field(foreign_key="person.id", index=True, ondelete="CASCADE")
    # An organisation with coaching history is not deleted by accident.
    organisation_id: int = Field(foreign_key="organisation.id", index=True, ondelete="RESTRICT")
    status: CoachingStatus = Field(default=CoachingStatus.ONBOARDING, sa_type=enum_column(16))
    # The version of the agreement text the client accepted, so a later wording does not rewrite
    # what was agreed.
    agreement_version: str | None = Field(default=None, max_length=32)
    agreement_accepted_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    started_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    closed_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    closed_by_id: int | None = Field(default=None, foreign_key="person.id", ondelete="SET NULL")
    outcome: Outcome | None = Field(default=None, sa_type=enum_column(32))
    # Follow-up runs until the later of closing or a placement's start plus the follow-up period.
    follow_up_until: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)

    __table_args__ = (
        # Two redemptions of one invite racing each other must not open two coachings.
        sa.Index(
            "uq_coaching_open",
            "client_id",
            "organisation_id",
            unique=True,
            sqlite_where=_OPEN_COACHING,
            postgresql_where=_OPEN_COACHING,
        ),
        sa.Index("ix_coaching_status_follow_up", "status", "follow_up_until"),
    )


_OPEN_RESPONSIBLE = sa.text("kind = 'responsible' AND valid_until IS NULL")


class CoachAssignment(SQLModel, table=True):
    """A coach carrying (or standing in for) a client's coaching for a period."""

    __tablename__ = "coach_assignment"

    id: int | None = Field(default=None, primary_key=True)
    coaching_id: int = Field(foreign_key="coaching.id", index=True, ondelete="CASCADE")
    client_id: int = Field(foreign_key="person.id", ondelete="CASCADE")
    # A coach who leaves keeps their history: their membership ends, the person row stays.
    coach_id: int = Field(foreign_key="person.id", ondelete="RESTRICT")
    kind: AssignmentKind = Field(sa_type=enum_column(16))
    valid_from: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    # Open-ended for the responsible coach; a handover ends by itself at its end time.
    valid_until: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_by_id: int | None = Field(default=None, foreign_key="person.id", ondelete="SET NULL")
    reason: str | None = Field(default=None, max_length=500)
    # When the client was told whom to contact, at the start and at the end of a handover; a
    # handover set up for next week is announced when it begins, not when it is made.
    announced_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    end_announced_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)

    __table_args__ = (
        # A transfer first ends the old responsible row, then adds the new one.
        sa.Index(
            "uq_coach_assignment_responsible",
            "coaching_id",
            unique=True,
            sqlite_where=_OPEN_RESPONSIBLE,
            postgresql_where=_OPEN_RESPONSIBLE,
        ),
        sa.Index("ix_coach_assignment_client", "client_id", "valid_until"),
        sa.Index("ix_coach_assignment_coach", "coach_id", "valid_until"),
    )


class ClientNameBase(SQLModel):
    """The name a coach knows a client by (Telegram names are often nicknames)."""

    name: str = Field(max_length=100)


class ClientName(ClientNameBase, table=True):
    """The name one coach gives one client."""

    __tablename__ = "client_name"

    id: int | None = Field(default=None, primary_key=True)
    coach_id: int = Field(foreign_key="person.id", index=True, ondelete="CASCADE")
    client_id: int = Field(foreign_key="person.id", index=True, ondelete="CASCADE")
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)

    __table_args__ = (sa.UniqueConstraint("coach_id", "client_id", name="uq_client_name_pair"),)


class CoachNoteBase(SQLModel):
    """The text of a coach's note."""

    text: str = Field(max_length=4000, sa_type=sa.Text)


class CoachNote(CoachNoteBase, table=True):
    """A coach's note about a client, readable by that client."""

    __tablename__ = "coach_note"

    id: int | None = Field(default=None, primary_key=True)
    client_id: int = Field(foreign_key="person.id", ondelete="CASCADE")
    # The note stays readable by the client even if its author's row goes.
    coach_id: int | None = Field(default=None, foreign_key="person.id", ondelete="SET NULL")
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)

    __table_args__ = (sa.Index("ix_coach_note_client", "client_id", "created_at"),)


class PlanEmphasis(SQLModel, table=True):
    """One setting of one area's emphasis in a client's plan; the newest per area is current."""

    __tablename__ = "plan_emphasis"

    id: int | None = Field(default=None, primary_key=True)
    coaching_id: int = Field(foreign_key="coaching.id", ondelete="CASCADE")
    # Kept beside the coaching so access checks and erasure need no join.
    client_id: int = Field(foreign_key="person.id", index=True, ondelete="CASCADE")
    area: GoalArea = Field(sa_type=enum_column(32))
    # 0-4 as the thesis rates it: none, slight, moderate, significant, considerable.
    level: int
    reason: str | None = Field(default=None, max_length=500)
    set_by_id: int | None = Field(default=None, foreign_key="person.id", ondelete="SET NULL")
    # The coach sets the emphasis together with the client; a change not yet talked through is
    # recorded as such rather than passed off as agreed.
    agreed_with_client: bool = Field(default=False)
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)

    __table_args__ = (
        sa.CheckConstraint("level BETWEEN 0 AND 4", name="ck_plan_emphasis_level"),
        sa.Index("ix_plan_emphasis_current", "coaching_id", "area", "created_at"),
    )


class ClosingSummary(SQLModel, table=True):
    """One version of the purchaser's summary, drafted at closing and approved by the client."""

    __tablename__ = "closing_summary"

    id: int | None = Field(default=None, primary_key=True)
    coaching_id: int = Field(foreign_key="coaching.id", index=True, ondelete="CASCADE")
    version: int = Field(default=1)
    language: Locale = Field(default=Locale.FI, sa_type=enum_column(8))
    # Facts, not rendered text (period, emphasis over time, goals, adherence, outcome, anything
    # the coach added), so the same approved content can be laid out in another language.
    content: dict[str, Any] = Field(default_factory=dict, sa_type=JSONType)
    status: SummaryStatus = Field(default=SummaryStatus.DRAFT, sa_type=enum_column(16))
    change_request: str | None = Field(default=None, sa_type=sa.Text)
    created_by_id: int | None = Field(default=None, foreign_key="person.id", ondelete="SET NULL")
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    sent_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    change_requested_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    approved_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)

    __table_args__ = (
        sa.UniqueConstraint("coaching_id", "version", name="uq_closing_summary_version"),
    )
