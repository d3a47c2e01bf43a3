"""What comes in, before it is handled: each update of a getUpdates batch is sorted into
readable, unreadable (python-telegram-bot cannot parse it) or dropped (its chat already has as
many updates waiting as it may have), and the updates waiting to be handled are bounded per chat
and in total.

The bounds live in this process's memory on purpose: they describe this process's own backlog,
not a record of anything (the inbox is the record).
"""

from __future__ import annotations

import asyncio
import datetime as dt
from dataclasses import dataclass
from typing import Any

from telegram import Bot, Update

_NEVER_DROPPED = frozenset({"my_chat_member", "chat_member"})


@dataclass(frozen=True, slots=True)
class RawIds:
    """Who an update is from, read from its raw JSON without parsing it (it may be unreadable)."""

    kind: str | None
    chat_id: int | None
    user_id: int | None
    chat_type: str | None
    language_code: str | None

    @property
    def key(self) -> int | None:
        """The chat whose updates wait in one line (the sender's without a chat)."""
        return self.chat_id if self.chat_id is not None else self.user_id


def _int(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _dict(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def raw_ids(raw: dict[str, Any]) -> RawIds:
    """The kind, chat and sender of a raw update, as far as its JSON shows them."""
    kind = next((key for key in raw if key != "update_id"), None)
    body = _dict(raw.get(kind)) if kind else {}
    # A callback query carries its chat inside the message whose button was pressed.
    chat = _dict(body.get("chat")) or _dict(_dict(body.get("message")).get("chat"))
    sender = _dict(body.get("from")) or _dict(body.get("user"))
    language = sender.get("language_code")
    chat_type = chat.get("type")
    return RawIds(
        kind=kind,
        chat_id=_int(chat.get("id")),
        user_id=_int(sender.get("id")),
        chat_type=chat_type if isinstance(chat_type, str) else None,
        language_code=language if isinstance(language, str) else None,
    )


@dataclass(frozen=True, slots=True)
class Readable:
    raw: dict[str, Any]
    update: Update
    ids: RawIds

    @property
    def update_id(self) -> int:
        return self.update.update_id


@dataclass(frozen=True, slots=True)
class SetAside:
    """An update not handled: unreadable (kept as it came) or dropped (only its ids kept)."""

    raw: dict[str, Any]
    update_id: int
    ids: RawIds
    error: str | None = None  # the exception's class name: its message may quote the person


@dataclass(frozen=True, slots=True)
class Sorted:
    admitted: list[Readable]
    dropped: list[SetAside]
    unreadable: list[SetAside]
    # Not even an update_id: nothing can be written down or confirmed for these.
    nameless: int
    # The highest update_id of the batch, whatever became of it: the next offset goes past it.
    last_id: int | None


def sort_batch(raw_batch: list[Any], bot: Bot, backlog: Backlog) -> Sorted:
    """Admit each update to the backlog, then parse it on its own, so that one which cannot be
    read does not sink the others. A dropped update is not parsed at all: during a flood that
    is most of them, and parsing is the costly part of taking updates in."""
    admitted: list[Readable] = []
    dropped: list[SetAside] = []
    unreadable: list[SetAside] = []
    nameless = 0
    last_id: int | None = None
    for raw in raw_batch:
        update_id = _int(raw.get("update_id")) if isinstance(raw, dict) else None
        if update_id is None:
            nameless += 1
            continue
        last_id = update_id if last_id is None else max(last_id, update_id)
        ids = raw_ids(raw)
        # A change of the bot's membership (a block, say) is never dropped: it is rare, and the
        # bot must know whom it can reach.
        key = None if ids.kind in _NEVER_DROPPED else ids.key
        if not backlog.admit(update_id, key):
            dropped.append(SetAside(raw=raw, update_id=update_id, ids=ids))
            continue
        try:
            update = Update.de_json(raw, bot)
        except Exception as exc:
            backlog.release(update_id)
            unreadable.append(
                SetAside(raw=raw, update_id=update_id, ids=ids, error=type(exc).__name__)
            )
            continue
        admitted.append(Readable(raw=raw, update=update, ids=ids))
    return Sorted(
        admitted=admitted,
        dropped=dropped,
        unreadable=unreadable,
        nameless=nameless,
        last_id=last_id,
    )


class Backlog:
    """Updates fetched and not yet handled, counted per chat and in total.

    A chat may have `per_chat` updates waiting; beyond that its updates are dropped (the person
    is asked to send again), so one chat can never fill the backlog. The total is bounded by
    fetching no more while `total` updates wait: Telegram keeps them meanwhile.
    """

    def __init__(self, *, per_chat: int, total: int) -> None:
        self.per_chat = per_chat
        self.total = total
        self._keys: dict[int, int | None] = {}
        self._per_key: dict[int, int] = {}
        self._room = asyncio.Event()
        self._room.set()

    @property
    def waiting(self) -> int:
        return len(self._keys)

    def waiting_for(self, key: int) -> int:
        return self._per_key.get(key, 0)

    def admit(self, update_id: int, key: int | None) -> bool:
        """Count an update in; False when its chat already has all it may have waiting."""
        if update_id in self._keys:
            return True
        if key is not None:
            if self._per_key.get(key, 0) >= self.per_chat:
                return False
            self._per_key[key] = self._per_key.get(key, 0) + 1
        self._keys[update_id] = key
        if len(self._keys) >= self.total:
            self._room.clear()
        return True

    def release(self, update_id: int) -> None:
        """The update was handled (or skipped, or failed): it no longer waits."""
        if update_id not in self._keys:
            return
        key = self._keys.pop(update_id)
        if key is not None:
            left = self._per_key[key] - 1
            if left:
                self._per_key[key] = left
            else:
                del self._per_key[key]
        if len(self._keys) < self.total:
            self._room.set()

    async def wait_for_room(self) -> None:
        """Return once fewer than `total` updates wait."""
        await self._room.wait()


class NoticeGate:
    """At most one notice of a kind per chat per `every`, on the injected clock."""

    def __init__(self, every: dt.timedelta) -> None:
        self.every = every
        self._last: dict[int, dt.datetime] = {}

    def due(self, chat_id: int, now: dt.datetime) -> bool:
        """True when the chat had no notice within `every`."""
        last = self._last.get(chat_id)
        return last is None or not (last <= now < last + self.every)

    def sent(self, chat_ids: set[int], now: dt.datetime) -> None:
        """Remember notices once they are safely queued."""
        if len(self._last) > 10_000:
            self._last = {c: t for c, t in self._last.items() if now - t < self.every}
        for chat_id in chat_ids:
            self._last[chat_id] = now
