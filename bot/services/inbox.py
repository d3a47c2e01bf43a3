"""The inbox: every update is written down before it is handled and marked done after.

An update whose handling was cut off (the process died) is still `received` and is handled
again on the next start; a repeated update_id is recognised and ignored.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.models.transport import InboxStatus, InboxUpdate
from bot.services.sql import dialect_name, insert_ignoring_conflicts, table_of

_LOGGER = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class ReceivedUpdate:
    """What the inbox needs to know of an update."""

    update_id: int
    chat_id: int | None
    user_id: int | None
    payload: dict[str, Any]


async def record(
    session: AsyncSession, *, updates: Sequence[ReceivedUpdate], now: dt.datetime
) -> set[int]:
    """Write updates down (once each) and return the ids among them that are already done."""
    if not updates:
        return set()
    await insert_ignoring_conflicts(
        session,
        table_of(InboxUpdate),
        [
            {
                "update_id": u.update_id,
                "chat_id": u.chat_id,
                "user_id": u.user_id,
                "payload": u.payload,
                "status": InboxStatus.RECEIVED,
                "attempts": 0,
                "received_at": now,
            }
            for u in updates
        ],
    )
    done = await session.exec(
        select(InboxUpdate.update_id).where(
            col(InboxUpdate.update_id).in_([u.update_id for u in updates]),
            InboxUpdate.status == InboxStatus.DONE,
        )
    )
    return set(done.all())


async def receive(
    session: AsyncSession, *, updates: Sequence[ReceivedUpdate], now: dt.datetime
) -> set[int]:
    """Write newly fetched updates down as started (their first attempt begins now, in this
    process) and return the ids written; an update the inbox holds already is left as it is and
    must be started with `start` (it may be handled, or being handled, elsewhere)."""
    if not updates:
        return set()
    table = table_of(InboxUpdate)
    written = await insert_ignoring_conflicts(
        session,
        table,
        [
            {
                "update_id": u.update_id,
                "chat_id": u.chat_id,
                "user_id": u.user_id,
                "payload": u.payload,
                "status": InboxStatus.RECEIVED,
                "attempts": 1,
                "received_at": now,
                "started_at": now,
            }
            for u in updates
        ],
        returning=table.c.update_id,
    )
    return set(written)


@dataclass(frozen=True, slots=True)
class TakenIn:
    """The update ids of a batch that the inbox did not hold before, by what became of them."""

    started: set[int]
    waiting: set[int]
    dropped: set[int]
    unreadable: set[int]


async def take_in(
    session: AsyncSession,
    *,
    started: Sequence[ReceivedUpdate],
    waiting: Sequence[ReceivedUpdate] = (),
    dropped: Sequence[ReceivedUpdate] = (),
    unreadable: Sequence[ReceivedUpdate] = (),
    now: dt.datetime,
) -> TakenIn:
    """Write a fetched batch down in one statement: updates to handle as started (their first
    attempt begins now, in this process), dropped ones with their ids only (never what they
    carried), unreadable ones as received for inspection; `waiting` ones (their chat is handled
    by another process now) as received, not started. An update the inbox holds already is
    left as it is; only new ids are returned."""
    rows: list[dict[str, Any]] = []
    for u, is_started in [(u, True) for u in started] + [(u, False) for u in waiting]:
        rows.append(
            {
                "update_id": u.update_id,
                "chat_id": u.chat_id,
                "user_id": u.user_id,
                "payload": u.payload,
                "status": InboxStatus.RECEIVED,
                "attempts": 1 if is_started else 0,
                "received_at": now,
                "started_at": now if is_started else None,
                "finished_at": None,
            }
        )
    for u, status in [(u, InboxStatus.DROPPED) for u in dropped] + [
        (u, InboxStatus.UNREADABLE) for u in unreadable
    ]:
        kind = next((key for key in u.payload if key != "update_id"), None)
        rows.append(
            {
                "update_id": u.update_id,
                "chat_id": u.chat_id,
                "user_id": u.user_id,
                "payload": (
                    u.payload
                    if status == InboxStatus.UNREADABLE
                    else {"update_id": u.update_id, "dropped": kind}
                ),
                "status": status,
                "attempts": 0,
                "received_at": now,
                "started_at": None,
                "finished_at": now,
            }
        )
    if not rows:
        return TakenIn(set(), set(), set(), set())
    table = table_of(InboxUpdate)
    # Many parameter sets for one statement, not one statement with all the values in it: the
    # statement is compiled once and cached, which matters when a flood brings batch after batch.
    insert = postgresql.insert if dialect_name(session) == "postgresql" else sqlite.insert
    result = await session.exec(
        insert(table).on_conflict_do_nothing().returning(table.c.update_id), params=rows
    )
    written = set(result.scalars().all())
    return TakenIn(
        started={u.update_id for u in started} & written,
        waiting={u.update_id for u in waiting} & written,
        dropped={u.update_id for u in dropped} & written,
        unreadable={u.update_id for u in unreadable} & written,
    )


async def count(session: AsyncSession, *, status: InboxStatus) -> int:
    """How many updates the inbox holds with this status (e.g. unreadable, set aside)."""
    found = await session.exec(
        select(sa.func.count()).select_from(InboxUpdate).where(InboxUpdate.status == status)
    )
    return int(found.one())


async def start(
    session: AsyncSession, *, update_id: int, now: dt.datetime, max_attempts: int = 5
) -> bool:
    """Start an update getUpdates wrote down already (the common case): one statement."""
    started = await session.exec(
        sa.update(InboxUpdate)
        .where(
            col(InboxUpdate.update_id) == update_id,
            col(InboxUpdate.status) == InboxStatus.RECEIVED,
            col(InboxUpdate.attempts) < max_attempts,
        )
        .values(attempts=InboxUpdate.attempts + 1, started_at=now)
    )
    return bool(started.rowcount)


async def begin(
    session: AsyncSession, *, update: ReceivedUpdate, now: dt.datetime, max_attempts: int = 5
) -> bool:
    """Start handling an update; False when it was handled already and must be skipped.

    An update whose handling was cut off `max_attempts` times (it crashes or hangs the bot) is
    given up: kept for inspection, never replayed again.
    """
    await record(session, updates=[update], now=now)
    result = await session.exec(
        sa.update(InboxUpdate)
        .where(
            col(InboxUpdate.update_id) == update.update_id,
            col(InboxUpdate.status) == InboxStatus.RECEIVED,
            col(InboxUpdate.attempts) < max_attempts,
        )
        .values(attempts=InboxUpdate.attempts + 1, started_at=now)
    )
    if result.rowcount:
        return True
    given_up = await session.exec(
        sa.update(InboxUpdate)
        .where(
            col(InboxUpdate.update_id) == update.update_id,
            col(InboxUpdate.status) == InboxStatus.RECEIVED,
        )
        .values(status=InboxStatus.FAILED, finished_at=now)
    )
    if given_up.rowcount:
        _LOGGER.error("update %s given up after %d attempts", update.update_id, max_attempts)
    return False


async def finish(session: AsyncSession, *, update_id: int, now: dt.datetime) -> None:
    """Mark an update handled."""
    await session.exec(
        sa.update(InboxUpdate)
        .where(col(InboxUpdate.update_id) == update_id)
        .values(status=InboxStatus.DONE, finished_at=now)
    )


async def unfinished(session: AsyncSession, *, limit: int = 10_000) -> list[dict[str, Any]]:
    """Payloads of updates received but never marked done, oldest first."""
    rows = await session.exec(
        select(InboxUpdate.payload)
        .where(InboxUpdate.status == InboxStatus.RECEIVED)
        .order_by(col(InboxUpdate.update_id))
        .limit(limit)
    )
    return [dict(payload) for payload in rows.all()]


async def prune(session: AsyncSession, *, finished_before: dt.datetime) -> int:
    """Forget handled, dropped and unreadable updates (they hold what people wrote, or who wrote
    when) once redelivery is no longer likely and the time to inspect them has passed; updates
    given up after their last attempt stay for inspection, without their content."""
    result = await session.exec(
        sa.delete(InboxUpdate).where(
            col(InboxUpdate.status).in_(
                [InboxStatus.DONE, InboxStatus.DROPPED, InboxStatus.UNREADABLE]
            ),
            col(InboxUpdate.finished_at) < finished_before,
        )
    )
    given_up = (
        await session.exec(
            select(InboxUpdate.update_id, InboxUpdate.payload).where(
                col(InboxUpdate.status) == InboxStatus.FAILED,
                sa.func.coalesce(
                    col(InboxUpdate.finished_at),
                    col(InboxUpdate.started_at),
                    col(InboxUpdate.received_at),
                )
                < finished_before,
            )
        )
    ).all()
    unblanked = [i for i, payload in given_up if not payload.get("erased")]
    await blank(session, unblanked)
    return int(result.rowcount) + len(unblanked)


async def blank(session: AsyncSession, update_ids: Sequence[int]) -> None:
    """Keep that these updates came, not what they said."""
    if not update_ids:
        return
    table = table_of(InboxUpdate)
    await session.exec(
        sa.update(table)
        .where(table.c.update_id == sa.bindparam("uid"))
        .values(payload=sa.bindparam("blank")),
        params=[{"uid": i, "blank": {"update_id": i, "erased": True}} for i in update_ids],
    )
