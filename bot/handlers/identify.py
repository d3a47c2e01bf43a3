"""The first handler group: find the person behind every update, speak their language, release
anything held for them (they are reachable again), and keep their chat's command menu right.
"""

from __future__ import annotations

import logging

from telegram import Update
from telegram.ext import TypeHandler

from bot.handlers.menu import sync_chat_menu
from bot.runtime.context import CompanionApplication, Context
from bot.services import people, reachability
from bot.text.i18n import set_locale

_LOGGER = logging.getLogger(__name__)

GROUP = -100


async def identify(update: Update, context: Context) -> None:
    """Load the person behind the update before any other handler runs."""
    user = update.effective_user
    if user is None or user.is_bot:
        return
    services = context.services
    now = services.clock.now()
    async with services.db.session() as session:
        actor = await people.identify(
            session,
            telegram_user_id=user.id,
            language_code=user.language_code,
            now=now,
            default_locale=services.settings.default_locale,
        )
        released = 0
        # A person who writes or presses a button can be reached again; a block or an unblock
        # (my_chat_member) is the membership handler's to judge.
        chat = update.effective_chat
        private = chat is not None and chat.type == chat.PRIVATE
        if actor.person_id is not None and update.my_chat_member is None and private:
            released = await reachability.mark_reachable(
                session, person_id=actor.person_id, now=now
            )
            if chat is not None:
                released += await sync_chat_menu(session, actor=actor, chat_id=chat.id, now=now)
    context.actor = actor
    set_locale(actor.locale)
    if released:
        services.wake_sender()


def register(application: CompanionApplication) -> None:
    application.add_handler(TypeHandler(Update, identify), group=GROUP)
