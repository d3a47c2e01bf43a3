"""Daily limits per person on what lands in other people's chats or opens the door to new people:
an employer contact's questions (/ask) and meeting proposals (/meeting), a coach's invite links
(/invite). Counted over the last 24 hours from the rows those actions write, so the limit holds
across restarts and processes and needs no counter of its own.
"""

from __future__ import annotations

import datetime as dt
import enum

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.models.invites import Invite, InviteKind
from bot.models.messaging import RelayDirection, RelayedMessage
from bot.models.placements import Meeting

DAY = dt.timedelta(days=1)


class Quota(enum.StrEnum):
    ASK = "ask"
    MEETING = "meeting"
    INVITE = "invite"


async def _times(
    session: AsyncSession, *, quota: Quota, person_id: int, since: dt.datetime
) -> list[dt.datetime]:
    """When the person used this quota since `since`, oldest first."""
    if quota == Quota.ASK:
        stmt = select(RelayedMessage.created_at).where(
            RelayedMessage.sender_id == person_id,
            RelayedMessage.direction == RelayDirection.EMPLOYER_TO_COACH,
            col(RelayedMessage.created_at) > since,
        )
    elif quota == Quota.MEETING:
        stmt = select(Meeting.created_at).where(
            Meeting.proposed_by_id == person_id, col(Meeting.created_at) > since
        )
    else:
        stmt = select(Invite.created_at).where(
            Invite.created_by_id == person_id,
            Invite.kind == InviteKind.CLIENT,
            col(Invite.created_at) > since,
        )
    rows = await session.exec(stmt)
    return sorted(rows.all())


async def next_allowed(
    session: AsyncSession, *, quota: Quota, person_id: int, per_day: int, now: dt.datetime
) -> dt.datetime | None:
    """None while the person may act now; else the moment they may again (when the oldest use of
    the last 24 hours is a day old)."""
    used = await _times(session, quota=quota, person_id=person_id, since=now - DAY)
    if len(used) < per_day:
        return None
    return used[len(used) - per_day] + DAY
