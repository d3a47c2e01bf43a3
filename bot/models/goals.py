"""Small goals in the five areas, their steps, and the events of their progress.

A goal is the client's own: proposed by the client, or by the coach and agreed only when the client
accepts. Its history (proposed, accepted, progress, reached, let go) is a list of events rather than
overwritten fields, so the closing summary and the client's chart can tell the story.
"""

from __future__ import annotations

import datetime as dt
import enum

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from bot.models.base import UTCDateTime, enum_column, utcnow
from bot.models.coaching import GoalArea


class GoalStatus(enum.StrEnum):
    """Where a goal stands."""

    PROPOSED = "proposed"  # by the coach, waiting for the client to accept
    AGREED = "agreed"
    IN_PROGRESS = "in_progress"
    REACHED = "reached"
    LET_GO = "let_go"  # given up with a reason, never called a failure


class GoalEventKind(enum.StrEnum):
    """What happened to a goal."""

    PROPOSED = "proposed"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    STEP_DONE = "step_done"
    SOME_PROGRESS = "some_progress"
    STUCK = "stuck"
    REACHED = "reached"
    LET_GO = "let_go"
    EDITED = "edited"
    OVERDUE_RAISED = "overdue_raised"


class GoalBase(SQLModel):
    """The fields of a goal the client (or the coach, with the client) writes and changes."""

    area: GoalArea = Field(sa_type=enum_column(32))
    title: str = Field(max_length=300)  # in the client's own words
    target_date: dt.date | None = Field(default=None)
    # How often the progress question comes; weekly unless the client chooses otherwise.
    progress_every_days: int = Field(default=7, ge=1)


class Goal(GoalBase, table=True):
    """One small goal of a client."""

    __tablename__ = "goal"

    id: int | None = Field(default=None, primary_key=True)
    client_id: int = Field(foreign_key="person.id", ondelete="CASCADE")
    # The coaching period the goal was set in, for its closing summary.
    coaching_id: int | None = Field(default=None, foreign_key="coaching.id", ondelete="SET NULL")
    status: GoalStatus = Field(default=GoalStatus.PROPOSED, sa_type=enum_column(16))
    proposed_by_id: int | None = Field(default=None, foreign_key="person.id", ondelete="SET NULL")
    next_progress_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    # The last progress question sent: a client gets at most one goal question a day.
    progress_asked_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    # A goal past its target date is raised with the client once, gently.
    overdue_raised_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    reached_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    let_go_reason: str | None = Field(default=None, max_length=500)
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)

    __table_args__ = (
        sa.CheckConstraint("progress_every_days >= 1", name="ck_goal_progress_every_days"),
        sa.Index("ix_goal_client_status", "client_id", "status"),
        sa.Index("ix_goal_status_progress", "status", "next_progress_at"),
        sa.Index("ix_goal_coaching", "coaching_id"),
    )


class GoalStepBase(SQLModel):
    """The fields of a step the client writes."""

    title: str = Field(max_length=300)
    position: int = Field(default=0)  # order within the goal, smallest first


class GoalStep(GoalStepBase, table=True):
    """One small step towards a goal."""

    __tablename__ = "goal_step"

    id: int | None = Field(default=None, primary_key=True)
    goal_id: int = Field(foreign_key="goal.id", ondelete="CASCADE")
    done_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)

    __table_args__ = (sa.Index("ix_goal_step_goal", "goal_id", "position"),)


class GoalEvent(SQLModel, table=True):
    """One thing that happened to a goal, in order: its history."""

    __tablename__ = "goal_event"

    id: int | None = Field(default=None, primary_key=True)
    goal_id: int = Field(foreign_key="goal.id", ondelete="CASCADE")
    kind: GoalEventKind = Field(sa_type=enum_column(32))
    actor_id: int | None = Field(default=None, foreign_key="person.id", ondelete="SET NULL")
    step_id: int | None = Field(default=None, foreign_key="goal_step.id", ondelete="SET NULL")
    note: str | None = Field(default=None, sa_type=sa.Text)
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)

    __table_args__ = (sa.Index("ix_goal_event_goal", "goal_id", "created_at"),)
