"""Bot API JSON for the sandbox's records: the shapes python-telegram-bot deserializes."""

from __future__ import annotations

from typing import Any

from bot.sandbox.models import SandboxChat, SandboxMessage, StoredFile, UserRecord
from bot.sandbox.state import BotIdentity, SandboxState


def bot_user(bot: BotIdentity, *, full: bool = False) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": bot.id,
        "is_bot": True,
        "first_name": bot.first_name,
        "username": bot.username,
    }
    if full:  # getMe describes the bot's capabilities as well
        data.update(
            can_join_groups=bot.can_join_groups,
            can_read_all_group_messages=bot.can_read_all_group_messages,
            supports_inline_queries=bot.supports_inline_queries,
            can_connect_to_business=False,
            has_main_web_app=False,
        )
    return data


def user(record: UserRecord) -> dict[str, Any]:
    data: dict[str, Any] = {"id": record.id, "is_bot": False, "first_name": record.first_name}
    if record.last_name:
        data["last_name"] = record.last_name
    if record.username:
        data["username"] = record.username
    if record.language_code:
        data["language_code"] = record.language_code
    if record.is_premium:
        data["is_premium"] = True
    return data


def chat(state: SandboxState, record: SandboxChat) -> dict[str, Any]:
    data: dict[str, Any] = {"id": record.id, "type": record.type}
    if record.type == "private":
        person = state.users[record.id]
        data["first_name"] = person.first_name
        if person.last_name:
            data["last_name"] = person.last_name
        if person.username:
            data["username"] = person.username
    else:
        data["title"] = record.title
        if record.username:
            data["username"] = record.username
    return data


def chat_full_info(state: SandboxState, record: SandboxChat) -> dict[str, Any]:
    data = chat(state, record)
    data.update(
        accent_color_id=record.id % 7 if record.id > 0 else 0,
        max_reaction_count=11,
        accepted_gift_types={
            "unlimited_gifts": False,
            "limited_gifts": False,
            "unique_gifts": False,
            "premium_subscription": False,
            "gifts_from_channels": False,
        },
    )
    pinned = [message for message in state.live_messages(record.id) if message.pinned]
    if pinned:
        data["pinned_message"] = message(state, pinned[-1], include_reply=False)
    return data


def sender(state: SandboxState, record: SandboxMessage) -> dict[str, Any]:
    if record.from_bot:
        return bot_user(state.bot)
    return user(state.users[record.sender_id])


def message(
    state: SandboxState, record: SandboxMessage, *, include_reply: bool = True
) -> dict[str, Any]:
    data: dict[str, Any] = {
        "message_id": record.message_id,
        "date": record.date,
        "chat": chat(state, state.chats[record.chat_id]),
        "from": sender(state, record),
    }
    if record.kind == "text":
        data["text"] = record.text or ""
        if record.entities:
            data["entities"] = record.entities
    else:
        data[record.kind] = record.media
        if record.caption is not None:
            data["caption"] = record.caption
            if record.caption_entities:
                data["caption_entities"] = record.caption_entities
        if record.show_caption_above_media:
            data["show_caption_above_media"] = True
    if record.reply_to_message_id is not None and include_reply:
        replied = state.message(record.chat_id, record.reply_to_message_id)
        if replied is not None:
            # Telegram nests one level only: the replied-to message carries no reply of its own.
            data["reply_to_message"] = message(state, replied, include_reply=False)
    if record.reply_markup and "inline_keyboard" in record.reply_markup:
        data["reply_markup"] = {"inline_keyboard": record.reply_markup["inline_keyboard"]}
    if record.edit_date is not None:
        data["edit_date"] = record.edit_date
    if record.protect_content:
        data["has_protected_content"] = True
    if record.forward_origin is not None:
        data["forward_origin"] = record.forward_origin
    if record.media_group_id is not None:
        data["media_group_id"] = record.media_group_id
    return data


def file(stored: StoredFile) -> dict[str, Any]:
    return {
        "file_id": stored.file_id,
        "file_unique_id": stored.file_unique_id,
        "file_size": len(stored.data),
        "file_path": stored.file_path,
    }


def chat_member(state: SandboxState, record: SandboxChat, user_id: int) -> dict[str, Any]:
    """A minimal ChatMember: the bot, members and people who left or blocked the bot."""
    if user_id == state.bot.id:
        return {"status": "member", "user": bot_user(state.bot)}
    person = state.users[user_id]
    if record.type == "private":
        status = "kicked" if person.blocked else "member"
    else:
        status = "member" if user_id in record.member_ids else "left"
    data: dict[str, Any] = {"status": status, "user": user(person)}
    if status == "kicked":
        data["until_date"] = 0
    return data
