"""How long the progress pictures take: gathering the data from the database and drawing the PNG,
for one client's four weeks and for a coach's caseload of 40 clients (28 days of check-ins each).

    .venv/bin/python benchmarks/charts.py [--clients 40] [--runs 10]

Prints the median of `--runs` runs after a warm-up, in milliseconds, and the PNGs' sizes.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import statistics
import time
from collections.abc import Awaitable, Callable
from typing import Any

import sqlalchemy as sa
from common import fresh_database, insert_many, report, seed_clients

from bot.messages.charts import data, render
from bot.models.checkins import Checkin, CheckinStatus, GotUp
from bot.models.people import Person
from bot.runtime.db import Database
from bot.services.sql import table_of

NOW = dt.datetime(2026, 3, 2, 7, 0, tzinfo=dt.UTC)
COACH_TELEGRAM_ID = 7_000_000


def _median_ms(samples: list[float]) -> float:
    return round(statistics.median(samples) * 1000, 1)


async def _timed(runs: int, step: Callable[[], Awaitable[Any]]) -> tuple[float, Any]:
    result = await step()  # warm-up
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        result = await step()
        samples.append(time.perf_counter() - started)
    return _median_ms(samples), result


def _checkins(client_ids: list[int]) -> list[dict[str, Any]]:
    rows = []
    for n_client, client_id in enumerate(client_ids):
        for n in range(28):
            due = NOW - dt.timedelta(days=27 - n, hours=1)
            missed = (n + n_client) % 6 == 5
            rows.append(
                {
                    "client_id": client_id,
                    "due_at": due,
                    "window_ends_at": due + dt.timedelta(hours=12),
                    "status": (CheckinStatus.MISSED if missed else CheckinStatus.ANSWERED).value,
                    "sent_at": due,
                    "answered_at": None if missed else due + dt.timedelta(minutes=4),
                    "mood": None if missed else 1 + (n + n_client) % 5,
                    "got_up": None if missed else list(GotUp)[(n + n_client) % 3].value,
                    "extra_answers": {},
                    "questions": [],
                    "contact_requested": False,
                    "created_at": due,
                    "updated_at": due,
                }
            )
    return rows


async def main(clients: int, runs: int) -> None:
    async with fresh_database() as url:
        db = Database(url)
        try:
            client_ids = await seed_clients(
                db,
                telegram_ids=[8_000_000 + n for n in range(clients)],
                next_due_at=NOW + dt.timedelta(days=1),
                now=NOW - dt.timedelta(days=40),
                coach_telegram_id=COACH_TELEGRAM_ID,
            )
            await insert_many(db, table_of(Checkin), _checkins(client_ids))
            async with db.engine.begin() as connection:
                coach_id = (
                    await connection.execute(
                        sa.select(table_of(Person).c.id).where(
                            table_of(Person).c.telegram_user_id == COACH_TELEGRAM_ID
                        )
                    )
                ).scalar_one()

            async def client_data() -> data.ClientProgress:
                async with db.session() as session:
                    return await data.client_progress(
                        session, viewer_id=coach_id, client_id=client_ids[0], now=NOW
                    )

            async def caseload_data() -> data.CaseloadGrid:
                async with db.session() as session:
                    return await data.caseload_grid(
                        session, coach_id=coach_id, now=NOW, timezone="Europe/Helsinki"
                    )

            client_ms, progress = await _timed(runs, client_data)
            caseload_ms, grid = await _timed(runs, caseload_data)

            async def client_png() -> render.Picture:
                return await asyncio.to_thread(render.progress_picture, progress, "fi")

            async def caseload_png() -> render.Picture:
                return await asyncio.to_thread(render.caseload_picture, grid, "fi")

            client_render_ms, client_picture = await _timed(runs, client_png)
            caseload_render_ms, caseload_picture = await _timed(runs, caseload_png)
        finally:
            await db.dispose()
    report(
        [
            ("client_data_ms", client_ms),
            ("client_render_ms", client_render_ms),
            ("client_png_kb", round(len(client_picture.png) / 1024, 1)),
            ("caseload_clients", len(grid.rows)),
            ("caseload_data_ms", caseload_ms),
            ("caseload_render_ms", caseload_render_ms),
            ("caseload_png_kb", round(len(caseload_picture.png) / 1024, 1)),
        ],
        f"client chart {client_ms + client_render_ms:.0f} ms, caseload of {len(grid.rows)} "
        f"{caseload_ms + caseload_render_ms:.0f} ms (data + drawing, median of {runs})",
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=40)
    parser.add_argument("--runs", type=int, default=10)
    arguments = parser.parse_args()
    asyncio.run(main(arguments.clients, arguments.runs))
