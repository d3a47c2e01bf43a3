"""How fast the coach's desk on the web answers: the caseload page of a coach with `--clients`
clients (28 days of check-ins each, some flags and unread messages), a client's page, and the
organisation view over `--org-clients` clients, each rendered by the server (the real Starlette
app over the bot's services, called in process, so that the figure is the server's own time).

    .venv/bin/python benchmarks/desk.py [--clients 200] [--org-clients 5000] [--runs 20]

Prints the median of `--runs` requests after a warm-up, in milliseconds, and the pages' sizes.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import statistics
import time
from typing import Any

import httpx
import sqlalchemy as sa
from common import fresh_database, insert_many, quiet_logging, report, seed_clients

from bot.app import build_services
from bot.config import load_settings
from bot.models.checkins import Checkin, CheckinStatus, GotUp
from bot.models.flags import Flag, FlagKind, FlagStatus
from bot.models.goals import Goal, GoalStatus
from bot.models.people import Person
from bot.runtime.clock import ManualClock
from bot.runtime.db import Database
from bot.services.sql import table_of
from bot.web.app import COOKIE, Desk
from bot.web.site import build_web_app

NOW = dt.datetime(2026, 3, 2, 7, 0, tzinfo=dt.UTC)
COACH_TELEGRAM_ID = 7_000_000
ORG_ADMIN_TELEGRAM_ID = 7_000_001


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


def _flags_and_goals(client_ids: list[int], coach_id: int) -> tuple[list[Any], list[Any]]:
    flags, goals = [], []
    for n, client_id in enumerate(client_ids):
        if n % 7 == 0:
            raised = NOW - dt.timedelta(days=n % 30 + 1)
            done = n % 14 == 0
            flags.append(
                {
                    "client_id": client_id,
                    "kind": FlagKind.LOW_MOOD.value,
                    "urgency": "normal",
                    "status": (FlagStatus.DONE if done else FlagStatus.OPEN).value,
                    "details": {},
                    "raised_at": raised,
                    "coach_id": coach_id,
                    "done_by_id": coach_id if done else None,
                    "done_at": raised + dt.timedelta(hours=n % 40 + 1) if done else None,
                    "escalation_level": 0,
                }
            )
        if n % 3 == 0:
            goals.append(
                {
                    "client_id": client_id,
                    "area": "employment",
                    "title": "Apply for two jobs",
                    "target_date": None,
                    "progress_every_days": 7,
                    "status": (GoalStatus.REACHED if n % 9 == 0 else GoalStatus.AGREED).value,
                    "created_at": NOW - dt.timedelta(days=20),
                    "updated_at": NOW,
                }
            )
    return flags, goals


async def _person_id(db: Database, telegram_id: int) -> int:
    async with db.engine.begin() as connection:
        persons = table_of(Person)
        return int(
            (
                await connection.execute(
                    sa.select(persons.c.id).where(persons.c.telegram_user_id == telegram_id)
                )
            ).scalar_one()
        )


async def _timed(client: httpx.AsyncClient, path: str, runs: int) -> tuple[float, float, int]:
    """The median time of a request (wall clock, and the CPU time of this process: the server
    and SQLite's thread, which other work on a busy machine does not inflate), and the page's
    size as sent (compressed)."""
    response = await client.get(path)  # warm-up
    assert response.status_code == 200, (path, response.status_code)
    samples, cpu = [], []
    for _ in range(runs):
        started, started_cpu = time.perf_counter(), time.process_time()
        response = await client.get(path)
        samples.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)
    sent = response.headers.get("content-length")
    return (
        round(statistics.median(samples) * 1000, 1),
        round(statistics.median(cpu) * 1000, 1),
        int(sent or len(response.content)),
    )


async def _raw_size(client: httpx.AsyncClient, path: str) -> int:
    """The page's size uncompressed."""
    return len((await client.get(path, headers={"Accept-Encoding": "identity"})).content)


async def main(clients: int, org_clients: int, runs: int) -> None:
    quiet_logging()
    async with fresh_database() as url:
        db = Database(url)
        try:
            coach_ids = await seed_clients(
                db,
                telegram_ids=[8_000_000 + n for n in range(clients)],
                next_due_at=NOW + dt.timedelta(hours=20),
                now=NOW - dt.timedelta(days=40),
                coach_telegram_id=COACH_TELEGRAM_ID,
                organisation="Desk workshop",
            )
            org_ids = await seed_clients(
                db,
                telegram_ids=[9_000_000 + n for n in range(org_clients)],
                next_due_at=NOW + dt.timedelta(hours=20),
                now=NOW - dt.timedelta(days=40),
                coach_telegram_id=ORG_ADMIN_TELEGRAM_ID,
                organisation="Large workshop",
            )
            await insert_many(db, table_of(Checkin), _checkins(coach_ids))
            await insert_many(db, table_of(Checkin), _checkins(org_ids))
            coach_id = await _person_id(db, COACH_TELEGRAM_ID)
            admin_id = await _person_id(db, ORG_ADMIN_TELEGRAM_ID)
            for ids, owner in ((coach_ids, coach_id), (org_ids, admin_id)):
                flags, goals = _flags_and_goals(ids, owner)
                await insert_many(db, table_of(Flag), flags)
                await insert_many(db, table_of(Goal), goals)
            settings = load_settings(
                bot_token="123456:BENCH", database_url=url, web_base_url="http://127.0.0.1"
            )
            services = build_services(settings, clock=ManualClock(NOW), db=db, kind="bench")
            app = build_web_app(services)
            desk: Desk = app.state.desk
            transport = httpx.ASGITransport(app=app)
            async with (
                httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as coach,
                httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as admin,
            ):
                coach.cookies.set(COOKIE, desk.sessions.open(person_id=coach_id, now=NOW).id)
                admin.cookies.set(COOKIE, desk.sessions.open(person_id=admin_id, now=NOW).id)
                caseload_ms, caseload_cpu, caseload_gzip = await _timed(coach, "/clients", runs)
                caseload_bytes = await _raw_size(coach, "/clients")
                client_ms, client_cpu, client_bytes = await _timed(
                    coach, f"/clients/{coach_ids[0]}", runs
                )
                org_ms, org_cpu, org_bytes = await _timed(admin, "/organisation", runs)
                csv_ms, csv_cpu, _csv_bytes = await _timed(admin, "/organisation.csv", runs)
        finally:
            await db.dispose()
    report(
        [
            ("caseload_clients", clients),
            ("caseload_ms", caseload_ms),
            ("caseload_cpu_ms", caseload_cpu),
            ("caseload_kb", round(caseload_bytes / 1024, 1)),
            ("caseload_gzip_kb", round(caseload_gzip / 1024, 1)),
            ("client_page_ms", client_ms),
            ("client_page_cpu_ms", client_cpu),
            ("client_page_kb", round(client_bytes / 1024, 1)),
            ("organisation_clients", org_clients),
            ("organisation_ms", org_ms),
            ("organisation_cpu_ms", org_cpu),
            ("organisation_kb", round(org_bytes / 1024, 1)),
            ("organisation_csv_ms", csv_ms),
            ("organisation_csv_cpu_ms", csv_cpu),
        ],
        f"caseload of {clients} {caseload_ms:.0f} ms (CPU {caseload_cpu:.0f}) / "
        f"{caseload_bytes / 1024:.0f} KB, organisation of {org_clients} {org_ms:.0f} ms "
        f"(CPU {org_cpu:.0f}) (server, median of {runs})",
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--org-clients", type=int, default=5000)
    parser.add_argument("--runs", type=int, default=20)
    arguments = parser.parse_args()
    asyncio.run(main(arguments.clients, arguments.org_clients, arguments.runs))
