"""Telegram's HTML parse mode: markup in, plain text and MessageEntity dicts out.

The rules follow the Bot API's "HTML style" formatting options and the error messages of
Telegram's own parser (``Unsupported start tag "x" at byte offset N`` and friends), so a message
that Telegram would refuse is refused here with the same words. Offsets in errors are byte
offsets into the UTF-8 text as sent; entity offsets and lengths are UTF-16 code units.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

SUPPORTED_TAGS = frozenset(
    {
        "a",
        "b",
        "strong",
        "i",
        "em",
        "s",
        "strike",
        "del",
        "u",
        "ins",
        "tg-spoiler",
        "tg-emoji",
        "tg-time",
        "span",
        "pre",
        "code",
        "blockquote",
    }
)
_SIMPLE_TYPES = MappingProxyType(
    {
        "b": "bold",
        "strong": "bold",
        "i": "italic",
        "em": "italic",
        "s": "strikethrough",
        "strike": "strikethrough",
        "del": "strikethrough",
        "u": "underline",
        "ins": "underline",
        "tg-spoiler": "spoiler",
        "span": "spoiler",
    }
)
_NAMED_ENTITIES = MappingProxyType({"lt": "<", "gt": ">", "amp": "&", "quot": '"'})
_ENTITY = re.compile(r"&(?:#(\d{1,10})|#[xX]([0-9a-fA-F]{1,8})|([a-zA-Z]+));?")
_NAME_TOKEN = re.compile(r"[A-Za-z0-9.-]*")


class MarkupError(ValueError):
    """The markup can't be parsed; the message is Telegram's, without its prefix."""


def utf16_length(text: str) -> int:
    """Length in UTF-16 code units, the unit of Bot API entity offsets."""
    return len(text) + sum(1 for char in text if ord(char) > 0xFFFF)


@dataclass
class _OpenTag:
    name: str
    begin: int  # byte offset of "<", for error messages
    utf16_start: int
    text_start: int  # index into the output pieces, for links without href
    attributes: dict[str, str] = field(default_factory=dict)


def _decode_entity(source: str, index: int) -> tuple[str, int] | None:
    """Decode the character reference at ``index``; None when it is not a supported one."""
    match = _ENTITY.match(source, index)
    if match is None:
        return None
    decimal, hexadecimal, name = match.groups()
    if name is not None:
        char = _NAMED_ENTITIES.get(name)
        return (char, match.end()) if char is not None else None
    code = int(decimal) if decimal is not None else int(hexadecimal, 16)
    if code == 0 or code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
        return None
    return chr(code), match.end()


class _Parser:
    def __init__(self, source: str):
        self.source = source
        self.pieces: list[str] = []
        self.utf16 = 0
        self.stack: list[_OpenTag] = []
        self.entities: list[dict[str, Any]] = []

    def byte_offset(self, index: int) -> int:
        return len(self.source[:index].encode("utf-8"))

    def emit(self, text: str) -> None:
        self.pieces.append(text)
        self.utf16 += utf16_length(text)

    def run(self) -> tuple[str, list[dict[str, Any]]]:
        source, index = self.source, 0
        while index < len(source):
            char = source[index]
            if char == "&":
                decoded = _decode_entity(source, index)
                if decoded is None:
                    # Telegram lets a stray "&" through as text, but the Bot API documentation
                    # requires escaping it; refusing it here catches user input rendered
                    # without escaping before it reaches people.
                    raise MarkupError(
                        f"Character '&' at byte offset {self.byte_offset(index)} must be "
                        "escaped as &amp;"
                    )
                self.emit(decoded[0])
                index = decoded[1]
            elif char != "<":
                self.emit(char)
                index += 1
            elif index + 1 < len(source) and source[index + 1] == "/":
                index = self.end_tag(index)
            else:
                index = self.start_tag(index)
        if self.stack:
            raise MarkupError(
                f'Can\'t find end tag corresponding to start tag "{self.stack[-1].name}"'
            )
        self.entities.sort(key=lambda entity: (entity["offset"], -entity["length"]))
        return "".join(self.pieces), self.entities

    def skip_spaces(self, index: int) -> int:
        while index < len(self.source) and self.source[index].isspace():
            index += 1
        return index

    def start_tag(self, begin: int) -> int:
        source = self.source
        offset = self.byte_offset(begin)
        index = begin + 1
        while index < len(source) and not source[index].isspace() and source[index] != ">":
            index += 1
        if index >= len(source):
            raise MarkupError(f"Unclosed start tag at byte offset {offset}")
        name = source[begin + 1 : index].lower()
        if name not in SUPPORTED_TAGS:
            raise MarkupError(f'Unsupported start tag "{name}" at byte offset {offset}')
        tag = _OpenTag(name, offset, self.utf16, len(self.pieces))
        while True:
            index = self.skip_spaces(index)
            if index >= len(source):
                raise MarkupError(f"Unclosed start tag at byte offset {offset}")
            if source[index] == ">":
                break
            index = self.attribute(tag, index)
        if name == "span" and tag.attributes.get("class") != "tg-spoiler":
            raise MarkupError(f'Tag "span" must have class "tg-spoiler" at byte offset {offset}')
        self.stack.append(tag)
        return index + 1

    def attribute(self, tag: _OpenTag, index: int) -> int:
        source = self.source
        begin = index
        while index < len(source) and not source[index].isspace() and source[index] not in "=>":
            index += 1
        attribute = source[begin:index].lower()
        if not attribute:
            raise MarkupError(
                f'Empty attribute name in the tag "{tag.name}" at byte offset {tag.begin}'
            )
        index = self.skip_spaces(index)
        if index >= len(source) or source[index] != "=":
            # A bare attribute, as in <blockquote expandable>.
            tag.attributes[attribute] = ""
            return index
        index = self.skip_spaces(index + 1)
        if index >= len(source):
            raise MarkupError(f'Unclosed start tag "{tag.name}" at byte offset {tag.begin}')
        quote = source[index]
        if quote in "'\"":
            index += 1
            value: list[str] = []
            while index < len(source) and source[index] != quote:
                decoded = _decode_entity(source, index) if source[index] == "&" else None
                if decoded is None:
                    value.append(source[index])
                    index += 1
                else:
                    value.append(decoded[0])
                    index = decoded[1]
            if index >= len(source):
                raise MarkupError(f"Unclosed start tag at byte offset {tag.begin}")
            tag.attributes[attribute] = "".join(value)
            return index + 1
        token = _NAME_TOKEN.match(source, index)
        end = token.end() if token else index
        if end < len(source) and not source[end].isspace() and source[end] != ">":
            raise MarkupError(
                f"Unexpected end of name token at byte offset {self.byte_offset(index)}"
            )
        tag.attributes[attribute] = source[index:end].lower()
        return end

    def end_tag(self, begin: int) -> int:
        source = self.source
        offset = self.byte_offset(begin)
        if not self.stack:
            raise MarkupError(f"Unexpected end tag at byte offset {offset}")
        index = begin + 2
        while index < len(source) and not source[index].isspace() and source[index] != ">":
            index += 1
        name = source[begin + 2 : index].lower()
        index = self.skip_spaces(index)
        if index >= len(source) or source[index] != ">":
            raise MarkupError(f"Unclosed end tag at byte offset {offset}")
        tag = self.stack[-1]
        if name and name != tag.name:
            raise MarkupError(
                f'Unmatched end tag at byte offset {offset}, expected "</{tag.name}>", '
                f'found "</{name}>"'
            )
        self.stack.pop()
        if self.utf16 > tag.utf16_start:
            self.close(tag)
        return index + 1

    def close(self, tag: _OpenTag) -> None:
        offset, length = tag.utf16_start, self.utf16 - tag.utf16_start
        entity: dict[str, Any] = {"offset": offset, "length": length}
        previous = self.entities[-1] if self.entities else None
        same_span = (
            previous is not None and previous["offset"] == offset and previous["length"] == length
        )
        if tag.name in _SIMPLE_TYPES:
            entity["type"] = _SIMPLE_TYPES[tag.name]
        elif tag.name == "a":
            url = tag.attributes.get("href") or "".join(self.pieces[tag.text_start :])
            if not url.strip():
                return  # Telegram drops a link without a usable address, keeping the text
            entity["type"] = "text_link"
            entity["url"] = url
        elif tag.name == "code":
            language = tag.attributes.get("class", "").removeprefix("language-")
            has_language = tag.attributes.get("class", "").startswith("language-")
            if previous is not None and same_span and previous["type"] == "pre" and has_language:
                previous["language"] = language
                return
            entity["type"] = "code"
            if has_language:
                entity["_language"] = language
        elif tag.name == "pre":
            if previous is not None and same_span and previous["type"] == "code":
                language = previous.pop("_language", None)
                previous["type"] = "pre"
                if language:
                    previous["language"] = language
                return
            entity["type"] = "pre"
        elif tag.name == "blockquote":
            expandable = "expandable" in tag.attributes
            entity["type"] = "expandable_blockquote" if expandable else "blockquote"
        elif tag.name == "tg-emoji":
            emoji_id = tag.attributes.get("emoji-id", "")
            if not emoji_id.isdigit() or int(emoji_id) == 0:
                raise MarkupError("Invalid custom emoji identifier specified")
            entity["type"] = "custom_emoji"
            entity["custom_emoji_id"] = emoji_id
        else:  # tg-time
            unix = tag.attributes.get("unix", "")
            if not unix.isdigit():
                raise MarkupError("Invalid Unix time specified")
            entity["type"] = "date_time"
            entity["unix_time"] = int(unix)
            if date_format := tag.attributes.get("format"):
                entity["date_time_format"] = date_format
        self.entities.append(entity)


def parse_html(source: str) -> tuple[str, list[dict[str, Any]]]:
    """Return the plain text and its entities; raise ``MarkupError`` as Telegram would."""
    text, entities = _Parser(source).run()
    for entity in entities:
        entity.pop("_language", None)  # a lone <code> never carries a language
    return text, entities
