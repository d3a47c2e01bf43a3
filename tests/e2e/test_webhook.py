"""Receiving by webhook: the sandbox posts each update to the bot's endpoint as Telegram does,
with the secret header; the bot writes it down, answers 200, and handles it afterwards.

- a person's messages are answered, in order, and the inbox holds each once;
- a request without the right secret is refused and writes nothing;
- while the webhook is set, getUpdates is refused (409), as Telegram does; polling again (a restart
  without --webhook) deletes the webhook and works;
- `companion webhook info` shows Telegram's view; /healthz and /readyz answer.
"""

from __future__ import annotations

import asyncio
import os
import socket
import sys
from collections.abc import AsyncIterator

import aiohttp
import pytest
from sqlmodel import select

from bot.devtools.harness import SANDBOX_TOKEN, Harness
from bot.models.transport import InboxStatus, InboxUpdate
from bot.runtime.clock import ManualClock
from bot.runtime.webhook import SECRET_HEADER
from bot.sandbox import Sandbox

pytestmark = pytest.mark.asyncio

SECRET = "a-Secret_token-1234"
PATH = "/telegram/updates"
NEEDS_INVITE = "you need an invite link from your job coach"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
async def webhook_harness(database_url: str, clock: ManualClock) -> AsyncIterator[Harness]:
    port = free_port()
    harness = await Harness.create(
        database_url=database_url,
        clock=clock,
        webhook_url=f"http://127.0.0.1:{port}{PATH}",
        webhook_secret=SECRET,
        webhook_port=port,
        rate_global_per_second=1000.0,
        rate_per_chat_per_second=100.0,
        rate_per_chat_burst=100,
    )
    harness.sandbox.flood = None
    try:
        await harness.start_webhook_bot()
        yield harness
    finally:
        await harness.close()


async def inbox_rows(harness: Harness) -> list[InboxUpdate]:
    async with harness.db.session() as session:
        return list((await session.exec(select(InboxUpdate))).all())


async def test_updates_come_by_webhook_and_are_answered_in_order_once(
    webhook_harness: Harness,
) -> None:
    harness = webhook_harness
    sandbox = harness.sandbox
    people = [sandbox.add_user(first_name=f"P{n}", language_code="en") for n in range(5)]
    for person in people:
        for _ in range(3):
            await person.send_text("/help")
    await harness.settle()

    for person in people:
        answers = [m.visible_text for m in person.bot_messages()]
        assert len(answers) == 3 and all(NEEDS_INVITE in a for a in answers)
    assert sandbox.calls_to("getUpdates") == []
    assert sandbox.webhook.delivered == 15 and sandbox.webhook.refused == 0
    rows = await inbox_rows(harness)
    assert len(rows) == 15 and {r.status for r in rows} == {InboxStatus.DONE}
    assert {r.attempts for r in rows} == {1}
    [setting] = sandbox.calls_to("setWebhook")
    assert setting.params["secret_token"] == SECRET
    assert setting.params["max_connections"] == harness.settings.webhook_max_connections
    assert "callback_query" in setting.params["allowed_updates"]


async def test_a_request_without_the_secret_is_refused_and_writes_nothing(
    webhook_harness: Harness,
) -> None:
    harness = webhook_harness
    assert harness.web is not None
    url = f"http://127.0.0.1:{harness.web.port}{PATH}"
    forged = {
        "update_id": 424242,
        "message": {
            "message_id": 1,
            "date": 1_772_434_800,
            "chat": {"id": 5, "type": "private", "first_name": "X"},
            "from": {"id": 5, "is_bot": False, "first_name": "X"},
            "text": "/help",
        },
    }
    async with aiohttp.ClientSession() as client:
        for headers in ({}, {SECRET_HEADER: "wrong"}, {SECRET_HEADER: SECRET + "x"}):
            async with client.post(url, json=forged, headers=headers) as answer:
                assert answer.status == 403
        async with client.get(f"http://127.0.0.1:{harness.web.port}/healthz") as answer:
            assert answer.status == 200 and (await answer.json()) == {"database": True}
        async with client.get(f"http://127.0.0.1:{harness.web.port}/readyz") as answer:
            assert answer.status == 200 and (await answer.json()) == {"ready": True}
    assert await inbox_rows(harness) == []


async def test_get_updates_is_refused_while_the_webhook_is_set_and_polling_again_deletes_it(
    webhook_harness: Harness,
) -> None:
    harness = webhook_harness
    sandbox = harness.sandbox
    async with (
        aiohttp.ClientSession() as client,
        client.post(f"{sandbox.base_url}{sandbox.token}/getUpdates", json={}) as answer,
    ):
        assert answer.status == 409
        body = await answer.json()
    assert "webhook is active" in body["description"]

    # A restart without --webhook: the bot polls, and the webhook is gone.
    await harness.stop_bot()
    person = sandbox.add_user(first_name="Pauli", language_code="en")
    await person.send_text("/help")
    await harness.start_bot()
    await harness.settle()
    assert NEEDS_INVITE in person.bot_messages()[-1].visible_text
    assert sandbox.state.webhook.url == ""
    assert sandbox.calls_to("deleteWebhook")


async def test_webhook_info_shows_telegrams_view(webhook_harness: Harness) -> None:
    sandbox: Sandbox = webhook_harness.sandbox
    env = {
        **os.environ,
        "BOT_TOKEN": SANDBOX_TOKEN,
        "TELEGRAM_API_BASE_URL": sandbox.base_url,
        "DATABASE_URL": webhook_harness.settings.resolved_database_url,
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "webhook",
        "info",
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await process.communicate()
    assert process.returncode == 0, err.decode()
    shown = dict(line.split("\t", 1) for line in out.decode().splitlines())
    assert shown["url"] == webhook_harness.settings.webhook_url
    assert shown["pending_update_count"] == "0"
    assert shown["max_connections"] == "40"
