"""The one error handler: log the fault with its traceback, tell the person a short apology."""

from __future__ import annotations

import contextlib
import logging

from telegram import Update
from telegram.constants import ParseMode
from telegram.error import TelegramError
from telegram.ext import Application, ApplicationHandlerStop

from bot.context import Context
from bot.i18n import _, gettext
from bot.services.errors import DomainError

_LOGGER = logging.getLogger(__name__)


async def on_error(update: object, context: Context) -> None:
    """Log what went wrong and answer the person politely in their language."""
    error = context.error
    if isinstance(error, DomainError) and error.user_message:
        _LOGGER.info("refused: %s", error)
        text = gettext(error.user_message)
    else:
        update_id = update.update_id if isinstance(update, Update) else None
        _LOGGER.error("error while handling update %s", update_id, exc_info=error)
        text = _("Sorry, something went wrong on my side. Please try again in a moment.")
    if not isinstance(update, Update) or update.effective_chat is None:
        return
    await _apologise(update, context, text)
    # One answer per update: the handlers of later groups do not run after a failure.
    raise ApplicationHandlerStop


async def _apologise(update: Update, context: Context, text: str) -> None:
    assert update.effective_chat is not None
    if update.callback_query is not None:
        with contextlib.suppress(TelegramError):
            await update.callback_query.answer()
    try:
        await context.bot.send_message(
            chat_id=update.effective_chat.id, text=text, parse_mode=ParseMode.HTML
        )
    except TelegramError as exc:
        _LOGGER.warning("could not send the apology to chat %s: %s", update.effective_chat.id, exc)


def register(application: Application) -> None:  # type: ignore[type-arg]
    application.add_error_handler(on_error)
