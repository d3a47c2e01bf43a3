"""A home for the client: what 💬 Message my coach on the client's keyboard does (the keyboard is
bot/messages/keyboards.py), and /cancel."""

from __future__ import annotations

from telegram import ReplyKeyboardRemove, Update
from telegram.ext import CommandHandler, MessageHandler, filters

from bot.handlers.messages import on_message
from bot.handlers.replies import reply
from bot.messages.keyboards import MESSAGE_COACH, client_keyboard, label_filter
from bot.runtime.context import CompanionApplication, Context
from bot.services import flows, people, routing
from bot.text.html_text import html
from bot.text.i18n import _


async def coach_first_name(context: Context, client_id: int) -> str:
    """The first name of the coach who answers for the client now."""
    services = context.services
    async with services.db.session() as session:
        coach = await routing.current_coach(session, client_id=client_id, now=services.clock.now())
    return people.first_name(coach.display_name if coach else None) or _("your coach")


async def message_my_coach(update: Update, context: Context) -> None:
    """The client wants to write to their coach: tell them to just write."""
    actor = context.require_actor()
    if actor.is_coach or actor.is_employer:
        # Not a client's button: words like any other (a coach's answer to a client, say).
        await on_message(update, context)
        return
    if not actor.is_client or actor.person_id is None:
        # A leftover keyboard of someone who is no longer a client.
        await reply(
            update,
            context,
            _(
                "You are not connected to a coach here. To start, you need an invite link "
                "from your job coach."
            ),
            reply_markup=ReplyKeyboardRemove(),
            purpose="message-coach-none",
        )
        return
    coach = await coach_first_name(context, actor.person_id)
    await reply(
        update,
        context,
        html(
            _(
                "Write your message here. I will pass it on to {coach}. "
                "You can also send a photo or a voice message."
            ),
            coach=coach,
        ),
        reply_markup=client_keyboard(),
        purpose="message-coach",
    )


async def cancel(update: Update, context: Context) -> None:
    """Leave whatever flow the person is in."""
    actor = context.require_actor()
    services = context.services
    left = False
    if actor.person_id is not None:
        async with services.db.session() as session:
            flow = await flows.current(session, person_id=actor.person_id, now=services.clock.now())
            # Onboarding is not left with /cancel: without the agreement nothing can start.
            if flow is not None and flow.name != "onboarding":
                left = await flows.clear(session, person_id=actor.person_id)
    text = (
        _("OK, stopped. /help shows what you can do.") if left else _("There was nothing to stop.")
    )
    await reply(
        update,
        context,
        text,
        reply_markup=client_keyboard() if actor.is_client else None,
        purpose="cancel",
    )


def register(application: CompanionApplication) -> None:
    private = filters.ChatType.PRIVATE
    application.add_handler(CommandHandler("cancel", cancel, filters=private))
    application.add_handler(MessageHandler(private & label_filter(MESSAGE_COACH), message_my_coach))
