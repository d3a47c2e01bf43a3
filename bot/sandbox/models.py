"""The records a sandbox keeps in memory: people, chats, messages, files, queries, calls."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class InlineButton:
    text: str
    callback_data: str | None = None
    url: str | None = None
    # The address a Mini App button opens (`web_app.url`).
    web_app_url: str | None = None


@dataclass
class SandboxMessage:
    """One message as Telegram holds it, in its current state (after edits)."""

    chat_id: int
    message_id: int
    from_bot: bool
    sender_id: int
    date: int
    kind: str  # "text", "photo", "voice", "document", "sticker", "audio", "video"
    text: str | None = None  # plain text after entity parsing
    html: str | None = None  # the text as sent, when parse_mode was HTML
    entities: list[dict[str, Any]] | None = None
    caption: str | None = None
    caption_html: str | None = None
    caption_entities: list[dict[str, Any]] | None = None
    file_id: str | None = None  # the largest size, for photos
    media: Any = None  # the Bot API object: a list of PhotoSize dicts, or a Voice/Document dict
    reply_to_message_id: int | None = None
    reply_markup: dict[str, Any] | None = None  # as sent; only inline keyboards stay attached
    disable_notification: bool = False
    protect_content: bool = False
    edited: bool = False
    edit_count: int = 0
    edit_date: int | None = None
    copied_from: tuple[int, int] | None = None  # (chat_id, message_id) of the original
    forward_origin: dict[str, Any] | None = None
    deleted: bool = False
    pinned: bool = False
    media_group_id: str | None = None
    show_caption_above_media: bool = False
    bot_reaction: str | None = None  # the emoji the bot set with setMessageReaction

    @property
    def buttons(self) -> list[list[InlineButton]]:
        """The inline keyboard, row by row; empty without one."""
        markup = self.reply_markup or {}
        rows = markup.get("inline_keyboard") or []
        return [
            [
                InlineButton(
                    text=str(button.get("text", "")),
                    callback_data=button.get("callback_data"),
                    url=button.get("url"),
                    web_app_url=(button.get("web_app") or {}).get("url"),
                )
                for button in row
            ]
            for row in rows
        ]

    @property
    def button_labels(self) -> list[str]:
        return [button.text for row in self.buttons for button in row]

    @property
    def has_inline_keyboard(self) -> bool:
        return bool(self.buttons)

    @property
    def visible_text(self) -> str:
        """What a reader sees as the message's words: the text, else the caption."""
        return self.text if self.text is not None else (self.caption or "")


class CallbackAnswer(str):
    """The bot's answer to a button press.

    It is the answer's text (empty when there was none), so a list of answers compares with a
    list of strings, and it carries the answer's other fields as attributes.
    """

    query_id: str
    show_alert: bool
    url: str | None
    has_text: bool

    def __new__(
        cls, text: str | None, *, query_id: str, show_alert: bool = False, url: str | None = None
    ) -> CallbackAnswer:
        answer = super().__new__(cls, text or "")
        answer.query_id = query_id
        answer.show_alert = show_alert
        answer.url = url
        answer.has_text = text is not None
        return answer

    @property
    def text(self) -> str | None:
        return str(self) if self.has_text else None

    def __repr__(self) -> str:
        return (
            f"CallbackAnswer({self.text!r}, query_id={self.query_id!r}, "
            f"show_alert={self.show_alert}, url={self.url!r})"
        )


@dataclass
class CallbackQueryRecord:
    id: str
    user_id: int
    chat_id: int
    message_id: int
    data: str
    created: float  # on the sandbox's monotonic clock
    answer: CallbackAnswer | None = None
    expired: bool = False


@dataclass
class UserRecord:
    id: int
    first_name: str
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = None
    is_premium: bool = False
    has_started: bool = False  # wrote to the bot or pressed one of its buttons
    blocked: bool = False
    callback_answers: list[CallbackAnswer] = field(default_factory=list)


@dataclass
class SandboxChat:
    """A chat the bot is part of: a person's private chat, or a group."""

    id: int
    type: str  # "private", "group" or "supergroup"
    title: str | None = None
    username: str | None = None
    member_ids: list[int] = field(default_factory=list)
    messages: dict[int, SandboxMessage] = field(default_factory=dict)
    last_message_id: int = 0
    reply_keyboard: dict[str, Any] | None = None  # the ReplyKeyboardMarkup a person sees
    menu_button: dict[str, Any] | None = None
    chat_actions: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class StoredFile:
    file_id: str
    file_unique_id: str
    file_path: str
    data: bytes
    kind: str  # "photo", "voice", "document", "sticker", "audio", "video"
    mime_type: str | None = None
    file_name: str | None = None


@dataclass
class CallRecord:
    """One Bot API call as the sandbox saw it."""

    method: str
    params: dict[str, Any]
    timestamp: float  # the sandbox clock when the call arrived
    status: int | None = None  # None: no response was sent (yet, or ever: a timeout fault)
    response: dict[str, Any] | None = None
    fault: str | None = None  # the FaultKind value that fired on this call

    @property
    def ok(self) -> bool:
        return self.status == 200

    @property
    def description(self) -> str | None:
        return None if self.response is None else self.response.get("description")
