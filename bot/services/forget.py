"""A client erasing their own data (/forget): who may, whom to tell, and what goes.

`erasure.erase_person` removes the person's row, and the foreign keys take everything that is
theirs (check-ins, messages, goals, notes, consents, placements, flags, names given to them ...).
Before that, this module
- notes which coaches to tell, each with the name they gave the client (the message is theirs
  to read, in their language, and holds no content);
- takes back what the outbox holds of the client's words for someone else: a message still
  waiting for an unreachable coach is not delivered after the erasure, and a sent one's payload
  is not kept;
- blanks the coaches' handled updates in the transport inbox that quote the client (a reply to
  their message, the Reply button under it) or that were a coach's message to them (and
  `erasure` then empties every handled update in the chats of those who may have seen the
  client's data); the inbox forgets handled updates after a while anyway, this makes it happen
  now;
- ends a coach's half-written answer to the client, and forgets the name a coach wrote on the
  invite the client used, and the counter of their wrong invite links.
What stays is the audit record that an erasure happened, when and at whose request, no content.

An employer's contact person erases what is theirs (`forget_employer_contact`): their person row,
their links to employers and employees, the words of the questions they asked (the row stays in
the client's record as "the employer asked", without the words or the asker), their proposals
of meetings not yet agreed, and the outbox and transport rows that carry their words. What is the
client's stays: agreed meetings, the coach's answers, the follow-up answers (without the asker),
and what was disclosed under the client's consent.
"""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.models.flows import FlowState
from bot.models.invites import Invite, InviteAttempt
from bot.models.messaging import RelayDirection, RelayedMessage
from bot.models.people import Person, Role
from bot.models.placements import (
    Employer,
    EmployerContact,
    Meeting,
    MeetingStatus,
    Placement,
    PlacementContact,
)
from bot.models.transport import InboxStatus, InboxUpdate, OutboxMessage, OutboxStatus
from bot.services import access, erasure, export, people, routing
from bot.text.html_text import escape

REASON = "request"


class Eligibility(enum.StrEnum):
    """Whether a person can erase themselves with /forget."""

    CLIENT = "client"
    # A coach's or admin's account belongs to their organisation's records of who coached whom:
    # the organisation closes it, not /forget.
    STAFF = "staff"
    # An employer's contact person: their own data goes, the clients' stays.
    EMPLOYER = "employer"
    NOBODY = "nobody"  # never a client nor a contact: nothing of theirs to erase


@dataclass(frozen=True, slots=True)
class CoachToTell:
    """A coach who hears that their client erased their data."""

    coach_id: int
    chat_id: int
    locale: str
    client_name: str | None


@dataclass(frozen=True, slots=True)
class Forgotten:
    """What the handler needs after the erasure: whom to tell, and the person's chat."""

    coaches: list[CoachToTell]
    chat_id: int | None
    had_chat_menu: bool


async def eligibility(session: AsyncSession, *, person_id: int, now: dt.datetime) -> Eligibility:
    """May this person erase themselves?"""
    roles = await people.roles_of(session, person_id=person_id, now=now)
    if Role.COACH in roles or Role.ADMIN in roles:
        return Eligibility.STAFF
    if await export.is_client_ever(session, person_id=person_id):
        return Eligibility.CLIENT
    if await export.is_employer_contact_ever(session, person_id=person_id):
        return Eligibility.EMPLOYER
    return Eligibility.NOBODY


async def coaches_to_tell(
    session: AsyncSession, *, client_id: int, now: dt.datetime
) -> list[CoachToTell]:
    """The coaches who may read the client now, and whoever answers a former client by the
    door, each with the name they know the client by."""
    told = []
    coach_ids = await access.readers_of_client(session, client_id=client_id, now=now)
    answerer = await routing.current_coach(session, client_id=client_id, now=now)
    if answerer is not None and answerer.id is not None and answerer.id not in coach_ids:
        coach_ids.append(answerer.id)
    for coach_id in coach_ids:
        coach = await session.get(Person, coach_id)
        if coach is None or coach.chat_id is None:
            continue
        name = await people.name_as_seen_by(session, viewer_id=coach_id, person_id=client_id)
        told.append(
            CoachToTell(
                coach_id=coach_id, chat_id=coach.chat_id, locale=coach.locale, client_name=name
            )
        )
    return told


