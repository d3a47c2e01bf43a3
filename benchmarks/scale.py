"""Check-in presses a second with one and with two handling processes on one PostgreSQL.

    TEST_DATABASE_URL=postgresql://postgres@127.0.0.1:55432/postgres \\
        .venv/bin/python benchmarks/scale.py --presses 2000

As benchmarks/throughput.py does for one process: 200 clients with an open check-in press its
buttons (`--presses` in all, 200 at a time, each client's presses in order), the sandbox's and the
bot's rates lifted. First one `companion run` (polling and handling); then one `companion run`
and one `companion worker --handle`, each taking at most half of the chats at once
(`HANDLER_MAX_CHATS`), so that the second process gets its share. Prints `presses_per_s_1`,
`presses_per_s_2`, `speedup` (target ≥ 1.5 on two cores) and each layout's CPU per press
(all its processes together).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import sys
import tempfile
import time
from pathlib import Path

import common
from common import report
from throughput import CLIENTS, LIFTED, PRESSES, _question, _until, _work_calls, cpu_seconds

from bot.runtime.db import Database
from bot.sandbox import Sandbox


async def _start(args: list[str], env: dict[str, str], log: Path) -> asyncio.subprocess.Process:
    with log.open("wb") as handle:
        return await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            *args,
            env=env,
            cwd=log.parent,
            stdout=handle,
            stderr=handle,
        )


async def measure(processes: int, presses: int, folder: Path) -> tuple[float, float]:
    """(presses a second, CPU milliseconds per press of all the bot's processes)."""
    sandbox = Sandbox(token=common.SANDBOX_TOKEN, flood=None)
    await sandbox.start(host="127.0.0.1", port=0)
    coach = sandbox.add_user(first_name="Valmentaja", language_code="fi")
    users = common.sandbox_users(sandbox, CLIENTS)
    async with common.fresh_database("postgresql") as url:
        db = Database(url)
        now = dt.datetime.now(dt.UTC)
        await common.seed_clients(
            db,
            telegram_ids=[u.id for u in users],
            next_due_at=now - dt.timedelta(seconds=1),
            now=now,
            coach_telegram_id=coach.id,
        )
        await db.dispose()
        env = common.bot_env(
            sandbox,
            url,
            **LIFTED,
            handler_max_chats=CLIENTS // processes,
            handler_poll_seconds=0.05,
            webhook_port=0,
        )
        layout = [["run"]] + [["worker", "--handle"]] * (processes - 1)
        started = [
            await _start(args, env, folder / f"bot{processes}-{n}.log")
            for n, args in enumerate(layout)
        ]
        try:
            # Set-up, not measured: the bot sends the 200 check-ins that are due.
            await _until(lambda: all(_question(u) for u in users), 180)
            await sandbox.wait_idle(quiet=0.5, timeout=60)
            questions = {u.id: _question(u) for u in users}
            since = len(sandbox.calls)
            cpu = sum(cpu_seconds(p.pid) for p in started)
            begun = time.time()
            for n in range(presses):
                user = users[n % CLIENTS]
                checkin_id, message_id = questions[user.id]  # type: ignore[misc]
                press = PRESSES[(n // CLIENTS) % len(PRESSES)]
                await user.press(message=message_id, data=f"ci:{checkin_id}:{press}")

            def answered() -> bool:
                calls = sandbox.calls[since:]
                return sum(1 for c in calls if c.method == "answerCallbackQuery") >= presses

            await _until(answered, 900)
            await sandbox.wait_idle(quiet=0.3, timeout=120)
            used = sum(cpu_seconds(p.pid) for p in started) - cpu
            work = _work_calls(sandbox, since)
            finished = max(c.timestamp for c in work)  # type: ignore[attr-defined]
            failed = [c for c in work if not c.ok]  # type: ignore[attr-defined]
            if failed:
                print(f"warning: {len(failed)} calls failed, e.g. {failed[0]}", file=sys.stderr)
            return presses / (finished - begun), used * 1000 / presses
        finally:
            for process in started:
                await common.stop_companion(process)
            await sandbox.stop()


async def run(presses: int) -> None:
    common.quiet_logging()
    if common.postgres_url() is None:
        report(
            [("presses_per_s_1", None), ("presses_per_s_2", None), ("speedup", None)],
            "skipped: several handling processes need PostgreSQL (TEST_DATABASE_URL)",
        )
        return
    with tempfile.TemporaryDirectory(prefix="companion-scale-") as name:
        folder = Path(name)
        one, one_cpu = await measure(1, presses, folder)
        two, two_cpu = await measure(2, presses, folder)
    report(
        [
            ("presses_per_s_1", round(one, 1)),
            ("presses_per_s_2", round(two, 1)),
            ("speedup", round(two / one, 2)),
            ("cpu_ms_per_press_1", round(one_cpu, 2)),
            ("cpu_ms_per_press_2", round(two_cpu, 2)),
        ],
        f"{presses} check-in presses on PostgreSQL: one process {one:.0f}/s, two {two:.0f}/s "
        f"(speedup {two / one:.2f}, target >= 1.5); CPU per press {one_cpu:.1f} ms with one, "
        f"{two_cpu:.1f} ms with two (all processes together)",
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--presses", type=int, default=2000)
    args = parser.parse_args()
    os.environ.pop("DATABASE_URL", None)
    asyncio.run(run(args.presses))


if __name__ == "__main__":
    main()
