"""Formatted text: applying a parse_mode, and the entities Telegram adds to what people type."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from bot.sandbox.errors import ApiError, bad_request
from bot.sandbox.html_markup import MarkupError, parse_html, utf16_length


@dataclass(frozen=True, slots=True)
class FormattedText:
    text: str  # what the reader sees
    entities: list[dict[str, Any]] | None
    html: str | None  # the markup as sent, when parse_mode was HTML


def format_text(
    raw: str, parse_mode: str | None, entities: list[dict[str, Any]] | None = None
) -> FormattedText:
    """Apply ``parse_mode`` the way the Bot API does; it wins over explicit ``entities``.

    MarkdownV2 and Markdown are accepted but kept as sent, without entities: the sandbox does
    not parse them, so their syntax errors are not caught here.
    """
    mode = (parse_mode or "").lower()
    if not raw or mode in ("", "none"):
        return FormattedText(raw, list(entities) if entities else None, None)
    if mode == "html":
        try:
            text, parsed = parse_html(raw)
        except MarkupError as error:
            raise bad_request(f"can't parse entities: {error}") from error
        return FormattedText(text, parsed or None, raw)
    if mode in ("markdown", "markdownv2"):
        return FormattedText(raw, None, None)
    raise bad_request("unsupported parse_mode")


def length_error(name: str, formatted: FormattedText, low: int, high: int) -> ApiError | None:
    """Check an "N-M characters after entities parsing" limit, in Telegram's words."""
    length = len(formatted.text)
    if name == "text" and low > 0 and not formatted.text.strip():
        return bad_request("message text is empty")
    if low <= length <= high:
        return None
    if name == "text":
        return bad_request("message is too long")
    if name == "caption":
        return bad_request("message caption is too long")
    return bad_request(f"{name} must be {low}-{high} characters long")


# Telegram's rule for a bot command: "/" not preceded by a word character, "/", "<" or ">";
# 1-64 of [A-Za-z0-9_]; optionally "@" and a 3-32 character username; not followed by a word
# character, "/", "<" or ">".
_COMMAND = re.compile(
    r"(?<![\w/<>])/[A-Za-z0-9_]{1,64}(?:@[A-Za-z0-9_]{3,32})?(?![\w/<>@])", re.UNICODE
)
_MENTION = re.compile(r"(?<!\w)@[A-Za-z0-9_]{2,32}(?!\w)")
_URL = re.compile(r"(?<![\w@])https?://[^\s<>\"]+[^\s<>\".,;:!?)\]'}]")


def detect_entities(text: str) -> list[dict[str, Any]]:
    """The entities Telegram's clients and servers attach to a person's plain message.

    Bot commands matter most (python-telegram-bot's CommandHandler looks for a
    ``bot_command`` entity at offset 0); mentions and links are added for realism.
    """
    found: list[tuple[int, int, str]] = []
    for pattern, kind in ((_COMMAND, "bot_command"), (_MENTION, "mention"), (_URL, "url")):
        for match in pattern.finditer(text):
            found.append((match.start(), match.end(), kind))
    found.sort()
    entities: list[dict[str, Any]] = []
    taken_until = 0
    for start, end, kind in found:
        if start < taken_until:
            continue  # overlapping matches, e.g. the "@bot" inside "/start@bot"
        entities.append(
            {
                "type": kind,
                "offset": utf16_length(text[:start]),
                "length": utf16_length(text[start:end]),
            }
        )
        taken_until = end
    return entities