async def _take_back_outbox(session: AsyncSession, *, client_id: int) -> None:
    """The outbox rows that carry the client's messages to someone else."""
    rows = await session.exec(
        select(RelayedMessage.header_outbox_id, RelayedMessage.copy_outbox_id).where(
            RelayedMessage.client_id == client_id
        )
    )
    ids = sorted({i for pair in rows.all() for i in pair if i is not None})
    if not ids:
        return
    # A row being sent right now stays for its sender to settle, without its content.
    await session.exec(
        sa.update(OutboxMessage)
        .where(col(OutboxMessage.id).in_(ids), col(OutboxMessage.status) == OutboxStatus.SENDING)
        .values(payload={})
    )
    await session.exec(
        sa.delete(OutboxMessage).where(
            col(OutboxMessage.id).in_(ids), col(OutboxMessage.status) != OutboxStatus.SENDING
        )
    )


def _message_ids(payload: dict[str, Any]) -> tuple[int | None, int | None]:
    """The update's own message id and the id of the message it answers (reply or button)."""
    query = payload.get("callback_query")
    if isinstance(query, dict):
        pressed = query.get("message")
        return None, pressed.get("message_id") if isinstance(pressed, dict) else None
    message = payload.get("message") or payload.get("edited_message")
    if not isinstance(message, dict):
        return None, None
    replied = message.get("reply_to_message")
    return message.get("message_id"), (
        replied.get("message_id") if isinstance(replied, dict) else None
    )


async def _blank_transport(session: AsyncSession, *, client_id: int) -> None:
    """Handled updates in coaches' chats that quote the client or were written to them."""
    rows = await session.exec(select(RelayedMessage).where(RelayedMessage.client_id == client_id))
    quoted: dict[int, set[int]] = {}  # chat -> messages of the client's shown there
    written: dict[int, set[int]] = {}  # chat -> a coach's messages to the client
    for m in rows.all():
        if m.direction == RelayDirection.COACH_TO_CLIENT:
            written.setdefault(m.source_chat_id, set()).add(m.source_message_id)
        elif m.recipient_chat_id is not None:
            shown = {i for i in (m.header_message_id, m.copy_message_id) if i is not None}
            quoted.setdefault(m.recipient_chat_id, set()).update(shown)
    chats = sorted(set(quoted) | set(written))
    if not chats:
        return
    updates = await session.exec(
        select(InboxUpdate).where(
            col(InboxUpdate.chat_id).in_(chats), InboxUpdate.status != InboxStatus.RECEIVED
        )
    )
    for update in updates.all():
        chat_id = update.chat_id or 0
        own, answered = _message_ids(update.payload)
        if own in written.get(chat_id, set()) or answered in quoted.get(chat_id, set()):
            update.payload = {"update_id": update.update_id, "erased": True}


async def _end_coach_flows(session: AsyncSession, *, coach_ids: list[int], client_id: int) -> None:
    """A coach in the middle of writing to the client (after Reply) starts over."""
    for coach_id in coach_ids:
        row = await session.get(FlowState, coach_id)
        if row is not None and str(row.data.get("client_id")) == str(client_id):
            await session.delete(row)


