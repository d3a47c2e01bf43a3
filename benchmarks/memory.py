"""The bot's memory does not grow with the number of clients it knows, only with the work at hand.

    python benchmarks/memory.py --clients 1000,100000

For each size: a fresh SQLite database with that many clients whose check-ins are not due (their
schedules fall due tomorrow) plus 1,000 clients whose check-ins are due a few seconds after the
bot starts. The bot runs as its own process (`companion run`) against the sandbox, sends the due
check-ins, and then runs its dispatcher for 30 seconds; its resident memory (VmRSS from
/proc/<pid>/status) is read at the end. The sandbox and the bot's sending rate are set to 300 a
second so that the 1,000 check-ins take seconds, not the 40 of Telegram's 25 a second.
Prints `rss_mb_<size>` for each size and `growth` = the largest ÷ the smallest (target ≤ 1.2).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import tempfile
import time
from pathlib import Path

import common
from common import report

from bot.devtools.harness import SANDBOX_TOKEN
from bot.runtime.db import Database
from bot.sandbox import FloodLimits, Sandbox, SandboxMessage

DUE = 1000
RUN_SECONDS = 30.0
LEAD_SECONDS = 8.0
RATE = 300.0


def _status(pid: int) -> dict[str, int]:
    """VmRSS and VmHWM of a process, in kB."""
    values = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, rest = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            values[name] = int(rest.split()[0])
    return values


async def measure(idle_clients: int, folder: Path) -> tuple[float, float, int]:
    """(RSS at the end in MB, peak RSS in MB, check-ins sent)."""
    sandbox = Sandbox(token=SANDBOX_TOKEN, flood=FloodLimits(global_per_second=RATE))
    await sandbox.start(host="127.0.0.1", port=0)
    coach = sandbox.add_user(first_name="Valmentaja", language_code="fi")
    users = common.sandbox_users(sandbox, DUE)
    sent: set[int] = set()

    def on_message(message: SandboxMessage) -> None:
        if message.from_bot and message.edit_count == 0:
            sent.add(message.chat_id)

    sandbox.on_bot_message.append(on_message)
    try:
        async with common.fresh_database() as url:
            db = Database(url)
            now = dt.datetime.now(dt.UTC)
            # The idle clients have no Telegram chat in the sandbox: nothing is sent to them.
            await common.seed_clients(
                db,
                telegram_ids=range(10**9, 10**9 + idle_clients),
                next_due_at=now + dt.timedelta(days=1),
                now=now,
                coach_telegram_id=coach.id,
            )
            seeded = dt.datetime.now(dt.UTC)
            await common.seed_clients(
                db,
                telegram_ids=[u.id for u in users],
                next_due_at=seeded + dt.timedelta(seconds=LEAD_SECONDS),
                now=seeded,
                coach_telegram_id=coach.id,
            )
            await db.dispose()
            process = await common.start_companion(
                "run",
                common.bot_env(sandbox, url, rate_global_per_second=RATE),
                folder / f"companion-{idle_clients}.log",
            )
            try:
                deadline = time.monotonic() + LEAD_SECONDS + 120
                while len(sent) < DUE and time.monotonic() < deadline:  # noqa: ASYNC110
                    await asyncio.sleep(0.1)
                await asyncio.sleep(RUN_SECONDS)
                status = _status(process.pid)
            finally:
                await common.stop_companion(process)
    finally:
        await sandbox.stop()
    return status["VmRSS"] / 1024, status["VmHWM"] / 1024, len(sent)


async def run(sizes: list[int]) -> None:
    common.quiet_logging()
    figures: list[tuple[str, float | int | None]] = []
    rss: dict[int, float] = {}
    notes = []
    with tempfile.TemporaryDirectory(prefix="companion-memory-") as name:
        for size in sizes:
            current, peak, sent = await measure(size, Path(name))
            rss[size] = current
            figures.append((f"rss_mb_{size}", round(current, 1)))
            notes.append(f"{size}: {current:.1f} MB (peak {peak:.1f}), {sent}/{DUE} sent")
    growth = rss[max(sizes)] / rss[min(sizes)]
    figures.append(("growth", round(growth, 3)))
    report(
        figures,
        f"bot RSS after sending {DUE} check-ins and {RUN_SECONDS:g}s of dispatching, by number of "
        f"idle clients: {'; '.join(notes)}; growth {growth:.2f} (target <= 1.2)",
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clients", default="1000,100000", help="sizes, comma-separated")
    args = parser.parse_args()
    sizes = [int(s) for s in args.clients.split(",") if s.strip()]
    asyncio.run(run(sizes))


if __name__ == "__main__":
    main()
