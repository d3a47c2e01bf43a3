"""The Bot API methods the sandbox implements, by lower-cased name."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from types import MappingProxyType
from typing import Any

from bot.sandbox.methods import bot_settings, chats, media_sends, messages, polling, reactions
from bot.sandbox.methods.context import CallContext

Handler = Callable[[CallContext], Awaitable[Any]]


def method_table() -> Mapping[str, Handler]:
    """Implemented methods; every other method of the specification answers 501."""
    table: dict[str, Handler] = {
        "getMe": bot_settings.get_me,
        "logOut": bot_settings.always_true,
        "close": bot_settings.always_true,
        "getUpdates": polling.get_updates,
        "setWebhook": polling.set_webhook,
        "deleteWebhook": polling.delete_webhook,
        "getWebhookInfo": polling.get_webhook_info,
        "sendMessage": messages.send_message,
        "editMessageText": messages.edit_message_text,
        "editMessageCaption": messages.edit_message_caption,
        "editMessageReplyMarkup": messages.edit_message_reply_markup,
        "deleteMessage": messages.delete_message,
        "deleteMessages": messages.delete_messages,
        "copyMessage": messages.copy_message,
        "copyMessages": messages.copy_messages,
        "forwardMessage": messages.forward_message,
        "forwardMessages": messages.forward_messages,
        "pinChatMessage": messages.pin_chat_message,
        "unpinChatMessage": messages.unpin_chat_message,
        "unpinAllChatMessages": messages.unpin_all_chat_messages,
        "setMessageReaction": reactions.set_message_reaction,
        "sendPhoto": media_sends.send_photo,
        "sendDocument": media_sends.send_document,
        "sendVoice": media_sends.send_voice,
        "sendAudio": media_sends.send_audio,
        "sendVideo": media_sends.send_video,
        "sendSticker": media_sends.send_sticker,
        "sendMediaGroup": media_sends.send_media_group,
        "getFile": media_sends.get_file,
        "setMyCommands": bot_settings.set_my_commands,
        "getMyCommands": bot_settings.get_my_commands,
        "deleteMyCommands": bot_settings.delete_my_commands,
        "setMyName": bot_settings.set_my_name,
        "getMyName": bot_settings.get_my_name,
        "setMyDescription": bot_settings.set_my_description,
        "getMyDescription": bot_settings.get_my_description,
        "setMyShortDescription": bot_settings.set_my_short_description,
        "getMyShortDescription": bot_settings.get_my_short_description,
        "setChatMenuButton": bot_settings.set_chat_menu_button,
        "getChatMenuButton": bot_settings.get_chat_menu_button,
        "getChat": chats.get_chat,
        "getChatMember": chats.get_chat_member,
        "sendChatAction": chats.send_chat_action,
        "answerCallbackQuery": chats.answer_callback_query,
    }
    return MappingProxyType({name.lower(): handler for name, handler in table.items()})


__all__ = ["CallContext", "Handler", "method_table"]
