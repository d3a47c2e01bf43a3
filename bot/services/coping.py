"""Coping at work after a placement: the coach is offered to raise the plan's emphasis on coping at
work, and confirms it with the client like any change of emphasis.

Nothing changes by itself or by a date: a recorded placement only proposes (the offer and the
client's notice are bot/messages/coping_notices.py). The coach agrees on it
with the client and presses the button (a new emphasis row with its reason, agreed with the
client), or leaves the plan as it is. Emphasis moved back later is as normal as any other change.
"""

from __future__ import annotations

import datetime as dt
import logging

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.models.coaching import Coaching, CoachingStatus, GoalArea, PlanEmphasis
from bot.models.placements import Placement
from bot.services import access, plan
from bot.text.i18n import N_

_LOGGER = logging.getLogger(__name__)

AREA = GoalArea.COPING_AT_WORK
PROPOSED_LEVEL = 2  # moderate
REASON = N_("Started work: support for coping at work")


async def current_placement(session: AsyncSession, *, client_id: int) -> Placement | None:
    return (
        await session.exec(
            select(Placement)
            .where(Placement.client_id == client_id, col(Placement.is_current).is_(True))
            .order_by(col(Placement.id).desc())
        )
    ).first()


async def has_open_coaching(session: AsyncSession, *, client_id: int) -> bool:
    found = (
        await session.exec(
            select(Coaching.id).where(
                Coaching.client_id == client_id,
                col(Coaching.status).in_([CoachingStatus.ACTIVE, CoachingStatus.ONBOARDING]),
            )
        )
    ).first()
    return found is not None


async def needs_raising(session: AsyncSession, *, client_id: int) -> bool:
    """Is coping at work below moderate in the client's plan?"""
    levels = await plan.levels_of(session, client_id=client_id)
    return levels.get(AREA.value, 0) < PROPOSED_LEVEL


async def raise_emphasis(
    session: AsyncSession, *, coach_id: int, client_id: int, now: dt.datetime
) -> PlanEmphasis | None:
    """The coach confirms, agreed with the client: coping at work to moderate, with the reason.
    None when it is already there (nothing to change)."""
    await access.require_act(session, coach_id=coach_id, client_id=client_id, now=now)
    if not await needs_raising(session, client_id=client_id):
        return None
    return await plan.set_emphasis(
        session,
        coach_id=coach_id,
        client_id=client_id,
        area=AREA,
        level=PROPOSED_LEVEL,
        reason=REASON,
        now=now,
        agreed_with_client=True,
    )
