"""The one keyboard type: buttons under a message, as a value.

A `Button` is a label, an action and its parts (or a link); a `Keyboard` is rows of them. The same
value becomes python-telegram-bot's markup for a direct reply (`markup()`) or the JSON of an
outbox row (`to_json()`), and its callback_data is always written by the one codec,
`bot/messages/callbacks.py`, so no button's data is formatted by hand.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.messages import callbacks

# What a press sends, as a value: the action and its parts ("nt", "n", 42).
Data = tuple[str | int, ...]


@dataclass(frozen=True, slots=True)
class Button:
    """One inline button: pressing it sends `action:part:part`, or opens `url`."""

    label: str
    action: str = ""
    parts: tuple[str | int, ...] = ()
    url: str | None = None

    @classmethod
    def press(cls, label: str, action: str, *parts: str | int) -> Button:
        """A button whose press sends the action and its parts."""
        return cls(label, action, parts)

    @classmethod
    def sending(cls, label: str, data: Data) -> Button:
        """A button whose press sends `data`, an action and its parts."""
        action, *parts = data
        return cls(label, str(action), tuple(parts))

    @classmethod
    def link(cls, label: str, url: str) -> Button:
        """A button that opens a link."""
        return cls(label, url=url)

    @property
    def data(self) -> str:
        """The callback_data, through the codec (which refuses what Telegram would)."""
        return callbacks.encode(self.action, *self.parts)

    def markup(self) -> InlineKeyboardButton:
        if self.url is not None:
            return InlineKeyboardButton(self.label, url=self.url)
        return InlineKeyboardButton(self.label, callback_data=self.data)

    def to_json(self) -> dict[str, str]:
        if self.url is not None:
            return {"text": self.label, "url": self.url}
        return {"text": self.label, "callback_data": self.data}


@dataclass(frozen=True, slots=True)
class Keyboard:
    """Rows of buttons; rows left empty are dropped."""

    rows: tuple[tuple[Button, ...], ...] = ()

    @classmethod
    def of(cls, rows: Iterable[Iterable[Button]]) -> Keyboard:
        kept = (tuple(row) for row in rows)
        return cls(tuple(row for row in kept if row))

    @classmethod
    def column(cls, *buttons: Button) -> Keyboard:
        """One button a row."""
        return cls.of([button] for button in buttons)

    @classmethod
    def row(cls, *buttons: Button) -> Keyboard:
        """All the buttons in one row."""
        return cls.of([buttons])

    def __add__(self, other: Keyboard) -> Keyboard:
        return Keyboard(self.rows + other.rows)

    def __bool__(self) -> bool:
        return bool(self.rows)

    def markup(self) -> InlineKeyboardMarkup:
        """python-telegram-bot's markup, for a direct reply or an edit."""
        return InlineKeyboardMarkup([[button.markup() for button in row] for row in self.rows])

    def to_json(self) -> dict[str, Any]:
        """The reply_markup of an outbox row's payload."""
        return {"inline_keyboard": [[button.to_json() for button in row] for row in self.rows]}
