"""The audit log: who did what to whose data, by event name and ids, never content."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.models.audit import AuditEvent


async def record(
    session: AsyncSession,
    *,
    event: str,
    now: dt.datetime,
    actor_id: int | None = None,
    subject_id: int | None = None,
    organisation_id: int | None = None,
    object_type: str | None = None,
    object_id: int | None = None,
    details: dict[str, Any] | None = None,
) -> None:
    """Write one audit event. `details` holds ids and codes only."""
    session.add(
        AuditEvent(
            at=now,
            event=event,
            actor_id=actor_id,
            subject_id=subject_id,
            organisation_id=organisation_id,
            object_type=object_type,
            object_id=object_id,
            details=details or {},
        )
    )
