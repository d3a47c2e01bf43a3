"""Sending, editing, deleting, copying and forwarding, with Telegram's refusals."""

from __future__ import annotations

import pytest
import telegram
from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    ReplyParameters,
)
from telegram.error import BadRequest, Forbidden

from bot.sandbox import Sandbox, SandboxUser

KEYBOARD = InlineKeyboardMarkup(
    [
        [
            InlineKeyboardButton("✅ Yes", callback_data="yes"),
            InlineKeyboardButton("No", callback_data="no"),
        ]
    ]
)


async def test_bot_cannot_write_first(sandbox: Sandbox, bot: telegram.Bot) -> None:
    stranger = sandbox.add_user(first_name="Ville")
    with pytest.raises(Forbidden, match="bot can't initiate conversation with a user"):
        await bot.send_message(stranger.id, "Hello?")
    assert not stranger.has_started and stranger.messages == []
    await stranger.send_text("hei")
    assert stranger.has_started
    await bot.send_message(stranger.id, "Hello!")
    assert [m.visible_text for m in stranger.messages] == ["hei", "Hello!"]


async def test_blocked_user_and_unknown_chat(
    sandbox: Sandbox, bot: telegram.Bot, anna: SandboxUser
) -> None:
    anna.block_bot()
    with pytest.raises(Forbidden, match="bot was blocked by the user"):
        await bot.send_message(anna.id, "Still there?")
    updates = await bot.get_updates()
    member = updates[-1].my_chat_member
    assert member is not None and member.new_chat_member.status == "kicked"
    anna.unblock_bot()
    await bot.send_message(anna.id, "Welcome back")
    with pytest.raises(BadRequest, match="Chat not found"):
        await bot.send_message(987654, "Nobody")
    with pytest.raises(BadRequest, match="Chat not found"):
        await bot.send_message("@nobody", "Nobody")


async def test_message_shape_and_store(
    sandbox: Sandbox, bot: telegram.Bot, anna: SandboxUser
) -> None:
    sent = await bot.send_message(
        anna.id,
        "Choose",
        reply_markup=KEYBOARD,
        disable_notification=True,
        protect_content=True,
        reply_parameters=ReplyParameters(message_id=anna.messages[0].message_id),
    )
    assert sent.chat.id == anna.id and sent.chat.type == "private"
    assert sent.from_user is not None and sent.from_user.username == "companion_test_bot"
    assert sent.reply_to_message is not None and sent.reply_to_message.text == "/start"
    assert sent.has_protected_content
    stored = anna.last_bot_message()
    assert stored is not None
    assert (stored.message_id, stored.sender_id, stored.kind) == (2, sandbox.bot.id, "text")
    assert stored.disable_notification and stored.protect_content
    assert stored.reply_to_message_id == 1
    assert stored.button_labels == ["✅ Yes", "No"]
    assert stored.buttons[0][0].callback_data == "yes"
    assert sandbox.chat_messages(anna.id)[-1] is stored


async def test_reply_to_missing_message(bot: telegram.Bot, anna: SandboxUser) -> None:
    with pytest.raises(BadRequest, match="Message to be replied not found"):
        await bot.send_message(anna.id, "x", reply_parameters=ReplyParameters(message_id=99))
    sent = await bot.send_message(
        anna.id,
        "x",
        reply_parameters=ReplyParameters(message_id=99, allow_sending_without_reply=True),
    )
    assert sent.reply_to_message is None


async def test_reply_keyboard_is_shown_and_removed(bot: telegram.Bot, anna: SandboxUser) -> None:
    await bot.send_message(
        anna.id,
        "How are you?",
        reply_markup=ReplyKeyboardMarkup([["🙂 Good", "😐 OK"], ["😞 Bad"]]),
    )
    assert anna.reply_keyboard == [["🙂 Good", "😐 OK"], ["😞 Bad"]]
    answer = await anna.press_reply_button("😐 OK")
    assert answer.text == "😐 OK"
    with pytest.raises(LookupError, match="Good"):
        await anna.press_reply_button("Great")
    await bot.send_message(anna.id, "Thanks", reply_markup=ReplyKeyboardRemove())
    assert anna.reply_keyboard is None


