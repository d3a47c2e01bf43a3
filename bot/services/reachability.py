"""Whether the bot can write to a person: blocked the bot, never started it, or reachable."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.models.people import Reachability, ReachabilityState
from bot.models.transport import OutboxMessage, OutboxStatus
from bot.services import outbox
from bot.services.sql import insert_ignoring_conflicts, table_of


def state_from_error(description: str) -> ReachabilityState:
    """Telegram's 403 wording tells a block from a chat that was never opened."""
    text = description.lower()
    if "initiate" in text or "chat not found" in text:
        return ReachabilityState.NEVER_STARTED
    return ReachabilityState.BLOCKED


async def mark_unreachable(
    session: AsyncSession,
    *,
    person_id: int,
    state: ReachabilityState,
    error: str,
    now: dt.datetime,
) -> bool:
    """Record that the person cannot be reached and hold what waits for them.

    Returns True when whoever is responsible should be told: the first time since the person was
    last reachable (told once, not for every message).
    """
    # The sender (a 403) and the membership handler (a block) may get here at the same time:
    # make sure the row exists, then lock it, so exactly one of them reports.
    await insert_ignoring_conflicts(
        session,
        table_of(Reachability),
        [{"person_id": person_id, "state": ReachabilityState.REACHABLE, "since": now}],
    )
    row = (
        await session.exec(
            select(Reachability)
            .where(Reachability.person_id == person_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
    ).one()
    if row.state == ReachabilityState.REACHABLE:
        row.state = state
        row.since = now
        row.reported_at = None
        row.last_error = error[:300]
    else:
        row.last_error = error[:300]
    await session.exec(
        sa.update(OutboxMessage)
        .where(
            col(OutboxMessage.person_id) == person_id,
            col(OutboxMessage.status) == OutboxStatus.PENDING,
        )
        .values(status=OutboxStatus.HELD, last_error="recipient unreachable")
    )
    await session.flush()
    if row.reported_at is None:
        row.reported_at = now
        return True
    return False


async def mark_reachable(session: AsyncSession, *, person_id: int, now: dt.datetime) -> int:
    """The person wrote to the bot or a message got through: release what was held for them.

    Returns the number of messages released (0 when nothing was held).
    """
    if await is_reachable(session, person_id=person_id):
        return 0  # the common case, answered by a read: no write lock for every update
    result = await session.exec(
        sa.update(Reachability)
        .where(
            col(Reachability.person_id) == person_id,
            col(Reachability.state) != ReachabilityState.REACHABLE,
        )
        .values(state=ReachabilityState.REACHABLE, since=now, reported_at=None, last_error=None)
    )
    if not result.rowcount:
        return 0
    return await outbox.release_held(session, person_id=person_id, now=now)


async def is_reachable(session: AsyncSession, *, person_id: int) -> bool:
    rows = await session.exec(select(Reachability.state).where(Reachability.person_id == person_id))
    state = rows.first()
    return state is None or state == ReachabilityState.REACHABLE
