"""Where each person is in a multi-step conversation, kept in the database.

A flow (onboarding, a goal, a coach's reply, an employer's request ...) survives a restart and is
shared by every worker. Its version grows with every change and is carried in the flow's buttons,
so a button pressed on an older message can be recognised as stale.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlmodel import Field, SQLModel

from bot.models.base import JSONType, UTCDateTime, utcnow


class FlowState(SQLModel, table=True):
    """The one conversation a person is in the middle of, and how far it has come."""

    __tablename__ = "flow_state"

    person_id: int = Field(foreign_key="person.id", primary_key=True, ondelete="CASCADE")
    flow: str = Field(max_length=64)
    step: str = Field(max_length=64)
    # What the flow has collected so far (ids, choices); free text only until the flow stores it
    # in its own row.
    data: dict[str, Any] = Field(default_factory=dict, sa_type=JSONType)
    # Typed text counts as an answer only until then; after it, a client's text goes to the coach.
    awaiting_text_until: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    version: int = Field(default=1)
    started_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