async def test_edits_and_not_modified(bot: telegram.Bot, anna: SandboxUser) -> None:
    sent = await bot.send_message(anna.id, "<b>Plan</b>", parse_mode="HTML", reply_markup=KEYBOARD)
    with pytest.raises(BadRequest, match="Message is not modified: specified new message content"):
        await bot.edit_message_text(
            "<b>Plan</b>",
            chat_id=anna.id,
            message_id=sent.message_id,
            parse_mode="HTML",
            reply_markup=KEYBOARD,
        )
    edited = await bot.edit_message_text(
        "Plan", chat_id=anna.id, message_id=sent.message_id, reply_markup=KEYBOARD
    )
    assert isinstance(edited, telegram.Message) and edited.edit_date is not None
    stored = anna.last_bot_message()
    assert stored is not None and stored.edited and stored.edit_count == 1
    assert (stored.text, stored.entities) == ("Plan", None)
    # Telegram drops the inline keyboard when an edit does not repeat it.
    await bot.edit_message_text("Plan, v2", chat_id=anna.id, message_id=sent.message_id)
    assert stored.buttons == [] and stored.edit_count == 2
    await bot.edit_message_reply_markup(anna.id, sent.message_id, reply_markup=KEYBOARD)
    assert stored.button_labels == ["✅ Yes", "No"]
    with pytest.raises(BadRequest, match="Message is not modified"):
        await bot.edit_message_reply_markup(anna.id, sent.message_id, reply_markup=KEYBOARD)


async def test_edit_refusals(bot: telegram.Bot, anna: SandboxUser) -> None:
    with pytest.raises(BadRequest, match="Message to edit not found"):
        await bot.edit_message_text("x", chat_id=anna.id, message_id=42)
    own = anna.messages[0]
    with pytest.raises(BadRequest, match="Message can't be edited"):
        await bot.edit_message_text("x", chat_id=anna.id, message_id=own.message_id)
    with pytest.raises(BadRequest, match="There is no caption in the message to edit"):
        sent = await bot.send_message(anna.id, "text")
        await bot.edit_message_caption(anna.id, sent.message_id, caption="c")


async def test_caption_edit(bot: telegram.Bot, anna: SandboxUser) -> None:
    photo = await bot.send_photo(anna.id, photo=b"\x89PNG", caption="Old")
    with pytest.raises(BadRequest, match="There is no text in the message to edit"):
        await bot.edit_message_text("New", chat_id=anna.id, message_id=photo.message_id)
    with pytest.raises(BadRequest, match="Message is not modified"):
        await bot.edit_message_caption(anna.id, photo.message_id, caption="Old")
    edited = await bot.edit_message_caption(
        anna.id, photo.message_id, caption="<i>New</i>", parse_mode="HTML"
    )
    assert isinstance(edited, telegram.Message) and edited.caption == "New"
    stored = anna.last_bot_message()
    assert stored is not None and (stored.caption, stored.caption_html) == ("New", "<i>New</i>")


async def test_delete(sandbox: Sandbox, bot: telegram.Bot, anna: SandboxUser) -> None:
    first = await bot.send_message(anna.id, "one")
    second = await bot.send_message(anna.id, "two")
    assert await bot.delete_message(anna.id, first.message_id)
    with pytest.raises(BadRequest, match="Message to delete not found"):
        await bot.delete_message(anna.id, first.message_id)
    with pytest.raises(BadRequest, match="Message to edit not found"):
        await bot.edit_message_text("again", chat_id=anna.id, message_id=first.message_id)
    assert await bot.delete_messages(anna.id, [second.message_id, 999])
    assert [m.visible_text for m in anna.messages] == ["/start"]
    deleted = sandbox.chat(anna.id).messages[first.message_id]
    assert deleted.deleted


async def test_copy_message_with_protect_content(
    sandbox: Sandbox, bot: telegram.Bot, anna: SandboxUser
) -> None:
    coach = sandbox.add_user(first_name="Coach", language_code="en")
    await coach.send_command("start")
    note = await anna.send_text("I got the job interview!")
    copied = await bot.copy_message(
        chat_id=coach.id,
        from_chat_id=anna.id,
        message_id=note.message_id,
        protect_content=True,
        reply_markup=KEYBOARD,
    )
    copy = coach.last_bot_message()
    assert copy is not None and copy.message_id == copied.message_id
    assert copy.text == "I got the job interview!" and copy.from_bot
    assert copy.protect_content and copy.copied_from == (anna.id, note.message_id)
    assert copy.button_labels == ["✅ Yes", "No"]
    # A protected copy can't be copied or forwarded any further.
    with pytest.raises(BadRequest, match="Message has protected content"):
        await bot.copy_message(anna.id, coach.id, copy.message_id)
    with pytest.raises(BadRequest, match="Message to copy not found"):
        await bot.copy_message(coach.id, anna.id, 404)


