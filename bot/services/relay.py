"""The line between a client and their coach: every message passed along is recorded with its
Telegram ids on both sides, so a reply to it can be traced back, an edit passed on, and the
client's history shown to them (/mydata) or erased (/forget).

A client who sends many stickers or pictures in a row reaches their coach with the first few as
they are and the rest counted in one notice (they are recorded all the same); anything with
words (text, a caption, a voice message, a document) is always passed on.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.models.messaging import ContentKind, RelayDirection, RelayedMessage, RelayStatus
from bot.models.people import Person
from bot.services import access, reachability, routing
from bot.services.errors import DomainError

MAX_TEXT = 4096
# A client writing several messages in a row gets one confirmation, and their coach one header.
QUIET_REPEAT = dt.timedelta(minutes=5)
# Stickers and pictures without words closer together than this belong to one burst; the first
# BURST_FULL of a burst are passed on as they are, the rest are counted.
BURST_GAP = dt.timedelta(minutes=1)
BURST_FULL = 3
_PICTURES = (ContentKind.PHOTO, ContentKind.VIDEO)


@dataclass(frozen=True, slots=True)
class Incoming:
    """A message someone sent the bot, as the line needs it."""

    chat_id: int
    message_id: int
    kind: ContentKind
    text: str | None = None
    file_id: str | None = None


@dataclass(frozen=True, slots=True)
class Relay:
    """A recorded message on its way, and what the sender should be told."""

    message: RelayedMessage
    recipient: Person
    reachable: bool
    # The sender wrote just before: no second confirmation, no second header.
    repeat: bool
    # One of a burst of stickers or pictures: counted in a notice instead of passed on.
    summarised: bool = False


def wordless(incoming: Incoming) -> bool:
    """A sticker, or a photo or video without a caption: nothing the person wrote in words."""
    if incoming.kind == ContentKind.STICKER:
        return True
    return incoming.kind in _PICTURES and not (incoming.text or "").strip()


def _wordless_rows() -> sa.ColumnElement[bool]:
    return sa.or_(
        col(RelayedMessage.content_kind) == ContentKind.STICKER,
        sa.and_(
            col(RelayedMessage.content_kind).in_(_PICTURES),
            sa.or_(col(RelayedMessage.text).is_(None), col(RelayedMessage.text) == ""),
        ),
    )


async def _in_burst(
    session: AsyncSession, *, client_id: int, recipient_id: int, now: dt.datetime
) -> bool:
    """Whether a wordless message now continues a burst beyond its first few: the messages of a
    burst each follow the one before within BURST_GAP, however long the burst goes on."""
    recent = (
        select(RelayedMessage.status, RelayedMessage.created_at)
        .where(
            RelayedMessage.sender_id == client_id,
            RelayedMessage.recipient_id == recipient_id,
            RelayedMessage.direction == RelayDirection.CLIENT_TO_COACH,
            col(RelayedMessage.edit_of_id).is_(None),
            _wordless_rows(),
        )
        .order_by(col(RelayedMessage.id).desc())
        .limit(BURST_FULL)
    )
    later = now
    chain = 0
    for status, created_at in (await session.exec(recent)).all():
        if later - created_at >= BURST_GAP:
            break
        if status == RelayStatus.SUMMARISED:
            # A burst being counted goes on being counted until it pauses.
            return True
        chain += 1
        later = created_at
    return chain >= BURST_FULL


def _capped(text: str | None) -> str | None:
    return text[:MAX_TEXT] if text is not None else None


async def _last_between(
    session: AsyncSession, *, sender_id: int, recipient_id: int
) -> RelayedMessage | None:
    rows = await session.exec(
        select(RelayedMessage)
        .where(
            RelayedMessage.sender_id == sender_id,
            RelayedMessage.recipient_id == recipient_id,
            col(RelayedMessage.edit_of_id).is_(None),
            RelayedMessage.status != RelayStatus.SUMMARISED,
        )
        .order_by(col(RelayedMessage.created_at).desc(), col(RelayedMessage.id).desc())
        .limit(1)
    )
    return rows.first()


async def _last_to(session: AsyncSession, *, recipient_id: int) -> RelayedMessage | None:
    rows = await session.exec(
        select(RelayedMessage)
        .where(
            RelayedMessage.recipient_id == recipient_id,
            RelayedMessage.status != RelayStatus.SUMMARISED,
        )
        .order_by(col(RelayedMessage.created_at).desc(), col(RelayedMessage.id).desc())
        .limit(1)
    )
    return rows.first()


async def _record(
    session: AsyncSession,
    *,
    client_id: int,
    direction: RelayDirection,
    sender_id: int,
    recipient: Person,
    incoming: Incoming,
    now: dt.datetime,
    reply_to_id: int | None = None,
    edit_of_id: int | None = None,
    summarised: bool = False,
) -> Relay:
    assert recipient.id is not None
    previous_from_sender = await _last_between(
        session, sender_id=sender_id, recipient_id=recipient.id
    )
    previous_to_recipient = await _last_to(session, recipient_id=recipient.id)
    # A repeat: the recipient's chat has this sender's message last, and only a moment ago.
    repeat = (
        previous_from_sender is not None
        and previous_to_recipient is not None
        and previous_from_sender.id == previous_to_recipient.id
        and previous_from_sender.created_at > now - QUIET_REPEAT
    )
    reachable = await reachability.is_reachable(session, person_id=recipient.id)
    status = RelayStatus.PENDING if reachable else RelayStatus.HELD
    message = RelayedMessage(
        client_id=client_id,
        direction=direction,
        sender_id=sender_id,
        recipient_id=recipient.id,
        source_chat_id=incoming.chat_id,
        source_message_id=incoming.message_id,
        content_kind=incoming.kind,
        text=_capped(incoming.text),
        file_id=incoming.file_id,
        recipient_chat_id=recipient.chat_id,
        status=RelayStatus.SUMMARISED if summarised else status,
        reply_to_id=reply_to_id,
        edit_of_id=edit_of_id,
        created_at=now,
    )
    session.add(message)
    await session.flush()
    return Relay(
        message=message,
        recipient=recipient,
        reachable=reachable,
        repeat=repeat or summarised,
        summarised=summarised,
    )


async def from_client(
    session: AsyncSession, *, client_id: int, incoming: Incoming, now: dt.datetime
) -> Relay | None:
    """A client's message for their coach (or, with no coach, the organisation's admins).

    None when there is nobody at all to receive it; the message is then not recorded.
    """
    recipients = await routing.responsible_for(session, person_id=client_id, now=now)
    if not recipients:
        return None
    recipient = recipients[0]
    assert recipient.id is not None
    summarised = wordless(incoming) and await _in_burst(
        session, client_id=client_id, recipient_id=recipient.id, now=now
    )
    return await _record(
        session,
        client_id=client_id,
        direction=RelayDirection.CLIENT_TO_COACH,
        sender_id=client_id,
        recipient=recipient,
        incoming=incoming,
        now=now,
        summarised=summarised,
    )


async def burst_head(
    session: AsyncSession, *, client_id: int, recipient_id: int
) -> RelayedMessage | None:
    """The first counted message of the client's newest burst to this recipient; its header is
    the notice that counts the burst."""
    rows = await session.exec(
        select(RelayedMessage)
        .where(
            RelayedMessage.sender_id == client_id,
            RelayedMessage.recipient_id == recipient_id,
            RelayedMessage.status == RelayStatus.SUMMARISED,
            col(RelayedMessage.header_outbox_id).is_not(None),
        )
        .order_by(col(RelayedMessage.id).desc())
        .limit(1)
    )
    return rows.first()


async def counted_since(session: AsyncSession, *, head: RelayedMessage) -> int:
    """How many messages of the burst that `head` begins were counted instead of passed on."""
    assert head.id is not None
    found = await session.exec(
        select(sa.func.count())
        .select_from(RelayedMessage)
        .where(
            RelayedMessage.sender_id == head.sender_id,
            RelayedMessage.recipient_id == head.recipient_id,
            RelayedMessage.status == RelayStatus.SUMMARISED,
            col(RelayedMessage.id) >= head.id,
        )
    )
    return int(found.one())


async def from_coach(
    session: AsyncSession,
    *,
    coach_id: int,
    client_id: int,
    incoming: Incoming,
    now: dt.datetime,
    reply_to_id: int | None = None,
) -> Relay:
    """A coach's message for a client they answer for (a former client too: the door)."""
    await access.require_answer(session, coach_id=coach_id, client_id=client_id, now=now)
    client = await session.get(Person, client_id)
    if client is None:
        raise DomainError("client gone")
    relay = await _record(
        session,
        client_id=client_id,
        direction=RelayDirection.COACH_TO_CLIENT,
        sender_id=coach_id,
        recipient=client,
        incoming=incoming,
        now=now,
        reply_to_id=reply_to_id,
    )
    await mark_read(session, coach_id=coach_id, client_id=client_id, now=now)
    return relay


