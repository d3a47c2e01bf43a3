"""Facts about the bot itself that outlive a process, such as its username at the last start."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.models.transport import BotState

BOT_IDENTITY = "bot_identity"


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