async def test_copy_media_with_new_caption_and_copy_many(
    sandbox: Sandbox, bot: telegram.Bot, anna: SandboxUser
) -> None:
    coach = sandbox.add_user(first_name="Coach")
    await coach.send_text("hi")
    photo = await anna.send_photo(caption="my CV photo")
    await bot.copy_message(
        coach.id, anna.id, photo.message_id, caption="<b>From Anna</b>", parse_mode="HTML"
    )
    copy = coach.last_bot_message()
    assert copy is not None and copy.kind == "photo" and copy.caption == "From Anna"
    assert copy.file_id == photo.file_id
    ids = await bot.copy_messages(coach.id, anna.id, [1, photo.message_id, 77])
    assert len(ids) == 2
    assert [m.visible_text for m in coach.bot_messages()][-2:] == ["/start", "my CV photo"]


async def test_forward_message(sandbox: Sandbox, bot: telegram.Bot, anna: SandboxUser) -> None:
    coach = sandbox.add_user(first_name="Coach")
    await coach.send_text("hi")
    forwarded = await bot.forward_message(coach.id, anna.id, anna.messages[0].message_id)
    assert forwarded.forward_origin is not None
    assert forwarded.forward_origin.sender_user.id == anna.id  # type: ignore[attr-defined]
    stored = coach.last_bot_message()
    assert stored is not None and stored.forward_origin is not None


async def test_groups(sandbox: Sandbox, bot: telegram.Bot, anna: SandboxUser) -> None:
    ville = sandbox.add_user(first_name="Ville")
    group = sandbox.add_group("Job club", [anna, ville])
    assert group.id < 0
    said = await ville.send_text("Hello club", chat_id=group.id)
    assert not ville.has_started  # writing in a group does not open the private chat
    sent = await bot.send_message(group.id, "Hello everyone")
    assert sent.chat.type == "group" and sent.chat.title == "Job club"
    update = (await bot.get_updates())[-1]
    assert update.message is not None and update.message.chat.id == group.id
    assert update.message.message_id == said.message_id
    assert [m.visible_text for m in sandbox.chat_messages(group.id)] == [
        "Hello club",
        "Hello everyone",
    ]
    with pytest.raises(BadRequest, match="Message can't be deleted"):
        await bot.delete_message(group.id, said.message_id)
    outsider = sandbox.add_user(first_name="Olli")
    with pytest.raises(LookupError):
        await outsider.send_text("let me in", chat_id=group.id)


async def test_on_bot_message_sees_new_and_edited_messages(
    sandbox: Sandbox, bot: telegram.Bot, anna: SandboxUser
) -> None:
    seen: list[tuple[str, bool]] = []
    sandbox.on_bot_message.append(
        lambda message: seen.append((message.visible_text, message.edited))
    )
    sent = await bot.send_message(anna.id, "first")
    await bot.edit_message_text("second", chat_id=anna.id, message_id=sent.message_id)
    assert seen == [("first", False), ("second", True)]


async def test_pins(sandbox: Sandbox, bot: telegram.Bot, anna: SandboxUser) -> None:
    sent = await bot.send_message(anna.id, "Your goals")
    assert await bot.pin_chat_message(anna.id, sent.message_id)
    chat = await bot.get_chat(anna.id)
    assert chat.pinned_message is not None and chat.pinned_message.text == "Your goals"
    assert await bot.unpin_chat_message(anna.id)
    stored = anna.last_bot_message()
    assert stored is not None and not stored.pinned
    with pytest.raises(BadRequest, match="Message to pin not found"):
        await bot.pin_chat_message(anna.id, 999)


async def test_mark_started_allows_writing_without_an_update(
    sandbox: Sandbox, bot: telegram.Bot
) -> None:
    person = sandbox.add_user(first_name="Pia", language_code=None)
    sandbox.mark_started(person.id)
    assert sandbox.pending_update_count == 0
    await bot.send_message(person.id, "Reminder")
    assert [m.text for m in person.bot_messages()] == ["Reminder"]
    with pytest.raises(LookupError):
        sandbox.mark_started(424242)


async def test_writing_again_unblocks(
    sandbox: Sandbox, bot: telegram.Bot, anna: SandboxUser
) -> None:
    anna.block_bot()
    await anna.send_text("I'm back")
    assert not anna.blocked
    await bot.send_message(anna.id, "Welcome back")
    kinds = [
        next(k for k in ("message", "my_chat_member") if getattr(u, k))
        for u in await bot.get_updates()
    ]
    assert kinds == ["message", "my_chat_member", "my_chat_member", "message"]