async def replied_to(
    session: AsyncSession, *, chat_id: int, message_id: int
) -> RelayedMessage | None:
    """The relayed message whose header or copy in this chat is `message_id`."""
    rows = await session.exec(
        select(RelayedMessage).where(
            RelayedMessage.recipient_chat_id == chat_id,
            sa.or_(
                col(RelayedMessage.header_message_id) == message_id,
                col(RelayedMessage.copy_message_id) == message_id,
            ),
        )
    )
    return rows.first()


async def edited(
    session: AsyncSession, *, sender_id: int, incoming: Incoming, now: dt.datetime
) -> Relay | None:
    """A sender edited a message that was passed on: pass the new text on, marked as edited."""
    rows = await session.exec(
        select(RelayedMessage)
        .where(
            RelayedMessage.source_chat_id == incoming.chat_id,
            RelayedMessage.source_message_id == incoming.message_id,
            RelayedMessage.sender_id == sender_id,
        )
        .order_by(col(RelayedMessage.id))
    )
    original = rows.first()
    if original is None or original.recipient_id is None:
        return None
    recipient = await session.get(Person, original.recipient_id)
    if original.direction == RelayDirection.COACH_TO_CLIENT:
        if not await access.can_answer_client(
            session, coach_id=sender_id, client_id=original.client_id, now=now
        ):
            return None
    elif recipient is None or not await access.can_read_message(
        session, viewer_id=original.recipient_id, message=original, now=now
    ):
        # The coach who got the original no longer has the client: the edit goes to whoever
        # answers for the client now.
        current = await routing.responsible_for(session, person_id=original.client_id, now=now)
        recipient = current[0] if current else None
    if recipient is None:
        return None
    original.edited_at = now
    return await _record(
        session,
        client_id=original.client_id,
        direction=original.direction,
        sender_id=sender_id,
        recipient=recipient,
        incoming=incoming,
        now=now,
        edit_of_id=original.id,
    )


