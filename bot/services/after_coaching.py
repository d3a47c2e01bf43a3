"""The door stays open: a client can write to the bot after their coaching has closed and the
follow-up has ended, and their message reaches someone.

Routing (services/routing.py) sends it to the last coach of the closed coaching, or to an admin
of its organisation when that coach has left. This module decides what goes with it: the client is
told who answers them the first time they write after the follow-up (or after closing, when the
message goes to an admin), and again whenever who answers changes; and the team chat gets an
alert without content when an admin answers in place of a coach who left. Nothing goes to an
employer.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.models.coaching import CoachAssignment, Coaching, CoachingStatus
from bot.models.messaging import RelayDirection, RelayedMessage
from bot.models.people import Organisation, Person
from bot.services import outbox, people
from bot.services.assignments import OPEN
from bot.services.relay import Relay
from bot.text.i18n import _, use_locale

_LOGGER = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class WhoAnswers:
    """What the client should hear about who answers them now."""

    name: str  # the first name of whoever answers
    organisation: str
    via_admin: bool  # an admin answers: the last coach has left the organisation
    changed: bool  # someone else answered the client's last message after closing


async def closed_coaching(session: AsyncSession, *, client_id: int) -> Coaching | None:
    """The client's latest coaching when it is closed and no other is open."""
    coachings = (
        await session.exec(
            select(Coaching)
            .where(Coaching.client_id == client_id)
            .order_by(col(Coaching.id).desc())
        )
    ).all()
    if not coachings or any(c.status in OPEN for c in coachings):
        return None
    latest = coachings[0]
    return latest if latest.status == CoachingStatus.CLOSED and latest.closed_at else None


def follow_up_over(coaching: Coaching, now: dt.datetime) -> bool:
    """Closed, and the follow-up has ended (or there was none)."""
    return coaching.follow_up_until is None or coaching.follow_up_until <= now


async def _coached(session: AsyncSession, *, coaching: Coaching, person_id: int) -> bool:
    found = await session.exec(
        select(CoachAssignment.id).where(
            CoachAssignment.coaching_id == coaching.id, CoachAssignment.coach_id == person_id
        )
    )
    return found.first() is not None


async def _previous(
    session: AsyncSession, *, client_id: int, before: RelayedMessage, since: dt.datetime
) -> RelayedMessage | None:
    """The client's message before this one, sent since `since`."""
    return (
        await session.exec(
            select(RelayedMessage)
            .where(
                RelayedMessage.client_id == client_id,
                RelayedMessage.direction == RelayDirection.CLIENT_TO_COACH,
                col(RelayedMessage.edit_of_id).is_(None),
                col(RelayedMessage.id) != before.id,
                col(RelayedMessage.created_at) >= since,
            )
            .order_by(col(RelayedMessage.created_at).desc(), col(RelayedMessage.id).desc())
        )
    ).first()


async def after_client_message(
    session: AsyncSession, *, client_id: int, passed: Relay, now: dt.datetime
) -> WhoAnswers | None:
    """After a former client's message was passed on: alert the team chat when an admin got it
    in place of a coach who left, and say whether the client should hear who answers them.

    None while the coaching is open (or when there is nothing to tell)."""
    coaching = await closed_coaching(session, client_id=client_id)
    recipient = passed.recipient
    if coaching is None or coaching.closed_at is None or recipient.id is None:
        return None
    via_admin = not await _coached(session, coaching=coaching, person_id=recipient.id)
    organisation = await session.get(Organisation, coaching.organisation_id)
    if via_admin and not passed.repeat:
        await _alert_team(session, organisation=organisation, admin=recipient, now=now)
    previous = await _previous(
        session, client_id=client_id, before=passed.message, since=coaching.closed_at
    )
    changed = previous is not None and previous.recipient_id != recipient.id
    door_opened = max(coaching.closed_at, coaching.follow_up_until or coaching.closed_at)
    first_after_follow_up = follow_up_over(coaching, now) and (
        previous is None or previous.created_at < door_opened
    )
    first_to_admin = via_admin and previous is None
    if not (changed or first_after_follow_up or first_to_admin):
        return None
    return WhoAnswers(
        name=people.first_name(recipient.display_name) or "?",
        organisation=organisation.name if organisation else "",
        via_admin=via_admin,
        changed=changed,
    )


async def _alert_team(
    session: AsyncSession,
    *,
    organisation: Organisation | None,
    admin: Person,
    now: dt.datetime,
) -> None:
    """An alert without content: a former client wrote, and which admin has the message."""
    if organisation is None or organisation.team_chat_id is None:
        return
    with use_locale(organisation.locale):
        text = _(
            "📨 A former client wrote to the bot. Their coach no longer works here, so the "
            "message went to {admin}."
        ).format(admin=people.first_name(admin.display_name) or "?")
    await outbox.enqueue(
        session,
        chat_id=organisation.team_chat_id,
        method="sendMessage",
        payload={"text": text},
        now=now,
        purpose="former-client-team",
    )
    _LOGGER.info("team chat of organisation %s alerted of a former client", organisation.id)
