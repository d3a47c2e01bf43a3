"""Queueing a message of the bot's own for a person: its text (HTML) and buttons in one call to
the outbox, which delivers and retries (bot/runtime/sender.py).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession
from telegram.constants import ParseMode

from bot.messages.keyboard import Keyboard
from bot.models.people import Person
from bot.services import outbox


async def send_text(
    session: AsyncSession,
    *,
    to: Person,
    text: str,
    now: dt.datetime,
    purpose: str = "",
    keyboard: Keyboard | dict[str, Any] | None = None,
    **queued: Any,
) -> int | None:
    """Queue `text` (HTML, composed in the person's language) for `to`, with `keyboard` under it;
    `queued` goes to `outbox.enqueue` as it is (subject_id, dedup_key, not_before, priority).
    The outbox row's id, or None when the person has no chat to send to."""
    if to.chat_id is None:
        return None
    payload: dict[str, Any] = {"text": text, "parse_mode": ParseMode.HTML}
    if keyboard is not None:
        payload["reply_markup"] = keyboard.to_json() if isinstance(keyboard, Keyboard) else keyboard
    return await outbox.enqueue(
        session,
        chat_id=to.chat_id,
        method="sendMessage",
        payload=payload,
        now=now,
        person_id=to.id,
        purpose=purpose,
        **queued,
    )
