"""The bot's settings and chat information: commands, names, menu button, getChat, members."""

from __future__ import annotations

import pytest
import telegram
from telegram import (
    BotCommand,
    BotCommandScopeAllPrivateChats,
    BotCommandScopeChat,
    MenuButtonCommands,
    MenuButtonDefault,
    MenuButtonWebApp,
    WebAppInfo,
)
from telegram.error import BadRequest

from bot.sandbox import Sandbox, SandboxUser


async def test_commands_per_scope_and_language(
    sandbox: Sandbox, bot: telegram.Bot, anna: SandboxUser
) -> None:
    default = [BotCommand("start", "Start"), BotCommand("help", "Help")]
    finnish = [BotCommand("start", "Aloita"), BotCommand("apua", "Apua")]
    coach = [BotCommand("clients", "Your clients")]
    assert await bot.set_my_commands(default)
    assert await bot.set_my_commands(finnish, language_code="fi")
    assert await bot.set_my_commands(coach, scope=BotCommandScopeChat(anna.id))
    assert await bot.get_my_commands() == tuple(default)
    assert await bot.get_my_commands(language_code="fi") == tuple(finnish)
    assert await bot.get_my_commands(scope=BotCommandScopeChat(anna.id)) == tuple(coach)
    assert await bot.get_my_commands(scope=BotCommandScopeAllPrivateChats()) == ()
    assert sandbox.commands() == [("start", "Start"), ("help", "Help")]
    assert sandbox.commands(language_code="fi")[0] == ("start", "Aloita")
    assert sandbox.commands({"type": "chat", "chat_id": anna.id}) == [("clients", "Your clients")]
    assert await bot.delete_my_commands(language_code="fi")
    assert sandbox.commands(language_code="fi") == []
    with pytest.raises(BadRequest, match="Chat not found"):
        await bot.set_my_commands(coach, scope=BotCommandScopeChat(424242))


async def test_names_and_descriptions(bot: telegram.Bot) -> None:
    assert (await bot.get_my_name()).name == "Companion Test Bot"
    await bot.set_my_name("Valmentaja", language_code="fi")
    assert (await bot.get_my_name("fi")).name == "Valmentaja"
    await bot.set_my_description("Helps you find work")
    await bot.set_my_short_description("Job coach", language_code="en")
    assert (await bot.get_my_description()).description == "Helps you find work"
    assert (await bot.get_my_short_description("en")).short_description == "Job coach"
    with pytest.raises(BadRequest, match="Parameter description must be 0-512 characters long"):
        await bot.set_my_description("d" * 513)


async def test_menu_button(bot: telegram.Bot, anna: SandboxUser) -> None:
    assert await bot.get_chat_menu_button() == MenuButtonCommands()
    web_app = MenuButtonWebApp("Open", WebAppInfo("https://example.org/app"))
    await bot.set_chat_menu_button(anna.id, web_app)
    assert await bot.get_chat_menu_button(anna.id) == web_app
    await bot.set_chat_menu_button(anna.id, MenuButtonDefault())
    assert await bot.get_chat_menu_button(anna.id) == MenuButtonCommands()


async def test_get_me_chat_and_member(
    sandbox: Sandbox, bot: telegram.Bot, anna: SandboxUser
) -> None:
    me = await bot.get_me()
    assert (me.id, me.username, me.can_join_groups) == (123456, "companion_test_bot", True)
    chat = await bot.get_chat(anna.id)
    assert (chat.type, chat.first_name) == ("private", "Anna")
    group = sandbox.add_group("Job club", [anna])
    group_info = await bot.get_chat(group.id)
    assert (group_info.type, group_info.title) == ("group", "Job club")
    member = await bot.get_chat_member(group.id, anna.id)
    assert member.status == "member"
    outsider = sandbox.add_user(first_name="Olli")
    assert (await bot.get_chat_member(group.id, outsider.id)).status == "left"
    anna.block_bot()
    assert (await bot.get_chat_member(anna.id, anna.id)).status == "kicked"
    with pytest.raises(BadRequest, match="User not found"):
        await bot.get_chat_member(group.id, 5)


async def test_chat_actions(sandbox: Sandbox, bot: telegram.Bot, anna: SandboxUser) -> None:
    assert await bot.send_chat_action(anna.id, "typing")
    assert sandbox.chat(anna.id).chat_actions == ["typing"]
    with pytest.raises(BadRequest, match="Wrong parameter action in request"):
        await bot.send_chat_action(anna.id, "dancing")


async def test_log_out_and_close(bot: telegram.Bot) -> None:
    assert await bot.log_out()
    assert await bot.close()
