"""Fixtures for the sandbox's own tests: a running sandbox, a real PTB Bot and a raw HTTP client."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import httpx
import pytest
import telegram

from bot.sandbox import Sandbox, SandboxUser


@pytest.fixture
async def sandbox() -> AsyncIterator[Sandbox]:
    # Flood limits are off unless a test is about them, so that quick sequences of calls pass.
    async with Sandbox(flood=None, hang_seconds=2.0) as running:
        yield running


@pytest.fixture
async def bot(sandbox: Sandbox) -> AsyncIterator[telegram.Bot]:
    async with telegram.Bot(
        sandbox.token, base_url=sandbox.base_url, base_file_url=sandbox.base_file_url
    ) as client:
        yield client


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=5.0) as client:
        yield client


@pytest.fixture
async def anna(sandbox: Sandbox) -> SandboxUser:
    """A person who has started the bot, so the bot may write to her."""
    person = sandbox.add_user(first_name="Anna", language_code="fi")
    await person.send_command("start")
    return person


@pytest.fixture
def api_url(sandbox: Sandbox) -> Callable[[str], str]:
    """The URL of a method, for calling the sandbox over plain HTTP as any client could."""
    return lambda method: f"{sandbox.base_url}{sandbox.token}/{method}"
