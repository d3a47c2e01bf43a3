"""A person blocking or unblocking the bot: Telegram tells us with a my_chat_member update, so
their messages are held (and their coach told) before a send fails, and released when they return.
"""

from __future__ import annotations

import logging

from telegram import ChatMember, Update
from telegram.constants import ChatType
from telegram.ext import ChatMemberHandler

from bot.messages.notices import queue_unreachable_notice
from bot.models.people import ReachabilityState
from bot.runtime.context import CompanionApplication, Context
from bot.services import reachability

_LOGGER = logging.getLogger(__name__)


async def membership_changed(update: Update, context: Context) -> None:
    """Mark the person unreachable when they block the bot, reachable when they unblock it."""
    change = update.my_chat_member
    actor = context.actor
    if change is None or change.chat.type != ChatType.PRIVATE:
        return
    if actor is None or actor.person_id is None:
        return
    services = context.services
    now = services.clock.now()
    status = change.new_chat_member.status
    if status in (ChatMember.BANNED, ChatMember.LEFT):
        async with services.db.session() as session:
            report = await reachability.mark_unreachable(
                session,
                person_id=actor.person_id,
                state=ReachabilityState.BLOCKED,
                error="blocked the bot",
                now=now,
            )
            if report:
                await queue_unreachable_notice(session, person_id=actor.person_id, now=now)
        _LOGGER.info("person %s blocked the bot", actor.person_id)
        if report:
            services.wake_sender()
    elif status == ChatMember.MEMBER:
        async with services.db.session() as session:
            released = await reachability.mark_reachable(
                session, person_id=actor.person_id, now=now
            )
        _LOGGER.info("person %s unblocked the bot; %d messages released", actor.person_id, released)
        if released:
            services.wake_sender()


def register(application: CompanionApplication) -> None:
    application.add_handler(ChatMemberHandler(membership_changed, ChatMemberHandler.MY_CHAT_MEMBER))
