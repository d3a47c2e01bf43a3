"""Webhook delivery as Telegram does it: POST with the secret header, at most max_connections at
once, one chat's updates one after another, anything not answered with a 2xx tried again and
shown as the last error; getUpdates refused while a webhook is set."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import pytest
import telegram
from aiohttp import web
from telegram.error import Conflict

from bot.sandbox import Sandbox
from bot.sandbox.webhook import SECRET_HEADER


@dataclass
class Receiver:
    """A webhook server that records what it got, refuses the first `refuse` requests with 500
    and holds each request `hold` seconds."""

    refuse: int = 0
    hold: float = 0.0
    got: list[dict[str, Any]] = field(default_factory=list)
    secrets: list[str | None] = field(default_factory=list)
    open_now: int = 0
    most_open: int = 0
    url: str = ""

    async def handle(self, request: web.Request) -> web.Response:
        self.open_now += 1
        self.most_open = max(self.most_open, self.open_now)
        try:
            body = json.loads(await request.read())
            self.secrets.append(request.headers.get(SECRET_HEADER))
            await asyncio.sleep(self.hold)
            if self.refuse > 0:
                self.refuse -= 1
                return web.Response(status=500)
            self.got.append(body)
            return web.Response(status=200)
        finally:
            self.open_now -= 1


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    found = Receiver()
    app = web.Application()
    app.router.add_post("/hook", found.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    found.url = f"http://127.0.0.1:{port}/hook"
    try:
        yield found
    finally:
        await runner.cleanup()


def texts(got: list[dict[str, Any]], chat: int) -> list[str]:
    return [u["message"]["text"] for u in got if u["message"]["chat"]["id"] == chat]


async def test_updates_are_posted_with_the_secret_in_order_per_chat_and_at_most_max_connections(
    sandbox: Sandbox, bot: telegram.Bot, receiver: Receiver
) -> None:
    receiver.hold = 0.02
    await bot.set_webhook(receiver.url, secret_token="s3cret", max_connections=3)
    people = [sandbox.add_user(first_name=f"P{n}") for n in range(6)]
    for round_ in range(4):
        for person in people:
            await person.send_text(f"{person.first_name}-{round_}")
    await sandbox.wait_idle(timeout=10)

    assert len(receiver.got) == 24
    assert set(receiver.secrets) == {"s3cret"}
    assert receiver.most_open == 3
    for person in people:
        assert texts(receiver.got, person.chat_id) == [f"{person.first_name}-{n}" for n in range(4)]
    info = await bot.get_webhook_info()
    assert info.url == receiver.url and info.pending_update_count == 0
    assert info.last_error_date is None

    with pytest.raises(Conflict, match="webhook is active"):
        await bot.get_updates()


async def test_an_update_not_answered_with_2xx_is_sent_again_and_the_error_shown(
    sandbox: Sandbox, bot: telegram.Bot, receiver: Receiver
) -> None:
    receiver.refuse = 2
    await bot.set_webhook(receiver.url, max_connections=1)
    anna = sandbox.add_user(first_name="Anna")
    await anna.send_text("first")
    await anna.send_text("second")
    await sandbox.wait_idle(timeout=10)

    # Refused twice, then taken; the second waited for the first.
    assert texts(receiver.got, anna.chat_id) == ["first", "second"]
    assert receiver.secrets == [None, None, None, None]
    info = await bot.get_webhook_info()
    assert info.pending_update_count == 0
    assert info.last_error_message == "Wrong response from the webhook: 500 Internal Server Error"
    assert info.last_error_date is not None

    # Deleting the webhook lets getUpdates work again; new updates wait for it.
    await bot.delete_webhook()
    await anna.send_text("third")
    updates = await bot.get_updates()
    assert [u.message.text for u in updates if u.message] == ["third"]
