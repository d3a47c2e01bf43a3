"""Answering the person behind an update: directly when Telegram is well, through the outbox
(which retries) when it is not, so an answer is never silently lost.
"""

from __future__ import annotations

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
from telegram.error import BadRequest, NetworkError, RetryAfter, TelegramError

from bot.runtime.context import Context
from bot.runtime.telegram_bot import CompanionBot, buttons_json
from bot.services import outbox
from bot.services.errors import stale_text
from bot.text.html_text import escape, fits, plain_text, split_html

_LOGGER = logging.getLogger(__name__)

Markup = InlineKeyboardMarkup | ReplyKeyboardMarkup | ReplyKeyboardRemove

__all__ = [
    "answer_query",
    "answer_stale",
    "close_question",
    "edit_or_reply",
    "edit_pressed",
    "escape",
    "react",
    "remove_buttons",
    "reply",
    "was_answered",
]


async def react(update: Update, context: Context, emoji: str) -> bool:
    """Put a reaction on the person's own message: a quiet sign that it arrived. False when
    Telegram does not allow it there (the caller then says so in words)."""
    message = update.effective_message
    chat = update.effective_chat
    if message is None or chat is None:
        return False
    try:
        return bool(await context.bot.set_message_reaction(chat.id, message.message_id, emoji))
    except TelegramError as exc:
        _LOGGER.info("no reaction in chat %s: %s", chat.id, exc)
        return False


async def reply(
    update: Update,
    context: Context,
    text: str,
    *,
    reply_markup: Markup | None = None,
    purpose: str = "reply",
) -> None:
    """Send `text` (HTML) to the chat of the update; text too long for one message goes as
    several (cut at paragraphs or sentences), the keyboard under the last."""
    chat = update.effective_chat
    if chat is None:
        return
    parts = split_html(text)
    for number, part in enumerate(parts, start=1):
        markup = reply_markup if number == len(parts) else None
        try:
            await context.bot.send_message(
                chat_id=chat.id, text=part, parse_mode=ParseMode.HTML, reply_markup=markup
            )
        except (NetworkError, RetryAfter) as exc:
            if isinstance(exc, BadRequest):
                raise
            # Telegram is slow or busy: the sender retries with backoff instead of dropping it.
            _LOGGER.info("reply to chat %s deferred to the outbox: %s", chat.id, exc)
            await _defer(update, context, chat.id, parts[number - 1 :], reply_markup, purpose)
            return


async def _defer(
    update: Update,
    context: Context,
    chat_id: int,
    parts: list[str],
    reply_markup: Markup | None,
    purpose: str,
) -> None:
    """The rest of a reply, for the outbox (which retries)."""
    services = context.services
    actor = context.actor
    async with services.db.session() as session:
        for number, part in enumerate(parts, start=1):
            payload: dict[str, Any] = {"text": part, "parse_mode": ParseMode.HTML}
            if reply_markup is not None and number == len(parts):
                payload["reply_markup"] = reply_markup.to_dict()
            suffix = "" if number == len(parts) else f":{number}"
            await outbox.enqueue(
                session,
                chat_id=chat_id,
                method="sendMessage",
                payload=payload,
                now=services.clock.now(),
                person_id=actor.person_id if actor else None,
                purpose=purpose,
                dedup_key=f"reply:{update.update_id}:{purpose}{suffix}",
            )
    services.wake_sender()


def was_answered(query: CallbackQuery) -> bool:
    """True when this press has been answered already (Telegram takes one answer only)."""
    bot = query.get_bot()
    return isinstance(bot, CompanionBot) and bot.was_answered(query.id)


async def answer_query(query: CallbackQuery, text: str | None = None) -> None:
    """Stop the button's spinner, once; a query too old to answer (after a restart) is no error."""
    if was_answered(query):
        _LOGGER.info("callback query %s was answered already", query.id)
        return
    try:
        await query.answer(text=text)
    except BadRequest as exc:
        _LOGGER.info("callback query %s not answered: %s", query.id, exc.message)
    except (NetworkError, RetryAfter) as exc:
        _LOGGER.info("callback query %s not answered: %s", query.id, exc)


async def answer_stale(query: CallbackQuery) -> None:
    """Answer a press of a button that no longer works (old or made up), in the one way."""
    await answer_query(query, stale_text())


async def edit_or_reply(
    update: Update,
    context: Context,
    text: str,
    *,
    reply_markup: InlineKeyboardMarkup | None = None,
) -> None:
    """Replace the message whose button was pressed, or send a new one if that is impossible."""
    query = update.callback_query
    if query is not None and await edit_pressed(query, text, reply_markup=reply_markup):
        return
    if query is not None:
        # The new text comes below (too long for one message, or the old one is gone): the
        # old message's buttons would only act on what is no longer shown.
        await remove_buttons(query)
    await reply(update, context, text, reply_markup=reply_markup)


def _shows(message: Message, text: str | None, reply_markup: InlineKeyboardMarkup | None) -> bool:
    """The message shows this text (HTML; None: any text) and these buttons already, as the
    press saw it or as the bot's own edit of a moment ago left it."""
    bot = message.get_bot()
    if isinstance(bot, CompanionBot) and bot.shows(
        message.chat_id, message.message_id, text=text, reply_markup=reply_markup
    ):
        return True
    if buttons_json(message.reply_markup) != buttons_json(reply_markup):
        return False
    if text is None:
        return True
    return message.text is not None and message.text.strip() == plain_text(text).strip()


async def edit_pressed(
    query: CallbackQuery, text: str, *, reply_markup: InlineKeyboardMarkup | None = None
) -> bool:
    """Show `text` (HTML) in the message whose button was pressed; True when it shows it now.

    Pressing the same button twice changes nothing: Telegram would refuse an edit that changes
    nothing ("message is not modified"), so none is made.
    """
    message = query.message
    if not isinstance(message, Message):
        return False
    if _shows(message, text, reply_markup):
        return True
    if not fits(text):
        return False  # one message cannot hold it: it goes as new messages
    try:
        await query.edit_message_text(
            text=text, parse_mode=ParseMode.HTML, reply_markup=reply_markup
        )
    except BadRequest as exc:
        _LOGGER.info("could not edit message %s: %s", message.message_id, exc.message)
        return "message is not modified" in exc.message
    return True


async def remove_buttons(query: CallbackQuery) -> None:
    """Take the buttons away from the message whose button was pressed (if it still has any)."""
    message = query.message
    if not isinstance(message, Message) or _shows(message, None, None):
        return
    try:
        await query.edit_message_reply_markup(reply_markup=None)
    except BadRequest as exc:
        _LOGGER.info("could not take the buttons away from %s: %s", message.message_id, exc.message)


async def close_question(query: CallbackQuery, footer: str | None = None) -> None:
    """Leave the pressed message in the chat as it was, with `footer` (HTML, the answer chosen)
    under it and no buttons to press again. When the two together would be too long for one
    message, the buttons go and the footer comes as a message of its own."""
    message = query.message
    if not isinstance(message, Message):
        return
    text = message.text_html if message.text else None
    if text is not None:
        combined = f"{text}\n\n{footer}" if footer else text
        if fits(combined) and await edit_pressed(query, combined):
            return
    await remove_buttons(query)
    if footer:
        await query.get_bot().send_message(
            chat_id=message.chat_id, text=footer, parse_mode=ParseMode.HTML
        )
