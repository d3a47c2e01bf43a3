"""The inbox writes each update once, hands it out once, and remembers what is unfinished."""

from __future__ import annotations

import datetime as dt

from bot.models.transport import InboxStatus, InboxUpdate
from bot.runtime.clock import ManualClock
from bot.runtime.db import Database
from bot.services import inbox
from bot.services.inbox import ReceivedUpdate


def _update(update_id: int) -> ReceivedUpdate:
    return ReceivedUpdate(
        update_id=update_id,
        chat_id=1001,
        user_id=1001,
        payload={"update_id": update_id, "message": {"text": f"hello {update_id}"}},
    )


async def test_update_is_handled_once_and_repeat_ignored(db: Database, clock: ManualClock) -> None:
    async with db.session() as session:
        assert (
            await inbox.record(session, updates=[_update(1), _update(2)], now=clock.now()) == set()
        )
    async with db.session() as session:
        assert await inbox.begin(session, update=_update(1), now=clock.now())
        await inbox.finish(session, update_id=1, now=clock.now())
    async with db.session() as session:
        # The same update delivered again is recognised as done.
        assert await inbox.record(session, updates=[_update(1)], now=clock.now()) == {1}
        assert not await inbox.begin(session, update=_update(1), now=clock.now())


async def test_unfinished_updates_survive_for_the_next_start(
    db: Database, clock: ManualClock
) -> None:
    async with db.session() as session:
        await inbox.record(session, updates=[_update(7), _update(5), _update(6)], now=clock.now())
        assert await inbox.begin(session, update=_update(5), now=clock.now())
        await inbox.finish(session, update_id=5, now=clock.now())
        # Update 6 was started and then the process died: it is still unfinished.
        assert await inbox.begin(session, update=_update(6), now=clock.now())
    async with db.session() as session:
        payloads = await inbox.unfinished(session)
    assert [p["update_id"] for p in payloads] == [6, 7]
    assert payloads[0]["message"]["text"] == "hello 6"


async def test_an_update_that_keeps_killing_the_bot_is_given_up(
    db: Database, clock: ManualClock
) -> None:
    for _ in range(3):
        async with db.session() as session:
            assert await inbox.begin(session, update=_update(9), now=clock.now(), max_attempts=3)
    async with db.session() as session:
        assert not await inbox.begin(session, update=_update(9), now=clock.now(), max_attempts=3)
    async with db.session() as session:
        assert await inbox.unfinished(session) == []
        row = await session.get(InboxUpdate, 9)
    # Kept for inspection, not replayed.
    assert row is not None and row.status == InboxStatus.FAILED


async def test_after_the_retention_time_a_given_up_update_keeps_no_words(
    db: Database, clock: ManualClock
) -> None:
    for _ in range(3):
        async with db.session() as session:
            await inbox.begin(session, update=_update(9), now=clock.now(), max_attempts=3)
    async with db.session() as session:
        await inbox.begin(session, update=_update(9), now=clock.now(), max_attempts=3)
        await inbox.begin(session, update=_update(10), now=clock.now())
        await inbox.finish(session, update_id=10, now=clock.now())
    # Within the retention time both stay as they were.
    async with db.session() as session:
        assert await inbox.prune(session, finished_before=clock.now()) == 0
        assert (await session.get(InboxUpdate, 9)).payload["message"]["text"] == "hello 9"  # type: ignore[union-attr]
    clock.advance(dt.timedelta(hours=1))
    async with db.session() as session:
        assert await inbox.prune(session, finished_before=clock.now()) == 2
    async with db.session() as session:
        given_up = await session.get(InboxUpdate, 9)
        assert await session.get(InboxUpdate, 10) is None  # handled: gone
        # Given up: still there for inspection and counting, without what it said.
        assert given_up is not None and given_up.status == InboxStatus.FAILED
        assert given_up.payload == {"update_id": 9, "erased": True}
        # A second pass finds nothing more to do.
        assert await inbox.prune(session, finished_before=clock.now()) == 0
