"""The coaching plan on a continuum: an emphasis 0-4 for each of the five goal areas.

All five areas stay available the whole time; only their emphasis changes, up or down, at any
time, with a reason. Every change is a new row (the newest per area is current), so the history
keeps each setting with its date. Moving the emphasis back towards everyday life is as normal as
moving it on.

The emphasis steers the check-in (checkins.questions_for): everyday life keeps the rhythm
questions (also when no plan is set); work and functional capacity adds a question on the day's
tasks, employment one on job-search steps, coping at work asks about rest after work (instead of
sleep), the workload, and colleagues and the supervisor.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.models.coaching import Coaching, CoachingStatus, GoalArea, PlanEmphasis
from bot.services import access
from bot.services.errors import DomainError
from bot.services.sql import among
from bot.text.i18n import N_

LEVELS = (0, 1, 2, 3, 4)  # none, slight, moderate, significant, considerable
MAX_REASON = 500


class ReasonTooLong(DomainError):
    """A typed reason longer than the column holds: asked again, never cut short in silence."""

    def __init__(self, length: int) -> None:
        super().__init__(
            f"reason of {length} characters",
            user_message=N_(
                "That reason is too long. Please write it in at most 500 characters and send it "
                "again."
            ),
        )


class NoCoaching(DomainError):
    def __init__(self, client_id: int) -> None:
        super().__init__(
            f"client {client_id} has no open coaching",
            user_message=N_("The plan can be set while the coaching is open."),
        )


def _latest(client_ids: Sequence[int], dialect: str) -> sa.Select[GoalArea, int, int]:
    """The current row per client and area: the newest of each (one statement)."""
    newest = (
        sa.select(sa.func.max(col(PlanEmphasis.id)))
        .where(among(col(PlanEmphasis.client_id), client_ids, dialect))
        .group_by(col(PlanEmphasis.client_id), col(PlanEmphasis.area))
    )
    return sa.select(
        col(PlanEmphasis.area), col(PlanEmphasis.level), col(PlanEmphasis.client_id)
    ).where(col(PlanEmphasis.id).in_(newest))


async def levels_of_clients(
    connection: AsyncConnection, *, client_ids: Sequence[int]
) -> dict[int, dict[str, int]]:
    """The current emphasis of many clients in one query, as plain rows: client -> area -> level."""
    found: dict[int, dict[str, int]] = defaultdict(dict)
    if not client_ids:
        return found
    for area, level, client_id in (
        await connection.execute(_latest(client_ids, connection.dialect.name))
    ).all():
        found[client_id][str(area)] = int(level)
    return found


async def levels_of(
    session: AsyncSession, *, client_id: int, view: access.View | None = None
) -> dict[str, int]:
    """One client's current emphasis per area (areas never set are missing); for a coach, of
    the plan their view holds (the coachings of their organisation's stay with the client)."""
    if view is None or view.own:
        connection = await session.connection()
        return (await levels_of_clients(connection, client_ids=[client_id])).get(client_id, {})
    found: dict[str, int] = {}
    for row in await history(session, client_id=client_id, view=view):
        found.setdefault(str(row.area), int(row.level))
    return found


async def history(
    session: AsyncSession, *, client_id: int, view: access.View | None = None
) -> list[PlanEmphasis]:
    """Every setting of the client's plan (that the view holds), newest first."""
    stmt = select(PlanEmphasis).where(PlanEmphasis.client_id == client_id)
    if view is not None:
        stmt = stmt.where(access.plan_clause(view))
    return list(
        (
            await session.exec(
                stmt.order_by(col(PlanEmphasis.created_at).desc(), col(PlanEmphasis.id).desc())
            )
        ).all()
    )


async def set_emphasis(
    session: AsyncSession,
    *,
    coach_id: int,
    client_id: int,
    area: GoalArea,
    level: int,
    reason: str | None,
    now: dt.datetime,
    agreed_with_client: bool = True,
) -> PlanEmphasis:
    """The coach who acts for the client sets one area's emphasis, with the client."""
    if level not in LEVELS:
        raise DomainError(f"not an emphasis level: {level}")
    if coach_id == client_id:
        raise access.AccessDenied("the plan is set by the coach with the client")
    await access.require_act(session, coach_id=coach_id, client_id=client_id, now=now)
    coaching_id = (
        await session.exec(
            select(Coaching.id)
            .where(
                Coaching.client_id == client_id,
                col(Coaching.status).in_([CoachingStatus.ACTIVE, CoachingStatus.ONBOARDING]),
            )
            .order_by(col(Coaching.created_at).desc(), col(Coaching.id).desc())
        )
    ).first()
    if coaching_id is None:
        raise NoCoaching(client_id)
    cleaned = " ".join((reason or "").split()) or None
    if cleaned is not None and len(cleaned) > MAX_REASON:
        raise ReasonTooLong(len(cleaned))
    row = PlanEmphasis(
        coaching_id=coaching_id,
        client_id=client_id,
        area=area,
        level=level,
        reason=cleaned,
        set_by_id=coach_id,
        agreed_with_client=agreed_with_client,
        created_at=now,
    )
    session.add(row)
    await session.flush()
    return row
