"""callback_data: short, ASCII, an action and ids, never trusted (re-checked by the handler)."""

from __future__ import annotations

import re

MAX_BYTES = 64
_PART = re.compile(r"^[A-Za-z0-9_.-]+$")


def encode(action: str, *parts: str | int) -> str:
    """`action:part:part`, at most 64 bytes as Telegram allows."""
    items = [action, *(str(p) for p in parts)]
    for item in items:
        if not _PART.match(item):
            raise ValueError(f"callback part {item!r} is not plain ASCII")
    data = ":".join(items)
    if len(data.encode("utf-8")) > MAX_BYTES:
        raise ValueError("callback_data longer than 64 bytes")
    return data


def decode(data: str | None) -> tuple[str, list[str]]:
    """The action and its parts; an unreadable value gives the empty action."""
    if not data or len(data.encode("utf-8")) > MAX_BYTES:
        return "", []
    action, *parts = data.split(":")
    if not all(_PART.match(p) for p in [action, *parts]):
        return "", []
    return action, parts


def pattern(action: str) -> str:
    """A regex for CallbackQueryHandler matching this action."""
    return rf"^{re.escape(action)}(:|$)"
