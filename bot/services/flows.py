"""Where a person is in a multi-step conversation: one row per person, so a restart, a crash
or a second worker continues where the person left off.

Typed text counts as an answer only while the flow waits for it (30 minutes by default); after
that, whatever a client writes goes to their coach.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.models.flows import FlowState

TEXT_WINDOW = dt.timedelta(minutes=30)


@dataclass(frozen=True, slots=True)
class Flow:
    """A snapshot of a person's flow."""

    name: str
    step: str
    data: dict[str, Any]
    version: int
    awaiting_text: bool


async def current(session: AsyncSession, *, person_id: int, now: dt.datetime) -> Flow | None:
    """The flow the person is in, if any."""
    row = await session.get(FlowState, person_id)
    if row is None:
        return None
    awaiting = row.awaiting_text_until is not None and row.awaiting_text_until > now
    return Flow(row.flow, row.step, dict(row.data), row.version, awaiting)


async def set_step(
    session: AsyncSession,
    *,
    person_id: int,
    flow: str,
    step: str,
    now: dt.datetime,
    data: dict[str, Any] | None = None,
    awaiting_text: bool = False,
    merge: bool = True,
) -> Flow:
    """Move the person to `step` of `flow` (starting it if needed); `data` is merged in."""
    row = await session.get(FlowState, person_id)
    if row is None or row.flow != flow:
        if row is not None:
            await session.delete(row)
            await session.flush()
        row = FlowState(person_id=person_id, flow=flow, step=step, data={}, started_at=now)
        session.add(row)
        row.version = 1
    else:
        row.version += 1
    merged = {**(row.data if merge else {}), **(data or {})}
    row.step = step
    row.data = merged
    row.awaiting_text_until = now + TEXT_WINDOW if awaiting_text else None
    row.updated_at = now
    await session.flush()
    return Flow(flow, step, merged, row.version, awaiting_text)


async def clear(session: AsyncSession, *, person_id: int, flow: str | None = None) -> bool:
    """End the person's flow (only `flow`, if given); True if there was one."""
    stmt = sa.delete(FlowState).where(col(FlowState.person_id) == person_id)
    if flow is not None:
        stmt = stmt.where(col(FlowState.flow) == flow)
    result = await session.exec(stmt)
    return bool(result.rowcount)
