"""The desk on the web in the tests: a harness with the web server on, and a coach's browser
session over plain HTTP (httpx), logged in with launch data the sandbox signs."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx

from bot.devtools.harness import Harness
from bot.runtime.clock import ManualClock
from bot.sandbox import FloodLimits, SandboxUser

CSRF = re.compile(r'name="csrf" value="([^"]+)"')


@asynccontextmanager
async def web_harness(
    database_url: str, clock: ManualClock, *, base_url: str = "http://127.0.0.1"
) -> AsyncIterator[Harness]:
    """The real bot against the sandbox, with the desk served on a free loopback port (and
    known to the bot by `base_url`, as behind a proxy)."""
    harness = await Harness.create(
        database_url=database_url,
        clock=clock,
        rate_global_per_second=1000.0,
        rate_per_chat_per_second=100.0,
        rate_per_chat_burst=100,
        rate_per_group_per_minute=6000.0,
        web_base_url=base_url,
        web_host="127.0.0.1",
        web_port=0,
    )
    harness.sandbox.flood = FloodLimits(
        global_per_second=1000,
        per_chat_per_second=100,
        per_chat_burst=100,
        per_group_per_minute=6000,
    )
    try:
        await harness.start_bot()
        await harness.settle()
        yield harness
    finally:
        await harness.close()


def desk_url(harness: Harness) -> str:
    web = harness.app.services.web
    assert web is not None and web.port is not None
    return f"http://127.0.0.1:{web.port}"


def init_data_for(harness: Harness, user: SandboxUser) -> str:
    clock = harness.clock
    assert clock is not None
    return harness.sandbox.web_app_init_data(user.id, auth_date=int(clock.now().timestamp()))


def browser(harness: Harness) -> httpx.AsyncClient:
    # A busy machine can take seconds over a page; the tests wait for it rather than fail.
    return httpx.AsyncClient(base_url=desk_url(harness), follow_redirects=False, timeout=60)


async def log_in(client: httpx.AsyncClient, init: str) -> httpx.Response:
    return await client.post("/session", data={"init_data": init})


def csrf_of(html: str) -> str:
    found = CSRF.search(html)
    assert found is not None, "no CSRF token on the page"
    return found.group(1)
