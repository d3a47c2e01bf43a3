"""How fast the outbox sender delivers: unthrottled (its own cost) and under Telegram's limits."""

from __future__ import annotations

import asyncio
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import people, running_bot

from bot.harness import Harness
from bot.services import outbox


async def _burst(harness: Harness, recipients: int, per_person: int) -> float:
    targets = await people(harness, recipients)
    async with harness.db.session() as session:
        for person_id, user in targets:
            for n in range(per_person):
                await outbox.enqueue(
                    session,
                    chat_id=user.id,
                    method="sendMessage",
                    payload={"text": f"Huomenta! Viesti {n}.", "parse_mode": "HTML"},
                    now=harness.app.services.clock.now(),
                    person_id=person_id,
                    purpose="bench",
                )
    started = time.perf_counter()
    harness.wake()
    await harness.settle(timeout=600)
    elapsed = time.perf_counter() - started
    async with harness.db.session() as session:
        counts = await outbox.count_by_status(session)
    assert counts == {"sent": recipients * per_person}, counts
    return elapsed


async def main() -> None:
    async with running_bot(
        rate_global_per_second=100_000.0,
        rate_per_chat_per_second=1000.0,
        rate_per_chat_burst=1000,
    ) as harness:
        harness.sandbox.flood = None
        total = 2000
        elapsed = await _burst(harness, recipients=500, per_person=4)
        print(
            f"unthrottled: {total} messages to 500 people in {elapsed:.2f}s "
            f"= {total / elapsed:.0f} messages/s"
        )
    async with running_bot() as harness:
        total = 250
        elapsed = await _burst(harness, recipients=250, per_person=1)
        print(
            f"Telegram's limits (25/s configured): {total} messages in {elapsed:.2f}s "
            f"= {total / elapsed:.1f} messages/s; "
            f"429s from the sandbox: "
            f"{sum(1 for c in harness.sandbox.calls if c.status == 429)}"
        )


if __name__ == "__main__":
    asyncio.run(main())