async def forget_person(
    session: AsyncSession, *, person_id: int, now: dt.datetime
) -> Forgotten | None:
    """Erase a client at their own request; None if there was nobody (already erased)."""
    person = await session.get(Person, person_id)
    if person is None:
        return None
    told = await coaches_to_tell(session, client_id=person_id, now=now)
    chat_id, had_menu = person.chat_id, person.command_menu is not None
    await _take_back_outbox(session, client_id=person_id)
    await _blank_transport(session, client_id=person_id)
    await _end_coach_flows(session, coach_ids=[c.coach_id for c in told], client_id=person_id)
    await session.exec(
        sa.update(Invite).where(col(Invite.used_by_id) == person_id).values(client_name=None)
    )
    if person.telegram_user_id is not None:
        await session.exec(
            sa.delete(InviteAttempt).where(
                col(InviteAttempt.telegram_user_id) == person.telegram_user_id
            )
        )
    await erasure.erase_person(session, person_id=person_id, now=now, reason=REASON)
    return Forgotten(coaches=told, chat_id=chat_id, had_chat_menu=had_menu)


@dataclass(frozen=True, slots=True)
class CoachOfContact:
    """A coach who hears that an employer's contact person erased their data."""

    coach_id: int
    chat_id: int
    locale: str


@dataclass(frozen=True, slots=True)
class ForgottenContact:
    """After an employer contact's erasure: whom to tell, what to call them, and their chat."""

    coaches: list[CoachOfContact]
    contact_name: str | None
    employers: list[str]
    chat_id: int | None
    had_chat_menu: bool


# Outbox rows that will never be sent again: their payload is only a record.
_SETTLED = (OutboxStatus.SENT, OutboxStatus.FAILED, OutboxStatus.CANCELLED)
# Notices to a coach about an employer contact's proposal; unsent, they go with the proposal.
_ABOUT_THEIR_PROPOSAL = frozenset({"employer-request", "meeting-proposal"})


async def _drop_outbox(session: AsyncSession, *, ids: list[int]) -> None:
    """Delete unsent outbox rows; one being sent right now stays for its sender, emptied."""
    if not ids:
        return
    await session.exec(
        sa.update(OutboxMessage)
        .where(col(OutboxMessage.id).in_(ids), col(OutboxMessage.status) == OutboxStatus.SENDING)
        .values(payload={})
    )
    await session.exec(
        sa.delete(OutboxMessage).where(
            col(OutboxMessage.id).in_(ids), col(OutboxMessage.status) != OutboxStatus.SENDING
        )
    )


def _holds(value: Any, words: set[str]) -> bool:
    """Does any text anywhere in an update's payload contain one of the words?"""
    if isinstance(value, str):
        return any(w in value for w in words)
    if isinstance(value, dict):
        return any(_holds(v, words) for v in value.values())
    if isinstance(value, list):
        return any(_holds(v, words) for v in value)
    return False


