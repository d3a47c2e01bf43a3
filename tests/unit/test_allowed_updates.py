"""The update types the bot asks Telegram for are exactly those its registered handlers handle."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from telegram import Chat, Message, Update, User
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    MessageHandler,
    TypeHandler,
)

from bot.app import ALLOWED_UPDATES, build_application
from bot.config import load_settings

_WHEN = dt.datetime(2026, 3, 2, 7, 0, tzinfo=dt.UTC)


def _private_text(kind: str) -> Update:
    """A plain text in a private chat, as a new message or as an edit."""
    message = Message(
        message_id=1,
        date=_WHEN,
        chat=Chat(id=5, type=Chat.PRIVATE),
        from_user=User(id=5, first_name="Liisa", is_bot=False),
        text="hello",
        edit_date=_WHEN if kind == Update.EDITED_MESSAGE else None,
    )
    if kind == Update.EDITED_MESSAGE:
        return Update(update_id=1, edited_message=message)
    return Update(update_id=1, message=message)


def _needs(handler: BaseHandler[Any, Any, Any]) -> set[str]:
    """The update types a handler is there for."""
    if isinstance(handler, TypeHandler):
        # identify and the group guard see whatever arrives; they are not why anything arrives.
        assert handler.type is Update, f"a TypeHandler for {handler.type}: add its update type"
        return set()
    if isinstance(handler, CallbackQueryHandler):
        return {Update.CALLBACK_QUERY}
    if isinstance(handler, ChatMemberHandler):
        assert handler.chat_member_types is not None
        return {
            ChatMemberHandler.MY_CHAT_MEMBER: {Update.MY_CHAT_MEMBER},
            ChatMemberHandler.CHAT_MEMBER: {Update.CHAT_MEMBER},
            ChatMemberHandler.ANY_CHAT_MEMBER: {Update.MY_CHAT_MEMBER, Update.CHAT_MEMBER},
        }[handler.chat_member_types]
    if isinstance(handler, CommandHandler):
        return {Update.MESSAGE}
    if isinstance(handler, MessageHandler):
        taken = {
            kind
            for kind in (Update.MESSAGE, Update.EDITED_MESSAGE)
            if handler.check_update(_private_text(kind))
        }
        # A handler for particular words (a keyboard label) takes new messages.
        return taken or {Update.MESSAGE}
    raise AssertionError(f"{type(handler).__name__}: which update types does it handle?")


def test_allowed_updates_are_what_the_handlers_handle(tmp_path: Path) -> None:
    settings = load_settings(
        _env_file=None,
        bot_token="123:TEST",
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'x.sqlite3'}",
    )
    application = build_application(settings)
    needed: dict[str, list[str]] = {}
    for handlers in application.handlers.values():
        for handler in handlers:
            name = getattr(handler.callback, "__qualname__", repr(handler.callback))
            for kind in _needs(handler):
                needed.setdefault(kind, []).append(name)
    missing = {kind: names for kind, names in needed.items() if kind not in ALLOWED_UPDATES}
    assert not missing, f"handlers would never get these update types: {missing}"
    assert set(ALLOWED_UPDATES) == set(needed), "no handler for some allowed update types"
    # Nothing the bot cannot handle: no inline queries, polls, reactions, business messages ...
    assert len(ALLOWED_UPDATES) < len(Update.ALL_TYPES)
