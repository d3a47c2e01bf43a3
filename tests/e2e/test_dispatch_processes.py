"""The dispatcher and the sender as real processes against the in-process sandbox:

- `companion run` killed with SIGKILL while it dispatches 500 due check-ins and started again:
  every client gets their check-in, and the duplicates are no more than the messages that were in
  flight when it died;
- two `companion worker` processes and one `companion run` on one database: 500 due check-ins,
  each sent exactly once.

Both run on the suite's database: a SQLite file by default, PostgreSQL when TEST_DATABASE_URL
is set.
The processes keep real time, so the clients live in a timezone where it is midday now: the
check-ins' windows stay open for hours whenever the test runs.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import re
import signal
import sys
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlmodel import col, select

from bot.devtools.harness import SANDBOX_TOKEN
from bot.models.checkins import Checkin, CheckinSchedule
from bot.models.people import Person
from bot.models.transport import OutboxMessage, OutboxStatus
from bot.runtime.db import Database
from bot.sandbox import FloodLimits, Sandbox, SandboxMessage, SandboxUser
from bot.services.sql import table_of
from tests.support.waiting import Condition, until

pytestmark = [pytest.mark.asyncio, pytest.mark.slow]

CLIENTS = 500
RATE = 100  # messages a second, for each process and for the sandbox as a whole (x3 below)
CLAIM_SECONDS = 5  # a dead process's claims on outbox messages expire this soon
KILL_AT = 100  # check-ins the sandbox has accepted when the first process is killed


# -- the database ---------------------------------------------------------------------------------


@pytest.fixture
def backend_url(database_url: str) -> str:
    """The suite's own fresh database for this test: SQLite by default, PostgreSQL when
    TEST_DATABASE_URL is set (as in CI)."""
    return database_url


def midday_zone(now: dt.datetime) -> tuple[str, dt.tzinfo]:
    """A fixed-offset zone where it is about noon now (the signs of Etc/GMT zones are inverted),
    and its offset."""
    offset = 12 - now.hour
    offset = offset - 24 if offset > 14 else offset
    name = "Etc/GMT" if offset == 0 else f"Etc/GMT{-offset:+d}"
    return name, dt.timezone(dt.timedelta(hours=offset))


async def seed_due_clients(
    url: str,
    users: list[SandboxUser],
    *,
    due_at: dt.datetime,
    now: dt.datetime,
    group: int = CLIENTS,
    spacing: dt.timedelta = dt.timedelta(0),
) -> None:
    """One person per sandbox user with one daily schedule (in bulk): the first `group` fall due
    at `due_at`, the next group `spacing` later, and so on."""
    zone, offset = midday_zone(now)

    def due(n: int) -> dt.datetime:
        return due_at + (n // group) * spacing

    def local(n: int) -> dt.time:
        moment = due(n).astimezone(offset)
        return dt.time(moment.hour, moment.minute)

    db = Database(url)
    try:
        async with db.engine.begin() as connection:
            persons = table_of(Person)
            await connection.execute(
                persons.insert(),
                [
                    {
                        "telegram_user_id": user.id,
                        "chat_id": user.id,
                        "locale": "en",
                        "locale_chosen": True,
                        "timezone": zone,
                        "created_at": now,
                        "updated_at": now,
                    }
                    for user in users
                ],
            )
            ids = {
                int(telegram_id): int(person_id)
                for telegram_id, person_id in (
                    await connection.execute(sa.select(persons.c.telegram_user_id, persons.c.id))
                ).all()
            }
            await connection.execute(
                table_of(CheckinSchedule).insert(),
                [
                    {
                        "client_id": ids[user.id],
                        "local_time": local(n),
                        "weekdays": "1234567",
                        "timezone": zone,
                        "active": True,
                        "next_due_at": due(n),
                        "created_at": now,
                        "updated_at": now,
                    }
                    for n, user in enumerate(users)
                ],
            )
    finally:
        await db.dispose()


async def outbox_questions(url: str) -> list[OutboxMessage]:
    db = Database(url)
    try:
        async with db.session() as session:
            rows = await session.exec(
                select(OutboxMessage).where(
                    col(OutboxMessage.purpose).startswith("checkin-question:")
                )
            )
            return list(rows.all())
    finally:
        await db.dispose()


async def checkin_count(url: str) -> tuple[int, int]:
    """(check-ins, distinct schedules they belong to)."""
    db = Database(url)
    try:
        async with db.engine.connect() as connection:
            table = table_of(Checkin)
            row = (
                await connection.execute(
                    sa.select(sa.func.count(), sa.func.count(sa.distinct(table.c.schedule_id)))
                )
            ).one()
            return int(row[0]), int(row[1])
    finally:
        await db.dispose()


# -- the sandbox and the processes ------------------------------------------------------------


class Deliveries:
    """The check-in questions the sandbox accepted, per chat, as they arrive."""

    def __init__(self, sandbox: Sandbox) -> None:
        self.per_chat: Counter[int] = Counter()
        self.checkin_ids: dict[int, set[int]] = {}
        sandbox.on_bot_message.append(self._seen)

    def _seen(self, message: SandboxMessage) -> None:
        if not message.from_bot or message.edit_count:
            return
        for row in message.buttons:
            for button in row:
                data = button.callback_data or ""
                if data.startswith("ci:"):
                    self.per_chat[message.chat_id] += 1
                    self.checkin_ids.setdefault(message.chat_id, set()).add(int(data.split(":")[1]))
                    return

    @property
    def total(self) -> int:
        return sum(self.per_chat.values())

    @property
    def duplicates(self) -> int:
        return sum(n - 1 for n in self.per_chat.values())


class Processes:
    """`companion` processes talking to the sandbox; their logs are shown when a test fails."""

    def __init__(self, sandbox: Sandbox, url: str, folder: Path) -> None:
        self.sandbox = sandbox
        self.url = url
        self.folder = folder
        self.started: list[tuple[str, asyncio.subprocess.Process]] = []

    async def start(self, command: str, name: str) -> asyncio.subprocess.Process:
        env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "BOT_TOKEN")}
        env.update(
            {
                "BOT_TOKEN": SANDBOX_TOKEN,
                "TELEGRAM_API_BASE_URL": self.sandbox.base_url,
                "DATABASE_URL": self.url,
                "POLLING_TIMEOUT_SECONDS": "1",
                "TELEGRAM_TIMEOUT_SECONDS": "10",
                "OUTBOX_CLAIM_SECONDS": str(CLAIM_SECONDS),
                "OUTBOX_POLL_SECONDS": "0.5",
                "RATE_GLOBAL_PER_SECOND": str(RATE),
                "LOG_LEVEL": "INFO",
            }
        )
        with (self.folder / f"{name}.log").open("ab") as log:
            process = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "bot",
                command,
                env=env,
                cwd=self.folder,
                stdout=log,
                stderr=log,
            )
        self.started.append((name, process))
        return process

    def logs(self) -> str:
        parts = []
        for path in sorted(self.folder.glob("*.log")):
            lines = path.read_text(errors="replace").splitlines()
            parts.append(f"--- {path.name} (last lines)\n" + "\n".join(lines[-25:]))
        return "\n".join(parts)

    def dispatched(self) -> dict[str, int]:
        """Check-ins each process's dispatcher claimed, from its log."""
        counts = {}
        for path in sorted(self.folder.glob("*.log")):
            counts[path.stem] = sum(
                int(m.group(1))
                for m in re.finditer(r"dispatcher: (\d+) check-ins due", path.read_text())
            )
        return counts

    def errors(self) -> list[str]:
        """Tracebacks and errors the processes logged."""
        found = []
        for path in sorted(self.folder.glob("*.log")):
            for line in path.read_text(errors="replace").splitlines():
                if " ERROR " in line or " CRITICAL " in line or line.startswith("Traceback"):
                    found.append(f"{path.name}: {line}")
        return found

    async def stop_all(self) -> None:
        for _name, process in self.started:
            if process.returncode is None:
                process.send_signal(signal.SIGTERM)
        for _name, process in self.started:
            try:
                await asyncio.wait_for(process.wait(), timeout=30)
            except TimeoutError:
                process.kill()
                await process.wait()


