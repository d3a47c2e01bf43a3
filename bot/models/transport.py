"""The bot's own plumbing: the inbox of received updates, the outbox of messages to send, and a
small key/value store for facts about the bot itself (such as its username at the last start).
"""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from bot.models.base import BigInt, JSONType, UTCDateTime, enum_column, utcnow


class InboxStatus(enum.StrEnum):
    """Where an incoming update is in its handling."""

    RECEIVED = "received"
    DONE = "done"
    FAILED = "failed"  # its handling was cut off too many times; kept for inspection
    # Its chat had as many updates waiting as it may: confirmed to Telegram, never handled, and
    # the person asked to send again; only the ids are kept, never what they sent.
    DROPPED = "dropped"
    # python-telegram-bot could not parse it: kept as received for inspection, never handled.
    UNREADABLE = "unreadable"


class InboxUpdate(SQLModel, table=True):
    """One update from Telegram, written before it is handled so that nothing received is lost."""

    __tablename__ = "inbox_update"

    update_id: int = Field(
        primary_key=True, sa_type=BigInt, sa_column_kwargs={"autoincrement": False}
    )
    chat_id: int | None = Field(default=None, sa_type=BigInt)
    user_id: int | None = Field(default=None, sa_type=BigInt)
    payload: dict[str, Any] = Field(sa_type=JSONType)
    status: InboxStatus = Field(default=InboxStatus.RECEIVED, sa_type=enum_column(16))
    attempts: int = Field(default=0)
    received_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    started_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    finished_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)

    __table_args__ = (sa.Index("ix_inbox_update_status", "status", "update_id"),)


class ChatLease(SQLModel, table=True):
    """Which process handles a chat's updates now, and until when (renewed while it works).

    One process at a time handles a chat, in update_id order; when the lease runs out (its
    process died) another process takes the chat over.
    """

    __tablename__ = "chat_lease"

    # The chat, or the sender for an update without a chat, or 0 for one without either.
    chat_key: int = Field(
        primary_key=True, sa_type=BigInt, sa_column_kwargs={"autoincrement": False}
    )
    holder: str = Field(max_length=80)
    lease_until: dt.datetime = Field(sa_type=UTCDateTime)


class OutboxStatus(enum.StrEnum):
    """Where an outgoing message is on its way out."""

    PENDING = "pending"  # waiting for its time (not_before) and a free sender
    SENDING = "sending"  # claimed by a sender until claim_until
    SENT = "sent"
    HELD = "held"  # the recipient cannot be reached; released when they come back
    FAILED = "failed"  # refused by Telegram (400) or out of attempts; never retried
    CANCELLED = "cancelled"  # no longer wanted (e.g. the check-in window closed)


class OutboxMessage(SQLModel, table=True):
    """One Bot API call to make on someone's behalf: the one way out for everything scheduled."""

    __tablename__ = "outbox_message"

    id: int | None = Field(default=None, primary_key=True)
    chat_id: int = Field(sa_type=BigInt)
    # The person written to, when known: their reachability is updated from the result.
    person_id: int | None = Field(default=None, foreign_key="person.id", ondelete="CASCADE")
    # The person the message is about, when that is someone else (a client, in a notice to their
    # coach): erasing the client takes the message with them, even before it is sent.
    subject_id: int | None = Field(default=None, foreign_key="person.id", ondelete="CASCADE")
    method: str = Field(max_length=64)  # a Bot API method, e.g. sendMessage or copyMessage
    payload: dict[str, Any] = Field(sa_type=JSONType)
    # What the message is for, e.g. "welcome" or "checkin:42"; logs name it instead of the body.
    purpose: str = Field(default="", max_length=64)
    # Makes enqueueing idempotent: a second enqueue with the same key is ignored.
    dedup_key: str | None = Field(default=None, max_length=128)
    status: OutboxStatus = Field(default=OutboxStatus.PENDING, sa_type=enum_column(16))
    priority: int = Field(default=0)  # higher first; crisis answers outrank reminders
    not_before: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    # After this the message is no longer worth sending (e.g. a check-in whose window closed).
    expires_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    attempts: int = Field(default=0)
    claimed_by: str | None = Field(default=None, max_length=64)
    claim_until: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_error: str | None = Field(default=None, max_length=300)
    sent_message_id: int | None = Field(default=None, sa_type=BigInt)
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    sent_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)

    __table_args__ = (
        sa.UniqueConstraint("dedup_key", name="uq_outbox_message_dedup_key"),
        sa.Index("ix_outbox_message_due", "status", "not_before"),
        sa.Index("ix_outbox_message_person", "person_id", "status"),
        sa.Index("ix_outbox_message_subject", "subject_id"),
    )


class BotState(SQLModel, table=True):
    """A fact about the bot itself that outlives a process, such as its username."""

    __tablename__ = "bot_state"

    key: str = Field(primary_key=True, max_length=64)
    value: dict[str, Any] = Field(sa_type=JSONType)
    updated_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
