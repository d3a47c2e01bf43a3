"""Daily-rhythm check-ins: when they are due, pauses, the check-ins and their answers, and the
other recurring notices (a client's weekly summary, a coach's morning digest).

The database is the schedule of record: every schedule carries its next due time in UTC, computed
in the client's timezone, and the dispatcher claims due rows atomically. A check-in row is created
once per due time and fills up answer by answer, so a restart or a second worker continues where
the client left off.
"""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from bot.config import DEFAULT_TIMEZONE
from bot.models.base import BigInt, JSONType, UTCDateTime, enum_column, utcnow


class PauseReason(enum.StrEnum):
    """Why check-ins are paused."""

    HOLIDAY = "holiday"
    SICK = "sick"
    HOSPITAL = "hospital"
    OTHER = "other"


class CheckinStatus(enum.StrEnum):
    """Where a check-in is between its due time and the close of its window."""

    SCHEDULED = "scheduled"  # created for its due time, not yet sent
    SENT = "sent"
    ANSWERED = "answered"  # every question asked has an answer
    PARTIAL = "partial"  # some answers; more may come until the window closes
    MISSED = "missed"  # the window closed without an answer
    CANCELLED = "cancelled"  # not sent: a pause, a changed schedule, or a window already closed


class Sleep(enum.StrEnum):
    """How did you sleep."""

    WELL = "well"
    SO_SO = "so_so"
    BADLY = "badly"


class GotUp(enum.StrEnum):
    """Did you get up as planned."""

    YES = "yes"
    LATER = "later"
    NO = "no"


class DayKind(enum.StrEnum):
    """What kind of day today is."""

    WORK_OR_WORKSHOP = "work_or_workshop"
    APPOINTMENT = "appointment"
    HOME = "home"
    OTHER = "other"


class CheckinScheduleBase(SQLModel):
    """The fields a client (or their coach) chooses for one daily check-in time."""

    # Wall-clock time in the schedule's timezone; the UTC due time is derived from it each day.
    local_time: dt.time
    # ISO weekdays, Monday = 1, e.g. "12345" or "1234567".
    weekdays: str = Field(default="12345", max_length=7)
    timezone: str = Field(default=DEFAULT_TIMEZONE, max_length=64)
    active: bool = Field(default=True)


class CheckinSchedule(CheckinScheduleBase, table=True):
    """One daily check-in time of a client; a client may have several."""

    __tablename__ = "checkin_schedule"

    id: int | None = Field(default=None, primary_key=True)
    client_id: int = Field(foreign_key="person.id", index=True, ondelete="CASCADE")
    # The next occurrence in UTC; the dispatcher claims a schedule by moving this forward.
    next_due_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)

    __table_args__ = (sa.Index("ix_checkin_schedule_due", "active", "next_due_at"),)


class CheckinPauseBase(SQLModel):
    """The fields of a pause that either side chooses."""

    starts_on: dt.date
    ends_on: dt.date  # inclusive, in the client's local calendar
    reason: PauseReason = Field(default=PauseReason.OTHER, sa_type=enum_column(16))


class CheckinPause(CheckinPauseBase, table=True):
    """Days without check-ins, reminders or missed-check-in flags; streaks stay intact."""

    __tablename__ = "checkin_pause"

    id: int | None = Field(default=None, primary_key=True)
    client_id: int = Field(foreign_key="person.id", ondelete="CASCADE")
    # The client or the coach: the other one is told.
    created_by_id: int | None = Field(default=None, foreign_key="person.id", ondelete="SET NULL")
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)

    __table_args__ = (
        sa.CheckConstraint("ends_on >= starts_on", name="ck_checkin_pause_dates"),
        sa.Index("ix_checkin_pause_client", "client_id", "ends_on"),
    )


class Checkin(SQLModel, table=True):
    """One check-in of a client: its due time, its window, its delivery and its answers."""

    __tablename__ = "checkin"

    id: int | None = Field(default=None, primary_key=True)
    client_id: int = Field(foreign_key="person.id", ondelete="CASCADE")
    # None for a check-in the client started from the home keyboard. The history of answers
    # outlives a schedule that is changed or removed.
    schedule_id: int | None = Field(
        default=None, foreign_key="checkin_schedule.id", ondelete="SET NULL"
    )
    due_at: dt.datetime = Field(sa_type=UTCDateTime)
    # Until the next check-in or the end of the client's day, whichever is first: answers and
    # corrections count until then.
    window_ends_at: dt.datetime = Field(sa_type=UTCDateTime)
    status: CheckinStatus = Field(default=CheckinStatus.SCHEDULED, sa_type=enum_column(16))
    sent_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    reminder_due_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    reminded_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    # The first answer; later answers and corrections move updated_at.
    answered_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)

    sleep: Sleep | None = Field(default=None, sa_type=enum_column(16))
    got_up: GotUp | None = Field(default=None, sa_type=enum_column(16))
    mood: int | None = Field(default=None)  # 1 (lowest) to 5
    day_kind: DayKind | None = Field(default=None, sa_type=enum_column(32))
    note: str | None = Field(default=None, sa_type=sa.Text)
    voice_file_id: str | None = Field(default=None, max_length=255)
    contact_requested: bool = Field(default=False)
    # Answers to questions the plan's emphasis adds (tasks, job-search steps, coping at work),
    # keyed by question name, so a new question needs no migration.
    extra_answers: dict[str, Any] = Field(default_factory=dict, sa_type=JSONType)
    # The question names asked, fixed when the check-in is sent: "answered" means all of these.
    questions: list[str] = Field(default_factory=list, sa_type=JSONType)

    # The question message: its outbox row until it is sent, then its Telegram id, so the
    # message can be edited in place as answers come and its buttons found after a restart.
    question_outbox_id: int | None = Field(
        default=None, foreign_key="outbox_message.id", ondelete="SET NULL"
    )
    question_message_id: int | None = Field(default=None, sa_type=BigInt)
    reminder_outbox_id: int | None = Field(
        default=None, foreign_key="outbox_message.id", ondelete="SET NULL"
    )

    # The dispatcher's claim: a worker owns the row until claim_until, then another may take it.
    claimed_by: str | None = Field(default=None, max_length=64)
    claim_until: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)

    __table_args__ = (
        # A due time creates one check-in, however many workers see it due.
        sa.UniqueConstraint("schedule_id", "due_at", name="uq_checkin_schedule_due"),
        sa.CheckConstraint("mood IS NULL OR mood BETWEEN 1 AND 5", name="ck_checkin_mood"),
        sa.Index("ix_checkin_client_due", "client_id", "due_at"),
        sa.Index("ix_checkin_status_due", "status", "due_at"),
        sa.Index("ix_checkin_status_reminder", "status", "reminder_due_at"),
        sa.Index("ix_checkin_status_window", "status", "window_ends_at"),
    )


class NoticeKind(enum.StrEnum):
    """A recurring message that is not a check-in."""

    WEEKLY_SUMMARY = "weekly_summary"  # to a client: how the week went
    DAILY_DIGEST = "daily_digest"  # to a coach: the morning overview of the caseload


class RecurringNotice(SQLModel, table=True):
    """The next due time of one person's recurring notice, held for the dispatcher."""

    __tablename__ = "recurring_notice"

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", ondelete="CASCADE")
    kind: NoticeKind = Field(sa_type=enum_column(32))
    # Claimed by moving it forward in the same transaction that enqueues the message.
    next_due_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_sent_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)

    __table_args__ = (
        sa.UniqueConstraint("person_id", "kind", name="uq_recurring_notice_kind"),
        sa.Index("ix_recurring_notice_due", "next_due_at"),
    )