@pytest.fixture
async def sandbox() -> AsyncIterator[Sandbox]:
    sandbox = Sandbox(token=SANDBOX_TOKEN, flood=FloodLimits(global_per_second=3 * RATE))
    await sandbox.start(host="127.0.0.1", port=0)
    try:
        yield sandbox
    finally:
        await sandbox.stop()


@pytest.fixture
async def processes(sandbox: Sandbox, backend_url: str, tmp_path: Path) -> AsyncIterator[Processes]:
    running = Processes(sandbox, backend_url, tmp_path)
    try:
        yield running
    finally:
        await running.stop_all()


def clients(sandbox: Sandbox) -> list[SandboxUser]:
    users = [sandbox.add_user(first_name=f"C{n}", language_code="en") for n in range(CLIENTS)]
    for user in users:
        sandbox.mark_started(user.id)
    return users


async def wait_for(condition: Condition, seconds: float, processes: Processes, what: str) -> None:
    """Poll the sandbox or the database (the processes are elsewhere: there is no event to wait
    on); on a timeout, show what the processes logged."""
    try:
        await until(condition, seconds, what=what)
    except AssertionError as error:
        raise AssertionError(f"{error}\n{processes.logs()}") from None


async def wait_settled(url: str, processes: Processes) -> None:
    """Until every check-in question is recorded as sent: no sender holds one any more, so none
    can send one again (a late duplicate would have shown up by then)."""

    async def settled() -> bool:
        rows = await outbox_questions(url)
        return len(rows) == CLIENTS and all(r.status == OutboxStatus.SENT for r in rows)

    await wait_for(settled, 30, processes, "every question recorded as sent")