async def mark_read(
    session: AsyncSession, *, coach_id: int, client_id: int | None, now: dt.datetime
) -> None:
    """The coach has seen the client's messages (all clients' when client_id is None)."""
    stmt = sa.update(RelayedMessage).where(
        col(RelayedMessage.recipient_id) == coach_id,
        col(RelayedMessage.direction) == RelayDirection.CLIENT_TO_COACH,
        col(RelayedMessage.read_at).is_(None),
    )
    if client_id is not None:
        stmt = stmt.where(col(RelayedMessage.client_id) == client_id)
    await session.exec(stmt.values(read_at=now))


async def inbox(
    session: AsyncSession, *, coach_id: int, now: dt.datetime, limit: int = 10
) -> list[RelayedMessage]:
    """The newest messages to this coach that they may still read (access.can_read_message):
    of the clients on their desk, and a former client's new messages by the door."""
    found: list[RelayedMessage] = []
    offset, batch = 0, max(limit * 5, 50)
    views = await access.views(session, coach_id=coach_id, now=now)
    doors: dict[int, dt.datetime | None] = {}
    while len(found) < limit:
        rows = (
            await session.exec(
                select(RelayedMessage)
                .where(
                    RelayedMessage.recipient_id == coach_id,
                    RelayedMessage.direction == RelayDirection.CLIENT_TO_COACH,
                    # A burst's counted stickers and pictures are in its notice, not one by one.
                    RelayedMessage.status != RelayStatus.SUMMARISED,
                )
                .order_by(col(RelayedMessage.created_at).desc(), col(RelayedMessage.id).desc())
                .offset(offset)
                .limit(batch)
            )
        ).all()
        for message in rows:
            view = views.get(message.client_id)
            if view is not None and access.holds_message(view, message):
                found.append(message)
                continue
            if message.client_id not in doors:
                doors[message.client_id] = await access.door_opened(
                    session, coach_id=coach_id, client_id=message.client_id, now=now
                )
            opened = doors[message.client_id]
            if opened is not None and message.created_at >= opened:
                found.append(message)
        if len(rows) < batch:
            break
        offset += batch
    return found[:limit]


async def recent_clients(
    session: AsyncSession, *, coach_id: int, now: dt.datetime, limit: int = 5
) -> list[int]:
    """The clients this coach answers for, most recently in touch first."""
    visible = await access.visible_client_ids(session, coach_id=coach_id, now=now)
    actable = [
        c
        for c in visible
        if await access.can_act_for_client(session, coach_id=coach_id, client_id=c, now=now)
    ]
    if not actable:
        return []
    last = (
        select(RelayedMessage.client_id, sa.func.max(RelayedMessage.created_at).label("last"))
        .where(col(RelayedMessage.client_id).in_(actable))
        .group_by(col(RelayedMessage.client_id))
    )
    latest = {client_id: when for client_id, when in (await session.exec(last)).all()}
    never = dt.datetime.min.replace(tzinfo=dt.UTC)
    ordered = sorted(actable, key=lambda c: (latest.get(c) or never, -c), reverse=True)
    return ordered[:limit]


async def on_sent(
    session: AsyncSession,
    *,
    relayed_id: int,
    part: str,
    telegram_message_id: int | None,
    now: dt.datetime,
) -> RelayedMessage | None:
    """The sender delivered a header or a copy: keep its id; returns the message if it had been
    held (its sender may be told it arrived now)."""
    message = await session.get(RelayedMessage, relayed_id)
    if message is None:
        return None
    if part == "header":
        message.header_message_id = telegram_message_id
        return None
    message.copy_message_id = telegram_message_id
    was_held = message.status == RelayStatus.HELD
    message.status = RelayStatus.DELIVERED
    message.delivered_at = now
    return message if was_held else None


async def on_held(session: AsyncSession, *, relayed_id: int) -> None:
    message = await session.get(RelayedMessage, relayed_id)
    if message is not None and message.status != RelayStatus.DELIVERED:
        message.status = RelayStatus.HELD
