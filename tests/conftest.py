"""Fixtures shared by every test: a migrated database (SQLite, or PostgreSQL when
TEST_DATABASE_URL is set), an injected clock, and the bot running against the local sandbox.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import shutil
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from bot.config import normalise_database_url
from bot.runtime.clock import ManualClock
from bot.runtime.db import Database
from bot.runtime.schema import upgrade
from tests.support.waiting import until

if TYPE_CHECKING:
    from bot.devtools.harness import Harness

# Monday 2 March 2026, 09:00 in Helsinki.
START = dt.datetime(2026, 3, 2, 7, 0, tzinfo=dt.UTC)


def _postgres_url() -> str | None:
    url = os.environ.get("TEST_DATABASE_URL")
    return normalise_database_url(url) if url else None


async def _migrate(url: str) -> None:
    db = Database(url)
    try:
        await upgrade(db)
    finally:
        await db.dispose()


async def _admin(url: str, *statements: str) -> None:
    engine = create_async_engine(url, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as connection:
            for statement in statements:
                await connection.exec_driver_sql(statement)
    finally:
        await engine.dispose()


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A database migrated once per run, copied for each test (much faster than migrating)."""
    pg = _postgres_url()
    if pg is None:
        path = tmp_path_factory.mktemp("template") / "template.sqlite3"
        url = f"sqlite+aiosqlite:///{path}"
        asyncio.run(_migrate(url))
        yield str(path)
        return
    name = f"companion_tmpl_{uuid.uuid4().hex[:8]}"
    asyncio.run(_admin(pg, f'CREATE DATABASE "{name}"'))
    asyncio.run(_migrate(make_url(pg).set(database=name).render_as_string(hide_password=False)))
    yield name
    asyncio.run(_admin(pg, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture
async def database_url(migrated_template: str, tmp_path: Path) -> AsyncIterator[str]:
    """A fresh, migrated database for one test."""
    pg = _postgres_url()
    if pg is None:
        target = tmp_path / "test.sqlite3"
        shutil.copyfile(migrated_template, target)
        yield f"sqlite+aiosqlite:///{target}"
        return
    name = f"companion_t_{uuid.uuid4().hex[:10]}"
    await _admin(pg, f'CREATE DATABASE "{name}" TEMPLATE "{migrated_template}"')
    yield make_url(pg).set(database=name).render_as_string(hide_password=False)
    await _admin(pg, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    database = Database(database_url)
    yield database
    await database.dispose()


WaitUntil = Callable[..., Awaitable[None]]


@pytest.fixture
def wait_until() -> WaitUntil:
    """Poll a condition about the outside world (a process, the sandbox) until it holds."""
    return until


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


@pytest.fixture
async def harness(database_url: str, clock: ManualClock) -> AsyncIterator[Harness]:
    """The real bot polling the local sandbox, on a fresh database, with the clock injected.

    Telegram's flood limits are lifted on both sides here so that conversations run at full
    speed; the tests of the limits themselves set them explicitly.
    """
    from bot.devtools.harness import Harness
    from bot.sandbox import FloodLimits

    h = await Harness.create(
        database_url=database_url,
        clock=clock,
        rate_global_per_second=1000.0,
        rate_per_chat_per_second=100.0,
        rate_per_chat_burst=100,
        rate_per_group_per_minute=6000.0,
    )
    h.sandbox.flood = FloodLimits(
        global_per_second=1000,
        per_chat_per_second=100,
        per_chat_burst=100,
        per_group_per_minute=6000,
    )
    try:
        await h.start_bot()
        await h.settle()
        yield h
    finally:
        await h.close()
