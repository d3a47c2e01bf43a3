"""The coach's desk: the caseload on one screen and one client's card.

A coach sees exactly the clients access.visible_client_ids gives them: those assigned to them and
those handed over to them now. During a handover the responsible coach still sees the client and
learns who answers for them; the substitute learns whom they stand in for. Reading a card is
written to the audit log (who read whose card, no content) and marks the client's messages read.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TypeVar

import sqlalchemy as sa
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.models.checkins import Checkin, GotUp, Sleep
from bot.models.coaching import CoachAssignment, Coaching, CoachingStatus, GoalArea
from bot.models.flags import Flag, FlagStatus
from bot.models.goals import Goal, GoalStatus
from bot.models.people import Person
from bot.services import access, audit, handover, notes, people, plan, relay, schedules
from bot.services.notes import NoteView

PAGE_SIZE = 8
RECENT_CHECKINS = 5
RECENT_NOTES = 3
MAX_GOALS = 10
_T = TypeVar("_T")
_ACTIVE_GOALS = [GoalStatus.PROPOSED, GoalStatus.AGREED, GoalStatus.IN_PROGRESS]


@dataclass(frozen=True, slots=True)
class Standing:
    """Who answers for a client now, seen from one coach's desk."""

    # Someone else answers for the client (this coach handed them over) ...
    answered_by: str | None = None
    # ... or this coach stands in for the client's own coach.
    covering_for: str | None = None
    until: dt.datetime | None = None


@dataclass(frozen=True, slots=True)
class CaseloadEntry:
    """One client on the coach's list."""

    client_id: int
    name: str
    last_checkin_at: dt.datetime | None
    open_flags: int
    unread: int
    standing: Standing


@dataclass(frozen=True, slots=True)
class CheckinLine:
    """One check-in as the card shows it: whatever answers exist."""

    due_at: dt.datetime
    mood: int | None
    sleep: Sleep | None
    got_up: GotUp | None


@dataclass(frozen=True, slots=True)
class GoalLine:
    area: GoalArea
    title: str
    status: GoalStatus
    target_date: dt.date | None


@dataclass(frozen=True, slots=True)
class ClientCard:
    """What the coach sees of one client at a glance."""

    client_id: int
    name: str
    status: CoachingStatus | None
    agreement_accepted_at: dt.datetime | None
    checkin_times: list[dt.time]
    checkins: list[CheckinLine]
    goals: list[GoalLine]
    notes: list[NoteView]
    # Unread messages when the card was opened (opening it marks them read).
    unread: int
    # May this coach write to the client now (not while someone else stands in)?
    can_act: bool
    standing: Standing
    # The plan's current emphasis per area (area -> 0-4); empty while none is set.
    plan: dict[str, int] = field(default_factory=dict)


