"""Chat leases: one process at a time handles a chat's updates, in update_id order.

A receiver (the poller or a webhook) only writes updates to the inbox. A handler claims the
leases of the chats it will handle; while it holds a chat's lease no other process handles that
chat, and it renews the lease while it works. A lease that runs out (its process died) may be
claimed by anyone, so a dead process's chats are taken over within the lease time.

The lease is a row, not an advisory lock: it works through a transaction-pooling PgBouncer and on
SQLite alike. Claims go through one upsert whose condition is checked against the row as it is
when the statement gets it (PostgreSQL waits for a competing claim to commit, then re-checks), so
two processes never both get a chat.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.models.transport import ChatLease, InboxStatus, InboxUpdate
from bot.services.sql import dialect_name, table_of

# A process that dies holds its chats for at most this long.
DEFAULT_LEASE_SECONDS = 30


def chat_key_of(chat_id: int | None, user_id: int | None) -> int:
    """The lane an update is handled in: its chat, else its sender, else the lane 0."""
    if chat_id is not None:
        return chat_id
    return user_id if user_id is not None else 0


def _inbox_key() -> sa.ColumnElement[int]:
    table = table_of(InboxUpdate)
    return sa.func.coalesce(table.c.chat_id, table.c.user_id, 0)


async def claim(
    session: AsyncSession,
    *,
    keys: Collection[int],
    holder: str,
    now: dt.datetime,
    lease_seconds: float,
    dead: Sequence[str] = (),
) -> set[int]:
    """Take (or renew) the leases of these chats where they are free, run out, ours already or
    held by a process known to be dead; returns the chats now ours."""
    if not keys:
        return set()
    table = table_of(ChatLease)
    until = now + dt.timedelta(seconds=lease_seconds)
    insert: Any = postgresql.insert if dialect_name(session) == "postgresql" else sqlite.insert
    free = sa.or_(
        table.c.lease_until < now,
        table.c.holder == holder,
        *([table.c.holder.in_(list(dead))] if dead else []),
    )
    # In key order, so that two processes claiming overlapping chats lock the rows in one order.
    rows = [{"chat_key": key, "holder": holder, "lease_until": until} for key in sorted(keys)]
    statement = insert(table)
    result = await session.exec(
        statement.on_conflict_do_update(
            index_elements=[table.c.chat_key],
            set_={
                "holder": statement.excluded.holder,
                "lease_until": statement.excluded.lease_until,
            },
            where=free,
        ).returning(table.c.chat_key),
        params=rows,
    )
    return set(result.scalars().all())


async def renew(
    session: AsyncSession,
    *,
    keys: Collection[int],
    holder: str,
    now: dt.datetime,
    lease_seconds: float,
) -> set[int]:
    """Extend the leases this holder still has; returns the chats still ours."""
    if not keys:
        return set()
    table = table_of(ChatLease)
    result = await session.exec(
        sa.update(table)
        .where(table.c.holder == holder, table.c.chat_key.in_(sorted(keys)))
        .values(lease_until=now + dt.timedelta(seconds=lease_seconds))
        .returning(table.c.chat_key)
    )
    return set(result.scalars().all())


async def release(session: AsyncSession, *, keys: Collection[int], holder: str) -> None:
    """Give chats back: the next update of each may be handled by any process at once."""
    if not keys:
        return
    table = table_of(ChatLease)
    await session.exec(
        sa.delete(table).where(table.c.holder == holder, table.c.chat_key.in_(sorted(keys)))
    )


@dataclass(frozen=True, slots=True)
class Waiting:
    """An update in the inbox that no process is handling yet, and who holds its chat."""

    update_id: int
    chat_key: int
    holder: str | None
    lease_until: dt.datetime | None


async def waiting(
    session: AsyncSession,
    *,
    holder: str,
    now: dt.datetime,
    dead: Sequence[str] = (),
    limit: int = 1000,
) -> list[Waiting]:
    """Updates written down and not yet handled that this holder may take, oldest first: of
    chats nobody holds, of its own, and of chats whose lease ran out or whose holder is dead
    (those of a live process are left out, so that they never crowd these out of `limit`)."""
    key = _inbox_key()
    rows = await session.exec(
        select(InboxUpdate.update_id, key, ChatLease.holder, ChatLease.lease_until)
        .select_from(InboxUpdate)
        .outerjoin(ChatLease, col(ChatLease.chat_key) == key)
        .where(
            InboxUpdate.status == InboxStatus.RECEIVED,
            sa.or_(
                col(ChatLease.holder).is_(None),
                col(ChatLease.holder) == holder,
                col(ChatLease.lease_until) < now,
                *([col(ChatLease.holder).in_(list(dead))] if dead else []),
            ),
        )
        .order_by(col(InboxUpdate.update_id))
        .limit(limit)
    )
    return [Waiting(int(u), int(k), h, t) for u, k, h, t in rows.all()]


async def waiting_in(
    session: AsyncSession, *, keys: Collection[int], excluding: Collection[int] = ()
) -> list[tuple[int, int]]:
    """(update_id, chat key) of the updates waiting in these chats, oldest first."""
    if not keys:
        return []
    key = _inbox_key()
    query = select(InboxUpdate.update_id, key).where(
        InboxUpdate.status == InboxStatus.RECEIVED, key.in_(sorted(keys))
    )
    if excluding:
        query = query.where(col(InboxUpdate.update_id).not_in(sorted(excluding)))
    rows = await session.exec(query.order_by(col(InboxUpdate.update_id)))
    return [(int(u), int(k)) for u, k in rows.all()]


async def payloads(session: AsyncSession, *, update_ids: Collection[int]) -> list[dict[str, Any]]:
    """The updates as received, in update_id order."""
    if not update_ids:
        return []
    rows = await session.exec(
        select(InboxUpdate.payload)
        .where(
            col(InboxUpdate.update_id).in_(sorted(update_ids)),
            InboxUpdate.status == InboxStatus.RECEIVED,
        )
        .order_by(col(InboxUpdate.update_id))
    )
    return [dict(payload) for payload in rows.all()]


async def holders(session: AsyncSession) -> list[str]:
    """Every process that holds a chat now (to find the dead ones among them)."""
    rows = await session.exec(select(ChatLease.holder).distinct())
    return [str(h) for h in rows.all()]
