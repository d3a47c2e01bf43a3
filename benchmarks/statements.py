"""Database statements and commits per check-in sent and per check-in press: the inputs of the
model in docs/scaling.md.

    .venv/bin/python benchmarks/statements.py --clients 50

The real bot in this process against the sandbox (SQLite): `--clients` clients fall due at once,
the dispatcher and the sender send their check-ins; then each client presses one answer. Counts
every statement the bot's engine runs (and the writes among them: INSERT, UPDATE, DELETE) and
every commit, and divides by the clients. Prints `statements_per_checkin`, `writes_per_checkin`,
`commits_per_checkin`, `statements_per_press`, `writes_per_press`, `commits_per_press`.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
from collections import Counter
from typing import Any

import common
from common import report
from sqlalchemy import event

from bot.runtime.clock import ManualClock
from bot.runtime.db import Database
from bot.sandbox import SandboxUser

START = dt.datetime(2026, 3, 2, 7, 0, tzinfo=dt.UTC)


class Counting:
    """Statements and commits on one engine."""

    def __init__(self, db: Database) -> None:
        self.counts: Counter[str] = Counter()
        event.listen(db.engine.sync_engine, "before_cursor_execute", self._statement)
        event.listen(db.engine.sync_engine, "commit", self._commit)

    def _statement(self, _conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        self.counts["statements"] += 1
        verb = statement.lstrip().split(None, 1)[0].upper()
        if verb in ("INSERT", "UPDATE", "DELETE"):
            self.counts["writes"] += 1

    def _commit(self, _conn: Any) -> None:
        self.counts["commits"] += 1

    def take(self) -> Counter[str]:
        taken, self.counts = self.counts, Counter()
        return taken


def _question(user: SandboxUser) -> tuple[int, int] | None:
    for message in user.bot_messages():
        for row in message.buttons:
            for button in row:
                data = button.callback_data or ""
                if data.startswith("ci:"):
                    return int(data.split(":")[1]), message.message_id
    return None


async def run(clients: int) -> None:
    common.quiet_logging()
    clock = ManualClock(START)
    async with (
        common.fresh_database() as url,
        common.harness_on(
            url,
            clock=clock,
            rate_global_per_second=100_000.0,
            rate_per_chat_per_second=1000.0,
            rate_per_chat_burst=1000,
        ) as harness,
    ):
        harness.sandbox.flood = None
        coach = harness.sandbox.add_user(first_name="Valmentaja", language_code="fi")
        users = common.sandbox_users(harness.sandbox, clients)
        await common.seed_clients(
            harness.db,
            telegram_ids=[u.id for u in users],
            next_due_at=START + dt.timedelta(minutes=1),
            now=START,
            coach_telegram_id=coach.id,
        )
        counting = Counting(harness.app.services.db)
        await harness.settle()
        counting.take()  # what the start and the seeding cost: not counted
        clock.advance(dt.timedelta(minutes=2))
        await harness.tick()
        sent = counting.take()
        assert all(_question(u) for u in users), "not every check-in was sent"
        for user in users:
            question = _question(user)
            assert question is not None
            checkin_id, message_id = question
            await user.press(message=message_id, data=f"ci:{checkin_id}:s:well")
        await harness.settle()
        pressed = counting.take()
    report(
        [
            ("statements_per_checkin", round(sent["statements"] / clients, 2)),
            ("writes_per_checkin", round(sent["writes"] / clients, 2)),
            ("commits_per_checkin", round(sent["commits"] / clients, 2)),
            ("statements_per_press", round(pressed["statements"] / clients, 2)),
            ("writes_per_press", round(pressed["writes"] / clients, 2)),
            ("commits_per_press", round(pressed["commits"] / clients, 2)),
        ],
        f"{clients} check-ins sent and pressed once (SQLite): per check-in "
        f"{sent['statements'] / clients:.1f} statements ({sent['writes'] / clients:.1f} writes, "
        f"{sent['commits'] / clients:.1f} commits); per press "
        f"{pressed['statements'] / clients:.1f} statements ({pressed['writes'] / clients:.1f} "
        f"writes, {pressed['commits'] / clients:.1f} commits)",
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clients", type=int, default=50)
    args = parser.parse_args()
    asyncio.run(run(args.clients))


if __name__ == "__main__":
    main()
