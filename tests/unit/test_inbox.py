"""The inbox writes each update once, hands it out once, and remembers what is unfinished."""

from __future__ import annotations

from bot.clock import ManualClock
from bot.db import Database
from bot.models.transport import InboxStatus, InboxUpdate
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
