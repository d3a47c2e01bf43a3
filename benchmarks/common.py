"""Shared set-up for the benchmarks: throwaway databases, clients seeded in bulk, the bot against
the local sandbox (in this process or as a `companion` subprocess), and the output format.

Every benchmark prints one `name value` per line (a bare number, or `skipped`) and ends with a
line that starts with `summary`.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import os
import sys
import tempfile
import uuid
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402
from sqlalchemy.ext.asyncio import create_async_engine  # noqa: E402

from bot.config import normalise_database_url  # noqa: E402
from bot.devtools.harness import SANDBOX_TOKEN, Harness  # noqa: E402
from bot.models.checkins import CheckinSchedule  # noqa: E402
from bot.models.coaching import (  # noqa: E402
    AssignmentKind,
    ClientName,
    CoachAssignment,
    Coaching,
    CoachingStatus,
)
from bot.models.people import Membership, Organisation, Person, Role  # noqa: E402
from bot.runtime.db import Database  # noqa: E402
from bot.runtime.schema import upgrade  # noqa: E402
from bot.sandbox import Sandbox, SandboxUser  # noqa: E402
from bot.services.sql import table_of  # noqa: E402

HELSINKI = "Europe/Helsinki"
CHUNK = 5000


# -- output -------------------------------------------------------------------------------------


def number(value: float | int | None) -> str:
    """A bare number (integers as integers), or `skipped`."""
    if value is None:
        return "skipped"
    if isinstance(value, bool):
        return str(int(value))
    if isinstance(value, int) or (float(value).is_integer() and abs(value) >= 1000):
        return str(int(value))
    return f"{value:.3f}".rstrip("0").rstrip(".") if abs(value) < 1000 else f"{value:.1f}"


def report(figures: Iterable[tuple[str, float | int | None]], summary: str) -> None:
    for name, value in figures:
        print(f"{name} {number(value)}")
    print(f"summary {summary}")
    sys.stdout.flush()


def quiet_logging() -> None:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    for name in ("httpx", "httpcore", "aiohttp.access", "apscheduler", "alembic", "telegram"):
        logging.getLogger(name).setLevel(logging.WARNING)


# -- databases ----------------------------------------------------------------------------------


def postgres_url() -> str | None:
    url = os.environ.get("TEST_DATABASE_URL")
    return normalise_database_url(url) if url else None


async def _admin(url: str, statement: str) -> None:
    engine = create_async_engine(url, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as connection:
            await connection.exec_driver_sql(statement)
    finally:
        await engine.dispose()


async def migrate(url: str) -> None:
    db = Database(url)
    try:
        await upgrade(db)
    finally:
        await db.dispose()


@asynccontextmanager
async def fresh_database(kind: str = "sqlite") -> AsyncIterator[str]:
    """A new, migrated database: a SQLite file in a temporary folder, or (kind="postgresql") a
    database created on the server of TEST_DATABASE_URL and dropped afterwards."""
    if kind == "sqlite":
        with tempfile.TemporaryDirectory(prefix="companion-bench-") as folder:
            url = f"sqlite+aiosqlite:///{Path(folder) / 'bench.sqlite3'}"
            await migrate(url)
            yield url
        return
    server = postgres_url()
    if server is None:
        raise RuntimeError("TEST_DATABASE_URL is not set")
    name = f"companion_bench_{uuid.uuid4().hex[:8]}"
    await _admin(server, f'CREATE DATABASE "{name}"')
    url = make_url(server).set(database=name).render_as_string(hide_password=False)
    try:
        await migrate(url)
        yield url
    finally:
        await _admin(server, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def insert_many(db: Database, table: sa.Table, rows: Sequence[dict[str, Any]]) -> None:
    """Bulk insert (executemany in chunks; COPY on PostgreSQL for big batches)."""
    if not rows:
        return
    async with db.engine.begin() as connection:
        if db.is_postgresql and len(rows) >= CHUNK:
            raw = (await connection.get_raw_connection()).driver_connection
            assert raw is not None
            columns = list(rows[0])
            await raw.copy_records_to_table(
                table.name,
                records=[tuple(_pg(row[c]) for c in columns) for row in rows],
                columns=columns,
            )
            return
        for start in range(0, len(rows), CHUNK):
            await connection.execute(table.insert(), list(rows[start : start + CHUNK]))


def _pg(value: Any) -> Any:
    return value.value if hasattr(value, "value") and not isinstance(value, dt.datetime) else value


# -- seeding ------------------------------------------------------------------------------------


def local_time_of(moment: dt.datetime, timezone: str = HELSINKI) -> dt.time:
    local = moment.astimezone(ZoneInfo(timezone))
    return dt.time(local.hour, local.minute)


async def seed_clients(
    db: Database,
    *,
    telegram_ids: Sequence[int],
    next_due_at: dt.datetime,
    now: dt.datetime,
    coach_telegram_id: int,
    organisation: str = "Bench workshop",
    locale: str = "fi",
    coached: bool = True,
) -> list[int]:
    """Clients in bulk (SQLAlchemy Core), each with one active daily schedule whose next due time
    is `next_due_at`; with `coached`, one coach and an active coaching for each. Returns the
    clients' person ids in the order of `telegram_ids`."""
    persons = table_of(Person)
    async with db.engine.begin() as connection:
        org_id = (
            await connection.execute(
                sa.select(table_of(Organisation).c.id).where(
                    table_of(Organisation).c.name == organisation
                )
            )
        ).scalar_one_or_none()
        if org_id is None:
            org_id = (
                await connection.execute(
                    sa.insert(table_of(Organisation))
                    .values(
                        name=organisation,
                        timezone=HELSINKI,
                        locale=locale,
                        emergency_number="112",
                        crisis_line_name="MIELI Kriisipuhelin",
                        crisis_line_number="09 2525 0111",
                        settings={},
                        created_at=now,
                    )
                    .returning(table_of(Organisation).c.id)
                )
            ).scalar_one()
        coach_id = (
            await connection.execute(
                sa.select(persons.c.id).where(persons.c.telegram_user_id == coach_telegram_id)
            )
        ).scalar_one_or_none()
        if coach_id is None:
            coach_id = (
                await connection.execute(
                    sa.insert(persons)
                    .values(**_person(coach_telegram_id, "Valmentaja", locale, now))
                    .returning(persons.c.id)
                )
            ).scalar_one()
            for role in (Role.COACH, Role.ADMIN):
                await connection.execute(
                    sa.insert(table_of(Membership)).values(
                        person_id=coach_id,
                        organisation_id=org_id,
                        role=role,
                        active_from=now,
                        created_at=now,
                    )
                )
    await insert_many(db, persons, [_person(t, None, locale, now) for t in telegram_ids])
    ids: dict[int, int] = {}
    async with db.engine.begin() as connection:
        wanted = set(telegram_ids)
        for pid, tid in (
            await connection.execute(
                sa.select(persons.c.id, persons.c.telegram_user_id).where(persons.c.id > coach_id)
            )
        ).all():
            if tid in wanted:
                ids[int(tid)] = int(pid)
    client_ids = [ids[t] for t in telegram_ids]
    local = local_time_of(next_due_at)
    await insert_many(
        db,
        table_of(CheckinSchedule),
        [
            {
                "client_id": pid,
                "local_time": local,
                "weekdays": "1234567",
                "timezone": HELSINKI,
                "active": True,
                "next_due_at": next_due_at,
                "created_at": now,
                "updated_at": now,
            }
            for pid in client_ids
        ],
    )
    if not coached:
        return client_ids
    await insert_many(
        db,
        table_of(Membership),
        [
            {
                "person_id": pid,
                "organisation_id": org_id,
                "role": Role.CLIENT.value,
                "active_from": now,
                "created_at": now,
            }
            for pid in client_ids
        ],
    )
    await insert_many(
        db,
        table_of(Coaching),
        [
            {
                "client_id": pid,
                "organisation_id": org_id,
                "status": CoachingStatus.ACTIVE.value,
                "agreement_version": "bench",
                "agreement_accepted_at": now,
                "started_at": now,
                "created_at": now,
                "updated_at": now,
            }
            for pid in client_ids
        ],
    )
    coachings = table_of(Coaching)
    async with db.engine.begin() as connection:
        by_client = {
            int(c): int(i)
            for i, c in (
                await connection.execute(
                    sa.select(coachings.c.id, coachings.c.client_id).where(
                        coachings.c.organisation_id == org_id
                    )
                )
            ).all()
        }
    await insert_many(
        db,
        table_of(CoachAssignment),
        [
            {
                "coaching_id": by_client[pid],
                "client_id": pid,
                "coach_id": coach_id,
                "kind": AssignmentKind.RESPONSIBLE.value,
                "valid_from": now,
                "created_by_id": coach_id,
                "created_at": now,
            }
            for pid in client_ids
        ],
    )
    await insert_many(
        db,
        table_of(ClientName),
        [
            {
                "coach_id": coach_id,
                "client_id": pid,
                "name": f"Asiakas {n}",
                "created_at": now,
                "updated_at": now,
            }
            for n, pid in enumerate(client_ids)
        ],
    )
    return client_ids


