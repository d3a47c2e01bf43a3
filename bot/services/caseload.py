"""The coach's desk: the caseload on one screen and one client's card.

A coach sees exactly the clients access.views gives them, and of each only what their view holds
(bot/services/access.py): those assigned to them and those handed over to them now, in coaching
or in follow-up (then without check-ins). During a handover the responsible coach still sees the
client and learns who answers for them; the substitute learns whom they stand in for. Reading a
card is written to the audit log (who read whose card, no content) and marks the client's
messages read.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TypeVar

from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.models.checkins import Checkin, GotUp, Sleep
from bot.models.coaching import Coaching, CoachingStatus, GoalArea
from bot.models.flags import Flag, FlagStatus
from bot.models.goals import Goal, GoalStatus
from bot.models.messaging import RelayDirection, RelayedMessage, RelayStatus
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
    # In follow-up after the coaching closed: until when (no check-ins are shown then).
    follow_up_until: dt.datetime | None = None


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
    # False in follow-up: the check-ins (and the chart drawn from them) ended with the coaching.
    checkins_shown: bool = True
    follow_up_until: dt.datetime | None = None
    # The organisations through which the coach sees the client (their placements are shown).
    organisation_ids: frozenset[int] = frozenset()


def page_of(items: Sequence[_T], page: int, size: int = PAGE_SIZE) -> tuple[list[_T], int, int]:
    """One page of items: the items, the page number (kept in range) and how many pages."""
    pages = max(1, (len(items) + size - 1) // size)
    page = min(max(page, 0), pages - 1)
    return list(items[page * size : (page + 1) * size]), page, pages


async def require_on_desk(
    session: AsyncSession, *, coach_id: int, client_id: int, now: dt.datetime
) -> access.View:
    """The coach's view of a client on their desk; a refusal for anyone else (a forged or stale
    button, a client whose follow-up ended, a client who moved to another organisation)."""
    view = None
    if client_id != coach_id:
        view = await access.view_of(session, viewer_id=coach_id, client_id=client_id, now=now)
    if view is None:
        raise access.AccessDenied(f"client {client_id} is not on coach {coach_id}'s desk")
    return view


async def _unread(
    session: AsyncSession, *, coach_id: int, views: dict[int, access.View]
) -> dict[int, int]:
    """Unread messages to this coach per client, of what the coach's view of them holds."""
    rows = await session.exec(
        select(RelayedMessage).where(
            RelayedMessage.recipient_id == coach_id,
            RelayedMessage.direction == RelayDirection.CLIENT_TO_COACH,
            col(RelayedMessage.read_at).is_(None),
            col(RelayedMessage.client_id).in_(sorted(views)),
            # A burst's counted stickers and pictures are in its notice, not counted one by one.
            RelayedMessage.status != RelayStatus.SUMMARISED,
        )
    )
    counts: dict[int, int] = defaultdict(int)
    for message in rows.all():
        if access.holds_message(views[message.client_id], message):
            counts[message.client_id] += 1
    return dict(counts)


async def _names(
    session: AsyncSession, *, coach_id: int, client_ids: Sequence[int]
) -> dict[int, str]:
    names = await people.names_as_seen_by(session, viewer_id=coach_id, person_ids=client_ids)
    return {client_id: names.get(client_id) or "?" for client_id in client_ids}


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


def _alike(views: dict[int, access.View]) -> list[tuple[list[int], access.View]]:
    """Clients grouped by what their views let be read of check-ins and flags (the sight and the
    start of the stay), each group with one of its views to draw the line."""
    groups: dict[tuple[bool, dt.datetime | None], list[int]] = defaultdict(list)
    for client_id, view in views.items():
        groups[(view.checkins, view.since)].append(client_id)
    return [(ids, views[ids[0]]) for ids in groups.values()]


