"""Compile the machine-readable Bot API specification into the sandbox's compact schema.

Run as ``python -m bot.sandbox.build_schema SRC DEST``: SRC is the ``api.json`` of the
telegram-bot-api-spec project, DEST the ``botapi.json`` the sandbox ships and loads at run time.
The compact schema keeps, per method, each parameter's types, whether it is required and the
limits that the specification only states in prose ("1-4096 characters", "1-64 bytes",
"Values between 1-100"); per input object type, the same for its fields, its subtypes and the
value of the field that tells the subtypes apart. A ``LICENSE`` next to SRC is copied next to
DEST as ``LICENSE-telegram-bot-api-spec``, because the compiled file derives from that project.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

LICENSE_NAME = "LICENSE-telegram-bot-api-spec"

_LENGTH = re.compile(r"\b(\d+)-(\d+) (characters|bytes)\b")
_RANGE = re.compile(r"Values between (\d+)-(\d+) are accepted")
_TAG = re.compile(r'(?:must be|always) "?([a-z_]+)"?\s*$')

# The specification words character-set rules in prose; only the two phrasings that exist are
# compiled, anything else stays unchecked rather than guessed.
_PATTERNS: tuple[tuple[str, str], ...] = (
    ("Can contain only lowercase English letters, digits and underscores", "^[a-z0-9_]*$"),
    ("only A-Z, a-z, 0-9, _ and - are allowed", "^[A-Za-z0-9_-]*$"),
)
_DISCRIMINATORS = ("type", "source", "status")


def _field_limits(description: str) -> dict[str, Any]:
    limits: dict[str, Any] = {}
    if match := _LENGTH.search(description):
        limits["length"] = [int(match.group(1)), int(match.group(2))]
        limits["unit"] = match.group(3)
        if "after entities parsing" in description[match.start() :]:
            limits["after_entities"] = True
    if match := _RANGE.search(description):
        limits["range"] = [int(match.group(1)), int(match.group(2))]
    for phrase, pattern in _PATTERNS:
        if phrase in description:
            limits["pattern"] = pattern
    return limits


def _compile_fields(fields: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    compiled: dict[str, Any] = {}
    for field in fields:
        entry: dict[str, Any] = {"types": list(field["types"])}
        if field.get("required"):
            entry["required"] = True
        entry.update(_field_limits(str(field.get("description", ""))))
        compiled[str(field["name"])] = entry
    return compiled


def _type_names(types: Iterable[str]) -> Iterable[str]:
    """The object type names inside type expressions such as "Array of Array of X"."""
    for expression in types:
        name = expression
        while name.startswith("Array of "):
            name = name.removeprefix("Array of ")
        yield name


def _reachable_types(spec: Mapping[str, Any]) -> set[str]:
    """Object types a request can carry: only those need validating, so only those ship."""
    known: Mapping[str, Any] = spec["types"]
    pending = [
        name
        for method in spec["methods"].values()
        for field in method.get("fields", [])
        for name in _type_names(field["types"])
        if name in known
    ]
    seen: set[str] = set()
    while pending:
        name = pending.pop()
        if name in seen:
            continue
        seen.add(name)
        entry = known[name]
        pending.extend(entry.get("subtypes", []))
        for field in entry.get("fields", []):
            pending.extend(n for n in _type_names(field["types"]) if n in known)
    return seen


def _tag(entry: Mapping[str, Any]) -> dict[str, str] | None:
    for field in entry.get("fields", []):
        if field["name"] in _DISCRIMINATORS and (
            match := _TAG.search(str(field.get("description", "")))
        ):
            return {"field": str(field["name"]), "value": match.group(1)}
    return None


def compile_schema(spec: Mapping[str, Any]) -> dict[str, Any]:
    """Return the compact schema for a parsed ``api.json``."""
    methods = {
        name: {
            "returns": list(method.get("returns", [])),
            "fields": _compile_fields(method.get("fields", [])),
        }
        for name, method in spec["methods"].items()
    }
    types: dict[str, Any] = {}
    for name in sorted(_reachable_types(spec)):
        entry = spec["types"][name]
        compiled: dict[str, Any] = {"fields": _compile_fields(entry.get("fields", []))}
        if subtypes := entry.get("subtypes"):
            compiled["subtypes"] = list(subtypes)
        if entry.get("subtype_of") and (tag := _tag(entry)):
            compiled["tag"] = tag
        types[name] = compiled
    return {
        "source": {
            "version": spec.get("version"),
            "release_date": spec.get("release_date"),
            "derived_from": "telegram-bot-api-spec (MIT), see " + LICENSE_NAME,
        },
        "methods": methods,
        "types": types,
    }


def build(source: Path, destination: Path) -> None:
    """Compile SOURCE into DESTINATION and copy the specification's licence beside it."""
    spec = json.loads(source.read_text(encoding="utf-8"))
    compiled = compile_schema(spec)
    text = json.dumps(compiled, indent=1, sort_keys=True, ensure_ascii=False)
    destination.write_text(text + "\n", encoding="utf-8")
    licence = source.parent / "LICENSE"
    if licence.is_file():
        shutil.copyfile(licence, destination.parent / LICENSE_NAME)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.sandbox.build_schema")
    parser.add_argument("source", type=Path, help="api.json of the Bot API specification")
    parser.add_argument("destination", type=Path, help="where to write the compact schema")
    args = parser.parse_args(argv)
    build(args.source, args.destination)
    return 0


if __name__ == "__main__":
    sys.exit(main())
