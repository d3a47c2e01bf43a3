"""The one error handler: log the fault with its traceback, tell the person a short apology."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import TelegramError
from telegram.ext import ApplicationHandlerStop

from bot.handlers.replies import answer_query, answer_stale, reply, was_answered
from bot.runtime.context import CompanionApplication, Context
from bot.services.errors import DomainError, stale_text
from bot.text.i18n import _, gettext

_LOGGER = logging.getLogger(__name__)


async def on_error(update: object, context: Context) -> None:
    """Log what went wrong and answer the person politely in their language."""
    error = context.error
    update_id = update.update_id if isinstance(update, Update) else None
    query = update.callback_query if isinstance(update, Update) else None
    if isinstance(error, DomainError) and error.user_message:
        _LOGGER.info("refused: %s", error)
        text = gettext(error.user_message)
    elif isinstance(error, DomainError) and query is not None:
        # A rule refused what a button named: an old or made-up button, not a fault of ours.
        _LOGGER.info("refused the button of update %s: %s", update_id, error)
        if not was_answered(query):
            await answer_stale(query)
            raise ApplicationHandlerStop
        text = stale_text()
    else:
        _LOGGER.error("error while handling update %s", update_id, exc_info=error)
        text = _("Sorry, something went wrong on my side. Please try again in a moment.")
    if not isinstance(update, Update) or update.effective_chat is None:
        return
    await _apologise(update, context, text)
    # One answer per update: the handlers of later groups do not run after a failure.
    raise ApplicationHandlerStop


async def _apologise(update: Update, context: Context, text: str) -> None:
    # A press the handler answered before it failed is not answered again (Telegram refuses).
    if update.callback_query is not None and not was_answered(update.callback_query):
        await answer_query(update.callback_query)
    try:
        # reply() hands the apology to the outbox when Telegram is slow or busy.
        await reply(update, context, text, purpose="apology")
    except TelegramError as exc:
        chat_id = update.effective_chat.id if update.effective_chat else None
        _LOGGER.warning("could not send the apology to chat %s: %s", chat_id, exc)


def register(application: CompanionApplication) -> None:
    application.add_error_handler(on_error)
