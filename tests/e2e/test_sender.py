"""The one way out, end to end: every queued message reaches its chat once, through 429s, server
errors and timeouts, and a person who blocked the bot is held for and reported once.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import AsyncIterator

import pytest
from sqlmodel import col, select

from bot.devtools.demo_seed import seed
from bot.devtools.harness import Harness
from bot.models.people import Person, Reachability, ReachabilityState
from bot.models.transport import OutboxMessage, OutboxStatus
from bot.runtime.clock import ManualClock
from bot.sandbox import FaultKind, FloodLimits
from bot.services import outbox
from tests.support.waiting import until

pytestmark = pytest.mark.asyncio


@pytest.fixture
async def fast_harness(database_url: str, clock: ManualClock) -> AsyncIterator[Harness]:
    """A bot that gives up on a call after half a second and sends faster than the sandbox
    allows."""
    h = await Harness.create(
        database_url=database_url,
        clock=clock,
        telegram_timeout_seconds=0.5,
        rate_global_per_second=200.0,
        rate_per_chat_per_second=20.0,
        rate_per_chat_burst=10,
    )
    h.sandbox.hang_seconds = 3.0
    try:
        await h.start_bot()
        yield h
    finally:
        await h.close()


async def _people_who_started(harness: Harness, count: int) -> list[tuple[int, object]]:
    users = [harness.sandbox.add_user(first_name=f"P{i}", language_code="en") for i in range(count)]
    for user in users:
        harness.sandbox.mark_started(user.id)
    async with harness.db.session() as session:
        rows = []
        for user in users:
            person = Person(telegram_user_id=user.id, chat_id=user.id, locale="en")
            session.add(person)
            rows.append(person)
        await session.flush()
        return [(p.id or 0, u) for p, u in zip(rows, users, strict=True)]


async def _enqueue(harness: Harness, targets: list[tuple[int, object]], per_person: int) -> None:
    async with harness.db.session() as session:
        for person_id, user in targets:
            for n in range(per_person):
                await outbox.enqueue(
                    session,
                    chat_id=user.id,  # type: ignore[attr-defined]
                    method="sendMessage",
                    payload={"text": f"message {n} for {person_id}", "parse_mode": "HTML"},
                    now=harness.clock.now(),  # type: ignore[union-attr]
                    person_id=person_id,
                    purpose="test",
                )
    harness.wake()


async def _statuses(harness: Harness) -> Counter[str]:
    async with harness.db.session() as session:
        return Counter(await outbox.count_by_status(session))


async def test_every_message_arrives_once_through_429s_5xx_and_dropped_timeouts(
    fast_harness: Harness,
) -> None:
    sandbox = fast_harness.sandbox
    targets = await _people_who_started(fast_harness, 20)
    # The sandbox allows less than the bot tries: a burst of 429s with retry_after.
    sandbox.flood = FloodLimits(
        global_per_second=15, per_chat_per_second=1, per_chat_burst=2, per_group_per_minute=20
    )
    sandbox.fail_next(6, FaultKind.SERVER_ERROR, methods=["sendMessage"])
    sandbox.fail_next(3, FaultKind.TIMEOUT_DROP, methods=["sendMessage"])
    await _enqueue(fast_harness, targets, per_person=3)
    await fast_harness.settle(timeout=90)

    assert await _statuses(fast_harness) == Counter({"sent": 60})
    for person_id, user in targets:
        texts = [m.text for m in user.bot_messages()]  # type: ignore[attr-defined]
        assert texts == [f"message {n} for {person_id}" for n in range(3)]
    statuses = Counter(c.status for c in sandbox.calls if c.method == "sendMessage")
    assert statuses[429] >= 1, "the flood limit was never reached"
    assert statuses[500] == 6
    async with fast_harness.db.session() as session:
        rows = (await session.exec(select(OutboxMessage))).all()
    assert all(r.sent_message_id for r in rows)


async def test_timeouts_after_handling_duplicate_no_more_than_the_timeouts(
    fast_harness: Harness,
) -> None:
    sandbox = fast_harness.sandbox
    targets = await _people_who_started(fast_harness, 10)
    sandbox.fail_next(4, FaultKind.TIMEOUT_HANG, methods=["sendMessage"])
    await _enqueue(fast_harness, targets, per_person=2)
    await fast_harness.settle(timeout=60)

    assert await _statuses(fast_harness) == Counter({"sent": 20})
    delivered = Counter(
        m.text
        for _person, user in targets
        for m in user.bot_messages()  # type: ignore[attr-defined]
    )
    assert set(delivered) == {f"message {n} for {p}" for p, _u in targets for n in range(2)}
    duplicates = sum(n - 1 for n in delivered.values())
    assert duplicates <= 4


async def test_a_blocked_client_is_held_for_and_their_coach_told_once(
    fast_harness: Harness, clock: ManualClock
) -> None:
    sandbox = fast_harness.sandbox
    coach = sandbox.add_user(first_name="Kaisa", language_code="en")
    client = sandbox.add_user(first_name="Liisa", language_code="en")
    sandbox.mark_started(coach.id)
    sandbox.mark_started(client.id)
    async with fast_harness.db.session() as session:
        demo = await seed(
            session,
            coach_telegram_id=coach.id,
            coach_name="Kaisa",
            client_telegram_id=client.id,
            client_name="Liisa <L&L>",
            organisation_name="Workshop",
            locale="en",
            timezone="Europe/Helsinki",
            now=clock.now(),
        )
    client.block_bot()
    await _enqueue(fast_harness, [(demo.client_id, client)], per_person=3)
    await fast_harness.settle()
    await _enqueue(fast_harness, [(demo.client_id, client)], per_person=2)
    await fast_harness.settle()

    notices = [m.text or "" for m in coach.bot_messages()]
    assert len(notices) == 1
    assert notices[0].startswith("Liisa <L&L> cannot get my messages right now.")
    async with fast_harness.db.session() as session:
        reach = await session.get(Reachability, demo.client_id)
        held = (
            await session.exec(
                select(OutboxMessage).where(col(OutboxMessage.status) == OutboxStatus.HELD)
            )
        ).all()
    assert reach is not None and reach.state == ReachabilityState.BLOCKED
    assert len(held) == 5

    # The client comes back: everything held is delivered, once, in order.
    client.unblock_bot()
    await client.send_text("/start")
    await fast_harness.settle()
    texts = [m.text or "" for m in client.bot_messages()]
    assert [t for t in texts if t.startswith("message")] == [
        f"message {n} for {demo.client_id}" for n in (0, 1, 2, 0, 1)
    ]
    assert await _statuses(fast_harness) == Counter({"sent": 6})
    assert len(coach.bot_messages()) == 1


async def test_blocking_the_bot_tells_the_coach_once_even_with_nothing_to_send(
    fast_harness: Harness, clock: ManualClock
) -> None:
    sandbox = fast_harness.sandbox
    coach = sandbox.add_user(first_name="Kaisa", language_code="sv")
    client = sandbox.add_user(first_name="Liisa", language_code="sv")
    sandbox.mark_started(coach.id)
    async with fast_harness.db.session() as session:
        demo = await seed(
            session,
            coach_telegram_id=coach.id,
            coach_name="Kaisa",
            client_telegram_id=client.id,
            client_name="Liisa",
            organisation_name="Verkstad",
            locale="sv",
            timezone="Europe/Helsinki",
            now=clock.now(),
        )
    await client.send_text("/start")
    await fast_harness.settle()
    client.block_bot()
    await fast_harness.settle()
    client.unblock_bot()
    await fast_harness.settle()
    client.block_bot()
    await fast_harness.settle()
    notices = [m.text or "" for m in coach.bot_messages()]
    # Told once per time the client became unreachable, in the coach's language.
    assert (
        notices
        == [
            "Liisa kan inte få mina meddelanden just nu. Personen har kanske blockerat "
            "mig eller tagit bort chatten. Det jag har till personen väntar tills hen "
            "skriver till mig igen."
        ]
        * 2
    )
    async with fast_harness.db.session() as session:
        reach = await session.get(Reachability, demo.client_id)
    assert reach is not None and reach.state == ReachabilityState.BLOCKED


async def test_a_clock_jump_during_a_long_send_does_not_send_twice(
    fast_harness: Harness, clock: ManualClock
) -> None:
    """Claims expire by the clock; a sender must not take its own queued messages again."""
    sandbox = fast_harness.sandbox
    sandbox.flood = FloodLimits(
        global_per_second=30, per_chat_per_second=4, per_chat_burst=1, per_group_per_minute=20
    )
    [(person_id, user)] = await _people_who_started(fast_harness, 1)
    await _enqueue(fast_harness, [(person_id, user)], per_person=8)
    # The sender is part-way through the chat's queue.
    await until(lambda: len(user.bot_messages()) >= 2, 30, what="the first messages")  # type: ignore[attr-defined]
    clock.advance(dt.timedelta(hours=2))
    fast_harness.wake()
    await fast_harness.settle(timeout=30)
    texts = [m.text for m in user.bot_messages()]  # type: ignore[attr-defined]
    assert texts == [f"message {n} for {person_id}" for n in range(8)]
