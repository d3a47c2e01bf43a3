"""Many clients due at the same moment: how close the dispatcher and the sender come to the rate.

    python benchmarks/dispatch.py --clients 3000 --rate 300

The sandbox's global flood limit and the bot's RATE_GLOBAL_PER_SECOND are both set to --rate (the
per-chat limits stay as Telegram has them). The clients are seeded in bulk with a schedule that
falls due a few seconds after the bot has started; `seconds` runs from that due time until the
sandbox accepted the last check-in, and `efficiency` = sent ÷ (seconds × rate). Duplicates and
losses are counted from the sandbox's chats (check-in questions per chat).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import sys
import time
from pathlib import Path
from typing import Any

import common
from common import report

from bot.devtools.harness import SANDBOX_TOKEN, Harness
from bot.runtime.db import Database
from bot.sandbox import FloodLimits, Sandbox, SandboxMessage

LEAD_SECONDS = 10.0


def is_checkin_question(message: SandboxMessage) -> bool:
    return any((b.callback_data or "").startswith("ci:") for row in message.buttons for b in row)


async def run(clients: int, rate: float, in_process: bool) -> None:
    common.quiet_logging()
    sandbox = Sandbox(token=SANDBOX_TOKEN)
    await sandbox.start(host="127.0.0.1", port=0)
    sandbox.flood = FloodLimits(global_per_second=rate)
    coach = sandbox.add_user(first_name="Valmentaja", language_code="fi")
    users = common.sandbox_users(sandbox, clients)
    accepted: list[tuple[float, int]] = []

    def on_message(message: SandboxMessage) -> None:
        if message.from_bot and message.edit_count == 0 and is_checkin_question(message):
            accepted.append((time.time(), message.chat_id))

    sandbox.on_bot_message.append(on_message)
    settings: dict[str, Any] = {
        "rate_global_per_second": rate,
        "telegram_timeout_seconds": 10.0,
        "outbox_poll_seconds": 0.5,
    }
    async with common.fresh_database() as url:
        db = Database(url)
        process = None
        harness = None
        try:
            # The schedules are written first, due a few seconds after the bot will be up and
            # idle: its dispatcher has to wake up for them by itself.
            now = dt.datetime.now(dt.UTC)
            due_at = now + dt.timedelta(seconds=LEAD_SECONDS)
            await common.seed_clients(
                db,
                telegram_ids=[u.id for u in users],
                next_due_at=due_at,
                now=now,
                coach_telegram_id=coach.id,
            )
            if in_process:
                harness = await Harness.create(database_url=url, sandbox=sandbox, **settings)
                await harness.start_bot()
            else:
                log = Path(url.removeprefix("sqlite+aiosqlite:///")).parent / "bot.log"
                process = await common.start_companion(
                    "run", common.bot_env(sandbox, url, **settings), log
                )
            while not any(c.method == "getUpdates" for c in sandbox.calls):  # noqa: ASYNC110
                await asyncio.sleep(0.02)  # the bot is another process: nothing to wait on
            ready_in = (dt.datetime.now(dt.UTC) - now).total_seconds()
            if ready_in >= LEAD_SECONDS:
                raise SystemExit(f"the bot took {ready_in:.1f}s to start: raise LEAD_SECONDS")
            deadline = time.monotonic() + LEAD_SECONDS + clients / rate * 4 + 60
            while len(accepted) < clients and time.monotonic() < deadline:  # noqa: ASYNC110
                await asyncio.sleep(0.1)
            await asyncio.sleep(2.0)  # room for a late duplicate
        finally:
            if harness is not None:
                await harness.stop_bot()
            if process is not None:
                await common.stop_companion(process)
            await db.dispose()
            await sandbox.stop()

    if os.environ.get("BENCH_TIMELINE"):
        base = due_at.timestamp()
        buckets: dict[int, int] = {}
        for when, _chat in accepted:
            buckets[int(when - base)] = buckets.get(int(when - base), 0) + 1
        print(" ".join(f"{k}:{v}" for k, v in sorted(buckets.items())), file=sys.stderr)
    per_chat: dict[int, int] = {}
    for _when, chat in accepted:
        per_chat[chat] = per_chat.get(chat, 0) + 1
    sent = len(per_chat)
    duplicates = sum(n - 1 for n in per_chat.values())
    lost = clients - sent
    http_429 = sum(1 for c in sandbox.calls if c.status == 429)
    seconds = (max(t for t, _ in accepted) - due_at.timestamp()) if accepted else None
    efficiency = sent / (seconds * rate) if seconds else 0.0
    report(
        [
            ("sent", sent),
            ("duplicates", duplicates),
            ("lost", lost),
            ("http_429", http_429),
            ("seconds", round(seconds, 3) if seconds is not None else None),
            ("efficiency", round(efficiency, 3)),
        ],
        f"{sent} of {clients} check-ins at {rate:g}/s in {seconds or 0:.2f}s "
        f"(efficiency {efficiency:.2f}, target >= 0.90; duplicates {duplicates}, lost {lost}; "
        f"bot {'in this process' if in_process else 'as a companion subprocess'}; "
        f"seeded and started in {ready_in:.1f}s of the {LEAD_SECONDS:g}s lead)",
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clients", type=int, default=3000)
    parser.add_argument("--rate", type=float, default=300.0)
    parser.add_argument(
        "--in-process",
        action="store_true",
        help="run the bot in this event loop (it then shares one core with the sandbox)",
    )
    args = parser.parse_args()
    asyncio.run(run(args.clients, args.rate, args.in_process))


if __name__ == "__main__":
    main()
