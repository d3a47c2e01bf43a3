"""Audit events: who did what to whose data, by event name and ids, never message bodies."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from bot.models.base import JSONType, UTCDateTime, utcnow


class AuditEvent(SQLModel, table=True):
    """One thing that happened and may need explaining later."""

    __tablename__ = "audit_event"

    id: int | None = Field(default=None, primary_key=True)
    at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    event: str = Field(max_length=64)
    # The actor is kept even after the actor's data is erased; the subject row may be erased.
    actor_id: int | None = Field(default=None, foreign_key="person.id", ondelete="SET NULL")
    subject_id: int | None = Field(default=None, foreign_key="person.id", ondelete="SET NULL")
    organisation_id: int | None = Field(
        default=None, foreign_key="organisation.id", ondelete="SET NULL"
    )
    object_type: str | None = Field(default=None, max_length=32)
    object_id: int | None = Field(default=None)
    details: dict[str, Any] = Field(default_factory=dict, sa_type=JSONType)

    __table_args__ = (sa.Index("ix_audit_event_subject", "subject_id", "at"),)
