"""The bot's own settings: getMe, commands, name and descriptions, menu button."""

from __future__ import annotations

from typing import Any

from bot.sandbox import render
from bot.sandbox.errors import bad_request
from bot.sandbox.methods.context import CallContext
from bot.sandbox.state import scope_key


async def get_me(ctx: CallContext) -> Any:
    return render.bot_user(ctx.state.bot, full=True)


async def always_true(ctx: CallContext) -> Any:
    """logOut and close: accepted, with nothing to do in a sandbox."""
    return True


def _commands_key(ctx: CallContext) -> tuple[str, str]:
    scope = ctx.params.get("scope")
    if scope and "chat_id" in scope:
        ctx.find_chat(scope["chat_id"])  # a scope naming an unknown chat fails as in Telegram
    return scope_key(scope), str(ctx.params.get("language_code") or "")


async def set_my_commands(ctx: CallContext) -> Any:
    commands: list[dict[str, Any]] = ctx.params["commands"]
    if len(commands) > 100:
        raise bad_request("too many commands specified")
    key = _commands_key(ctx)
    if commands:
        ctx.state.commands[key] = [(c["command"], c["description"]) for c in commands]
    else:
        ctx.state.commands.pop(key, None)
    return True


async def get_my_commands(ctx: CallContext) -> Any:
    pairs = ctx.state.commands.get(_commands_key(ctx), [])
    return [{"command": command, "description": text} for command, text in pairs]


async def delete_my_commands(ctx: CallContext) -> Any:
    ctx.state.commands.pop(_commands_key(ctx), None)
    return True


def _store(table: dict[str, str], language: str, value: str) -> None:
    if value:
        table[language] = value
    else:
        table.pop(language, None)


def _language(ctx: CallContext) -> str:
    return str(ctx.params.get("language_code") or "")


async def set_my_name(ctx: CallContext) -> Any:
    _store(ctx.state.profile.names, _language(ctx), str(ctx.params.get("name") or ""))
    return True


async def get_my_name(ctx: CallContext) -> Any:
    names = ctx.state.profile.names
    return {"name": names.get(_language(ctx)) or names.get("") or ctx.state.bot.first_name}


async def set_my_description(ctx: CallContext) -> Any:
    value = str(ctx.params.get("description") or "")
    _store(ctx.state.profile.descriptions, _language(ctx), value)
    return True


async def get_my_description(ctx: CallContext) -> Any:
    table = ctx.state.profile.descriptions
    return {"description": table.get(_language(ctx)) or table.get("", "")}


async def set_my_short_description(ctx: CallContext) -> Any:
    value = str(ctx.params.get("short_description") or "")
    _store(ctx.state.profile.short_descriptions, _language(ctx), value)
    return True


async def get_my_short_description(ctx: CallContext) -> Any:
    table = ctx.state.profile.short_descriptions
    return {"short_description": table.get(_language(ctx)) or table.get("", "")}


async def set_chat_menu_button(ctx: CallContext) -> Any:
    button = ctx.params.get("menu_button") or {"type": "default"}
    if "chat_id" in ctx.params:
        chat = ctx.chat()
        if chat.type != "private":
            raise bad_request("menu button can be set only in private chats")
        chat.menu_button = button
    else:
        ctx.state.profile.menu_button = button
    return True


async def get_chat_menu_button(ctx: CallContext) -> Any:
    chat_button = ctx.chat().menu_button if "chat_id" in ctx.params else None
    for button in (chat_button, ctx.state.profile.menu_button):
        if button and button.get("type") != "default":
            return button
    return {"type": "commands"}
