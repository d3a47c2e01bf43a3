"""``SandboxUser``: acting as one Telegram user, and reading their chat with the bot.

Every action changes the sandbox's state the way Telegram would and queues the update the bot
receives (message, edited_message, callback_query, my_chat_member). Nothing goes over HTTP.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bot.sandbox import render
from bot.sandbox.files import TINY_OGG, TINY_PDF, TINY_PNG, TINY_WEBP
from bot.sandbox.media import largest_file_id, media_object
from bot.sandbox.models import (
    CallbackAnswer,
    CallbackQueryRecord,
    InlineButton,
    SandboxChat,
    SandboxMessage,
    UserRecord,
)
from bot.sandbox.text_format import detect_entities

if TYPE_CHECKING:
    from bot.sandbox.sandbox import Sandbox


class SandboxUser:
    """A person in the sandbox. Create with ``Sandbox.add_user``."""

    def __init__(self, sandbox: Sandbox, record: UserRecord):
        self._sandbox = sandbox
        self._record = record

    def __repr__(self) -> str:
        return f"SandboxUser(id={self.id}, first_name={self.first_name!r})"

    # -- who they are ------------------------------------------------------------------------

    @property
    def id(self) -> int:
        return self._record.id

    @property
    def chat_id(self) -> int:
        """The id of their private chat with the bot (the same as the user id)."""
        return self._record.id

    @property
    def first_name(self) -> str:
        return self._record.first_name

    @property
    def last_name(self) -> str | None:
        return self._record.last_name

    @property
    def username(self) -> str | None:
        return self._record.username

    @property
    def language_code(self) -> str | None:
        return self._record.language_code

    @language_code.setter
    def language_code(self, value: str | None) -> None:
        self._record.language_code = value

    @property
    def has_started(self) -> bool:
        """True once they wrote to the bot or pressed one of its buttons."""
        return self._record.has_started

    @property
    def blocked(self) -> bool:
        return self._record.blocked

    # -- what they see -----------------------------------------------------------------------

    @property
    def messages(self) -> list[SandboxMessage]:
        """Their private chat, both directions, in order, as it looks now."""
        return self._sandbox.chat_messages(self.chat_id)

    def bot_messages(self) -> list[SandboxMessage]:
        return [message for message in self.messages if message.from_bot]

    def last_bot_message(self) -> SandboxMessage | None:
        sent = self.bot_messages()
        return sent[-1] if sent else None

    def own_messages(self) -> list[SandboxMessage]:
        """What they wrote in their private chat, with the reaction the bot set on each."""
        return [message for message in self.messages if not message.from_bot]

    @property
    def reply_keyboard(self) -> list[list[str]] | None:
        """The labels of the reply keyboard the bot set in their chat, row by row."""
        markup = self._sandbox.state.chats[self.chat_id].reply_keyboard
        if markup is None:
            return None
        return [
            [button if isinstance(button, str) else str(button["text"]) for button in row]
            for row in markup["keyboard"]
        ]

    @property
    def callback_answers(self) -> list[CallbackAnswer]:
        """The bot's answers to their button presses, in order."""
        return list(self._record.callback_answers)

    # -- what they do ------------------------------------------------------------------------

    def _chat(self, chat_id: int | None) -> SandboxChat:
        chat = self._sandbox.state.chats.get(self.chat_id if chat_id is None else chat_id)
        if chat is None or self.id not in chat.member_ids:
            raise LookupError(f"{self!r} is not in chat {chat_id}")
        return chat

    def _post(
        self, chat: SandboxChat, reply_to: SandboxMessage | int | None, **fields: Any
    ) -> SandboxMessage:
        state = self._sandbox.state
        if chat.type == "private":
            if self._record.blocked:
                self.unblock_bot()  # Telegram's clients unblock a bot one writes to again
            self._record.has_started = True
        reply_id = reply_to.message_id if isinstance(reply_to, SandboxMessage) else reply_to
        message = state.new_message(
            chat, from_bot=False, sender_id=self.id, reply_to_message_id=reply_id, **fields
        )
        self._sandbox.push_update("message", render.message(state, message))
        return message

    async def send_text(
        self,
        text: str,
        *,
        chat_id: int | None = None,
        reply_to: SandboxMessage | int | None = None,
    ) -> SandboxMessage:
        """Write ``text``; bot commands, mentions and links get their entities."""
        if not text:
            raise ValueError("Telegram clients don't send empty messages")
        entities = detect_entities(text)
        return self._post(
            self._chat(chat_id), reply_to, kind="text", text=text, entities=entities or None
        )

    async def send_command(
        self, command: str, payload: str | None = None, *, chat_id: int | None = None
    ) -> SandboxMessage:
        """Send ``/command`` (with ``payload`` after a space, as a deep link's /start has)."""
        text = "/" + command.lstrip("/")
        if payload:
            text += f" {payload}"
        return await self.send_text(text, chat_id=chat_id)

    async def press_reply_button(self, label: str) -> SandboxMessage:
        """Tap a button of the reply keyboard: it sends the button's text."""
        rows = self.reply_keyboard or []
        labels = [text for row in rows for text in row]
        if label not in labels:
            raise LookupError(f"no reply keyboard button {label!r}; the keyboard has {labels}")
        return await self.send_text(label)

    def _media(
        self, kind: str, data: bytes, details: dict[str, Any], **file: Any
    ) -> dict[str, Any]:
        state = self._sandbox.state
        stored = state.files.add(data, kind, **file)
        media = media_object(state.files, kind, stored, details)
        return {"kind": kind, "media": media, "file_id": largest_file_id(kind, media)}

    async def send_photo(
        self,
        caption: str | None = None,
        data: bytes | None = None,
        *,
        chat_id: int | None = None,
    ) -> SandboxMessage:
        """Send a photo (a 1x1 PNG unless ``data`` is given); the bot sees its sizes."""
        fields = self._media("photo", data or TINY_PNG, {}, mime_type="image/png")
        return self._post(self._chat(chat_id), None, caption=caption, **fields)

    async def send_voice(
        self, duration: int = 3, data: bytes | None = None, *, chat_id: int | None = None
    ) -> SandboxMessage:
        fields = self._media("voice", data or TINY_OGG, {"duration": duration})
        return self._post(self._chat(chat_id), None, **fields)

    async def send_document(
        self,
        file_name: str = "cv.pdf",
        data: bytes | None = None,
        mime_type: str | None = None,
        *,
        caption: str | None = None,
        chat_id: int | None = None,
    ) -> SandboxMessage:
        if mime_type is None and file_name.lower().endswith(".pdf"):
            mime_type = "application/pdf"
        fields = self._media(
            "document", data or TINY_PDF, {}, mime_type=mime_type, file_name=file_name
        )
        return self._post(self._chat(chat_id), None, caption=caption, **fields)

    async def send_sticker(
        self, emoji: str = "👍", *, chat_id: int | None = None
    ) -> SandboxMessage:
        fields = self._media("sticker", TINY_WEBP, {"emoji": emoji}, mime_type="image/webp")
        return self._post(self._chat(chat_id), None, **fields)

    async def edit_text(self, message: SandboxMessage, text: str) -> SandboxMessage:
        """Edit one of their own text messages; the bot gets an edited_message update."""
        state = self._sandbox.state
        current = state.message(message.chat_id, message.message_id)
        if current is None or current.from_bot or current.sender_id != self.id:
            raise LookupError("a person can only edit their own messages that still exist")
        if current.kind != "text":
            raise ValueError("only text messages can be edited this way")
        current.text = text
        current.entities = detect_entities(text) or None
        current.edited = True
        current.edit_count += 1
        current.edit_date = state.now()
        self._sandbox.push_update("edited_message", render.message(state, current))
        return current

    def delete_message(self, message: SandboxMessage) -> None:
        """Delete one of their own messages (Telegram sends the bot no update for it); copying
        or forwarding it afterwards fails as on Telegram."""
        state = self._sandbox.state
        current = state.message(message.chat_id, message.message_id)
        if current is None or current.from_bot or current.sender_id != self.id:
            raise LookupError("a person can only delete their own messages that still exist")
        current.deleted = True

    def _keyboard_message(self, message: SandboxMessage | int | None) -> SandboxMessage:
        state = self._sandbox.state
        if isinstance(message, SandboxMessage):
            found = state.message(message.chat_id, message.message_id)
        elif isinstance(message, int):
            found = state.message(self.chat_id, message)
        else:
            with_keyboard = [m for m in self.bot_messages() if m.has_inline_keyboard]
            found = with_keyboard[-1] if with_keyboard else None
        if found is None:
            raise LookupError("no bot message with an inline keyboard to press")
        return found

    @staticmethod
    def _choose(
        message: SandboxMessage, label: str | None, index: int | None, data: str | None
    ) -> InlineButton:
        buttons = [button for row in message.buttons for button in row]
        labels = [button.text for button in buttons]
        if data is not None:
            matches = [button for button in buttons if button.callback_data == data]
            if not matches:
                # No such button: a forged or outdated press, which the bot must survive.
                return InlineButton(text="", callback_data=data)
        elif index is not None:
            matches = [buttons[index]] if -len(buttons) <= index < len(buttons) else []
        elif label is not None:
            matches = [button for button in buttons if button.text == label]
            if not matches:
                folded = label.casefold()
                matches = [button for button in buttons if folded in button.text.casefold()]
        else:
            matches = buttons
        if len(matches) != 1:
            wanted = data if data is not None else (index if index is not None else label)
            problem = "no button" if not matches else "more than one button"
            raise LookupError(
                f"{problem} matches {wanted!r} in message {message.message_id}; "
                f"the buttons are {labels}"
            )
        return matches[0]

    async def press(
        self,
        label: str | None = None,
        *,
        message: SandboxMessage | int | None = None,
        index: int | None = None,
        data: str | None = None,
    ) -> str:
        """Press an inline button and return the callback query id.

        The message defaults to the newest bot message in their chat that has an inline
        keyboard. The button is found by exact label, else by a label substring that only one
        button has, or by flat ``index``, or by ``data``. A ``data`` that no button carries is
        sent anyway, as a forged or outdated press; other misses raise ``LookupError`` naming
        the labels there are.
        """
        state = self._sandbox.state
        target = self._keyboard_message(message)
        if self.id not in state.chats[target.chat_id].member_ids:
            raise LookupError(f"{self!r} can't see message {target.message_id}")
        button = self._choose(target, label, index, data)
        if button.callback_data is None:
            raise LookupError(f"button {button.text!r} opens a link; it has no callback_data")
        query_id = state.next_query_id()
        state.callback_queries[query_id] = CallbackQueryRecord(
            id=query_id,
            user_id=self.id,
            chat_id=target.chat_id,
            message_id=target.message_id,
            data=button.callback_data,
            created=self._sandbox.monotonic(),
        )
        if target.chat_id == self.chat_id:
            self._record.has_started = True
        self._sandbox.push_update(
            "callback_query",
            {
                "id": query_id,
                "from": render.user(self._record),
                "message": render.message(state, target),
                "chat_instance": state.chat_instance(target.chat_id),
                "data": button.callback_data,
            },
        )
        return query_id

    def _member_update(self, old_status: str, new_status: str) -> None:
        state = self._sandbox.state
        bot = render.bot_user(state.bot)
        new_member: dict[str, Any] = {"status": new_status, "user": bot}
        if new_status == "kicked":
            new_member["until_date"] = 0
        old_member: dict[str, Any] = {"status": old_status, "user": bot}
        if old_status == "kicked":
            old_member["until_date"] = 0
        self._sandbox.push_update(
            "my_chat_member",
            {
                "chat": render.chat(state, state.chats[self.chat_id]),
                "from": render.user(self._record),
                "date": state.now(),
                "old_chat_member": old_member,
                "new_chat_member": new_member,
            },
        )

    def block_bot(self) -> None:
        """Block the bot: it gets 403 for anything sent to them, and a my_chat_member update."""
        if not self._record.blocked:
            self._record.blocked = True
            self._member_update("member", "kicked")

    def unblock_bot(self) -> None:
        if self._record.blocked:
            self._record.blocked = False
            self._member_update("kicked", "member")
