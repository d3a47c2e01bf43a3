"""The compiled Bot API schema: how it is built from the specification, and what ships."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path
from typing import Any

from bot.sandbox.build_schema import LICENSE_NAME, build, compile_schema
from bot.sandbox.schema import load_schema, parse_schema

MINI_SPEC: dict[str, Any] = {
    "version": "Bot API 0.1",
    "methods": {
        "sendThing": {
            "returns": ["Message"],
            "fields": [
                {
                    "name": "text",
                    "types": ["String"],
                    "required": True,
                    "description": "Text of the message to be sent, 1-4096 characters after "
                    "entities parsing",
                },
                {
                    "name": "limit",
                    "types": ["Integer"],
                    "required": False,
                    "description": "Values between 1-100 are accepted.",
                },
                {
                    "name": "scope",
                    "types": ["Scope"],
                    "required": False,
                    "description": "A JSON-serialized object",
                },
            ],
        }
    },
    "types": {
        "Scope": {"subtypes": ["ScopeChat"], "fields": []},
        "ScopeChat": {
            "subtype_of": ["Scope"],
            "fields": [
                {
                    "name": "type",
                    "types": ["String"],
                    "required": True,
                    "description": "Scope type, must be chat",
                },
                {
                    "name": "data",
                    "types": ["String"],
                    "required": False,
                    "description": "Optional. Data, 1-64 bytes",
                },
            ],
        },
        "Unreachable": {"fields": []},
    },
}


def test_limits_are_lifted_from_the_descriptions() -> None:
    compiled = compile_schema(MINI_SPEC)
    fields = compiled["methods"]["sendThing"]["fields"]
    assert fields["text"] == {
        "types": ["String"],
        "required": True,
        "length": [1, 4096],
        "unit": "characters",
        "after_entities": True,
    }
    assert fields["limit"] == {"types": ["Integer"], "range": [1, 100]}
    scope_chat = compiled["types"]["ScopeChat"]
    assert scope_chat["tag"] == {"field": "type", "value": "chat"}
    assert scope_chat["fields"]["data"]["unit"] == "bytes"
    assert compiled["types"]["Scope"]["subtypes"] == ["ScopeChat"]
    assert "Unreachable" not in compiled["types"]  # only types a request can carry ship


def test_build_writes_schema_and_licence(tmp_path: Path) -> None:
    source = tmp_path / "spec" / "api.json"
    source.parent.mkdir()
    source.write_text(json.dumps(MINI_SPEC), encoding="utf-8")
    (source.parent / "LICENSE").write_text("MIT License\n", encoding="utf-8")
    destination = tmp_path / "out.json"
    build(source, destination)
    schema = parse_schema(json.loads(destination.read_text(encoding="utf-8")))
    assert schema.method("SENDTHING") is not None
    assert (tmp_path / LICENSE_NAME).read_text(encoding="utf-8") == "MIT License\n"


def test_shipped_schema_has_the_official_limits() -> None:
    schema = load_schema()
    assert schema.version.startswith("Bot API")
    send = schema.method("sendmessage")
    assert send is not None and send.name == "sendMessage"
    assert send.fields["text"].length == (1, 4096)
    button = schema.types["InlineKeyboardButton"].fields["callback_data"]
    assert (button.length, button.unit) == ((1, 64), "bytes")
    command = schema.types["BotCommand"].fields["command"]
    assert command.length == (1, 32) and command.pattern == "^[a-z0-9_]*$"
    assert schema.types["BotCommandScopeChat"].tag == ("type", "chat")
    answer = schema.method("answerCallbackQuery")
    assert answer is not None and answer.fields["text"].length == (0, 200)


def test_licence_ships_next_to_the_schema() -> None:
    licence = resources.files("bot.sandbox").joinpath(LICENSE_NAME).read_text(encoding="utf-8")
    assert licence.startswith("MIT License")
