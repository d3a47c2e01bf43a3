"""The bot's update queue and getUpdates long polling, with Telegram's confirmation rules.

Updates stay queued until a getUpdates call confirms them with a higher ``offset``. Only one
getUpdates may wait at a time: a second one while the first is still connected is refused with
409, as two bot instances polling the same token would be. A poll whose client has gone away
(the bot was stopped, or its read timed out) no longer counts.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from collections.abc import AsyncIterator, Callable
from typing import Any

from bot.sandbox.errors import conflict

# What Telegram delivers when allowed_updates is empty or was never set.
EXCLUDED_BY_DEFAULT = frozenset({"chat_member", "message_reaction", "message_reaction_count"})
# How long a new poll waits for an older one to notice that its client left.
_HANDOVER_SECONDS = 0.2


class _Poll:
    def __init__(self, alive: Callable[[], bool]):
        self.alive = alive


class UpdateQueue:
    def __init__(self) -> None:
        self._pending: deque[dict[str, Any]] = deque()
        self._next_id = 1
        self._allowed: frozenset[str] | None = None
        self._arrived = asyncio.Event()
        self._closed = False
        self._poll: _Poll | None = None
        self._poll_ended = asyncio.Event()
        # Told of each update queued (the webhook delivery waits on it).
        self.listeners: list[Callable[[], None]] = []

    @property
    def next_update_id(self) -> int:
        return self._next_id

    @property
    def pending_count(self) -> int:
        return len(self._pending)

    @property
    def polling(self) -> bool:
        """A getUpdates call is waiting for updates."""
        return self._poll is not None

    def set_allowed(self, kinds: list[str] | None) -> None:
        """Remember allowed_updates; an empty list restores the default, as in Telegram."""
        if kinds is None:
            return
        self._allowed = frozenset(kinds) if kinds else None

    def allows(self, kind: str) -> bool:
        if self._allowed is None:
            return kind not in EXCLUDED_BY_DEFAULT
        return kind in self._allowed

    def push(self, kind: str, payload: dict[str, Any]) -> dict[str, Any] | None:
        """Queue an update; None when allowed_updates excludes its kind (Telegram drops it)."""
        if not self.allows(kind):
            return None
        update = {"update_id": self._next_id, kind: payload}
        self._next_id += 1
        self._pending.append(update)
        self._arrived.set()
        self._tell()
        return update

    def notify(self) -> None:
        """Tell the listeners to look again (a webhook was set)."""
        self._tell()

    def _tell(self) -> None:
        for listener in self.listeners:
            listener()

    def push_raw(self, fields: dict[str, Any]) -> dict[str, Any]:
        """Queue an update exactly as given, unchecked, with the next update_id unless it names
        one: for updates no driver call makes, malformed ones included."""
        update = {"update_id": self._next_id, **fields}
        update_id = update["update_id"]
        if not isinstance(update_id, int) or isinstance(update_id, bool):
            raise ValueError("Telegram's update_id is always an integer")
        self._next_id = max(self._next_id, update_id + 1)
        self._pending.append(update)
        self._arrived.set()
        self._tell()
        return update

    def confirm(self, offset: int | None) -> None:
        """Forget what ``offset`` confirms: earlier ids, or all but the last -offset."""
        if offset is None or offset == 0:
            return
        if offset > 0:
            while self._pending and self._pending[0]["update_id"] < offset:
                self._pending.popleft()
        else:
            while len(self._pending) > -offset:
                self._pending.popleft()

    def pending(self) -> list[dict[str, Any]]:
        """Every unconfirmed update, oldest first."""
        return list(self._pending)

    def remove(self, update_id: int) -> None:
        """Forget one update: a webhook answered it with a 2xx."""
        for update in self._pending:
            if update["update_id"] == update_id:
                self._pending.remove(update)
                return

    def peek(self, limit: int) -> list[dict[str, Any]]:
        return [update for _, update in zip(range(limit), self._pending, strict=False)]

    def clear(self) -> None:
        self._pending.clear()

    def close(self) -> None:
        """Release every waiting poll (the sandbox is stopping)."""
        self._closed = True
        self._arrived.set()

    def reopen(self) -> None:
        self._closed = False

    async def wait(self, seconds: float) -> None:
        """Return once an update is queued, ``seconds`` passed, or the queue closed."""
        if self._pending or seconds <= 0 or self._closed:
            return
        self._arrived.clear()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._arrived.wait(), seconds)

    @contextlib.asynccontextmanager
    async def exclusive_poll(self, alive: Callable[[], bool]) -> AsyncIterator[None]:
        """Hold the single polling slot for the duration of one getUpdates call."""
        if self._poll is not None:
            loop = asyncio.get_running_loop()
            deadline = loop.time() + _HANDOVER_SECONDS
            while self._poll is not None and self._poll.alive() and loop.time() < deadline:
                self._poll_ended.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._poll_ended.wait(), deadline - loop.time())
            if self._poll is not None and self._poll.alive():
                raise conflict(
                    "terminated by other getUpdates request; make sure that only one bot "
                    "instance is running"
                )
        poll = _Poll(alive)
        self._poll = poll
        try:
            yield
        finally:
            if self._poll is poll:
                self._poll = None
            self._poll_ended.set()
