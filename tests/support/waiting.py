"""Waiting on a condition instead of a fixed sleep: the one poll the tests share.

The bot under test runs in this event loop or in other processes; what a test waits for (a
message in the sandbox, a row in the database) has no event to wait on, so it is polled.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Awaitable, Callable

Condition = Callable[[], bool] | Callable[[], Awaitable[bool]]

POLL_SECONDS = 0.02


async def until(condition: Condition, timeout: float = 20.0, *, what: str = "") -> None:  # noqa: ASYNC109
    """Return as soon as `condition()` holds (it may be a coroutine function); raise
    AssertionError naming `what` when it does not within `timeout` seconds."""
    try:
        async with asyncio.timeout(timeout):
            while True:
                held = condition()
                if inspect.isawaitable(held):
                    held = await held
                if held:
                    return
                await asyncio.sleep(POLL_SECONDS)
    except TimeoutError:
        raise AssertionError(f"{what or 'the condition'}: not within {timeout:g}s") from None
