"""Group chats: the bot answers only the commands meant for groups and never posts a client's
content there.

One guard runs for every update from a chat that is not a private one, before the features:
`/start` and `/help` get a short note that the bot works in private chats; any other message,
command or edit gets no answer; a button pressed in a group is refused (the person sees the
answer, the group sees nothing) unless its action is one of `GROUP_ACTIONS` (for example a team
chat's alert without content whose details open in a private chat). Nothing after the guard
runs for a group's update, so every personal feature is private-only whatever its own filters.
Membership changes (the bot added to or removed from a group) pass through untouched.
"""

from __future__ import annotations

import logging

from telegram import Update
from telegram.constants import ChatType
from telegram.ext import ApplicationHandlerStop, TypeHandler

from bot.handlers.replies import answer_query, reply
from bot.messages import callbacks
from bot.runtime.context import CompanionApplication, Context
from bot.text.i18n import _

_LOGGER = logging.getLogger(__name__)

# After the first group (identify, -100), before the features (0).
GROUP = -50
# Commands a group may use: they explain where the bot works and say nothing of anyone.
GROUP_COMMANDS = frozenset({"start", "help"})
# Callback actions whose buttons the bot itself posts in groups; none so far.
GROUP_ACTIONS: frozenset[str] = frozenset()


def _command_for_us(text: str, bot_username: str | None) -> str | None:
    """The command in `/help` or `/help@our_bot`; None for text or another bot's command."""
    if not text.startswith("/"):
        return None
    command, _sep, addressee = text.split(maxsplit=1)[0][1:].partition("@")
    if addressee and (bot_username is None or addressee.lower() != bot_username.lower()):
        return None
    return command.lower()


async def guard(update: Update, context: Context) -> None:
    """Keep group chats to the note about private chats; let private chats through."""
    chat = update.effective_chat
    if chat is None or chat.type == ChatType.PRIVATE:
        return
    if update.my_chat_member is not None or update.chat_member is not None:
        return  # the membership handler decides (and ignores groups)
    query = update.callback_query
    if query is not None:
        action, _parts = callbacks.decode(query.data)
        if action in GROUP_ACTIONS:
            return
        _LOGGER.info("button %r pressed in group %s refused", action, chat.id)
        await answer_query(query, _("This works only in a private chat with me."))
        raise ApplicationHandlerStop
    message = update.message
    text = message.text if message is not None else None
    command = _command_for_us(text, context.bot.username) if text else None
    if command in GROUP_COMMANDS:
        await reply(update, context, group_note(context.bot.username), purpose="group-note")
    raise ApplicationHandlerStop


def group_note(bot_username: str | None) -> str:
    """Where the bot works, for a group: no names, nothing about anyone."""
    lines = [
        _("Hello! 👋 I work only in private chats, so that what people tell me stays private."),
    ]
    if bot_username:
        lines.append(
            _("Open a private chat with me: {link}").format(link=f"https://t.me/{bot_username}")
        )
    return "\n".join(lines)


def register(application: CompanionApplication) -> None:
    application.add_handler(TypeHandler(Update, guard), group=GROUP)
