"""What a Bot API method implementation gets to work with, and the steps sends share."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bot.sandbox.errors import BLOCKED, CANT_INITIATE, CHAT_NOT_FOUND, bad_request, forbidden
from bot.sandbox.models import SandboxChat, SandboxMessage
from bot.sandbox.state import SandboxState
from bot.sandbox.update_queue import UpdateQueue


@dataclass
class CallContext:
    """One call: its typed parameters and the sandbox parts a method may touch.

    Method code checks everything first and changes state last, after ``charge``: a call that
    is refused (400, 403, 429) leaves no trace but its entry in the call log.
    """

    method: str
    params: dict[str, Any]
    state: SandboxState
    updates: UpdateQueue
    charge: Callable[[int], None]  # flood control for a send or edit to this chat
    publish: Callable[[SandboxMessage], None]  # a bot message appeared or changed
    monotonic: Callable[[], float]
    callback_query_max_age: float
    alive: Callable[[], bool]  # the client is still connected

    def chat(self, key: str = "chat_id") -> SandboxChat:
        """The chat a parameter names; 400 "chat not found" for any other value."""
        return self.find_chat(self.params[key])

    def find_chat(self, value: Any) -> SandboxChat:
        if isinstance(value, str) and value.lstrip("-").isdigit():
            value = int(value)
        found: SandboxChat | None = None
        if isinstance(value, int):
            found = self.state.chats.get(value)
        elif isinstance(value, str) and value.startswith("@"):
            # Only groups and channels are addressable by @username, never people.
            wanted = value[1:].lower()
            found = next(
                (
                    chat
                    for chat in self.state.chats.values()
                    if chat.type != "private" and (chat.username or "").lower() == wanted
                ),
                None,
            )
        if found is None:
            raise bad_request(CHAT_NOT_FOUND)
        return found

    def writable_chat(self, key: str = "chat_id") -> SandboxChat:
        """A chat the bot may write to; 403 for people who blocked it or never wrote."""
        chat = self.chat(key)
        if chat.type == "private":
            person = self.state.users[chat.id]
            if person.blocked:
                raise forbidden(BLOCKED)
            if not person.has_started:
                raise forbidden(CANT_INITIATE)
        return chat

    def reply_target(self, chat: SandboxChat) -> int | None:
        """The message a send replies to, from reply_parameters."""
        parameters = self.params.get("reply_parameters")
        if not parameters:
            return None
        target_chat = parameters.get("chat_id", chat.id)
        message_id = parameters["message_id"]
        if target_chat in (chat.id, str(chat.id)) and self.state.message(chat.id, message_id):
            return int(message_id)
        if parameters.get("allow_sending_without_reply"):
            return None
        raise bad_request("message to be replied not found")

    def flag(self, name: str) -> bool:
        return bool(self.params.get(name, False))

    def deliver(self, chat: SandboxChat, build: Callable[[], dict[str, Any]]) -> SandboxMessage:
        """Send a bot message: checks, flood charge, then ``build()`` and the state change.

        ``build`` returns the message's content fields; it runs after the charge because it
        may store files, and a refused call must not.
        """
        reply_to = self.reply_target(chat)
        markup = self.params.get("reply_markup")
        self.charge(chat.id)
        message = self.state.new_message(
            chat,
            from_bot=True,
            sender_id=self.state.bot.id,
            reply_to_message_id=reply_to,
            reply_markup=markup,
            disable_notification=self.flag("disable_notification"),
            protect_content=self.flag("protect_content"),
            **build(),
        )
        remember_reply_keyboard(chat, markup)
        self.publish(message)
        return message


def remember_reply_keyboard(chat: SandboxChat, markup: dict[str, Any] | None) -> None:
    """A sent ReplyKeyboardMarkup replaces what the person sees; ReplyKeyboardRemove hides it."""
    if not markup:
        return
    if "keyboard" in markup:
        chat.reply_keyboard = markup
    elif markup.get("remove_keyboard"):
        chat.reply_keyboard = None


def inline_markup(message: SandboxMessage) -> dict[str, Any] | None:
    markup = message.reply_markup
    return markup if markup and "inline_keyboard" in markup else None
