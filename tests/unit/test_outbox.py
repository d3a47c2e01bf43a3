"""The outbox: idempotent enqueueing, atomic claims, expiry and the hold for unreachable people."""

from __future__ import annotations

import asyncio
import datetime as dt

from sqlmodel import select

from bot.models.people import Person, ReachabilityState
from bot.models.transport import OutboxMessage, OutboxStatus
from bot.runtime.clock import ManualClock
from bot.runtime.db import Database
from bot.services import outbox, reachability


async def _enqueue(db: Database, clock: ManualClock, n: int, **kwargs: object) -> None:
    async with db.session() as session:
        for i in range(n):
            await outbox.enqueue(
                session,
                chat_id=1000 + i,
                method="sendMessage",
                payload={"text": f"message {i}"},
                now=clock.now(),
                **kwargs,  # type: ignore[arg-type]
            )


async def test_same_dedup_key_queues_once(db: Database, clock: ManualClock) -> None:
    async with db.session() as session:
        for _ in range(3):
            await outbox.enqueue(
                session,
                chat_id=1,
                method="sendMessage",
                payload={"text": "once"},
                now=clock.now(),
                dedup_key="checkin:1",
            )
    async with db.session() as session:
        assert (await outbox.count_by_status(session)) == {"pending": 1}


async def test_concurrent_claims_never_share_a_message(
    database_url: str, clock: ManualClock
) -> None:
    setup = Database(database_url)
    await _enqueue(setup, clock, 60)
    await setup.dispose()
    workers = [Database(database_url) for _ in range(3)]

    async def claim_all(index: int, db: Database) -> list[int]:
        taken: list[int] = []
        while True:
            async with db.session() as session:
                batch = await outbox.claim_due(
                    session, now=clock.now(), worker=f"w{index}", claim_seconds=60, limit=7
                )
            if not batch:
                return taken
            taken += [m.id for m in batch if m.id is not None]

    results = await asyncio.gather(*(claim_all(i, db) for i, db in enumerate(workers)))
    for db in workers:
        await db.dispose()
    everything = [message_id for taken in results for message_id in taken]
    assert len(everything) == 60
    assert len(set(everything)) == 60


async def test_future_and_expired_messages_are_not_claimed(
    db: Database, clock: ManualClock
) -> None:
    later = clock.now() + dt.timedelta(hours=1)
    async with db.session() as session:
        await outbox.enqueue(
            session,
            chat_id=1,
            method="sendMessage",
            payload={"text": "later"},
            now=clock.now(),
            not_before=later,
        )
        await outbox.enqueue(
            session,
            chat_id=2,
            method="sendMessage",
            payload={"text": "stale"},
            now=clock.now(),
            expires_at=clock.now() - dt.timedelta(minutes=1),
        )
    async with db.session() as session:
        assert await outbox.claim_due(session, now=clock.now(), worker="w", claim_seconds=60) == []
        assert await outbox.next_due_at(session) == later
    async with db.session() as session:
        assert (await outbox.count_by_status(session)) == {"pending": 1, "cancelled": 1}


async def test_an_expired_claim_is_taken_over(db: Database, clock: ManualClock) -> None:
    await _enqueue(db, clock, 1)
    async with db.session() as session:
        first = await outbox.claim_due(session, now=clock.now(), worker="dead", claim_seconds=30)
    assert len(first) == 1
    async with db.session() as session:
        assert await outbox.claim_due(session, now=clock.now(), worker="w2", claim_seconds=30) == []
    clock.advance(dt.timedelta(seconds=31))
    async with db.session() as session:
        again = await outbox.claim_due(session, now=clock.now(), worker="w2", claim_seconds=30)
    assert [m.id for m in again] == [first[0].id]
    async with db.session() as session:
        # The dead worker's late report no longer counts.
        assert not await outbox.mark_sent(
            session,
            message_id=first[0].id or 0,
            worker="dead",
            now=clock.now(),
            telegram_message_id=5,
        )


async def test_unreachable_person_is_reported_once_and_released_on_return(
    db: Database, clock: ManualClock
) -> None:
    async with db.session() as session:
        person = Person(telegram_user_id=42, chat_id=42)
        session.add(person)
        await session.flush()
        person_id = person.id
        assert person_id is not None
        for i in range(3):
            await outbox.enqueue(
                session,
                chat_id=42,
                method="sendMessage",
                payload={"text": str(i)},
                now=clock.now(),
                person_id=person_id,
            )
    async with db.session() as session:
        told = await reachability.mark_unreachable(
            session,
            person_id=person_id,
            state=ReachabilityState.BLOCKED,
            error="Forbidden: bot was blocked by the user",
            now=clock.now(),
        )
        told_again = await reachability.mark_unreachable(
            session,
            person_id=person_id,
            state=ReachabilityState.BLOCKED,
            error="Forbidden: bot was blocked by the user",
            now=clock.now(),
        )
    assert (told, told_again) == (True, False)
    async with db.session() as session:
        assert (await outbox.count_by_status(session)) == {"held": 3}
        assert not await reachability.is_reachable(session, person_id=person_id)
    async with db.session() as session:
        assert await reachability.mark_reachable(session, person_id=person_id, now=clock.now()) == 3
    async with db.session() as session:
        assert (await outbox.count_by_status(session)) == {"pending": 3}
        rows = await session.exec(select(OutboxMessage))
        assert all(m.status == OutboxStatus.PENDING for m in rows.all())
