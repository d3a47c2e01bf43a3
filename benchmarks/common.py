"""Shared set-up for the benchmarks: a harness on a throwaway database, and people to write to."""

from __future__ import annotations

import logging
import os
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from bot.harness import Harness
from bot.models.people import Person
from bot.sandbox import SandboxUser


@asynccontextmanager
async def running_bot(**settings: Any) -> AsyncIterator[Harness]:
    logging.basicConfig(level=logging.WARNING)
    with tempfile.TemporaryDirectory(prefix="companion-bench-") as folder:
        url = os.environ.get("DATABASE_URL") or f"sqlite+aiosqlite:///{Path(folder) / 'b.sqlite3'}"
        harness = await Harness.create(database_url=url, **settings)
        try:
            await harness.start_bot()
            await harness.settle()
            yield harness
        finally:
            await harness.close()


async def people(harness: Harness, count: int) -> list[tuple[int, SandboxUser]]:
    """People who have opened the bot, known to the database."""
    users = [harness.sandbox.add_user(first_name=f"P{i}", language_code="fi") for i in range(count)]
    for user in users:
        harness.sandbox.mark_started(user.id)
    async with harness.db.session() as session:
        rows = [Person(telegram_user_id=u.id, chat_id=u.id) for u in users]
        session.add_all(rows)
        await session.flush()
        return [(row.id or 0, user) for row, user in zip(rows, users, strict=True)]
