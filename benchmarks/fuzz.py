"""A long fuzz campaign: `--updates` random steps from clients, coaches, an employer's contact and
a stranger (commands, texts, real and forged presses, replies, edits, media) through the sandbox,
in worlds of `--per-world` steps each (a fresh database and sandbox each time, so that one
world's history does not decide what the next can reach).

Prints the counts the end-to-end fuzz test asserts: error-handler entries (records at ERROR and
above), unanswered messages or presses, calls Telegram would refuse, and leaks (a client's marker
word seen in a chat other than theirs and their coach's); then the first problems found.

    .venv/bin/python benchmarks/fuzz.py --updates 10000 --seed 1
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import random
import time
from collections import Counter

from common import fresh_database, quiet_logging, report

from bot.devtools.harness import Harness
from bot.runtime.clock import ManualClock
from bot.sandbox import FloodLimits
from tests.support.fuzz_campaign import Campaign

START = dt.datetime(2026, 3, 2, 8, 0, tzinfo=dt.UTC)


async def _world(kind: str, steps: int, rng: random.Random) -> Campaign:
    async with fresh_database(kind) as url:
        clock = ManualClock(START)
        harness = await Harness.create(
            database_url=url,
            clock=clock,
            rate_global_per_second=1000.0,
            rate_per_chat_per_second=100.0,
            rate_per_chat_burst=100,
            rate_per_group_per_minute=6000.0,
        )
        harness.sandbox.flood = FloodLimits(
            global_per_second=1000,
            per_chat_per_second=100,
            per_chat_burst=100,
            per_group_per_minute=6000,
        )
        campaign: Campaign | None = None
        try:
            await harness.start_bot()
            await harness.settle()
            campaign = await Campaign.start(harness, clock)
            await campaign.run(Campaign.random_steps(rng, steps))
            return campaign
        finally:
            if campaign is not None:
                campaign.close()
            await harness.close()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--updates", type=int, default=2000)
    parser.add_argument("--per-world", type=int, default=250)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--show", type=int, default=20, help="problems to print")
    args = parser.parse_args()
    quiet_logging()
    rng = random.Random(args.seed)
    counts: Counter[str] = Counter()
    kinds: Counter[str] = Counter()
    problems: list[str] = []
    started = time.monotonic()
    left = args.updates
    worlds = 0
    while left > 0:
        steps = min(left, args.per_world)
        campaign = await _world(args.database, steps, rng)
        counts.update(campaign.summary())
        kinds.update({k: v for k, v in campaign.counts.items() if k.startswith("kind:")})
        problems.extend(campaign.problems)
        left -= steps
        worlds += 1
    seconds = time.monotonic() - started
    for line in problems[: args.show]:
        print(f"# {line}")
    figures = [
        ("updates", counts["updates"]),
        ("worlds", worlds),
        ("error_entries", counts["errors"]),
        ("unanswered", counts["unanswered"]),
        ("spec_violations", counts["spec_violations"]),
        ("leaks", counts["leaks"]),
        *((name.replace("kind:", "steps_"), n) for name, n in sorted(kinds.items())),
        ("seconds", round(seconds, 1)),
    ]
    clean = not (
        counts["errors"] or counts["unanswered"] or counts["spec_violations"] or counts["leaks"]
    )
    report(figures, "clean" if clean else f"{len(problems)} problems")


if __name__ == "__main__":
    asyncio.run(main())
