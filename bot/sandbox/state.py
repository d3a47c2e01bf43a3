"""Everything one sandbox knows: the bot, people, chats and their messages, files, settings."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from bot.sandbox.files import FileStore
from bot.sandbox.models import CallbackQueryRecord, SandboxChat, SandboxMessage, UserRecord

FIRST_USER_ID = 1001
FIRST_GROUP_ID = -5001
FIRST_SUPERGROUP_ID = -1001000000001


@dataclass(frozen=True, slots=True)
class BotIdentity:
    id: int
    username: str
    first_name: str
    can_join_groups: bool = True
    can_read_all_group_messages: bool = False
    supports_inline_queries: bool = False


@dataclass(slots=True)
class WebhookState:
    url: str = ""
    max_connections: int = 40
    allowed_updates: list[str] | None = None
    secret_token: str | None = None
    ip_address: str | None = None
    last_error_date: int | None = None
    last_error_message: str | None = None


@dataclass(slots=True)
class BotProfile:
    """What setMyName/Description/ShortDescription/ChatMenuButton store, by language."""

    names: dict[str, str] = field(default_factory=dict)
    descriptions: dict[str, str] = field(default_factory=dict)
    short_descriptions: dict[str, str] = field(default_factory=dict)
    menu_button: dict[str, Any] | None = None


def scope_key(scope: dict[str, Any] | None) -> str:
    """A stable key for a BotCommandScope; chat and user ids compare as numbers."""
    normal: dict[str, Any] = dict(scope or {"type": "default"})
    for name in ("chat_id", "user_id"):
        value = normal.get(name)
        if isinstance(value, str) and value.lstrip("-").isdigit():
            normal[name] = int(value)
    return json.dumps(normal, sort_keys=True, separators=(",", ":"))


class SandboxState:
    def __init__(self, bot: BotIdentity, clock: Callable[[], float]):
        self.bot = bot
        self.clock = clock
        self.users: dict[int, UserRecord] = {}
        self.chats: dict[int, SandboxChat] = {}
        self.files = FileStore()
        self.callback_queries: dict[str, CallbackQueryRecord] = {}
        self.commands: dict[tuple[str, str], list[tuple[str, str]]] = {}
        self.profile = BotProfile()
        self.webhook = WebhookState()
        self._next_user_id = FIRST_USER_ID
        self._next_group_id = FIRST_GROUP_ID
        self._next_supergroup_id = FIRST_SUPERGROUP_ID
        self._next_query = 1
        self._next_media_group = 1

    def now(self) -> int:
        """The current date as Telegram sends it: whole unix seconds."""
        return int(self.clock())

    def add_user(
        self,
        first_name: str,
        *,
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = None,
        user_id: int | None = None,
    ) -> UserRecord:
        if user_id is None:
            while self._next_user_id in self.users or self._next_user_id == self.bot.id:
                self._next_user_id += 1
            user_id = self._next_user_id
        if user_id <= 0 or user_id in self.users or user_id == self.bot.id:
            raise ValueError(f"user id {user_id} is taken or invalid")
        user = UserRecord(
            id=user_id,
            first_name=first_name,
            last_name=last_name,
            username=username,
            language_code=language_code,
        )
        self.users[user_id] = user
        self.chats[user_id] = SandboxChat(id=user_id, type="private", member_ids=[user_id])
        return user

    def add_group(
        self,
        title: str,
        member_ids: list[int],
        *,
        chat_type: str = "group",
        chat_id: int | None = None,
        username: str | None = None,
    ) -> SandboxChat:
        if chat_type not in ("group", "supergroup"):
            raise ValueError("chat_type must be 'group' or 'supergroup'")
        unknown = [member for member in member_ids if member not in self.users]
        if unknown:
            raise ValueError(f"unknown members: {unknown}")
        if chat_id is None:
            if chat_type == "group":
                chat_id = self._next_group_id
                self._next_group_id -= 1
            else:
                chat_id = self._next_supergroup_id
                self._next_supergroup_id -= 1
        if chat_id >= 0 or chat_id in self.chats:
            raise ValueError(f"group id {chat_id} is taken or not negative")
        chat = SandboxChat(
            id=chat_id, type=chat_type, title=title, username=username, member_ids=list(member_ids)
        )
        self.chats[chat_id] = chat
        return chat

    def new_message(self, chat: SandboxChat, **fields: Any) -> SandboxMessage:
        """Store a new message in ``chat`` with the chat's next message id and today's date."""
        chat.last_message_id += 1
        message = SandboxMessage(
            chat_id=chat.id, message_id=chat.last_message_id, date=self.now(), **fields
        )
        chat.messages[message.message_id] = message
        return message

    def message(self, chat_id: int, message_id: int) -> SandboxMessage | None:
        """A message that exists and was not deleted."""
        chat = self.chats.get(chat_id)
        found = chat.messages.get(message_id) if chat else None
        return None if found is None or found.deleted else found

    def live_messages(self, chat_id: int) -> list[SandboxMessage]:
        chat = self.chats.get(chat_id)
        if chat is None:
            return []
        return [message for message in chat.messages.values() if not message.deleted]

    def next_query_id(self) -> str:
        query_id = f"{self.bot.id}{self._next_query:010d}"
        self._next_query += 1
        return query_id

    def next_media_group_id(self) -> str:
        group_id = f"{13000000000 + self._next_media_group}"
        self._next_media_group += 1
        return group_id

    def chat_instance(self, chat_id: int) -> str:
        """Telegram's opaque, stable id for the chat a button was pressed in."""
        return str((abs(chat_id) * 2654435761 + self.bot.id) % (1 << 62))
