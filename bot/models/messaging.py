"""The line between a client and their coach, and between an employer and the coach.

Each relayed message is one row holding both sides' Telegram message ids: where it was written
(source chat and message) and what the recipient got (a short header with a Reply button, then a
protected copy). A reply in Telegram to either the header or the copy is found by the recipient's
chat and that message id. Bodies are stored as sent, for the recipient's inbox and the client's
data export, and are erased with the client's data.
"""

from __future__ import annotations

import datetime as dt
import enum

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from bot.models.base import BigInt, UTCDateTime, enum_column, utcnow


class RelayDirection(enum.StrEnum):
    """Who wrote to whom."""

    CLIENT_TO_COACH = "client_to_coach"
    COACH_TO_CLIENT = "coach_to_client"
    EMPLOYER_TO_COACH = "employer_to_coach"
    COACH_TO_EMPLOYER = "coach_to_employer"


class ContentKind(enum.StrEnum):
    """What kind of Telegram message was relayed."""

    TEXT = "text"
    PHOTO = "photo"
    VOICE = "voice"
    DOCUMENT = "document"
    STICKER = "sticker"
    VIDEO = "video"
    AUDIO = "audio"
    OTHER = "other"


class RelayStatus(enum.StrEnum):
    """Whether a relayed message has reached its recipient."""

    PENDING = "pending"  # in the outbox
    DELIVERED = "delivered"
    HELD = "held"  # the recipient blocked or never started the bot; delivered once they return
    # One of many stickers or pictures sent in a row: counted in one notice, not passed on.
    SUMMARISED = "summarised"
    FAILED = "failed"  # Telegram refused it (or every attempt failed); its sender was told


class RelayedMessage(SQLModel, table=True):
    """One message passed along the line, with the map of its Telegram ids on both sides."""

    __tablename__ = "relayed_message"

    id: int | None = Field(default=None, primary_key=True)
    # The client the conversation is about (the employee, on the employer's line).
    client_id: int = Field(foreign_key="person.id", ondelete="CASCADE")
    direction: RelayDirection = Field(sa_type=enum_column(32))
    # A coach's or an employer contact's messages stay in the client's history if their row goes.
    sender_id: int | None = Field(default=None, foreign_key="person.id", ondelete="SET NULL")
    recipient_id: int | None = Field(default=None, foreign_key="person.id", ondelete="SET NULL")
    # The employer on the employer's line, so a revoked consent can be checked per message.
    employer_id: int | None = Field(default=None, foreign_key="employer.id", ondelete="SET NULL")

    source_chat_id: int = Field(sa_type=BigInt)
    source_message_id: int = Field(sa_type=BigInt)
    content_kind: ContentKind = Field(default=ContentKind.TEXT, sa_type=enum_column(16))
    text: str | None = Field(default=None, sa_type=sa.Text)  # the text or the caption
    file_id: str | None = Field(default=None, max_length=255)

    recipient_chat_id: int | None = Field(default=None, sa_type=BigInt)
    header_message_id: int | None = Field(default=None, sa_type=BigInt)
    copy_message_id: int | None = Field(default=None, sa_type=BigInt)
    # The outbox rows of the header and the copy, until the sender has their Telegram ids.
    header_outbox_id: int | None = Field(
        default=None, foreign_key="outbox_message.id", ondelete="SET NULL"
    )
    copy_outbox_id: int | None = Field(
        default=None, foreign_key="outbox_message.id", ondelete="SET NULL"
    )

    status: RelayStatus = Field(default=RelayStatus.PENDING, sa_type=enum_column(16))
    delivered_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    read_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    edited_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    reply_to_id: int | None = Field(
        default=None, foreign_key="relayed_message.id", ondelete="SET NULL"
    )
    # An edit reaches the recipient as a new message marked as edited; it is its own row so a
    # reply to that message is found like any other.
    edit_of_id: int | None = Field(
        default=None, foreign_key="relayed_message.id", ondelete="SET NULL"
    )
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)

    __table_args__ = (
        sa.Index("ix_relayed_message_header", "recipient_chat_id", "header_message_id"),
        sa.Index("ix_relayed_message_copy", "recipient_chat_id", "copy_message_id"),
        # An edited message names its source chat and message id.
        sa.Index("ix_relayed_message_source", "source_chat_id", "source_message_id"),
        sa.Index("ix_relayed_message_client", "client_id", "created_at"),
        sa.Index("ix_relayed_message_recipient", "recipient_id", "status"),
    )