async def caseload(
    session: AsyncSession, *, coach_id: int, now: dt.datetime
) -> list[CaseloadEntry]:
    """Every client on the coach's desk, by name: last check-in, open flags, unread messages."""
    views = await access.views(session, coach_id=coach_id, now=now)
    client_ids = sorted(views)
    if not client_ids:
        return []
    names = await _names(session, coach_id=coach_id, client_ids=client_ids)
    last_checkin: dict[int, dt.datetime] = {}
    open_flags: dict[int, int] = {}
    # Clients whose views draw the same line are counted together (usually all of them at once).
    for ids, view in _alike(views):
        last = await session.exec(
            select(Checkin.client_id, func.max(Checkin.answered_at))
            .where(
                col(Checkin.client_id).in_(ids),
                col(Checkin.answered_at).is_not(None),
                access.checkin_clause(view),
            )
            .group_by(col(Checkin.client_id))
        )
        last_checkin.update({client_id: when for client_id, when in last.all() if when})
        flags = await session.exec(
            select(Flag.client_id, func.count())
            .where(
                col(Flag.client_id).in_(ids),
                Flag.status != FlagStatus.DONE,
                access.flag_clause(view),
            )
            .group_by(col(Flag.client_id))
        )
        open_flags.update({client_id: int(n) for client_id, n in flags.all()})
    unread = await _unread(session, coach_id=coach_id, views=views)
    standings = await _standings(session, coach_id=coach_id, client_ids=client_ids, now=now)
    entries = [
        CaseloadEntry(
            client_id=client_id,
            name=names[client_id],
            last_checkin_at=last_checkin.get(client_id),
            open_flags=open_flags.get(client_id, 0),
            unread=unread.get(client_id, 0),
            standing=standings.get(client_id, Standing()),
            follow_up_until=views[client_id].follow_up_until,
        )
        for client_id in client_ids
    ]
    entries.sort(key=lambda e: (e.name.casefold(), e.client_id))
    return entries


async def _coaching(session: AsyncSession, *, view: access.View) -> Coaching | None:
    """The newest coaching through which this coach sees the client now."""
    rows = await session.exec(
        select(Coaching)
        .where(col(Coaching.id).in_(sorted(view.coaching_ids)))
        .order_by(col(Coaching.created_at).desc(), col(Coaching.id).desc())
    )
    return rows.first()


async def open_card(
    session: AsyncSession, *, coach_id: int, client_id: int, now: dt.datetime
) -> ClientCard:
    """A client's card for a coach who may see them; audited, and their messages marked read."""
    view = await require_on_desk(session, coach_id=coach_id, client_id=client_id, now=now)
    coaching = await _coaching(session, view=view)
    name = (await _names(session, coach_id=coach_id, client_ids=[client_id]))[client_id]
    checkin_rows = await session.exec(
        select(Checkin)
        .where(
            Checkin.client_id == client_id,
            col(Checkin.answered_at).is_not(None),
            access.checkin_clause(view),
        )
        .order_by(col(Checkin.due_at).desc(), col(Checkin.id).desc())
        .limit(RECENT_CHECKINS)
    )
    checkins = [
        CheckinLine(due_at=c.due_at, mood=c.mood, sleep=c.sleep, got_up=c.got_up)
        for c in checkin_rows.all()
    ]
    goal_rows = await session.exec(
        select(Goal)
        .where(
            Goal.client_id == client_id,
            col(Goal.status).in_(_ACTIVE_GOALS),
            access.goal_clause(view),
        )
        .order_by(col(Goal.created_at), col(Goal.id))
        .limit(MAX_GOALS)
    )
    goals = [
        GoalLine(area=g.area, title=g.title, status=g.status, target_date=g.target_date)
        for g in goal_rows.all()
    ]
    times = (
        [s.local_time for s in await schedules.schedules_of(session, client_id=client_id)]
        if view.checkins
        else []
    )
    unread = (await _unread(session, coach_id=coach_id, views={client_id: view})).get(client_id, 0)
    standing = (await _standings(session, coach_id=coach_id, client_ids=[client_id], now=now)).get(
        client_id, Standing()
    )
    can_act = await access.can_act_for_client(
        session, coach_id=coach_id, client_id=client_id, now=now
    )
    recent = await notes.notes_about(session, client_id=client_id, view=view, limit=RECENT_NOTES)
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
        plan=await plan.levels_of(session, client_id=client_id, view=view),
        checkins_shown=view.checkins,
        follow_up_until=view.follow_up_until,
        organisation_ids=view.organisation_ids,
    )


async def client_names(
    session: AsyncSession,
    *,
    coach_id: int,
    now: dt.datetime,
    checkins: bool = False,
    views: dict[int, access.View] | None = None,
) -> list[tuple[int, str]]:
    """The clients on the coach's desk with the names the coach knows them by, by name; with
    `checkins`, only those whose check-ins the coach reads (in coaching, not in follow-up).
    `views` are the coach's views when the caller has them already."""
    if views is None:
        views = await access.views(session, coach_id=coach_id, now=now)
    client_ids = [c for c, view in views.items() if view.checkins or not checkins]
    names = await _names(session, coach_id=coach_id, client_ids=client_ids)
    return sorted(names.items(), key=lambda item: (item[1].casefold(), item[0]))
