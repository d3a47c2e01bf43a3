"""Delivering updates to a set webhook, as Telegram does.

While a webhook is set, each queued update is POSTed to its URL as JSON, with the secret token in
the `X-Telegram-Bot-Api-Secret-Token` header when one was set; at most `max_connections`
requests are open at once. An update is forgotten only when the answer is a 2xx; anything else
(an error status, a refused connection, a timeout) is tried again after a growing pause, and the
error is shown by getWebhookInfo (`last_error_date`, `last_error_message`). One chat's updates go
one after another: the next is sent once the one before it was answered with a 2xx, so a chat's
updates arrive in order whichever server behind the URL takes them.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable
from typing import Any

import aiohttp

from bot.sandbox.state import WebhookState
from bot.sandbox.update_queue import UpdateQueue

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
# Telegram waits about a minute; the tests want a wedged server noticed sooner.
REQUEST_TIMEOUT_SECONDS = 15.0
FIRST_RETRY_SECONDS = 0.2
MAX_RETRY_SECONDS = 2.0


def chat_of(update: dict[str, Any]) -> int | None:
    """The chat (or sender) whose updates must arrive in order."""
    for key, body in update.items():
        if key == "update_id" or not isinstance(body, dict):
            continue
        chat = body.get("chat") or (body.get("message") or {}).get("chat") or {}
        if isinstance(chat, dict) and isinstance(chat.get("id"), int):
            return int(chat["id"])
        sender = body.get("from") or body.get("user") or {}
        if isinstance(sender, dict) and isinstance(sender.get("id"), int):
            return int(sender["id"])
    return None


class WebhookDelivery:
    """Runs beside the sandbox's server; idle while no webhook is set."""

    def __init__(
        self,
        webhook: WebhookState,
        updates: UpdateQueue,
        clock: Callable[[], float],
        on_activity: Callable[[], None],
    ) -> None:
        self._webhook = webhook
        self._updates = updates
        self._clock = clock
        self._on_activity = on_activity
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._in_flight: dict[int, asyncio.Task[None]] = {}
        self._failures: dict[int, int] = {}
        self._retry_at: dict[int, float] = {}
        self._session: aiohttp.ClientSession | None = None
        self.delivered = 0
        self.refused = 0
        updates.listeners.append(self.wake)

    def wake(self) -> None:
        self._wake.set()

    @property
    def in_flight(self) -> int:
        return len(self._in_flight)

    async def start(self) -> None:
        if self._task is None:
            self._session = aiohttp.ClientSession(
                timeout=aiohttp.ClientTimeout(total=REQUEST_TIMEOUT_SECONDS)
            )
            self._task = asyncio.create_task(self._run(), name="sandbox-webhook")

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        for request in list(self._in_flight.values()):
            request.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await request
        self._in_flight.clear()
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def _run(self) -> None:
        while True:
            self._wake.clear()
            pause = self._send_what_may_go()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=pause)

    def _send_what_may_go(self) -> float:
        """Start the requests that may go now; returns how long to wait at most."""
        webhook = self._webhook
        if not webhook.url:
            return 1.0
        now = time.monotonic()
        pause = 1.0
        waiting_chats: set[int] = set()
        for update in self._updates.pending():
            update_id = int(update["update_id"])
            chat = chat_of(update)
            if chat is not None and chat in waiting_chats:
                continue  # an earlier update of this chat is not answered yet
            if chat is not None:
                waiting_chats.add(chat)
            if update_id in self._in_flight:
                continue
            retry_at = self._retry_at.get(update_id, 0.0)
            if retry_at > now:
                pause = min(pause, retry_at - now)
                continue
            if len(self._in_flight) >= max(1, webhook.max_connections):
                break
            self._in_flight[update_id] = asyncio.create_task(self._post(update))
        return pause

    async def _post(self, update: dict[str, Any]) -> None:
        update_id = int(update["update_id"])
        webhook = self._webhook
        headers = {SECRET_HEADER: webhook.secret_token} if webhook.secret_token else {}
        error: str | None = None
        try:
            assert self._session is not None
            async with self._session.post(webhook.url, json=update, headers=headers) as answer:
                await answer.read()
                if not 200 <= answer.status < 300:
                    error = f"Wrong response from the webhook: {answer.status} {answer.reason}"
        except (aiohttp.ClientError, TimeoutError, OSError) as exc:
            error = f"Connection failed: {type(exc).__name__}"
        finally:
            self._in_flight.pop(update_id, None)
        if error is None:
            self._updates.remove(update_id)
            self._failures.pop(update_id, None)
            self._retry_at.pop(update_id, None)
            self.delivered += 1
        else:
            self.refused += 1
            failures = self._failures.get(update_id, 0) + 1
            self._failures[update_id] = failures
            pause = min(MAX_RETRY_SECONDS, FIRST_RETRY_SECONDS * 2 ** (failures - 1))
            self._retry_at[update_id] = time.monotonic() + pause
            webhook.last_error_date = int(self._clock())
            webhook.last_error_message = error
        self._on_activity()
        self.wake()