async def forget_employer_contact(
    session: AsyncSession, *, person_id: int, now: dt.datetime
) -> ForgottenContact | None:
    """Erase an employer's contact person at their own request; None if already erased."""
    person = await session.get(Person, person_id)
    if person is None:
        return None
    contacts = (
        await session.exec(select(EmployerContact).where(EmployerContact.person_id == person_id))
    ).all()
    contact_ids = [c.id for c in contacts if c.id is not None]
    employer_names = sorted(
        {
            e.name
            for e in (
                await session.exec(
                    select(Employer).where(
                        col(Employer.id).in_(sorted({c.employer_id for c in contacts}))
                    )
                )
            ).all()
        }
    )
    # The coaches who answer now for the employees the contact was linked to, and those who got
    # their questions.
    client_ids = set(
        (
            await session.exec(
                select(Placement.client_id)
                .join(PlacementContact, col(PlacementContact.placement_id) == col(Placement.id))
                .where(col(PlacementContact.contact_id).in_(contact_ids))
            )
        ).all()
    )
    questions = (
        await session.exec(
            select(RelayedMessage).where(
                RelayedMessage.sender_id == person_id,
                RelayedMessage.direction == RelayDirection.EMPLOYER_TO_COACH,
            )
        )
    ).all()
    coach_ids = {q.recipient_id for q in questions if q.recipient_id is not None}
    for client_id in sorted(client_ids | {q.client_id for q in questions}):
        coach = await routing.current_coach(session, client_id=client_id, now=now)
        if coach is not None and coach.id is not None:
            coach_ids.add(coach.id)
    told = []
    for coach_id in sorted(coach_ids):
        coach = await session.get(Person, coach_id)
        if coach is not None and coach.chat_id is not None:
            told.append(
                CoachOfContact(coach_id=coach_id, chat_id=coach.chat_id, locale=coach.locale)
            )
    chat_id, had_menu, name = person.chat_id, person.command_menu is not None, person.display_name

    # Their words and their name: out of the outbox rows that carry them (their question to a
    # coach is taken back; what was delivered keeps no words) and out of the coaches' handled
    # updates that quote them (a Reply or Done pressed under their question or proposal).
    words = {q.text for q in questions if q.text}
    if name and len(name.strip()) >= 2:
        words.add(name.strip())
    forms = words | {escape(w) for w in words}
    outbox_ids = sorted({q.header_outbox_id for q in questions if q.header_outbox_id is not None})
    await _drop_outbox(session, ids=outbox_ids)
    chats = sorted(
        {c.chat_id for c in told} | {q.recipient_chat_id for q in questions if q.recipient_chat_id}
    )
    if forms and chats:
        rows = await session.exec(
            select(OutboxMessage).where(col(OutboxMessage.chat_id).in_(chats))
        )
        unsent = []
        for message in rows.all():
            if not _holds(message.payload, forms):
                continue
            if message.status in _SETTLED:
                message.payload = {}
            elif message.purpose in _ABOUT_THEIR_PROPOSAL and message.id is not None:
                unsent.append(message.id)
        await _drop_outbox(session, ids=unsent)
        updates = await session.exec(
            select(InboxUpdate).where(
                col(InboxUpdate.chat_id).in_(chats), InboxUpdate.status != InboxStatus.RECEIVED
            )
        )
        for update in updates.all():
            if _holds(update.payload, forms):
                update.payload = {"update_id": update.update_id, "erased": True}
    if chat_id is not None:
        # Nothing more goes to their chat but the goodbye.
        waiting = await session.exec(
            select(OutboxMessage.id).where(
                OutboxMessage.chat_id == chat_id,
                col(OutboxMessage.status).in_([OutboxStatus.PENDING, OutboxStatus.HELD]),
            )
        )
        await _drop_outbox(session, ids=[i for i in waiting.all() if i is not None])
    question_ids = [q.id for q in questions if q.id is not None]
    if question_ids:
        await session.exec(
            sa.update(RelayedMessage)
            .where(col(RelayedMessage.id).in_(question_ids))
            .values(text=None, file_id=None, header_outbox_id=None, copy_outbox_id=None)
        )
        # A coach halfway through an answer to them starts over.
        for coach_id in sorted(coach_ids):
            row = await session.get(FlowState, coach_id)
            if row is not None and str(row.data.get("question_id")) in {
                str(i) for i in question_ids
            }:
                await session.delete(row)
    # A meeting they proposed and nobody agreed to yet was only theirs; agreed ones stay.
    await session.exec(
        sa.update(Meeting)
        .where(
            col(Meeting.proposed_by_id) == person_id, col(Meeting.status) == MeetingStatus.PROPOSED
        )
        .values(status=MeetingStatus.CANCELLED)
    )
    if person.telegram_user_id is not None:
        await session.exec(
            sa.delete(InviteAttempt).where(
                col(InviteAttempt.telegram_user_id) == person.telegram_user_id
            )
        )
    # The person row goes, and with it (by the foreign keys) their employer links, their links
    # to employees, their flows and what waits in the outbox for them; rows that are the
    # clients' lose only the pointer to them.
    await erasure.erase_person(session, person_id=person_id, now=now, reason=REASON)
    return ForgottenContact(
        coaches=told,
        contact_name=name,
        employers=employer_names,
        chat_id=chat_id,
        had_chat_menu=had_menu,
    )
