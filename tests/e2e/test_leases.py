"""One process at a time handles a chat, and a dead process's work is taken over:

- a chat another live process holds: its updates are written down and wait; when that lease runs
  out they are handled here, in order, once;
- a chat held by a process of this host that no longer runs: taken over as soon as the bot
  starts, and so are the outgoing messages such a process had claimed;
- two holders claiming the same chats at once: each chat goes to one of them.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import subprocess
import sys

import pytest
import sqlalchemy as sa
from sqlmodel import select

from bot.devtools.harness import Harness
from bot.models.transport import ChatLease, InboxStatus, InboxUpdate, OutboxMessage, OutboxStatus
from bot.runtime.clock import ManualClock
from bot.runtime.db import Database
from bot.runtime.workers import new_worker_id
from bot.services import leases, outbox
from bot.services.sql import table_of
from tests.support.world import A_ID, build_world

pytestmark = pytest.mark.asyncio

ELSEWHERE = "run:another-host:4242:abcdef"  # a live process on another machine, for all we know


def dead_worker() -> str:
    """The name a process of this host had: one that has ended (and been reaped)."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    kind, host, _pid, _random = new_worker_id("run").split(":")
    return f"{kind}:{host}:{child.pid}:dead00"


async def hold(db: Database, chat_key: int, holder: str, until: dt.datetime) -> None:
    async with db.session() as session:
        await session.exec(
            sa.delete(table_of(ChatLease)).where(table_of(ChatLease).c.chat_key == chat_key)
        )
        session.add(ChatLease(chat_key=chat_key, holder=holder, lease_until=until))


async def inbox_rows(db: Database) -> list[InboxUpdate]:
    async with db.session() as session:
        return list((await session.exec(select(InboxUpdate))).all())


async def test_a_chat_held_elsewhere_waits_and_is_taken_over_in_order_when_its_lease_runs_out(
    harness: Harness, clock: ManualClock
) -> None:
    world = await build_world(harness, clock)
    liisa, kaisa = world.a, world.x
    lease = harness.settings.lease_seconds
    await hold(harness.db, A_ID, ELSEWHERE, clock.now() + dt.timedelta(seconds=lease))
    relayed_before = len([m for m in kaisa.messages if m.copied_from])

    await liisa.send_text("First words")
    await liisa.send_text("Second words")
    await harness.settle()
    # Written down, confirmed to Telegram, not handled: another process holds Liisa's chat.
    assert harness.sandbox.pending_update_count == 0
    waiting = [r for r in await inbox_rows(harness.db) if r.chat_id == A_ID]
    assert [(r.status, r.attempts) for r in waiting] == [(InboxStatus.RECEIVED, 0)] * 2
    assert len([m for m in kaisa.messages if m.copied_from]) == relayed_before

    # A second before the lease runs out, still nothing; after it, the chat is taken over.
    clock.advance(dt.timedelta(seconds=lease - 1))
    claimer = harness.app.services.claimer
    assert claimer is not None
    assert await claimer.round() == 0
    clock.advance(dt.timedelta(seconds=2))
    assert await claimer.round() == 2
    await harness.settle()

    relayed = [m.visible_text for m in kaisa.messages if m.copied_from][relayed_before:]
    assert relayed == ["First words", "Second words"]
    done = [r for r in await inbox_rows(harness.db) if r.chat_id == A_ID]
    assert [(r.status, r.attempts) for r in done] == [(InboxStatus.DONE, 1)] * 2
    async with harness.db.session() as session:
        lease_row = await session.get(ChatLease, A_ID)
    # Given back once the chat had nothing more here (or still ours while it finishes).
    assert lease_row is None or lease_row.holder == claimer_holder(harness)


def claimer_holder(harness: Harness) -> str:
    return harness.app.services.worker_id


async def test_what_a_dead_process_of_this_host_held_is_taken_over_at_the_start(
    harness: Harness, clock: ManualClock
) -> None:
    world = await build_world(harness, clock)
    liisa, kaisa = world.a, world.x
    dead = dead_worker()
    # The dead process held Liisa's chat for a long while yet.
    await hold(harness.db, A_ID, dead, clock.now() + dt.timedelta(hours=1))
    await liisa.send_text("Words while the chat is held")
    await harness.settle()
    assert not [m for m in kaisa.messages if m.visible_text == "Words while the chat is held"]

    # It had also claimed a message to her (seeded while the bot is stopped: a claimed message
    # keeps the harness waiting).
    await harness.stop_bot()
    async with harness.db.session() as session:
        message_id = await outbox.enqueue(
            session,
            chat_id=A_ID,
            method="sendMessage",
            payload={"text": "A message claimed by the dead process"},
            now=clock.now(),
        )
        await session.exec(
            sa.update(table_of(OutboxMessage))
            .where(table_of(OutboxMessage).c.id == message_id)
            .values(
                status=OutboxStatus.SENDING,
                claimed_by=dead,
                claim_until=clock.now() + dt.timedelta(hours=1),
            )
        )

    # A bot that starts (as after a crash) sees that the holder no longer runs.
    await harness.start_bot()
    await harness.settle()
    assert [m.visible_text for m in kaisa.messages if m.copied_from][-1] == (
        "Words while the chat is held"
    )
    assert [m.visible_text for m in liisa.bot_messages()].count(
        "A message claimed by the dead process"
    ) == 1
    async with harness.db.session() as session:
        row = await session.get(OutboxMessage, message_id)
    assert row is not None and row.status == OutboxStatus.SENT


async def test_two_holders_claiming_the_same_chats_at_once_each_get_their_own(db: Database) -> None:
    now = dt.datetime(2026, 3, 2, 7, 0, tzinfo=dt.UTC)
    keys = set(range(1, 201))
    other = Database(db.url)
    try:

        async def claim(database: Database, holder: str) -> set[int]:
            async with database.session() as session:
                return await leases.claim(
                    session, keys=keys, holder=holder, now=now, lease_seconds=30
                )

        first, second = await asyncio.gather(claim(db, "run:a:1:aaaaaa"), claim(other, "run:b:2:b"))
    finally:
        await other.dispose()
    # One of them got every chat (whoever came first), the other none: never both.
    assert first.isdisjoint(second)
    assert first | second == keys
    # Renewing by the loser changes nothing; after the lease time the loser may take over.
    loser = "run:b:2:b" if first else "run:a:1:aaaaaa"
    async with db.session() as session:
        assert await leases.renew(session, keys=keys, holder=loser, now=now, lease_seconds=30) == (
            set()
        )
        assert (
            await leases.claim(session, keys=keys, holder=loser, now=now, lease_seconds=30) == set()
        )
        later = now + dt.timedelta(seconds=31)
        assert (
            await leases.claim(session, keys=keys, holder=loser, now=later, lease_seconds=30)
            == keys
        )
        await leases.release(session, keys={1, 2}, holder=loser)
        assert await leases.holders(session) == [loser]
        assert await leases.claim(
            session, keys={1, 3}, holder="run:c:3:c", now=later, lease_seconds=30
        ) == {1}
