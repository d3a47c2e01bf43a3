"""Facts about the bot itself that outlive a process, such as its username at the last start."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.models.transport import BotState

BOT_IDENTITY = "bot_identity"
# Running totals of updates set aside before handling (dropped, unreadable); the inbox rows
# themselves are pruned after the retention time.
INTAKE_COUNTS = "intake_counts"


async def remember_bot(
    session: AsyncSession, *, username: str, bot_id: int, now: dt.datetime
) -> None:
    """Save the username seen at start, for commands that run without Telegram (invite links)."""
    await put(session, key=BOT_IDENTITY, value={"username": username, "id": bot_id}, now=now)


async def bot_username(session: AsyncSession) -> str | None:
    value = await get(session, key=BOT_IDENTITY)
    username = value.get("username") if value else None
    return str(username) if username else None


async def get(session: AsyncSession, *, key: str) -> dict[str, Any] | None:
    row = await session.get(BotState, key)
    return dict(row.value) if row is not None else None


async def put(session: AsyncSession, *, key: str, value: dict[str, Any], now: dt.datetime) -> None:
    row = await session.get(BotState, key)
    if row is None:
        session.add(BotState(key=key, value=value, updated_at=now))
    else:
        row.value = value
        row.updated_at = now


async def count_up(
    session: AsyncSession, *, key: str, counts: dict[str, int], now: dt.datetime
) -> dict[str, int]:
    """Add to running totals kept under `key`; returns the new totals."""
    value = await get(session, key=key) or {}
    totals = {name: int(value.get(name, 0)) for name in value}
    for name, added in counts.items():
        totals[name] = totals.get(name, 0) + added
    await put(session, key=key, value=dict(totals), now=now)
    return totals