def page_of(items: Sequence[_T], page: int, size: int = PAGE_SIZE) -> tuple[list[_T], int, int]:
    """One page of items: the items, the page number (kept in range) and how many pages."""
    pages = max(1, (len(items) + size - 1) // size)
    page = min(max(page, 0), pages - 1)
    return list(items[page * size : (page + 1) * size]), page, pages


async def require_on_desk(
    session: AsyncSession, *, coach_id: int, client_id: int, now: dt.datetime
) -> None:
    """Refuse a client who is not on this coach's desk (a forged or stale button)."""
    if client_id == coach_id or client_id not in await access.visible_client_ids(
        session, coach_id=coach_id, now=now
    ):
        raise access.AccessDenied(f"client {client_id} is not on coach {coach_id}'s desk")


async def _names(
    session: AsyncSession, *, coach_id: int, client_ids: Sequence[int]
) -> dict[int, str]:
    return {
        client_id: await people.name_as_seen_by(session, viewer_id=coach_id, person_id=client_id)
        or "?"
        for client_id in client_ids
    }


async def _coach_name(session: AsyncSession, person_id: int | None) -> str:
    person = await session.get(Person, person_id) if person_id is not None else None
    return (person.display_name if person else None) or "?"


async def _standings(
    session: AsyncSession, *, coach_id: int, client_ids: Sequence[int], now: dt.datetime
) -> dict[int, Standing]:
    covers = await handover.current_covers(session, client_ids=client_ids, now=now)
    found: dict[int, Standing] = {}
    for client_id, cover in covers.items():
        if cover.substitute_id == coach_id:
            found[client_id] = Standing(
                covering_for=await _coach_name(session, cover.responsible_id), until=cover.until
            )
        else:
            found[client_id] = Standing(
                answered_by=await _coach_name(session, cover.substitute_id), until=cover.until
            )
    return found


async def caseload(
    session: AsyncSession, *, coach_id: int, now: dt.datetime
) -> list[CaseloadEntry]:
    """Every client on the coach's desk, by name: last check-in, open flags, unread messages."""
    client_ids = await access.visible_client_ids(session, coach_id=coach_id, now=now)
    if not client_ids:
        return []
    names = await _names(session, coach_id=coach_id, client_ids=client_ids)
    last = await session.exec(
        select(Checkin.client_id, func.max(Checkin.answered_at))
        .where(col(Checkin.client_id).in_(client_ids), col(Checkin.answered_at).is_not(None))
        .group_by(col(Checkin.client_id))
    )
    last_checkin = dict(last.all())
    flags = await session.exec(
        select(Flag.client_id, func.count())
        .where(col(Flag.client_id).in_(client_ids), Flag.status != FlagStatus.DONE)
        .group_by(col(Flag.client_id))
    )
    open_flags = {client_id: int(n) for client_id, n in flags.all()}
    unread = await relay.unread_counts(session, coach_id=coach_id)
    standings = await _standings(session, coach_id=coach_id, client_ids=client_ids, now=now)
    entries = [
        CaseloadEntry(
            client_id=client_id,
            name=names[client_id],
            last_checkin_at=last_checkin.get(client_id),
            open_flags=open_flags.get(client_id, 0),
            unread=unread.get(client_id, 0),
            standing=standings.get(client_id, Standing()),
        )
        for client_id in client_ids
    ]
    entries.sort(key=lambda e: (e.name.casefold(), e.client_id))
    return entries


async def _coaching(
    session: AsyncSession, *, coach_id: int, client_id: int, now: dt.datetime
) -> Coaching | None:
    """The coaching through which this coach sees the client now."""
    rows = await session.exec(
        select(Coaching)
        .join(CoachAssignment, col(CoachAssignment.coaching_id) == col(Coaching.id))
        .where(
            CoachAssignment.coach_id == coach_id,
            CoachAssignment.client_id == client_id,
            col(CoachAssignment.valid_from) <= now,
            sa.or_(
                col(CoachAssignment.valid_until).is_(None), col(CoachAssignment.valid_until) > now
            ),
        )
        .order_by(col(Coaching.created_at).desc(), col(Coaching.id).desc())
    )
    return rows.first()


async def open_card(
    session: AsyncSession, *, coach_id: int, client_id: int, now: dt.datetime
) -> ClientCard:
    """A client's card for a coach who may see them; audited, and their messages marked read."""
    await require_on_desk(session, coach_id=coach_id, client_id=client_id, now=now)
    coaching = await _coaching(session, coach_id=coach_id, client_id=client_id, now=now)
    name = (await _names(session, coach_id=coach_id, client_ids=[client_id]))[client_id]
    checkin_rows = await session.exec(
        select(Checkin)
        .where(Checkin.client_id == client_id, col(Checkin.answered_at).is_not(None))
        .order_by(col(Checkin.due_at).desc(), col(Checkin.id).desc())
        .limit(RECENT_CHECKINS)
    )
    checkins = [
        CheckinLine(due_at=c.due_at, mood=c.mood, sleep=c.sleep, got_up=c.got_up)
        for c in checkin_rows.all()
    ]
    goal_rows = await session.exec(
        select(Goal)
        .where(Goal.client_id == client_id, col(Goal.status).in_(_ACTIVE_GOALS))
        .order_by(col(Goal.created_at), col(Goal.id))
        .limit(MAX_GOALS)
    )
    goals = [
        GoalLine(area=g.area, title=g.title, status=g.status, target_date=g.target_date)
        for g in goal_rows.all()
    ]
    times = [s.local_time for s in await schedules.schedules_of(session, client_id=client_id)]
    unread = (await relay.unread_counts(session, coach_id=coach_id)).get(client_id, 0)
    standing = (await _standings(session, coach_id=coach_id, client_ids=[client_id], now=now)).get(
        client_id, Standing()
    )
    can_act = await access.can_act_for_client(
        session, coach_id=coach_id, client_id=client_id, now=now
    )
    recent = await notes.notes_about(session, client_id=client_id, limit=RECENT_NOTES)
    await audit.record(
        session,
        event="client.card_read",
        now=now,
        actor_id=coach_id,
        subject_id=client_id,
        organisation_id=coaching.organisation_id if coaching else None,
    )
    await relay.mark_read(session, coach_id=coach_id, client_id=client_id, now=now)
    return ClientCard(
        client_id=client_id,
        name=name,
        status=coaching.status if coaching else None,
        agreement_accepted_at=coaching.agreement_accepted_at if coaching else None,
        checkin_times=times,
        checkins=checkins,
        goals=goals,
        notes=recent,
        unread=unread,
        can_act=can_act,
        standing=standing,
        plan=await plan.levels_of(session, client_id=client_id),
    )


async def client_names(
    session: AsyncSession, *, coach_id: int, now: dt.datetime
) -> list[tuple[int, str]]:
    """The clients on the coach's desk with the names the coach knows them by, by name."""
    client_ids = await access.visible_client_ids(session, coach_id=coach_id, now=now)
    names = await _names(session, coach_id=coach_id, client_ids=client_ids)
    return sorted(names.items(), key=lambda item: (item[1].casefold(), item[0]))
