"""The employer's line to the coach: a question or a request for guidance, and the answer.

An employer contact asks about one employee they may act on (bot/services/access.py); the words
reach the coach who answers for the client as an employer-request flag, and the coach's answer
goes back to the contact. The client never sees this line, and it carries nothing of theirs.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.models.consent import DisclosedItem
from bot.models.flags import Flag, FlagKind, FlagStatus
from bot.models.messaging import RelayDirection, RelayedMessage, RelayStatus
from bot.models.people import Person
from bot.models.placements import Placement
from bot.services import access, consents, flags, routing
from bot.services.errors import DomainError

# As long as a Telegram message can be: a question or an answer is passed on whole.
MAX_TEXT = 4096


class EmptyQuestion(DomainError):
    pass


@dataclass(frozen=True, slots=True)
class Asked:
    message: RelayedMessage
    coach: Person
    flag: Flag | None


async def ask(
    session: AsyncSession,
    *,
    contact_person_id: int,
    placement_id: int,
    text: str,
    chat_id: int,
    message_id: int,
    now: dt.datetime,
) -> Asked | None:
    """Pass an employer's question on to the client's coach; None when nobody answers for them."""
    await access.require_employer_act(
        session, contact_person_id=contact_person_id, placement_id=placement_id, now=now
    )
    words = text.strip()
    if not words:
        raise EmptyQuestion("an empty question")
    placement = await session.get(Placement, placement_id)
    assert placement is not None
    coach = await routing.current_coach(session, client_id=placement.client_id, now=now)
    if coach is None or coach.id is None:
        return None
    message = RelayedMessage(
        client_id=placement.client_id,
        direction=RelayDirection.EMPLOYER_TO_COACH,
        sender_id=contact_person_id,
        recipient_id=coach.id,
        employer_id=placement.employer_id,
        source_chat_id=chat_id,
        source_message_id=message_id,
        text=words[:MAX_TEXT],
        recipient_chat_id=coach.chat_id,
        status=RelayStatus.DELIVERED,
        created_at=now,
    )
    session.add(message)
    await session.flush()
    assert message.id is not None
    flag = await flags.raise_flag(
        session,
        client_id=placement.client_id,
        kind=FlagKind.EMPLOYER_REQUEST,
        now=now,
        source=("relayed_message", message.id),
        details={"placement_id": placement_id},
    )
    if flag is not None:
        # The notice with the employer's words goes now (bot/employer_notices.py), not the
        # usual flag notice with the client's check-ins.
        flag.notify_at = None
        flag.notified_at = now
    return Asked(message, coach, flag)


@dataclass(frozen=True, slots=True)
class Answer:
    message: RelayedMessage
    contact: Person
    question: RelayedMessage


async def question_for_coach(
    session: AsyncSession, *, coach_id: int, message_id: int, now: dt.datetime
) -> RelayedMessage:
    """An employer's question this coach may answer now."""
    question = await session.get(RelayedMessage, message_id)
    if (
        question is None
        or question.direction != RelayDirection.EMPLOYER_TO_COACH
        or question.recipient_id != coach_id
        or question.sender_id is None
    ):
        raise access.AccessDenied(f"coach {coach_id} may not answer message {message_id}")
    await access.require_act(session, coach_id=coach_id, client_id=question.client_id, now=now)
    return question


class LinkEnded(DomainError):
    """The employer may no longer hear about the client (consent revoked, contact unlinked)."""


async def answer(
    session: AsyncSession,
    *,
    coach_id: int,
    question_id: int,
    text: str,
    chat_id: int,
    message_id: int,
    now: dt.datetime,
) -> Answer:
    """The coach's answer to an employer's question, for the contact who asked."""
    question = await question_for_coach(session, coach_id=coach_id, message_id=question_id, now=now)
    assert question.sender_id is not None
    placement_id = await access.employer_placement_for(
        session, contact_person_id=question.sender_id, client_id=question.client_id, now=now
    )
    if placement_id is None:
        raise LinkEnded(f"contact {question.sender_id} no longer hears about {question.client_id}")
    words = text.strip()
    if not words:
        raise EmptyQuestion("an empty answer")
    contact = await session.get(Person, question.sender_id)
    assert contact is not None
    message = RelayedMessage(
        client_id=question.client_id,
        direction=RelayDirection.COACH_TO_EMPLOYER,
        sender_id=coach_id,
        recipient_id=contact.id,
        employer_id=question.employer_id,
        source_chat_id=chat_id,
        source_message_id=message_id,
        text=words[:MAX_TEXT],
        recipient_chat_id=contact.chat_id,
        status=RelayStatus.DELIVERED,
        reply_to_id=question.id,
        created_at=now,
    )
    session.add(message)
    await session.flush()
    if question.employer_id is not None:
        await consents.disclose(
            session,
            client_id=question.client_id,
            employer_id=question.employer_id,
            recipient_id=contact.id,
            what=DisclosedItem.OTHER,
            now=now,
            details={"relayed_message_id": message.id},
        )
    # The request is answered: its flag is done.
    open_flags = await session.exec(
        select(Flag.id).where(
            Flag.client_id == question.client_id,
            Flag.kind == FlagKind.EMPLOYER_REQUEST,
            col(Flag.status) != FlagStatus.DONE,
        )
    )
    for flag_id in open_flags.all():
        if flag_id is not None:
            await flags.handle(session, flag_id=flag_id, person_id=coach_id, action="done", now=now)
    return Answer(message, contact, question)
