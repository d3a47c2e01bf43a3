"""/language: each language offered by its own name; the choice is kept, a stranger's too."""

from __future__ import annotations

from dataclasses import replace

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import CallbackQueryHandler, CommandHandler, filters

from bot.handlers.menu import sync_chat_menu
from bot.handlers.replies import answer_query, answer_stale, edit_or_reply, reply
from bot.messages import callbacks
from bot.messages.keyboard import Button, Keyboard
from bot.messages.keyboards import client_keyboard
from bot.runtime.context import CompanionApplication, Context
from bot.services import people
from bot.text.i18n import LANGUAGE_NAMES, LOCALES, _, set_locale

ACTION = callbacks.LANGUAGE
FLAGS = {"fi": "🇫🇮", "sv": "🇸🇪", "en": "🇬🇧"}


def language_keyboard() -> InlineKeyboardMarkup:
    return Keyboard.of(
        [[Button.press(f"{FLAGS[code]} {LANGUAGE_NAMES[code]}", ACTION, code)] for code in LOCALES]
    ).markup()


async def ask_language(update: Update, context: Context) -> None:
    """Offer the languages."""
    await reply(
        update,
        context,
        _("Which language do you want? Choose one:"),
        reply_markup=language_keyboard(),
        purpose="language",
    )


async def choose_language(update: Update, context: Context) -> None:
    """Keep the chosen language and answer in it."""
    query = update.callback_query
    assert query is not None
    _action, parts = callbacks.decode(query.data)
    if len(parts) != 1 or parts[0] not in LOCALES:
        await answer_stale(query)
        return
    locale = parts[0]
    services = context.services
    actor = context.require_actor()
    now = services.clock.now()
    async with services.db.session() as session:
        person = await people.choose_locale(
            session,
            telegram_user_id=actor.telegram_user_id,
            locale=locale,
            now=now,
            default_timezone=services.settings.default_timezone,
        )
        actor = replace(actor, person_id=person.id, locale=locale, locale_chosen=True)
        menu_changed = await sync_chat_menu(
            session, actor=actor, chat_id=query.from_user.id, now=now
        )
    context.actor = actor
    set_locale(locale)
    if menu_changed:
        services.wake_sender()
    await answer_query(query)
    # Said in the chosen language itself, so each catalog names its own language as its grammar
    # wants it ("suomea", "svenska").
    confirmation = _("OK! From now on I speak English with you.")
    if actor.is_client:
        # A new message, so that the client's keyboard comes in the new language too.
        await edit_or_reply(update, context, f"✔️ {FLAGS[locale]} {LANGUAGE_NAMES[locale]}")
        await reply(
            update, context, confirmation, reply_markup=client_keyboard(), purpose="language"
        )
        return
    await edit_or_reply(update, context, confirmation)


def register(application: CompanionApplication) -> None:
    application.add_handler(
        CommandHandler("language", ask_language, filters=filters.ChatType.PRIVATE)
    )
    application.add_handler(
        CallbackQueryHandler(choose_language, pattern=callbacks.pattern(ACTION))
    )
