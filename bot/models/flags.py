"""Flags: a client who needs a human, raised to the right coach at the right time, and escalated.

A flag is raised by a rule (low mood, missed check-ins, a contact request, words of crisis or of
worry, a stuck goal, an employer's request, a pulse mismatch, a silent follow-up, an unreachable
client, strain at work). There is one open flag per client and cause; a new occurrence adds to it
instead of repeating it. Its notice waits for the coach's working hours unless it is urgent, and
every delivery and escalation step is logged as a flag event.
"""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from bot.models.base import BigInt, JSONType, UTCDateTime, enum_column, utcnow


class FlagKind(enum.StrEnum):
    """The cause of a flag."""

    LOW_MOOD = "low_mood"
    MISSED_CHECKINS = "missed_checkins"
    CONTACT_REQUEST = "contact_request"
    CRISIS = "crisis"
    WORRYING_WORDS = "worrying_words"  # exhaustion or hopelessness, without words of death
    GOAL_STUCK = "goal_stuck"
    EMPLOYER_REQUEST = "employer_request"
    PULSE_MISMATCH = "pulse_mismatch"
    FOLLOWUP_SILENCE = "followup_silence"
    FOLLOWUP_WORSE = "followup_worse"  # follow-up answers about work got worse
    UNREACHABLE = "unreachable"
    WORK_STRAIN = "work_strain"  # too much work or a hard time with colleagues, several running


class FlagUrgency(enum.StrEnum):
    """Whether a flag may wait for working hours."""

    NORMAL = "normal"
    URGENT = "urgent"  # sent at once and escalated when not acknowledged


class FlagStatus(enum.StrEnum):
    """Where a flag stands with the coach."""

    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"  # "I'll contact"
    SNOOZED = "snoozed"  # "Later": back at the start of the next working day
    DONE = "done"


class FlagEventKind(enum.StrEnum):
    """A step in a flag's delivery and escalation."""

    NOTIFIED = "notified"
    ACKNOWLEDGED = "acknowledged"
    SNOOZED = "snoozed"
    DONE = "done"
    ESCALATED_BACKUP = "escalated_backup"
    ESCALATED_TEAM = "escalated_team"
    ESCALATED_ADMINS = "escalated_admins"
    DELIVERY_FAILED = "delivery_failed"


# Every status but done counts as open for the one-flag-per-cause rule.
_NOT_DONE = sa.text("status != 'done'")


class Flag(SQLModel, table=True):
    """One reason a client needs their coach's attention."""

    __tablename__ = "flag"

    id: int | None = Field(default=None, primary_key=True)
    client_id: int = Field(foreign_key="person.id", ondelete="CASCADE")
    kind: FlagKind = Field(sa_type=enum_column(32))
    urgency: FlagUrgency = Field(default=FlagUrgency.NORMAL, sa_type=enum_column(16))
    status: FlagStatus = Field(default=FlagStatus.OPEN, sa_type=enum_column(16))
    # What raised it, e.g. ("checkin", 42) or ("relayed_message", 7); a reference, not a copy.
    source_type: str | None = Field(default=None, max_length=32)
    source_id: int | None = Field(default=None)
    # Ids and figures the notice shows (e.g. the check-ins behind a low-mood flag). Words of
    # crisis or worry keep the client's last few words ("words": text and where), so that the
    # coach reads them even when they were a goal or a note; they go with the client on erasure.
    details: dict[str, Any] = Field(default_factory=dict, sa_type=JSONType)
    raised_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    # When the next notice to the coach may go (the coach's working hours unless urgent; the end
    # of a snooze); cleared when the notice is handed to the outbox, so due flags are simply
    # those with notify_at in the past.
    notify_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    notified_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    # The coach the flag went to: the responsible coach, or the substitute during a handover.
    coach_id: int | None = Field(default=None, foreign_key="person.id", ondelete="SET NULL")
    acknowledged_by_id: int | None = Field(
        default=None, foreign_key="person.id", ondelete="SET NULL"
    )
    acknowledged_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    snoozed_until: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    done_by_id: int | None = Field(default=None, foreign_key="person.id", ondelete="SET NULL")
    done_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    # 0 = the coach, 1 = the backup and the team chat, 2 = every admin of the organisation.
    escalation_level: int = Field(default=0)
    # When an unacknowledged urgent flag moves up a level; cleared on acknowledgement.
    escalate_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)

    __table_args__ = (
        # One flag per cause: two workers raising the same flag at once cannot both succeed.
        sa.Index(
            "uq_flag_open_kind",
            "client_id",
            "kind",
            unique=True,
            sqlite_where=_NOT_DONE,
            postgresql_where=_NOT_DONE,
        ),
        sa.Index("ix_flag_client_raised", "client_id", "raised_at"),
        sa.Index("ix_flag_coach_status", "coach_id", "status"),
        sa.Index("ix_flag_notify_at", "notify_at"),
        sa.Index("ix_flag_escalate_at", "escalate_at"),
    )


class FlagEvent(SQLModel, table=True):
    """One step of a flag's delivery, handling or escalation: the escalation log."""

    __tablename__ = "flag_event"

    id: int | None = Field(default=None, primary_key=True)
    flag_id: int = Field(foreign_key="flag.id", ondelete="CASCADE")
    kind: FlagEventKind = Field(sa_type=enum_column(32))
    # Whom the step reached (a coach, the backup, an admin) ...
    target_id: int | None = Field(default=None, foreign_key="person.id", ondelete="SET NULL")
    # ... or which chat, for the team chat's alert without content.
    target_chat_id: int | None = Field(default=None, sa_type=BigInt)
    # Who pressed the button, for acknowledged, snoozed and done.
    actor_id: int | None = Field(default=None, foreign_key="person.id", ondelete="SET NULL")
    note: str | None = Field(default=None, max_length=300)
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)

    __table_args__ = (sa.Index("ix_flag_event_flag", "flag_id", "created_at"),)
