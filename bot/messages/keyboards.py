"""The client's persistent keyboard (✅ Check in, 💬 Message my coach, ❓ Help), and how a press of
one of its buttons is recognised: as the label's text, in any of the bot's languages.
"""

from __future__ import annotations

from telegram import KeyboardButton, ReplyKeyboardMarkup
from telegram.ext import filters

from bot.text.i18n import LOCALES, N_, _, gettext, use_locale

CHECK_IN = N_("✅ Check in")
MESSAGE_COACH = N_("💬 Message my coach")
HELP = N_("❓ Help")


def client_keyboard() -> ReplyKeyboardMarkup:
    """The client's keyboard, in the current language."""
    return ReplyKeyboardMarkup(
        [
            [KeyboardButton(_(CHECK_IN)), KeyboardButton(_(MESSAGE_COACH))],
            [KeyboardButton(_(HELP))],
        ],
        resize_keyboard=True,
        is_persistent=True,
    )


def label_filter(msgid: str) -> filters.MessageFilter:
    """Matches a keyboard label as sent in any of our languages."""
    labels = set()
    for locale in LOCALES:
        with use_locale(locale):
            labels.add(gettext(msgid))
    return filters.Text(sorted(labels))
