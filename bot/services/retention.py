"""How long the bot's transport rows keep what people wrote, and forgetting it when that is over.

Handled updates are deleted after the inbox's retention time; updates given up after their last
attempt are kept for inspection, but without their content after the same time. Settled
outgoing messages (sent, refused, cancelled) and messages held for someone who never came back
are deleted after the outbox's retention time. Counters of wrong invite links go once they can
slow nobody down.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.services import inbox, invites, outbox


@dataclass(frozen=True, slots=True)
class Pruned:
    """How many rows one pruning pass forgot."""

    updates: int
    messages: int
    counters: int


async def prune(
    session: AsyncSession, *, now: dt.datetime, inbox_hours: int, outbox_days: int
) -> Pruned:
    """One pruning pass over the inbox and the outbox."""
    updates = await inbox.prune(session, finished_before=now - dt.timedelta(hours=inbox_hours))
    messages = await outbox.prune(session, settled_before=now - dt.timedelta(days=outbox_days))
    counters = await invites.prune_attempts(session, now=now)
    return Pruned(updates=updates, messages=messages, counters=counters)
