"""The Bot API client every process uses: python-telegram-bot's ExtBot, made to send only what
each method takes, and to remember which button presses it has answered.

python-telegram-bot adds the default parse_mode to every call that goes through its generic send
path, even to methods that have no such parameter (editMessageReplyMarkup, sendSticker ...).
Telegram ignores it today; it is still a parameter the method does not take, so it is left out.

A press may be answered only once (Telegram refuses a second answer). The handlers answer as soon
as they can; the error handler asks `was_answered` before it answers, so a press whose handler
answered and then failed is not answered twice.

An edit that changes nothing is refused by Telegram ("message is not modified"). A second tap on
the same button arrives with the message as it was before the first tap's edit, so the bot also
remembers, for a minute, what its own edits put in each message (`shows`).
"""

from __future__ import annotations

import json
import time
from collections import OrderedDict
from typing import Any

from telegram._utils.defaultvalue import DEFAULT_NONE, DefaultValue
from telegram._utils.types import JSONDict, ODVInput
from telegram.ext import ExtBot

from bot.text.html_text import plain_text

# The Bot API methods that have a parse_mode parameter of their own (the specification's list).
TAKES_PARSE_MODE = frozenset(
    {
        "copyMessage",
        "editMessageCaption",
        "editMessageText",
        "editStory",
        "postStory",
        "sendAnimation",
        "sendAudio",
        "sendDocument",
        "sendLivePhoto",
        "sendMessage",
        "sendMessageDraft",
        "sendPaidMedia",
        "sendPhoto",
        "sendVideo",
        "sendVoice",
    }
)
# Telegram forgets a press after about 15 minutes; a few thousand answered ones cover that time
# in one process (a press is handled by the process that fetched it).
REMEMBERED_ANSWERS = 5000
REMEMBERED_EDITS = 5000
EDIT_MEMORY_SECONDS = 60.0

# What an edit left in a message: its text as read (None: not known) and its buttons as JSON.
_Shown = tuple[str | None, str]


def buttons_json(markup: object) -> str:
    """Inline buttons in one comparable form; no keyboard and an empty one are the same."""
    if hasattr(markup, "to_dict"):
        markup = markup.to_dict()
    if isinstance(markup, str):
        markup = json.loads(markup)
    if not isinstance(markup, dict) or not markup.get("inline_keyboard"):
        return "null"
    return json.dumps(markup, sort_keys=True, ensure_ascii=False)


def _read(text: object, parse_mode: object) -> str | None:
    if not isinstance(text, str):
        return None
    shown = plain_text(text) if str(parse_mode).upper() == "HTML" else text
    return shown.strip()


class CompanionBot(ExtBot[None]):
    """An ExtBot that sends no parameter a method does not take and remembers its answers."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._answered: OrderedDict[str, None] = OrderedDict()
        self._edits: OrderedDict[tuple[int, int], tuple[float, _Shown]] = OrderedDict()

    def was_answered(self, callback_query_id: str) -> bool:
        """True when this press has been answered (or an answer was tried) already."""
        return callback_query_id in self._answered

    def _remember_answer(self, callback_query_id: str) -> None:
        self._answered[callback_query_id] = None
        self._answered.move_to_end(callback_query_id)
        while len(self._answered) > REMEMBERED_ANSWERS:
            self._answered.popitem(last=False)

    def shows(
        self, chat_id: int, message_id: int, *, text: str | None, reply_markup: object
    ) -> bool:
        """True when the bot's last edit of this message, a moment ago, left exactly this in it.

        `text` is HTML as the bot composes it; None compares the buttons only.
        """
        entry = self._edits.get((chat_id, message_id))
        if entry is None or time.monotonic() - entry[0] > EDIT_MEMORY_SECONDS:
            return False
        shown_text, shown_buttons = entry[1]
        if shown_buttons != buttons_json(reply_markup):
            return False
        return text is None or shown_text == _read(text, "HTML")

    def _remember_edit(self, endpoint: str, data: JSONDict) -> None:
        chat_id, message_id = data.get("chat_id"), data.get("message_id")
        if not isinstance(chat_id, int) or not isinstance(message_id, int):
            return
        key = (chat_id, message_id)
        if endpoint == "editMessageText":
            text = _read(data.get("text"), data.get("parse_mode"))
        elif endpoint == "editMessageReplyMarkup":
            known = self._edits.get(key)
            text = known[1][0] if known is not None else None
        else:
            self._edits.pop(key, None)
            return
        self._edits[key] = (time.monotonic(), (text, buttons_json(data.get("reply_markup"))))
        self._edits.move_to_end(key)
        while len(self._edits) > REMEMBERED_EDITS:
            self._edits.popitem(last=False)

    async def _post(
        self,
        endpoint: str,
        data: JSONDict | None = None,
        *,
        read_timeout: ODVInput[float] = DEFAULT_NONE,
        write_timeout: ODVInput[float] = DEFAULT_NONE,
        connect_timeout: ODVInput[float] = DEFAULT_NONE,
        pool_timeout: ODVInput[float] = DEFAULT_NONE,
        api_kwargs: JSONDict | None = None,
    ) -> Any:
        if (
            data is not None
            and endpoint not in TAKES_PARSE_MODE
            and isinstance(data.get("parse_mode"), DefaultValue)
        ):
            # Only python-telegram-bot's own default is dropped; an explicit one is a bug to see.
            data = {key: value for key, value in data.items() if key != "parse_mode"}
        if endpoint == "answerCallbackQuery" and data is not None:
            # Remembered before the call: a failed answer is not tried a second time either.
            self._remember_answer(str(data.get("callback_query_id")))
        result = await super()._post(
            endpoint,
            data,
            read_timeout=read_timeout,
            write_timeout=write_timeout,
            connect_timeout=connect_timeout,
            pool_timeout=pool_timeout,
            api_kwargs=api_kwargs,
        )
        if endpoint.startswith("editMessage") and data is not None:
            self._remember_edit(endpoint, {**data, **(api_kwargs or {})})
        return result
