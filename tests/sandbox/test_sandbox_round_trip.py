"""A real python-telegram-bot Application polling the sandbox while a test acts as a person."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
import telegram
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, ReplyKeyboardMarkup, Update
from telegram.error import BadRequest
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot.sandbox import Sandbox, SandboxUser

Context = ContextTypes.DEFAULT_TYPE
AnyApplication = Application[Any, Any, Any, Any, Any, Any]


async def start(update: Update, context: Context) -> None:
    assert update.message is not None
    payload = " ".join(context.args or [])
    await update.message.reply_text(
        f"Hei! {payload}".strip(),
        reply_markup=InlineKeyboardMarkup(
            [
                [InlineKeyboardButton("✅ Set a goal", callback_data="goal:new")],
                [InlineKeyboardButton("📅 Check-in", callback_data="checkin")],
            ]
        ),
    )
    await update.message.reply_text(
        "Or use the menu below.", reply_markup=ReplyKeyboardMarkup([["Help", "Coach"]])
    )


async def pressed(update: Update, context: Context) -> None:
    query = update.callback_query
    assert query is not None and query.message is not None
    await query.answer(f"Chose {query.data}")
    await query.edit_message_text(f"You chose {query.data}")


async def echo(update: Update, context: Context) -> None:
    assert update.message is not None and update.message.text is not None
    await update.message.reply_text(f"Echo: {update.message.text}")


async def start_application(sandbox: Sandbox) -> AnyApplication:
    app = (
        ApplicationBuilder()
        .token(sandbox.token)
        .base_url(sandbox.base_url)
        .base_file_url(sandbox.base_file_url)
        .build()
    )
    app.add_handler(CommandHandler("start", start))
    app.add_handler(CallbackQueryHandler(pressed))
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, echo))
    # run_polling() would close the event loop the sandbox runs in; start and stop by hand.
    await app.initialize()
    assert app.updater is not None
    await app.updater.start_polling(poll_interval=0, timeout=10)
    await app.start()
    return app


async def stop_application(app: AnyApplication) -> None:
    assert app.updater is not None
    await app.updater.stop()
    await app.stop()
    await app.shutdown()


@pytest.fixture
async def application(sandbox: Sandbox) -> AsyncIterator[AnyApplication]:
    app = await start_application(sandbox)
    yield app
    await stop_application(app)


async def test_start_press_answer_and_edit(
    sandbox: Sandbox,
    application: AnyApplication,
) -> None:
    anna = sandbox.add_user(first_name="Anna", language_code="fi")
    await anna.send_command("start", "invite-123")
    await sandbox.wait_idle()
    welcome, menu = anna.bot_messages()
    assert welcome.text == "Hei! invite-123"
    assert welcome.button_labels == ["✅ Set a goal", "📅 Check-in"]
    assert menu.text == "Or use the menu below."
    assert anna.reply_keyboard == [["Help", "Coach"]]

    query_id = await anna.press("Check")  # a unique part of a label is enough
    await sandbox.wait_idle()
    assert [(a.query_id, a.text) for a in anna.callback_answers] == [(query_id, "Chose checkin")]
    assert welcome.text == "You chose checkin" and welcome.edited and welcome.buttons == []

    await anna.press_reply_button("Help")
    await sandbox.wait_idle()
    last = anna.last_bot_message()
    assert last is not None and last.text == "Echo: Help"
    assert sandbox.pending_update_count == 0


async def test_updates_reach_the_bot_with_telegrams_entities(
    sandbox: Sandbox, bot: telegram.Bot
) -> None:
    anna = sandbox.add_user(first_name="Anna")
    await anna.send_text("/start@companion_test_bot hello @someone https://example.org")
    update = (await bot.get_updates())[0]
    assert update.message is not None and update.message.from_user is not None
    assert update.message.from_user.language_code == "fi"
    entities = [(e.type, e.offset, e.length) for e in update.message.entities]
    assert entities == [("bot_command", 0, 25), ("mention", 32, 8), ("url", 41, 19)]
    assert update.message.parse_entity(update.message.entities[0]) == "/start@companion_test_bot"


async def test_press_finds_buttons_in_every_way(
    sandbox: Sandbox, bot: telegram.Bot, anna: SandboxUser
) -> None:
    keyboard = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton("Yes", callback_data="a:1"),
                InlineKeyboardButton("Yes, later", callback_data="a:2"),
            ],
            [InlineKeyboardButton("Site", url="https://example.org")],
        ]
    )
    older = await bot.send_message(anna.id, "Older", reply_markup=keyboard)
    await bot.send_message(anna.id, "Newer", reply_markup=keyboard)
    await bot.send_message(anna.id, "No keyboard")
    await bot.get_updates(offset=sandbox.next_update_id)  # forget /start

    await anna.press("Yes")  # exact label wins over the substring match
    await anna.press("later")
    await anna.press(index=0)
    await anna.press(data="a:2", message=older.message_id)
    updates = await bot.get_updates()
    queries = [u.callback_query for u in updates]
    assert [(q.data, q.message.message_id) for q in queries if q and q.message] == [
        ("a:1", 3),
        ("a:2", 3),
        ("a:1", 3),
        ("a:2", older.message_id),
    ]
    first = queries[0]
    assert first is not None and first.from_user.id == anna.id and first.chat_instance

    forged = await anna.press(data="a:999", message=older.message_id)  # no button has it
    update = (await bot.get_updates(offset=updates[-1].update_id + 1))[-1]
    assert update.callback_query is not None
    assert (update.callback_query.id, update.callback_query.data) == (forged, "a:999")

    with pytest.raises(LookupError, match=r"\['Yes', 'Yes, later', 'Site'\]"):
        await anna.press("No such")
    with pytest.raises(LookupError, match="more than one"):
        await anna.press("es")
    with pytest.raises(LookupError, match="no callback_data"):
        await anna.press("Site")


async def test_callback_queries_are_answered_once_and_expire(
    sandbox: Sandbox, bot: telegram.Bot, anna: SandboxUser
) -> None:
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("Go", callback_data="go")]])
    await bot.send_message(anna.id, "Ready?", reply_markup=keyboard)
    query_id = await anna.press("Go")
    assert await bot.answer_callback_query(query_id, text="Done", show_alert=True)
    invalid = "Query is too old and response timeout expired or query id is invalid"
    with pytest.raises(BadRequest, match=invalid):
        await bot.answer_callback_query(query_id)
    with pytest.raises(BadRequest, match=invalid):
        await bot.answer_callback_query("no-such-query")
    stale = await anna.press("Go")
    sandbox.expire_callback_queries()
    with pytest.raises(BadRequest, match=invalid):
        await bot.answer_callback_query(stale)
    old = await anna.press("Go")
    sandbox.callback_query_max_age = 0.0
    await asyncio.sleep(0.01)
    with pytest.raises(BadRequest, match=invalid):
        await bot.answer_callback_query(old)
    answers = anna.callback_answers
    assert answers == ["Done"]  # answers compare as their texts
    assert answers[0].show_alert and answers[0].query_id == query_id


async def test_person_edits_their_message(
    sandbox: Sandbox, bot: telegram.Bot, anna: SandboxUser
) -> None:
    said = await anna.send_text("I applied to 2 jobs")
    await anna.edit_text(said, "I applied to 3 jobs")
    update = (await bot.get_updates())[-1]
    assert update.edited_message is not None
    assert update.edited_message.text == "I applied to 3 jobs"
    assert update.edited_message.edit_date is not None
    assert anna.messages[-1].text == "I applied to 3 jobs"


async def test_wait_idle(sandbox: Sandbox, bot: telegram.Bot) -> None:
    await sandbox.wait_idle(quiet=0.01, timeout=1)  # nothing happened yet
    anna = sandbox.add_user(first_name="Anna")
    await anna.send_text("hello")
    with pytest.raises(TimeoutError, match="1 unconfirmed updates"):
        await sandbox.wait_idle(quiet=0.01, timeout=0.1)
    poll = asyncio.create_task(bot.get_updates(timeout=5))
    updates = await poll
    with pytest.raises(TimeoutError):
        await sandbox.wait_idle(quiet=0.01, timeout=0.1)  # delivered, not yet confirmed
    # Confirming with a long poll that stays open: the waiting poll does not count as busy.
    waiting = asyncio.create_task(bot.get_updates(offset=updates[-1].update_id + 1, timeout=5))
    await sandbox.wait_idle(quiet=0.05, timeout=1)
    assert sandbox.pending_update_count == 0 and sandbox.in_flight_requests == 0
    await anna.send_text("wake up")
    assert len(await waiting) == 1


async def test_bot_restart_picks_up_what_arrived_while_it_was_down(sandbox: Sandbox) -> None:
    anna = sandbox.add_user(first_name="Anna")
    first = await start_application(sandbox)
    await anna.send_command("start")
    await sandbox.wait_idle()
    await stop_application(first)

    await anna.send_text("Are you there?")  # written while the bot is down
    query_id = await anna.press("Set a goal")
    sandbox.expire_callback_queries()  # a restart takes longer than Telegram waits

    second = await start_application(sandbox)
    try:
        await sandbox.wait_idle()
    finally:
        await stop_application(second)
    texts = [m.visible_text for m in anna.bot_messages()]
    assert "Echo: Are you there?" in texts
    # The press was delivered, but answering it came too late: PTB's answer() failed.
    assert anna.callback_answers == [] and query_id
    assert sandbox.calls_to("answerCallbackQuery")[-1].status == 400
