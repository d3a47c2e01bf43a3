"""The compiled Bot API schema (``botapi.json``) as typed, read-only objects.

``build_schema`` produces the file from the official specification; this module only reads it,
through ``importlib.resources`` so that it works from an installed wheel as well as a checkout.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from types import MappingProxyType
from typing import Any

SCHEMA_RESOURCE = "botapi.json"
_PACKAGE = __name__.rpartition(".")[0]


@dataclass(frozen=True, slots=True)
class FieldSpec:
    """One parameter of a method or one field of an object type."""

    name: str
    types: tuple[str, ...]
    required: bool = False
    length: tuple[int, int] | None = None
    unit: str | None = None  # "characters" or "bytes", with ``length``
    after_entities: bool = False  # the length counts the text left after parsing markup
    value_range: tuple[int, int] | None = None
    pattern: str | None = None


@dataclass(frozen=True, slots=True)
class TypeSpec:
    """An object type a request may carry, e.g. InlineKeyboardMarkup or BotCommandScopeChat."""

    name: str
    fields: Mapping[str, FieldSpec]
    subtypes: tuple[str, ...] = ()
    tag: tuple[str, str] | None = None  # (field, value) that selects this subtype


@dataclass(frozen=True, slots=True)
class MethodSpec:
    name: str
    fields: Mapping[str, FieldSpec]
    returns: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ApiSchema:
    version: str
    methods: Mapping[str, MethodSpec]  # keyed by the lower-cased method name
    types: Mapping[str, TypeSpec]

    def method(self, name: str) -> MethodSpec | None:
        """Look a method up the way Telegram does: without regard to case."""
        return self.methods.get(name.lower())


def _pair(value: Any) -> tuple[int, int] | None:
    if value is None:
        return None
    low, high = value
    return int(low), int(high)


def _fields(raw: Mapping[str, Any]) -> Mapping[str, FieldSpec]:
    return MappingProxyType(
        {
            name: FieldSpec(
                name=name,
                types=tuple(entry["types"]),
                required=bool(entry.get("required", False)),
                length=_pair(entry.get("length")),
                unit=entry.get("unit"),
                after_entities=bool(entry.get("after_entities", False)),
                value_range=_pair(entry.get("range")),
                pattern=entry.get("pattern"),
            )
            for name, entry in raw.items()
        }
    )


def parse_schema(raw: Mapping[str, Any]) -> ApiSchema:
    """Build an ``ApiSchema`` from the decoded JSON of ``botapi.json``."""
    methods = {
        name.lower(): MethodSpec(
            name=name, fields=_fields(entry["fields"]), returns=tuple(entry["returns"])
        )
        for name, entry in raw["methods"].items()
    }
    types = {
        name: TypeSpec(
            name=name,
            fields=_fields(entry.get("fields", {})),
            subtypes=tuple(entry.get("subtypes", ())),
            tag=(entry["tag"]["field"], entry["tag"]["value"]) if "tag" in entry else None,
        )
        for name, entry in raw["types"].items()
    }
    return ApiSchema(
        version=str(raw.get("source", {}).get("version", "")),
        methods=MappingProxyType(methods),
        types=MappingProxyType(types),
    )


@functools.cache
def load_schema() -> ApiSchema:
    """Read the shipped schema once; the result is immutable, so sharing it is safe."""
    text = resources.files(_PACKAGE).joinpath(SCHEMA_RESOURCE).read_text(encoding="utf-8")
    return parse_schema(json.loads(text))
