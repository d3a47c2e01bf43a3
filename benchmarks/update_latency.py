"""Time from a person's message to the bot's answer, with many people writing at once."""

from __future__ import annotations

import asyncio
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import running_bot

from bot.sandbox import SandboxMessage


async def measure(label: str, **settings: object) -> None:
    concurrent, rounds = 50, 5
    async with running_bot(**settings) as harness:
        sandbox = harness.sandbox
        if settings:
            sandbox.flood = None
        users = [
            sandbox.add_user(first_name=f"P{i}", language_code="fi") for i in range(concurrent)
        ]
        sent_at: dict[int, float] = {}
        latencies: list[float] = []

        def answered(message: SandboxMessage) -> None:
            started = sent_at.pop(message.chat_id, None)
            if started is not None:
                latencies.append(time.perf_counter() - started)

        sandbox.on_bot_message.append(answered)
        started = time.perf_counter()
        for _ in range(rounds):
            for user in users:
                sent_at[user.id] = time.perf_counter()
                await user.send_text("/help")
            await harness.settle(timeout=120)
        elapsed = time.perf_counter() - started
        latencies.sort()
        p50 = statistics.median(latencies) * 1000
        p95 = latencies[int(len(latencies) * 0.95) - 1] * 1000
        print(
            f"{label}: {len(latencies)} answers to {concurrent} people writing at once, "
            f"{rounds} rounds: "
            f"p50 {p50:.0f} ms, p95 {p95:.0f} ms, max {latencies[-1] * 1000:.0f} ms; "
            f"{len(latencies) / elapsed:.0f} updates/s overall"
        )


async def main() -> None:
    await measure("Telegram's limits (25/s configured)")
    await measure(
        "limits lifted (the bot's own overhead)",
        rate_global_per_second=100_000.0,
        rate_per_chat_per_second=1000.0,
        rate_per_chat_burst=1000,
    )


if __name__ == "__main__":
    asyncio.run(main())