def _person(telegram_id: int, name: str | None, locale: str, now: dt.datetime) -> dict[str, Any]:
    return {
        "telegram_user_id": telegram_id,
        "chat_id": telegram_id,
        "display_name": name,
        "locale": locale,
        "locale_chosen": True,
        "timezone": HELSINKI,
        "created_at": now,
        "updated_at": now,
    }


def sandbox_users(sandbox: Sandbox, count: int, *, locale: str = "fi") -> list[SandboxUser]:
    """People who have opened the bot (so it may write to them)."""
    users = [sandbox.add_user(first_name=f"P{i}", language_code=locale) for i in range(count)]
    for user in users:
        sandbox.mark_started(user.id)
    return users


# -- the bot ------------------------------------------------------------------------------------


@asynccontextmanager
async def harness_on(database_url: str, **settings: Any) -> AsyncIterator[Harness]:
    """The sandbox and the real bot in this event loop, on a migrated database."""
    harness = await Harness.create(database_url=database_url, **settings)
    try:
        await harness.start_bot()
        await harness.settle()
        yield harness
    finally:
        await harness.close()


def bot_env(sandbox: Sandbox, database_url: str, **settings: Any) -> dict[str, str]:
    """The environment of a `companion` subprocess talking to this sandbox."""
    env = {
        k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "BOT_TOKEN", "DATA_DIR")
    }
    env.update(
        {
            "BOT_TOKEN": SANDBOX_TOKEN,
            "TELEGRAM_API_BASE_URL": sandbox.base_url,
            "DATABASE_URL": database_url,
            "LOG_LEVEL": "WARNING",
            "POLLING_TIMEOUT_SECONDS": "10",
        }
    )
    env.update({key.upper(): str(value) for key, value in settings.items()})
    return env


async def start_companion(
    command: str, env: dict[str, str], log: Path
) -> asyncio.subprocess.Process:
    handle = log.open("wb")
    # BENCH_PROFILE=<file>: run the bot under cProfile (stopped with SIGTERM, it writes the file).
    profile = os.environ.get("BENCH_PROFILE")
    prefix = ["-m", "cProfile", "-o", profile] if profile else []
    try:
        return await asyncio.create_subprocess_exec(
            sys.executable,
            *prefix,
            "-m",
            "bot",
            command,
            env=env,
            cwd=log.parent,
            stdout=handle,
            stderr=handle,
        )
    finally:
        handle.close()


async def stop_companion(process: asyncio.subprocess.Process) -> None:
    if process.returncode is None:
        process.terminate()
        try:
            await asyncio.wait_for(process.wait(), timeout=30)
        except TimeoutError:
            process.kill()
            await process.wait()
