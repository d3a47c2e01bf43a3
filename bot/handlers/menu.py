"""The command menu Telegram shows beside the text field: per language, and per chat when a
person's role or chosen language differs from what their app would show them by default.
"""

from __future__ import annotations

import datetime as dt
import enum
import logging
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession
from telegram import BotCommand, BotCommandScopeAllPrivateChats
from telegram.error import TelegramError
from telegram.ext import ExtBot

from bot.services import outbox, people
from bot.services.people import Actor
from bot.text.i18n import LOCALES, N_, gettext, use_locale

_LOGGER = logging.getLogger(__name__)


class MenuKind(enum.StrEnum):
    """Whose menu: people without a role and clients share the default one."""

    DEFAULT = "default"
    COACH = "coach"
    EMPLOYER = "employer"


# (command, description msgid) in the order they are shown.
_COMMANDS: dict[MenuKind, tuple[tuple[str, str], ...]] = {
    MenuKind.DEFAULT: (
        ("start", N_("Start")),
        ("help", N_("What I can do")),
        ("contact", N_("Ask my coach to contact me")),
        ("language", N_("Change the language")),
        ("mydata", N_("Get everything saved about me")),
        ("forget", N_("Erase everything saved about me")),
        ("notes", N_("Read my coach's notes about me")),
        ("goal", N_("Add a small goal")),
        ("goals", N_("My goals")),
        ("plan", N_("My plan")),
        ("progress", N_("See my last four weeks")),
        ("schedule", N_("My check-in times")),
        ("pause", N_("Pause my check-ins")),
        ("settings", N_("My settings")),
        ("consents", N_("What employers may see")),
    ),
    MenuKind.COACH: (
        ("start", N_("Start")),
        ("help", N_("What you can do here")),
        ("language", N_("Change the language")),
        ("mydata", N_("Get what is saved about you")),
        ("clients", N_("Your clients")),
        ("caseload", N_("All your clients' check-ins in one picture")),
        ("note", N_("Write a note about a client")),
        ("handover", N_("Hand clients to a substitute")),
        ("transfer", N_("Transfer clients permanently")),
        ("schedule", N_("A client's check-in times")),
        ("pause", N_("Pause a client's check-ins")),
        ("inbox", N_("Your clients' newest messages")),
        ("invite", N_("An invite link for a new client")),
        ("invites", N_("Your open invite links")),
        ("settings", N_("Your settings")),
        ("cancel", N_("Stop what you are doing")),
    ),
    MenuKind.EMPLOYER: (
        ("start", N_("Start")),
        ("help", N_("What you can do here")),
        ("ask", N_("Ask the job coach")),
        ("meeting", N_("Propose a meeting")),
        ("language", N_("Change the language")),
        ("mydata", N_("Get what is saved about you")),
        ("forget", N_("Erase what is saved about you")),
    ),
}


def kind_of(actor: Actor) -> MenuKind:
    if actor.is_coach:
        return MenuKind.COACH
    if actor.is_employer and not actor.is_client:
        return MenuKind.EMPLOYER
    return MenuKind.DEFAULT


# A client's menu stays short enough to read at a glance; /help lists the rest.
CLIENT_MENU = ("help", "contact", "goals", "progress", "schedule", "settings", "language")


def commands(kind: MenuKind, locale: str) -> list[BotCommand]:
    """The menu of one kind in one language (a client's: the few they use most)."""
    with use_locale(locale):
        return [
            BotCommand(name, gettext(description))
            for name, description in _COMMANDS[kind]
            if kind != MenuKind.DEFAULT or name in CLIENT_MENU
        ]


def help_lines(kind: MenuKind) -> list[str]:
    """`/command – description` lines in the current language, for /help: every command."""
    return [f"/{name} – {gettext(description)}" for name, description in _COMMANDS[kind]]


def wanted_chat_menu(actor: Actor) -> str | None:
    """The chat-scoped menu this person needs ("kind:locale"), or None when the default fits."""
    kind = kind_of(actor)
    if commands(kind, actor.locale) == commands(MenuKind.DEFAULT, actor.app_locale):
        return None
    return f"{kind}:{actor.locale}"


def chat_menu_call(chat_id: int, menu: str | None) -> tuple[str, dict[str, Any]]:
    """The Bot API method and parameters that give a chat the menu (or take it away)."""
    scope = {"type": "chat", "chat_id": chat_id}
    if menu is None:
        return "deleteMyCommands", {"scope": scope}
    kind, locale = menu.split(":")
    return "setMyCommands", {
        "scope": scope,
        "commands": [c.to_dict() for c in commands(MenuKind(kind), locale)],
    }


async def sync_chat_menu(
    session: AsyncSession, *, actor: Actor, chat_id: int, now: dt.datetime
) -> bool:
    """Queue a change of the chat's menu if the person needs another one; True if queued."""
    menu = wanted_chat_menu(actor)
    if actor.person_id is None or menu == actor.command_menu:
        return False
    method, payload = chat_menu_call(chat_id, menu)
    await outbox.enqueue(
        session,
        chat_id=chat_id,
        method=method,
        payload=payload,
        now=now,
        person_id=actor.person_id,
        purpose="menu",
    )
    await people.remember_command_menu(session, person_id=actor.person_id, menu=menu)
    return True


async def register_default_menus(bot: ExtBot[Any], default_locale: str) -> None:
    """One menu per language for private chats, and the default language for the rest."""
    scope = BotCommandScopeAllPrivateChats()
    try:
        for locale in LOCALES:
            await bot.set_my_commands(
                commands(MenuKind.DEFAULT, locale), scope=scope, language_code=locale
            )
        await bot.set_my_commands(commands(MenuKind.DEFAULT, default_locale), scope=scope)
    except TelegramError as exc:
        # The menu is a convenience; the bot works without it and tries again at the next start.
        _LOGGER.warning("could not register the command menus: %s", exc)
