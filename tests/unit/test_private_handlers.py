"""Personal features are private-only: no message or command handler of a feature takes an
update from a group chat (the group guard answers /start and /help there, nothing else), and
the guard itself runs before every feature.
"""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast

import pytest
from telegram import Bot, Update
from telegram.ext import BaseHandler, CommandHandler, MessageHandler, TypeHandler

from bot.app import build_application
from bot.config import load_settings
from bot.handlers import groups

GROUP_CHAT = {"id": -100123, "type": "group", "title": "Team"}
PRIVATE_CHAT = {"id": 42, "type": "private", "first_name": "Anna"}
USER = {"id": 42, "is_bot": False, "first_name": "Anna", "language_code": "fi"}
COMMANDS = [
    "/start",
    "/help",
    "/mydata",
    "/forget",
    "/notes",
    "/note",
    "/clients",
    "/inbox",
    "/invite Liisa",
    "/invites",
    "/handover",
    "/transfer",
    "/cancel",
    "/language",
]


def _update(chat: dict[str, Any], **message: Any) -> Update:
    payload = {
        "update_id": 1,
        "message": {"message_id": 7, "date": 1_772_000_000, "chat": chat, "from": USER, **message},
    }
    # Commands are matched against the bot's username, as Telegram's clients append it.
    update = Update.de_json(payload, cast(Bot, SimpleNamespace(username="companion_test_bot")))
    assert update is not None
    return update


def _command(chat: dict[str, Any], text: str) -> Update:
    length = len(text.split(maxsplit=1)[0])
    return _update(
        chat, text=text, entities=[{"type": "bot_command", "offset": 0, "length": length}]
    )


def _group_updates() -> list[Update]:
    return [
        *(_command(GROUP_CHAT, text) for text in COMMANDS),
        _update(GROUP_CHAT, text="hello, my coach"),
        _update(GROUP_CHAT, text="💬 Message my coach"),
        _update(GROUP_CHAT, text="❓ Help"),
        _update(
            GROUP_CHAT,
            photo=[{"file_id": "p", "file_unique_id": "u", "width": 1, "height": 1}],
            caption="my CV",
        ),
        _update(GROUP_CHAT, voice={"file_id": "v", "file_unique_id": "w", "duration": 2}),
    ]


@pytest.fixture
def handlers(tmp_path: Path) -> dict[int, list[BaseHandler[Any, Any, Any]]]:
    settings = load_settings(
        bot_token="123456:TEST-TOKEN",
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'unused.sqlite3'}",
    )
    application = build_application(settings)
    return dict(application.handlers)


def test_no_feature_takes_a_group_message(
    handlers: dict[int, list[BaseHandler[Any, Any, Any]]],
) -> None:
    taken = []
    for group, registered in handlers.items():
        if group < 0:
            continue  # identify (-100) and the group guard (-50) run before the features
        for handler in registered:
            if not isinstance(handler, MessageHandler | CommandHandler):
                continue
            for update in _group_updates():
                if handler.check_update(update):
                    assert update.message is not None
                    taken.append((handler.callback.__qualname__, update.message.text))
    assert taken == []


def test_the_features_still_take_private_messages(
    handlers: dict[int, list[BaseHandler[Any, Any, Any]]],
) -> None:
    features = [h for group, hs in handlers.items() if group >= 0 for h in hs]
    for text in ("/mydata", "/forget", "/help"):
        update = _command(PRIVATE_CHAT, text)
        assert any(isinstance(h, CommandHandler) and h.check_update(update) for h in features), text


def test_the_group_guard_runs_before_every_feature(
    handlers: dict[int, list[BaseHandler[Any, Any, Any]]],
) -> None:
    guards = [
        (group, h)
        for group, hs in handlers.items()
        for h in hs
        if isinstance(h, TypeHandler) and h.callback is groups.guard
    ]
    assert [group for group, _h in guards] == [groups.GROUP]
    feature_groups = [g for g, hs in handlers.items() if hs and g > groups.GROUP and g < 0]
    assert feature_groups == []  # nothing between the guard and the features


@pytest.mark.parametrize(
    ("text", "command"),
    [
        ("/help", "help"),
        ("/start@companion_test_bot", "start"),
        ("/Help@Companion_Test_Bot now", "help"),
        ("/help@other_bot", None),
        ("hello", None),
    ],
)
def test_commands_for_this_bot_are_recognised(text: str, command: str | None) -> None:
    assert groups._command_for_us(text, "companion_test_bot") == command
