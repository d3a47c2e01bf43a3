"""/start and /help: a welcome for people the bot knows, and a kind way in for those it does not."""

from __future__ import annotations

from telegram import Update
from telegram.ext import Application, CommandHandler, filters

from bot.context import Context
from bot.handlers.menu import MenuKind, help_lines, kind_of
from bot.handlers.replies import escape, reply
from bot.i18n import _


def stranger_text() -> str:
    """What the bot is, and how to get in: an invite link from one's coach."""
    return "\n\n".join(
        [
            _("Hello! 👋"),
            _("I help people in job coaching keep in touch with their job coach between meetings."),
            _(
                "To use me, you need an invite link from your job coach. "
                "Ask your coach for the link and open it on this phone."
            ),
            _("You can change the language with /language."),
        ]
    )


async def start(update: Update, context: Context) -> None:
    """Greet a known person by name; tell a stranger how to get an invite."""
    actor = context.require_actor()
    if not actor.is_known:
        await reply(update, context, stranger_text(), purpose="start")
        return
    if actor.name:
        greeting = _("Hello, {name}! 👋").format(name=escape(actor.name))
    else:
        greeting = _("Hello! 👋")
    text = "\n\n".join([greeting, _("Good to see you. /help shows what I can do.")])
    await reply(update, context, text, purpose="start")


async def help_command(update: Update, context: Context) -> None:
    """What the bot does for this person's role."""
    actor = context.require_actor()
    kind = kind_of(actor)
    if not actor.is_known:
        intro = [
            _("I help people in job coaching keep in touch with their job coach between meetings."),
            _("To use me, you need an invite link from your job coach."),
        ]
    elif kind is MenuKind.COACH:
        intro = [
            _("You are a job coach here."),
            _("I keep your clients in touch with you between meetings."),
        ]
    else:
        intro = [
            _("I help you keep in touch with your job coach between meetings."),
        ]
    text = "\n\n".join([*intro, _("Commands:") + "\n" + "\n".join(help_lines(kind))])
    await reply(update, context, text, purpose="help")


def register(application: Application) -> None:  # type: ignore[type-arg]
    private = filters.ChatType.PRIVATE
    application.add_handler(CommandHandler("start", start, filters=private))
    application.add_handler(CommandHandler("help", help_command, filters=private))
