"""Answering the person behind an update: directly when Telegram is well, through the outbox
(which retries) when it is not, so an answer is never silently lost.
"""

from __future__ import annotations

import html
import logging
from typing import Any

from telegram import (
    CallbackQuery,
    InlineKeyboardMarkup,
    Message,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    Update,
)
from telegram.constants import ParseMode
from telegram.error import BadRequest, NetworkError, RetryAfter

from bot.context import Context
from bot.services import outbox

_LOGGER = logging.getLogger(__name__)

Markup = InlineKeyboardMarkup | ReplyKeyboardMarkup | ReplyKeyboardRemove


def escape(value: object) -> str:
    """A person-supplied value made safe for a message sent with parse_mode HTML."""
    return html.escape(str(value), quote=False)


async def reply(
    update: Update,
    context: Context,
    text: str,
    *,
    reply_markup: Markup | None = None,
    purpose: str = "reply",
) -> None:
    """Send `text` (HTML) to the chat of the update."""
    chat = update.effective_chat
    if chat is None:
        return
    try:
        await context.bot.send_message(
            chat_id=chat.id, text=text, parse_mode=ParseMode.HTML, reply_markup=reply_markup
        )
    except (NetworkError, RetryAfter) as exc:
        if isinstance(exc, BadRequest):
            raise
        # Telegram is slow or busy: the sender retries with backoff instead of dropping it.
        _LOGGER.info("reply to chat %s deferred to the outbox: %s", chat.id, exc)
        payload: dict[str, Any] = {"text": text, "parse_mode": ParseMode.HTML}
        if reply_markup is not None:
            payload["reply_markup"] = reply_markup.to_dict()
        services = context.services
        actor = context.actor
        async with services.db.session() as session:
            await outbox.enqueue(
                session,
                chat_id=chat.id,
                method="sendMessage",
                payload=payload,
                now=services.clock.now(),
                person_id=actor.person_id if actor else None,
                purpose=purpose,
                dedup_key=f"reply:{update.update_id}:{purpose}",
            )
        services.wake_sender()


async def answer_query(query: CallbackQuery, text: str | None = None) -> None:
    """Stop the button's spinner; a query too old to answer (after a restart) is no error."""
    try:
        await query.answer(text=text)
    except BadRequest as exc:
        _LOGGER.info("callback query %s not answered: %s", query.id, exc.message)
    except (NetworkError, RetryAfter) as exc:
        _LOGGER.info("callback query %s not answered: %s", query.id, exc)


async def edit_or_reply(
    update: Update,
    context: Context,
    text: str,
    *,
    reply_markup: InlineKeyboardMarkup | None = None,
) -> None:
    """Replace the message whose button was pressed, or send a new one if that is impossible."""
    query = update.callback_query
    if query is not None and isinstance(query.message, Message):
        try:
            await query.edit_message_text(
                text=text, parse_mode=ParseMode.HTML, reply_markup=reply_markup
            )
            return
        except BadRequest as exc:
            if "message is not modified" in exc.message:
                return
            _LOGGER.info("could not edit message: %s", exc.message)
    await reply(update, context, text, reply_markup=reply_markup)