# -- the tests ----------------------------------------------------------------------------------


async def test_killed_mid_dispatch_every_client_gets_the_check_in_duplicates_only_in_flight(
    sandbox: Sandbox, processes: Processes, backend_url: str
) -> None:
    users = clients(sandbox)
    delivered = Deliveries(sandbox)
    now = dt.datetime.now(dt.UTC)
    await seed_due_clients(backend_url, users, due_at=now - dt.timedelta(seconds=30), now=now)

    first = await processes.start("run", "first")
    await wait_for(lambda: delivered.total >= KILL_AT, 45, processes, "check-ins accepted")
    first.send_signal(signal.SIGKILL)
    await first.wait()
    at_kill = delivered.total
    # Let the sandbox finish whatever requests of the dead process it was still handling.
    await sandbox.wait_idle(quiet=0.3, timeout=10)
    assert KILL_AT <= at_kill < CLIENTS, at_kill

    # In flight = check-ins the sandbox accepted whose outbox row the dead sender never marked
    # sent (it was still `sending` under the dead process's claim). Only these may go twice.
    rows = await outbox_questions(backend_url)
    assert len(rows) == CLIENTS  # the dispatcher's claim and queueing were one transaction
    accepted = {cid for ids in delivered.checkin_ids.values() for cid in ids}
    unrecorded = [r for r in rows if r.status != OutboxStatus.SENT]
    in_flight = sum(1 for r in unrecorded if int(r.purpose.split(":")[1]) in accepted)
    recorded = sum(1 for r in rows if r.status == OutboxStatus.SENT)
    assert recorded + in_flight == delivered.total - delivered.duplicates
    assert delivered.duplicates == 0

    await processes.start("run", "second")
    await wait_for(
        lambda: len(delivered.per_chat) == CLIENTS, 45, processes, "every client's check-in"
    )
    await wait_settled(backend_url, processes)
    await sandbox.wait_idle(quiet=0.3, timeout=10)

    assert set(delivered.per_chat) == {u.id for u in users}
    assert delivered.duplicates <= in_flight, (delivered.duplicates, in_flight)
    rows = await outbox_questions(backend_url)
    assert Counter(r.status for r in rows) == Counter({OutboxStatus.SENT: CLIENTS})
    assert await checkin_count(backend_url) == (CLIENTS, CLIENTS)
    print(
        f"killed after {at_kill} accepted; {in_flight} in flight; {delivered.duplicates} duplicates"
    )


async def test_two_workers_and_the_bot_send_each_due_check_in_once(
    sandbox: Sandbox, processes: Processes, backend_url: str
) -> None:
    users = clients(sandbox)
    delivered = Deliveries(sandbox)
    now = dt.datetime.now(dt.UTC)
    # Due a little after the three processes are up and idle, 25 at a time every quarter of a
    # second: the three dispatchers wake for each group together and race to claim it, and
    # the three senders race for the queued questions.
    # (Fifteen seconds: three Python processes take up to about ten to start on a loaded
    # two-core machine.)
    due_at = now + dt.timedelta(seconds=15)
    await seed_due_clients(
        backend_url, users, due_at=due_at, now=now, group=25, spacing=dt.timedelta(seconds=0.25)
    )

    for command, name in (("run", "bot"), ("worker", "worker1"), ("worker", "worker2")):
        await processes.start(command, name)
    await wait_for(lambda: len(sandbox.calls_to("getMe")) >= 3, 30, processes, "three processes up")
    assert dt.datetime.now(dt.UTC) < due_at, "the processes took too long to start"

    await wait_for(
        lambda: len(delivered.per_chat) == CLIENTS, 45, processes, "every client's check-in"
    )
    await wait_settled(backend_url, processes)
    await sandbox.wait_idle(quiet=0.3, timeout=10)

    assert set(delivered.per_chat) == {u.id for u in users}
    assert delivered.duplicates == 0, delivered.per_chat.most_common(3)
    for name, process in processes.started:
        assert process.returncode is None, f"{name} died\n{processes.logs()}"
    rows = await outbox_questions(backend_url)
    assert Counter(r.status for r in rows) == Counter({OutboxStatus.SENT: CLIENTS})
    assert await checkin_count(backend_url) == (CLIENTS, CLIENTS)
    assert processes.errors() == []
    claimed = processes.dispatched()
    assert sum(claimed.values()) == CLIENTS, claimed
    print(f"check-ins claimed by each dispatcher: {claimed}")
