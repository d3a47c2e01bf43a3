"""Calls Telegram would refuse are refused, with Telegram's status, shape and words."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest
import telegram
from telegram import BotCommand, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import BadRequest

from bot.sandbox import Sandbox, SandboxUser


async def test_too_long_message_is_refused_in_telegrams_shape(
    sandbox: Sandbox,
    bot: telegram.Bot,
    anna: SandboxUser,
    http: httpx.AsyncClient,
    api_url: Callable[[str], str],
) -> None:
    with pytest.raises(BadRequest, match="Message is too long"):
        await bot.send_message(anna.id, "x" * 5000)
    response = await http.post(
        api_url("sendMessage"), data={"chat_id": anna.id, "text": "x" * 5000}
    )
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("application/json")
    assert response.json() == {
        "ok": False,
        "error_code": 400,
        "description": "Bad Request: message is too long",
    }
    assert anna.bot_messages() == []


async def test_limit_counts_text_after_html_parsing(bot: telegram.Bot, anna: SandboxUser) -> None:
    text = "<b>" + "x" * 4096 + "</b>"  # 4103 characters sent, 4096 after parsing
    message = await bot.send_message(anna.id, text, parse_mode="HTML")
    assert message.text is not None and len(message.text) == 4096
    assert anna.last_bot_message() is not None


async def test_empty_text_is_refused(
    http: httpx.AsyncClient, api_url: Callable[[str], str], anna: SandboxUser
) -> None:
    response = await http.post(api_url("sendMessage"), data={"chat_id": anna.id, "text": ""})
    assert response.json()["description"] == "Bad Request: message text is empty"
    response = await http.post(
        api_url("sendMessage"), data={"chat_id": anna.id, "text": "<b></b>", "parse_mode": "HTML"}
    )
    assert response.json()["description"] == "Bad Request: message text is empty"


def _keyboard(data: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton("Press", callback_data=data)]])


async def test_callback_data_is_counted_in_bytes(bot: telegram.Bot, anna: SandboxUser) -> None:
    with pytest.raises(BadRequest, match=r"(?i)BUTTON_DATA_INVALID"):
        await bot.send_message(anna.id, "65 bytes", reply_markup=_keyboard("x" * 65))
    accepted = "ä" * 32  # 32 characters, 64 bytes
    message = await bot.send_message(anna.id, "64 bytes", reply_markup=_keyboard(accepted))
    assert message.reply_markup is not None
    assert message.reply_markup.inline_keyboard[0][0].callback_data == accepted
    with pytest.raises(BadRequest, match=r"(?i)BUTTON_DATA_INVALID"):
        await bot.send_message(anna.id, "66 bytes", reply_markup=_keyboard("ä" * 33))
    assert [m.visible_text for m in anna.bot_messages()] == ["64 bytes"]


async def test_button_without_action_or_text_is_refused(
    http: httpx.AsyncClient, api_url: Callable[[str], str], anna: SandboxUser
) -> None:
    markups = {
        "Text buttons are unallowed": {"inline_keyboard": [[{"text": "Only text"}]]},
        "BUTTON_TEXT_INVALID": {"inline_keyboard": [[{"text": "", "callback_data": "x"}]]},
        'Field "text" must be of type String': {
            "inline_keyboard": [[{"text": ["A"], "callback_data": "x"}]]
        },
    }
    for fragment, markup in markups.items():
        response = await http.post(
            api_url("sendMessage"),
            data={"chat_id": anna.id, "text": "t", "reply_markup": json.dumps(markup)},
        )
        assert response.status_code == 400
        assert fragment in response.json()["description"]


async def test_unknown_parameter_is_refused(
    bot: telegram.Bot,
    anna: SandboxUser,
    http: httpx.AsyncClient,
    api_url: Callable[[str], str],
) -> None:
    with pytest.raises(BadRequest, match="Unknown parameter colour"):
        await bot.send_message(anna.id, "hi", api_kwargs={"colour": "red"})
    response = await http.post(
        api_url("sendMessage"), data={"chat_id": anna.id, "text": "hi", "txet": "typo"}
    )
    assert response.json()["description"] == "Bad Request: unknown parameter txet"


async def test_unknown_field_in_json_object_is_refused(
    http: httpx.AsyncClient, api_url: Callable[[str], str], anna: SandboxUser
) -> None:
    markup = {"inline_keyboard": [[{"text": "a", "callback_data": "b", "colour": "red"}]]}
    response = await http.post(
        api_url("sendMessage"),
        data={"chat_id": anna.id, "text": "t", "reply_markup": json.dumps(markup)},
    )
    assert response.json()["description"] == (
        'Bad Request: can\'t parse inline keyboard button: Unknown field "colour"'
    )


async def test_missing_and_mistyped_parameters(
    http: httpx.AsyncClient, api_url: Callable[[str], str], anna: SandboxUser
) -> None:
    cases: list[tuple[str, dict[str, Any], str]] = [
        ("sendMessage", {"text": "hi"}, "Bad Request: chat_id is empty"),
        ("sendMessage", {"chat_id": anna.id}, "Bad Request: message text is empty"),
        ("answerCallbackQuery", {}, "Bad Request: parameter callback_query_id is required"),
        (
            "sendMessage",
            {"chat_id": anna.id, "text": "t", "disable_notification": "maybe"},
            "Bad Request: parameter disable_notification must be of type Boolean",
        ),
        (
            "getUpdates",
            {"offset": "first"},
            "Bad Request: parameter offset must be of type Integer",
        ),
        (
            "sendMessage",
            {"chat_id": anna.id, "text": "t", "reply_markup": "{not json"},
            "Bad Request: parameter reply_markup must be a JSON-serialized InlineKeyboardMarkup "
            "or ReplyKeyboardMarkup or ReplyKeyboardRemove or ForceReply",
        ),
        (
            "deleteMessages",
            {"chat_id": anna.id, "message_ids": json.dumps(["a"])},
            "Bad Request: parameter message_ids must be of type Array of Integer",
        ),
    ]
    for method, params, description in cases:
        response = await http.post(api_url(method), data=params)
        assert (response.status_code, response.json()["description"]) == (400, description)


async def test_html_errors_reach_python_telegram_bot(bot: telegram.Bot, anna: SandboxUser) -> None:
    cases = {
        "<b>bold": 'find end tag corresponding to start tag "b"',
        "Hi <x>there</x>": 'Unsupported start tag "x" at byte offset 3',
        "Tom & Jerry": "Character '&' at byte offset 4 must be escaped",
    }
    for text, fragment in cases.items():
        with pytest.raises(BadRequest, match="parse entities") as caught:
            await bot.send_message(anna.id, text, parse_mode="HTML")
        # python-telegram-bot lower-cases everything after the first letter of a description.
        assert fragment.lower() in caught.value.message.lower()
    assert anna.bot_messages() == []


async def test_html_message_keeps_plain_text_entities_and_source(
    bot: telegram.Bot, anna: SandboxUser
) -> None:
    source = "<b>Hei</b> &lt;Anna &amp; Co&gt;"
    sent = await bot.send_message(anna.id, source, parse_mode="HTML")
    assert sent.text == "Hei <Anna & Co>"
    assert sent.entities[0].type == "bold"
    stored = anna.last_bot_message()
    assert stored is not None
    assert (stored.text, stored.html) == ("Hei <Anna & Co>", source)
    assert stored.entities == [{"offset": 0, "length": 3, "type": "bold"}]


async def test_markdown_is_kept_unparsed(bot: telegram.Bot, anna: SandboxUser) -> None:
    sent = await bot.send_message(anna.id, "*bold*", parse_mode="MarkdownV2")
    assert sent.text == "*bold*"


async def test_unsupported_parse_mode(bot: telegram.Bot, anna: SandboxUser) -> None:
    with pytest.raises(BadRequest, match="Unsupported parse_mode"):
        await bot.send_message(anna.id, "x", parse_mode="Troff")


async def test_caption_and_callback_answer_limits(
    bot: telegram.Bot, sandbox: Sandbox, anna: SandboxUser
) -> None:
    with pytest.raises(BadRequest, match="Message caption is too long"):
        await bot.send_photo(anna.id, photo=b"\x89PNG", caption="c" * 1025)
    await bot.send_message(anna.id, "Pick", reply_markup=_keyboard("a"))
    query_id = await anna.press("Press")
    with pytest.raises(BadRequest, match=r"(?i)MESSAGE_TOO_LONG"):
        await bot.answer_callback_query(query_id, text="t" * 201)
    assert await bot.answer_callback_query(query_id, text="t" * 200)


async def test_bot_command_rules(bot: telegram.Bot, sandbox: Sandbox) -> None:
    with pytest.raises(BadRequest, match=r"(?i)BOT_COMMAND_INVALID"):
        await bot.set_my_commands([BotCommand("Start", "Begin")])
    with pytest.raises(BadRequest, match=r"(?i)BOT_COMMAND_INVALID"):
        await bot.set_my_commands([BotCommand("c" * 33, "Too long")])
    with pytest.raises(BadRequest, match=r"(?i)BOT_COMMAND_DESCRIPTION_INVALID"):
        await bot.set_my_commands([BotCommand("start", "")])
    with pytest.raises(BadRequest, match=r"(?i)BOT_COMMAND_DESCRIPTION_INVALID"):
        await bot.set_my_commands([BotCommand("start", "d" * 257)])
    assert sandbox.commands() == []


async def test_routing_token_and_method_names(
    sandbox: Sandbox, http: httpx.AsyncClient, api_url: Callable[[str], str]
) -> None:
    wrong = await http.post(f"{sandbox.base_url}123456:WRONG/getMe")
    assert (wrong.status_code, wrong.json()) == (
        401,
        {"ok": False, "error_code": 401, "description": "Unauthorized"},
    )
    unknown = await http.post(api_url("getEverything"))
    assert (unknown.status_code, unknown.json()) == (
        404,
        {"ok": False, "error_code": 404, "description": "Not Found"},
    )
    upper = await http.get(api_url("GETME"))
    assert upper.status_code == 200 and upper.json()["result"]["id"] == 123456
    absent = await http.post(api_url("sendPoll"), data={"chat_id": 1, "question": "q"})
    assert absent.status_code == 400  # validated first: options is required
    unsupported = await http.post(api_url("sendDice"), data={"chat_id": 1})
    assert unsupported.json() == {
        "ok": False,
        "error_code": 501,
        "description": "Not Implemented: the sandbox does not support sendDice",
    }


async def test_query_string_and_json_bodies_are_accepted(
    http: httpx.AsyncClient, api_url: Callable[[str], str], anna: SandboxUser
) -> None:
    by_query = await http.get(api_url("sendMessage"), params={"chat_id": anna.id, "text": "q"})
    assert by_query.json()["result"]["text"] == "q"
    markup = {"inline_keyboard": [[{"text": "A", "callback_data": "a"}]]}
    by_json = await http.post(
        api_url("sendMessage"),
        json={"chat_id": anna.id, "text": "j", "reply_markup": markup, "protect_content": True},
    )
    result = by_json.json()["result"]
    assert result["reply_markup"] == markup and result["has_protected_content"] is True
    last = anna.last_bot_message()
    assert last is not None and last.protect_content and last.button_labels == ["A"]


async def test_records_of_refused_calls(
    sandbox: Sandbox, bot: telegram.Bot, anna: SandboxUser
) -> None:
    with pytest.raises(BadRequest):
        await bot.send_message(anna.id, "x" * 5000)
    record = sandbox.calls_to("sendMessage")[-1]
    assert record.status == 400 and not record.ok
    assert record.params["chat_id"] == anna.id
    assert record.description == "Bad Request: message is too long"


async def test_a_press_takes_one_answer_and_unanswered_presses_are_listed(
    bot: telegram.Bot, sandbox: Sandbox, anna: SandboxUser
) -> None:
    await bot.send_message(anna.id, "Pick", reply_markup=_keyboard("a"))
    first = await anna.press("Press")
    second = await anna.press("Press")
    assert [q.id for q in sandbox.unanswered_callback_queries()] == [first, second]
    assert await bot.answer_callback_query(first)
    with pytest.raises(BadRequest, match=r"(?i)query is too old"):
        await bot.answer_callback_query(first, text="again")
    assert [q.id for q in sandbox.unanswered_callback_queries()] == [second]
    sandbox.expire_callback_queries()
    assert sandbox.unanswered_callback_queries() == []
