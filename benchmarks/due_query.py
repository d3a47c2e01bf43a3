"""How long the dispatcher takes to claim one batch of due check-ins among a million schedules.

    python benchmarks/due_query.py --rows 1000000

A million clients with one schedule each (inserted in bulk: executemany on SQLite, COPY on
PostgreSQL), 0.1% of them due. Each run calls `checkins.claim_due_schedules(limit=500)` (the due
rows selected, on PostgreSQL FOR UPDATE SKIP LOCKED, the schedules moved on by compare-and-set,
the check-ins created) in a transaction that is rolled back afterwards, so every run claims the
same 500 rows; the median of 20 runs after one warm-up. On SQLite (a temporary file) and, when
TEST_DATABASE_URL is set, on PostgreSQL (else `skipped`). Prints `sqlite_ms` and `postgres_ms`
(target ≤ 50 each), and the select of the due rows alone (`*_select_ms`) for comparison.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import random
import statistics
import sys
import time
from typing import Any

import common
import sqlalchemy as sa
from common import report
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.models.checkins import CheckinSchedule
from bot.models.people import Person
from bot.runtime.db import Database
from bot.services import checkins
from bot.services.sql import table_of

RUNS = 20
LIMIT = 500
DUE_FRACTION = 0.001


async def seed(db: Database, rows: int, now: dt.datetime) -> int:
    """`rows` clients with one schedule each; every 1000th is due (a minute ago). Returns the
    number due."""
    started = time.perf_counter()
    first = 10**9
    await common.insert_many(
        db,
        table_of(Person),
        [common._person(first + n, None, "fi", now) for n in range(rows)],
    )
    persons = table_of(Person)
    async with db.engine.connect() as connection:
        smallest = (await connection.execute(sa.select(sa.func.min(persons.c.id)))).scalar_one()
    step = round(1 / DUE_FRACTION)
    rng = random.Random(4)
    due_at = now - dt.timedelta(minutes=1)
    schedule_rows: list[dict[str, Any]] = []
    due = 0
    for n in range(rows):
        if n % step == step // 2:
            moment = due_at
            due += 1
        else:
            # Later today, tomorrow or in the next days, at whole minutes as real schedules are.
            moment = (now + dt.timedelta(minutes=rng.randint(5, 7 * 24 * 60))).replace(
                second=0, microsecond=0
            )
        schedule_rows.append(
            {
                "client_id": smallest + n,
                "local_time": common.local_time_of(moment),
                "weekdays": "1234567",
                "timezone": common.HELSINKI,
                "active": True,
                "next_due_at": moment,
                "created_at": now,
                "updated_at": now,
            }
        )
    await common.insert_many(db, table_of(CheckinSchedule), schedule_rows)
    async with db.engine.begin() as connection:
        await connection.exec_driver_sql("ANALYZE")
    print(f"seeded {rows} schedules in {time.perf_counter() - started:.0f}s", file=sys.stderr)
    return due


async def _timed(db: Database, now: dt.datetime, *, select_only: bool) -> tuple[float, int]:
    async with AsyncSession(db.engine, expire_on_commit=False) as session:
        started = time.perf_counter()
        if select_only:
            query = (
                select(CheckinSchedule)
                .where(
                    CheckinSchedule.active == True,  # noqa: E712
                    col(CheckinSchedule.next_due_at) <= now,
                )
                .order_by(col(CheckinSchedule.next_due_at))
                .limit(LIMIT)
            )
            if db.is_postgresql:
                query = query.with_for_update(skip_locked=True)
            count = len((await session.exec(query)).all())
        else:
            count = len(await checkins.claim_due_schedules(session, now=now, limit=LIMIT))
        elapsed = time.perf_counter() - started
        await session.rollback()  # the same rows are due again for the next run
    if db.is_postgresql:
        # A rolled-back insert leaves dead index entries behind on PostgreSQL (not on SQLite);
        # clear them so each run sees the table as the dispatcher would.
        async with db.engine.connect() as connection:
            autocommit = await connection.execution_options(isolation_level="AUTOCOMMIT")
            await autocommit.exec_driver_sql("VACUUM checkin, checkin_schedule")
    return elapsed * 1000, count


async def measure(kind: str, rows: int) -> tuple[float, float]:
    async with common.fresh_database(kind) as url:
        db = Database(url)
        try:
            now = dt.datetime.now(dt.UTC).replace(microsecond=0)
            due = await seed(db, rows, now)
            expected = min(LIMIT, due)
            results = {}
            for select_only in (True, False):
                await _timed(db, now, select_only=select_only)  # warm-up
                times = []
                for _ in range(RUNS):
                    ms, count = await _timed(db, now, select_only=select_only)
                    if count != expected:
                        raise AssertionError(f"claimed {count} rows, expected {expected}")
                    times.append(ms)
                results[select_only] = statistics.median(times)
            return results[False], results[True]
        finally:
            await db.dispose()


async def run(rows: int) -> None:
    common.quiet_logging()
    sqlite_ms, sqlite_select = await measure("sqlite", rows)
    postgres_ms = postgres_select = None
    if common.postgres_url() is not None:
        postgres_ms, postgres_select = await measure("postgresql", rows)
    figures = [
        ("sqlite_ms", round(sqlite_ms, 1)),
        ("postgres_ms", round(postgres_ms, 1) if postgres_ms is not None else None),
        ("sqlite_select_ms", round(sqlite_select, 1)),
        ("postgres_select_ms", round(postgres_select, 1) if postgres_select is not None else None),
    ]
    pg = f"{postgres_ms:.1f} ms" if postgres_ms is not None else "skipped (no TEST_DATABASE_URL)"
    report(
        figures,
        f"claiming {LIMIT} due of {rows} schedules, median of {RUNS}: SQLite {sqlite_ms:.1f} ms, "
        f"PostgreSQL {pg} (target <= 50 ms each); the select of the due rows alone: SQLite "
        f"{sqlite_select:.1f} ms"
        + (f", PostgreSQL {postgres_select:.1f} ms" if postgres_select is not None else ""),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    args = parser.parse_args()
    asyncio.run(run(args.rows))


if __name__ == "__main__":
    main()
