"""The last word: anything no other handler took gets a clear answer, never silence; and a
button press its handler left unanswered is answered, so the person's button stops spinning."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.ext import CallbackQueryHandler, MessageHandler, filters

from bot.handlers.replies import answer_query, answer_stale, reply, was_answered
from bot.handlers.start import stranger_text
from bot.runtime.context import CompanionApplication, Context
from bot.text.html_text import html
from bot.text.i18n import _

_LOGGER = logging.getLogger(__name__)

# Same group as the features, registered after them: only what no feature took lands here.
GROUP = 0
# After every feature's group: runs once the press was handled (not after a failure, which the
# error handler answers).
LAST_GROUP = 1000


async def unknown_command(update: Update, context: Context) -> None:
    """A command the bot does not have."""
    message = update.effective_message
    assert message is not None and message.text is not None
    command = message.text.split()[0].split("@")[0][:40]
    await reply(
        update,
        context,
        html(_("I do not know the command {command}. /help shows what I can do."), command=command),
        purpose="unknown-command",
    )


async def anything_else(update: Update, context: Context) -> None:
    """A message no feature took: a stranger learns how to join; others where to look."""
    actor = context.require_actor()
    if not actor.is_known:
        await reply(update, context, stranger_text(), purpose="stranger")
        return
    await reply(
        update,
        context,
        _("I got your message, but I cannot do anything with it here. /help shows what I can do."),
        purpose="unhandled",
    )


async def stale_button(update: Update, context: Context) -> None:
    """A button from an old message, or one made up by someone."""
    query = update.callback_query
    assert query is not None
    await answer_stale(query)


async def answer_unanswered(update: Update, context: Context) -> None:
    """Every press gets exactly one answer: one its handler did not answer is answered here."""
    query = update.callback_query
    if query is None or was_answered(query):
        return
    _LOGGER.warning("the handler of update %s left its button press unanswered", update.update_id)
    await answer_query(query)


def register(application: CompanionApplication) -> None:
    private = filters.ChatType.PRIVATE
    application.add_handler(
        MessageHandler(private & filters.COMMAND & ~filters.UpdateType.EDITED, unknown_command),
        group=GROUP,
    )
    application.add_handler(
        MessageHandler(private & ~filters.COMMAND & ~filters.UpdateType.EDITED, anything_else),
        group=GROUP,
    )
    application.add_handler(CallbackQueryHandler(stale_button), group=GROUP)
    application.add_handler(CallbackQueryHandler(answer_unanswered), group=LAST_GROUP)
