"""Checking a call's parameters against the compiled Bot API schema, and typing them.

Every parameter is converted to its Python value (Integer -> int, Boolean -> bool, object and
array types -> decoded and checked JSON, InputFile -> ``UploadedFile``) or refused with a 400
worded like Telegram's. Two deliberate differences from Telegram: an unknown parameter or an
unknown field inside a JSON object is refused (Telegram ignores it silently, which hides typos),
and a stray "&" in HTML is refused (see ``html_markup``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from bot.sandbox.errors import bad_request
from bot.sandbox.request_params import RawCall, UploadedFile
from bot.sandbox.schema import ApiSchema, FieldSpec, MethodSpec, TypeSpec
from bot.sandbox.text_format import format_text, length_error

_INTEGER = re.compile(r"[+-]?\d+")
_ATTACH = "attach://"
# Fields of input objects (InputMedia*, InputSticker, ...) that name a file; inside them an
# "attach://name" string refers to the multipart part "name".
_FILE_FIELDS = frozenset(
    {"media", "thumbnail", "cover", "photo", "video", "animation", "audio", "document", "sticker"}
)

# Limits whose violation Telegram reports with an error code of its own.
_LIMIT_ERRORS = MappingProxyType(
    {
        ("InlineKeyboardButton", "callback_data"): "BUTTON_DATA_INVALID",
        ("BotCommand", "command"): "BOT_COMMAND_INVALID",
        ("BotCommand", "description"): "BOT_COMMAND_DESCRIPTION_INVALID",
        ("answerCallbackQuery", "text"): "MESSAGE_TOO_LONG",
    }
)
# How Telegram says that a required parameter is missing, where it says it its own way.
_MISSING = MappingProxyType(
    {
        "chat_id": "chat_id is empty",
        "text": "message text is empty",
        "message_id": "message identifier is not specified",
    }
)
_LABELS = MappingProxyType(
    {
        "InlineKeyboardButton": "inline keyboard button",
        "KeyboardButton": "keyboard button",
    }
)
_BUTTON_ACTIONS = (
    "url",
    "callback_data",
    "web_app",
    "login_url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "copy_text",
    "callback_game",
    "pay",
)


class _Invalid(Exception):
    """A value that does not fit. ``complete`` descriptions are not wrapped by outer levels."""

    def __init__(self, description: str, *, complete: bool = False):
        super().__init__(description)
        self.description = description
        self.complete = complete


@dataclass(slots=True)
class _Attachments:
    files: dict[str, UploadedFile]
    used: set[str] = field(default_factory=set)

    def resolve(self, reference: str) -> UploadedFile:
        name = reference.removeprefix(_ATTACH)
        upload = self.files.get(name)
        if upload is None:
            raise _Invalid(f'file "{name}" must be uploaded as an InputFile', complete=True)
        self.used.add(name)
        return upload


def _describe(types: tuple[str, ...]) -> str:
    return " or ".join(types)


class Validator:
    """Validates calls against one schema; stateless apart from the schema."""

    def __init__(self, schema: ApiSchema):
        self._schema = schema

    def validate_call(
        self, method: MethodSpec, call: RawCall, typed: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        """Return the typed parameters of ``call`` or raise an ``ApiError`` (400).

        ``typed``, when given, receives each value as soon as it is converted and is the
        returned dict, so the call log shows typed values even for a call that fails later.
        """
        attachments = _Attachments(call.files)
        for name in call.values:
            if name not in method.fields:
                # Telegram ignores unknown parameters; the sandbox refuses them so that a
                # misspelt parameter fails the test instead of silently doing nothing.
                raise bad_request(f"unknown parameter {name}")
        params: dict[str, Any] = {} if typed is None else typed
        for name, spec in method.fields.items():
            present, value = self._value(spec, call, attachments)
            if not present:
                params.pop(name, None)
                if spec.required:
                    raise bad_request(_MISSING.get(name, f"parameter {name} is required"))
                continue
            try:
                # Objects and arrays may come JSON-serialized even inside a JSON body.
                params[name] = self._convert(spec.types, value, attachments, decode=True)
                params[name] = self._limits(method.name, spec, params[name])
            except _Invalid as error:
                if error.complete:
                    raise bad_request(error.description) from None
                raise bad_request(f"parameter {name} {error.description}") from None
        for name in call.files:
            if name not in method.fields and name not in attachments.used:
                raise bad_request(f"unknown parameter {name}")
        _check_after_entities(method.fields, params)
        return params

    @staticmethod
    def _value(spec: FieldSpec, call: RawCall, attachments: _Attachments) -> tuple[bool, Any]:
        if spec.name in call.files:
            attachments.used.add(spec.name)
            return True, call.files[spec.name]
        if spec.name not in call.values:
            return False, None
        value = call.values[spec.name]
        # Telegram reads an empty form value as an absent one, except where an empty string
        # means something (an empty description removes it).
        if value == "" and (spec.required or "String" not in spec.types):
            return False, None
        if value is None:
            return False, None
        return True, value

    def _convert(
        self,
        types: tuple[str, ...],
        value: Any,
        attachments: _Attachments,
        *,
        decode: bool,
    ) -> Any:
        if isinstance(value, UploadedFile):
            if "InputFile" in types:
                return value
            raise _Invalid(f"must be of type {_describe(types)}, not a file")
        if "InputFile" in types and isinstance(value, str) and value.startswith(_ATTACH):
            return attachments.resolve(value)
        if all(t.startswith("Array of ") for t in types):
            inner = tuple(t.removeprefix("Array of ") for t in types)
            items = self._decoded(value, decode, types)
            if not isinstance(items, list):
                raise _Invalid(f"must be of type {_describe(types)}")
            try:
                return [self._convert(inner, item, attachments, decode=False) for item in items]
            except _Invalid as error:
                if error.complete:
                    raise
                raise _Invalid(f"must be of type {_describe(types)}") from None
        scalars = [t for t in types if t in ("Integer", "Float", "Boolean", "String")]
        objects = [t for t in types if t in self._schema.types]
        for scalar in scalars:
            converted = _scalar(scalar, value)
            if converted is not None:
                return converted
        if objects:
            decoded = self._decoded(value, decode, types)
            return self._convert_object(objects, decoded, attachments)
        raise _Invalid(f"must be of type {_describe(types)}")

    @staticmethod
    def _decoded(value: Any, decode: bool, types: tuple[str, ...]) -> Any:
        if decode and isinstance(value, str):
            try:
                return json.loads(value)
            except ValueError:
                raise _Invalid(f"must be a JSON-serialized {_describe(types)}") from None
        return value

    def _convert_object(self, names: list[str], value: Any, attachments: _Attachments) -> Any:
        if len(names) == 1 and names[0] == "KeyboardButton" and isinstance(value, str):
            return value  # Telegram accepts a plain string as a reply keyboard button
        if not isinstance(value, dict):
            raise _Invalid(f"must be of type {_describe(tuple(names))}")
        candidates = [self._schema.types[name] for name in names]
        fitting = [spec for spec in candidates if self._fits(spec, value)] or candidates
        first_error: _Invalid | None = None
        for spec in fitting:
            try:
                return self._validate_object(spec, value, attachments)
            except _Invalid as error:
                first_error = first_error or error
        assert first_error is not None
        raise first_error

    def _fits(self, spec: TypeSpec, value: dict[str, Any]) -> bool:
        if spec.subtypes:
            return any(self._fits(self._schema.types[name], value) for name in spec.subtypes)
        if spec.tag is not None:
            return value.get(spec.tag[0]) == spec.tag[1]
        return all(name in value for name, field_spec in spec.fields.items() if field_spec.required)

    def _validate_object(
        self, spec: TypeSpec, value: dict[str, Any], attachments: _Attachments
    ) -> dict[str, Any]:
        if spec.subtypes:
            subtypes = [self._schema.types[name] for name in spec.subtypes]
            tags = {sub.tag: sub for sub in subtypes if sub.tag is not None}
            if tags:
                tag_field = next(iter(tags))[0]
                chosen = [sub for tag, sub in tags.items() if value.get(tag_field) == tag[1]]
                if not chosen:
                    raise _Invalid(
                        f"can't parse {spec.name}: unsupported {tag_field} "
                        f"{value.get(tag_field)!r}",
                        complete=True,
                    )
                return self._validate_object(chosen[0], value, attachments)
            converted: dict[str, Any] = self._convert_object(
                list(spec.subtypes), value, attachments
            )
            return converted
        label = _LABELS.get(spec.name, spec.name)
        try:
            return self._object_fields(spec, value, attachments)
        except _Invalid as error:
            if error.complete:
                raise
            raise _Invalid(f"can't parse {label}: {error.description}", complete=True) from None

    def _object_fields(
        self, spec: TypeSpec, value: dict[str, Any], attachments: _Attachments
    ) -> dict[str, Any]:
        for name in value:
            if name not in spec.fields:
                raise _Invalid(f'Unknown field "{name}"')  # sandbox strictness, see module doc
        result: dict[str, Any] = {}
        for name, field_spec in spec.fields.items():
            if name not in value:
                if field_spec.required:
                    raise _Invalid(f'Can\'t find field "{name}"')
                continue
            if spec.name == "InlineKeyboardButton" and name == "callback_data" and not value[name]:
                continue  # Telegram treats empty callback_data as none at all
            raw = value[name]
            if name in _FILE_FIELDS and isinstance(raw, str) and raw.startswith(_ATTACH):
                result[name] = attachments.resolve(raw)
                continue
            try:
                converted = self._convert(field_spec.types, raw, attachments, decode=False)
            except _Invalid as error:
                if error.complete:
                    raise
                raise _Invalid(f'Field "{name}" {error.description}') from None
            result[name] = self._limits(spec.name, field_spec, converted, nested=True)
        if spec.name == "InlineKeyboardButton":
            _check_inline_button(result)
        elif spec.name == "KeyboardButton" and not result.get("text"):
            raise _Invalid("BUTTON_TEXT_INVALID", complete=True)
        _check_after_entities(spec.fields, result)
        return result

    @staticmethod
    def _limits(owner: str, spec: FieldSpec, value: Any, *, nested: bool = False) -> Any:
        if spec.value_range is not None and isinstance(value, int):
            # Telegram clamps numeric ranges (getUpdates limit=500 means 100) instead of failing.
            low, high = spec.value_range
            return min(max(value, low), high)
        if not isinstance(value, str):
            return value
        where = f'Field "{spec.name}"' if nested else f"parameter {spec.name}"
        special = _LIMIT_ERRORS.get((owner, spec.name))
        if spec.length is not None and not spec.after_entities:
            low, high = spec.length
            size = len(value.encode("utf-8")) if spec.unit == "bytes" else len(value)
            if not low <= size <= high:
                if special:
                    raise _Invalid(special, complete=True)
                raise _Invalid(
                    f"{where} must be {low}-{high} {spec.unit} long", complete=not nested
                )
        if spec.pattern is not None and not re.fullmatch(spec.pattern, value):
            if special:
                raise _Invalid(special, complete=True)
            raise _Invalid(f"{where} contains characters that are not allowed", complete=not nested)
        return value


def _scalar(type_name: str, value: Any) -> Any:
    """Convert to a Bot API scalar type; None when the value isn't one."""
    if type_name == "Integer":
        if isinstance(value, bool):
            return None
        if isinstance(value, int):
            return value
        if isinstance(value, str) and _INTEGER.fullmatch(value.strip()):
            return int(value)
        return None
    if type_name == "Float":
        if isinstance(value, bool):
            return None
        if isinstance(value, int | float):
            return float(value)
        if isinstance(value, str):
            try:
                return float(value)
            except ValueError:
                return None
        return None
    if type_name == "Boolean":
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in ("true", "false", "1", "0"):
            return value.lower() in ("true", "1")
        if isinstance(value, int) and value in (0, 1):
            return bool(value)
        return None
    # String: numbers in a JSON body are accepted as their text, as Telegram does.
    if isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return None


def _check_inline_button(button: dict[str, Any]) -> None:
    if not button.get("text"):
        raise _Invalid("BUTTON_TEXT_INVALID", complete=True)
    if not any(name in button for name in _BUTTON_ACTIONS):
        raise _Invalid(
            "can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard",
            complete=True,
        )


def _check_after_entities(fields: Mapping[str, FieldSpec], values: dict[str, Any]) -> None:
    """Length limits that count the text left after parse_mode markup is applied."""
    for name, spec in fields.items():
        raw = values.get(name)
        if not spec.after_entities or spec.length is None or not isinstance(raw, str):
            continue
        mode_field = f"{name}_parse_mode" if f"{name}_parse_mode" in fields else "parse_mode"
        mode = values.get(mode_field)
        formatted = format_text(raw, mode if isinstance(mode, str) else None)
        error = length_error(name, formatted, *spec.length)
        if error is not None:
            raise error
