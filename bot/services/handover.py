"""Handing clients to another coach: for a while (a handover to a substitute) or for good
(a transfer when a coach leaves).

A handover is one substitute assignment row per client, all made together with the same
substitute and the same period; it is named by the id of its first row. The period runs from the
start of its first day to the end of its last day in the organisation's timezone, and ends by
itself: routing sends messages and flags to the substitute only while the row is valid, and the
responsible coach keeps read access. Nothing of the past is overwritten: a cancelled handover ends
now (or, if it had not begun, at its own start), and a transfer ends the old responsible row and
adds a new one.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.models.coaching import (
    AssignmentKind,
    ClientName,
    CoachAssignment,
    Coaching,
    CoachingStatus,
)
from bot.models.people import Membership, Organisation, Person, Role
from bot.models.transport import OutboxMessage, OutboxStatus
from bot.services import access, audit, people
from bot.services.errors import DomainError
from bot.text import dates
from bot.text.i18n import N_

# The longest a handover may run, and how far ahead it may start.
MAX_DAYS = 366
_LIVE = [CoachingStatus.ONBOARDING, CoachingStatus.ACTIVE, CoachingStatus.CLOSED]
_COACH_ROLES = [Role.COACH, Role.ADMIN]

# The outbox keys of a handover's notices, so that a cancel can stop or hurry them.
START_KEY = "handover-start"
END_KEY = "handover-end"
BACK_KEY = "handover-back"
SUBSTITUTE_KEY = "handover-sub"


class HandoverError(DomainError):
    """A handover or transfer that cannot be made as asked; the message says why."""

    def __init__(self, detail: str, user_message: str) -> None:
        super().__init__(detail, user_message=user_message)


OVERLAP = N_(
    "Some of these clients are already handed over on some of these days. "
    "Cancel that handover first: /handover."
)
BAD_DATES = N_("These dates do not work. The last day cannot be before the first day.")
TOO_LONG = N_("A handover can last at most one year. Use /transfer to hand clients over for good.")
PAST = N_("The first day cannot be in the past.")
NO_CLIENTS = N_("You have no clients of your own to hand over.")


@dataclass(frozen=True, slots=True)
class Handover:
    """Clients handed to a substitute for a period; named by its first assignment row's id."""

    id: int
    responsible_id: int | None
    substitute_id: int
    # (client id, assignment row id), by client id.
    rows: tuple[tuple[int, int], ...]
    valid_from: dt.datetime
    valid_until: dt.datetime
    first_day: dt.date
    last_day: dt.date
    timezone: str

    @property
    def client_ids(self) -> tuple[int, ...]:
        return tuple(client_id for client_id, _row in self.rows)

    def started(self, now: dt.datetime) -> bool:
        return self.valid_from <= now


@dataclass(frozen=True, slots=True)
class Cover:
    """Who stands in for whom for one client right now."""

    client_id: int
    substitute_id: int
    responsible_id: int | None
    until: dt.datetime | None


@dataclass(frozen=True, slots=True)
class Transferred:
    """One client moved for good from one coach to another."""

    client_id: int
    from_coach_id: int
    to_coach_id: int


def _valid(now: dt.datetime) -> sa.ColumnElement[bool]:
    return sa.and_(
        col(CoachAssignment.valid_from) <= now,
        sa.or_(col(CoachAssignment.valid_until).is_(None), col(CoachAssignment.valid_until) > now),
    )


def _member_now(now: dt.datetime) -> sa.ColumnElement[bool]:
    return sa.and_(
        col(Membership.active_from) <= now,
        sa.or_(col(Membership.active_until).is_(None), col(Membership.active_until) > now),
    )


# -- days and dates ---------------------------------------------------------------------------


def start_of_day(day: dt.date, timezone: str) -> dt.datetime:
    """The first moment of a local calendar day, in UTC (midnight exists in every zone we use)."""
    local = dt.datetime.combine(day, dt.time(0, 0), tzinfo=ZoneInfo(timezone))
    return local.astimezone(dt.UTC)


def local_day(when: dt.datetime, timezone: str) -> dt.date:
    return when.astimezone(ZoneInfo(timezone)).date()


def last_day_before(until: dt.datetime, timezone: str) -> dt.date:
    """The last local day a period ending at `until` (exclusive) covers."""
    return local_day(until - dt.timedelta(microseconds=1), timezone)


def parse_date(text: str, *, today: dt.date) -> dt.date | None:
    """A date as people type it (15.3., 15.3.2026, 15/3/26, 2026-03-15, 15 Mar); None if unclear.

    Without a year, the next such day from today on. `bot.text.dates.read_date` says why not.
    """
    return dates.read_date(text, today=today).day


# -- who is who -------------------------------------------------------------------------------


async def coach_organisations(
    session: AsyncSession, *, coach_id: int, now: dt.datetime
) -> list[int]:
    """The organisations in which the person works as a coach now."""
    rows = await session.exec(
        select(Membership.organisation_id).where(
            Membership.person_id == coach_id,
            col(Membership.role).in_(_COACH_ROLES),
            _member_now(now),
        )
    )
    return sorted(set(rows.all()))


async def is_coach_in(
    session: AsyncSession, *, person_id: int, organisation_id: int, now: dt.datetime
) -> bool:
    rows = await session.exec(
        select(Membership.id).where(
            Membership.person_id == person_id,
            Membership.organisation_id == organisation_id,
            Membership.role == Role.COACH,
            _member_now(now),
        )
    )
    return rows.first() is not None


async def colleagues(session: AsyncSession, *, coach_id: int, now: dt.datetime) -> list[Person]:
    """The other coaches of the coach's organisations, by name."""
    organisations = await coach_organisations(session, coach_id=coach_id, now=now)
    if not organisations:
        return []
    rows = await session.exec(
        select(Person)
        .join(Membership, col(Membership.person_id) == col(Person.id))
        .where(
            col(Membership.organisation_id).in_(organisations),
            Membership.role == Role.COACH,
            _member_now(now),
            Person.id != coach_id,
            col(Person.forgotten_at).is_(None),
        )
        .distinct()
    )
    found = list(rows.all())
    found.sort(key=lambda p: ((p.display_name or "").casefold(), p.id or 0))
    return found


async def organisation_timezone(session: AsyncSession, *, coach_id: int, now: dt.datetime) -> str:
    """The timezone whose days a coach's handovers are counted in."""
    organisation_id = await people.coach_organisation_id(session, coach_id=coach_id, now=now)
    organisation = (
        await session.get(Organisation, organisation_id) if organisation_id is not None else None
    )
    if organisation is not None:
        return organisation.timezone
    person = await session.get(Person, coach_id)
    return person.timezone if person is not None else "Europe/Helsinki"


async def _responsible_rows(
    session: AsyncSession, *, coach_id: int, now: dt.datetime
) -> list[tuple[CoachAssignment, Coaching]]:
    rows = await session.exec(
        select(CoachAssignment, Coaching)
        .join(Coaching, col(Coaching.id) == col(CoachAssignment.coaching_id))
        .where(
            CoachAssignment.coach_id == coach_id,
            CoachAssignment.kind == AssignmentKind.RESPONSIBLE,
            _valid(now),
            col(Coaching.status).in_(_LIVE),
        )
        .order_by(col(CoachAssignment.client_id))
    )
    return [(a, c) for a, c in rows.all()]


async def own_clients(session: AsyncSession, *, coach_id: int, now: dt.datetime) -> list[int]:
    """The clients this coach is responsible for now (whom they may hand over or transfer)."""
    visible = set(await access.visible_client_ids(session, coach_id=coach_id, now=now))
    rows = await _responsible_rows(session, coach_id=coach_id, now=now)
    return sorted({a.client_id for a, _c in rows if a.client_id in visible})


async def copy_client_names(
    session: AsyncSession, *, from_coach_id: int, to_coach_id: int, client_id: int, now: dt.datetime
) -> None:
    """Give the other coach the name this coach knows the client by, unless they have one."""
    existing = await session.exec(
        select(ClientName.id).where(
            ClientName.coach_id == to_coach_id, ClientName.client_id == client_id
        )
    )
    if existing.first() is not None:
        return
    name = (
        await session.exec(
            select(ClientName.name).where(
                ClientName.coach_id == from_coach_id, ClientName.client_id == client_id
            )
        )
    ).first()
    if name:
        session.add(
            ClientName(
                coach_id=to_coach_id,
                client_id=client_id,
                name=name,
                created_at=now,
                updated_at=now,
            )
        )
        await session.flush()


# -- handovers ----------------------------------------------------------------------------------


async def _overlapping(
    session: AsyncSession,
    *,
    client_ids: Sequence[int],
    valid_from: dt.datetime,
    valid_until: dt.datetime,
) -> bool:
    rows = await session.exec(
        select(CoachAssignment.id).where(
            col(CoachAssignment.client_id).in_(list(client_ids)),
            CoachAssignment.kind == AssignmentKind.SUBSTITUTE,
            col(CoachAssignment.valid_from) < valid_until,
            sa.or_(
                col(CoachAssignment.valid_until).is_(None),
                sa.and_(
                    col(CoachAssignment.valid_until) > valid_from,
                    # A handover cancelled before it began is an empty period.
                    col(CoachAssignment.valid_until) > col(CoachAssignment.valid_from),
                ),
            ),
        )
    )
    return rows.first() is not None


async def create_handover(
    session: AsyncSession,
    *,
    coach_id: int,
    substitute_id: int,
    client_ids: Sequence[int] | None,
    first_day: dt.date,
    last_day: dt.date,
    now: dt.datetime,
) -> Handover:
    """Hand the coach's clients (all of them when `client_ids` is None) to a substitute coach of
    the same organisation from the start of `first_day` to the end of `last_day`."""
    timezone = await organisation_timezone(session, coach_id=coach_id, now=now)
    today = local_day(now, timezone)
    if first_day < today:
        raise HandoverError("handover starting in the past", PAST)
    if last_day < first_day:
        raise HandoverError("handover ending before it starts", BAD_DATES)
    if (last_day - first_day).days >= MAX_DAYS or (first_day - today).days > MAX_DAYS:
        raise HandoverError("handover too long or too far ahead", TOO_LONG)
    if substitute_id == coach_id:
        raise access.AccessDenied("a coach cannot stand in for themself")
    rows = await _responsible_rows(session, coach_id=coach_id, now=now)
    own = {a.client_id: c for a, c in rows}
    chosen = sorted(own) if client_ids is None else sorted(set(client_ids))
    if not chosen:
        raise HandoverError("no clients to hand over", NO_CLIENTS)
    for client_id in chosen:
        coaching = own.get(client_id)
        if coaching is None:
            raise access.AccessDenied(f"coach {coach_id} is not responsible for {client_id}")
        if not await is_coach_in(
            session, person_id=substitute_id, organisation_id=coaching.organisation_id, now=now
        ):
            raise access.AccessDenied(f"person {substitute_id} is no coach of the organisation")
    valid_from = start_of_day(first_day, timezone)
    valid_until = start_of_day(last_day + dt.timedelta(days=1), timezone)
    if await _overlapping(
        session, client_ids=chosen, valid_from=valid_from, valid_until=valid_until
    ):
        raise HandoverError("overlapping handover", OVERLAP)
    created: list[CoachAssignment] = []
    for client_id in chosen:
        coaching = own[client_id]
        assert coaching.id is not None
        row = CoachAssignment(
            coaching_id=coaching.id,
            client_id=client_id,
            coach_id=substitute_id,
            kind=AssignmentKind.SUBSTITUTE,
            valid_from=valid_from,
            valid_until=valid_until,
            created_by_id=coach_id,
            # The clients' notices are queued now for these times
            # (see bot/messages/handover_notices.py).
            announced_at=max(valid_from, now),
            end_announced_at=valid_until,
            created_at=now,
        )
        session.add(row)
        created.append(row)
        await copy_client_names(
            session, from_coach_id=coach_id, to_coach_id=substitute_id, client_id=client_id, now=now
        )
    await session.flush()
    first_id = created[0].id
    assert first_id is not None
    await audit.record(
        session,
        event="handover.created",
        now=now,
        actor_id=coach_id,
        object_type="coach_assignment",
        object_id=first_id,
        details={
            "substitute_id": substitute_id,
            "client_ids": chosen,
            "valid_from": valid_from.isoformat(),
            "valid_until": valid_until.isoformat(),
        },
    )
    return Handover(
        id=first_id,
        responsible_id=coach_id,
        substitute_id=substitute_id,
        rows=tuple(sorted((row.client_id, row.id or 0) for row in created)),
        valid_from=valid_from,
        valid_until=valid_until,
        first_day=first_day,
        last_day=last_day,
        timezone=timezone,
    )


def _group(rows: Sequence[CoachAssignment], timezone: str) -> list[Handover]:
    groups: dict[tuple[int | None, int, dt.datetime, dt.datetime], list[CoachAssignment]] = {}
    for row in rows:
        assert row.valid_until is not None
        key = (row.created_by_id, row.coach_id, row.valid_from, row.valid_until)
        groups.setdefault(key, []).append(row)
    found = []
    for (responsible_id, substitute_id, valid_from, valid_until), members in groups.items():
        members.sort(key=lambda r: r.id or 0)
        assert members[0].id is not None
        found.append(
            Handover(
                id=members[0].id,
                responsible_id=responsible_id,
                substitute_id=substitute_id,
                rows=tuple(sorted((m.client_id, m.id or 0) for m in members)),
                valid_from=valid_from,
                valid_until=valid_until,
                first_day=local_day(valid_from, timezone),
                last_day=last_day_before(valid_until, timezone),
                timezone=timezone,
            )
        )
    found.sort(key=lambda h: (h.valid_from, h.id))
    return found


async def handovers_of(session: AsyncSession, *, coach_id: int, now: dt.datetime) -> list[Handover]:
    """The handovers this coach made or stands in for, that have not ended."""
    timezone = await organisation_timezone(session, coach_id=coach_id, now=now)
    rows = await session.exec(
        select(CoachAssignment).where(
            CoachAssignment.kind == AssignmentKind.SUBSTITUTE,
            sa.or_(
                col(CoachAssignment.created_by_id) == coach_id,
                col(CoachAssignment.coach_id) == coach_id,
            ),
            col(CoachAssignment.valid_until) > now,
            col(CoachAssignment.valid_until) > col(CoachAssignment.valid_from),
        )
    )
    return _group(list(rows.all()), timezone)


async def _members(session: AsyncSession, *, first: CoachAssignment) -> list[CoachAssignment]:
    rows = await session.exec(
        select(CoachAssignment).where(
            CoachAssignment.kind == AssignmentKind.SUBSTITUTE,
            CoachAssignment.created_by_id == first.created_by_id,
            CoachAssignment.coach_id == first.coach_id,
            CoachAssignment.valid_from == first.valid_from,
            CoachAssignment.valid_until == first.valid_until,
        )
    )
    return list(rows.all())


async def _stop_notices(
    session: AsyncSession, *, keys: Sequence[str], now: dt.datetime, hurry: bool
) -> None:
    """Cancel a handover's notices still waiting in the outbox, or (hurry) send them now."""
    if not keys:
        return
    waiting = sa.update(OutboxMessage).where(col(OutboxMessage.dedup_key).in_(list(keys)))
    if hurry:
        stmt = waiting.where(col(OutboxMessage.status) == OutboxStatus.PENDING).values(
            not_before=now
        )
    else:
        stmt = waiting.where(
            col(OutboxMessage.status).in_([OutboxStatus.PENDING, OutboxStatus.HELD])
        ).values(status=OutboxStatus.CANCELLED, last_error="handover cancelled")
    await session.exec(stmt)


async def _end_rows(
    session: AsyncSession, *, rows: Sequence[CoachAssignment], now: dt.datetime
) -> None:
    """End substitute rows now; one that has not begun becomes an empty period at its start."""
    for row in rows:
        row.valid_until = now if row.valid_from <= now else row.valid_from
        row.end_announced_at = now if row.valid_from <= now else None
        if row.valid_from > now:
            row.announced_at = None
    await session.flush()


async def cancel_handover(
    session: AsyncSession, *, coach_id: int, handover_id: int, now: dt.datetime
) -> tuple[Handover, bool]:
    """End a handover the coach made; returns it (as it was) and whether it had begun.

    A handover that had begun ends now and its clients are told at once that their coach is
    back; one that had not begun is called off and its clients are never told of it.
    """
    first = await session.get(CoachAssignment, handover_id)
    if (
        first is None
        or first.kind != AssignmentKind.SUBSTITUTE
        or first.created_by_id != coach_id
        or first.valid_until is None
    ):
        raise access.AccessDenied(f"coach {coach_id} did not make handover {handover_id}")
    if first.valid_until <= now or first.valid_until <= first.valid_from:
        raise HandoverError(
            "handover already over", N_("This handover has already ended or was cancelled.")
        )
    timezone = await organisation_timezone(session, coach_id=coach_id, now=now)
    members = await _members(session, first=first)
    [handover] = _group(members, timezone)
    began = handover.started(now)
    keys = [f"{START_KEY}:{m.id}" for m in members] + [f"{BACK_KEY}:{handover.id}"]
    end_keys = [f"{END_KEY}:{m.id}" for m in members]
    if began:
        await _stop_notices(session, keys=[f"{BACK_KEY}:{handover.id}"], now=now, hurry=False)
        await _stop_notices(session, keys=end_keys, now=now, hurry=True)
    else:
        await _stop_notices(session, keys=keys + end_keys, now=now, hurry=False)
    await _end_rows(session, rows=members, now=now)
    await audit.record(
        session,
        event="handover.cancelled",
        now=now,
        actor_id=coach_id,
        object_type="coach_assignment",
        object_id=handover.id,
        details={"client_ids": list(handover.client_ids), "began": began},
    )
    return handover, began


async def current_covers(
    session: AsyncSession, *, client_ids: Sequence[int], now: dt.datetime
) -> dict[int, Cover]:
    """For each client in a handover now: who stands in, for whom, until when."""
    if not client_ids:
        return {}
    rows = await session.exec(
        select(CoachAssignment).where(
            col(CoachAssignment.client_id).in_(list(client_ids)),
            _valid(now),
            col(CoachAssignment.coaching_id).in_(
                select(Coaching.id).where(col(Coaching.status).in_(_LIVE))
            ),
        )
    )
    substitutes: dict[int, CoachAssignment] = {}
    responsible: dict[int, int] = {}
    for row in rows.all():
        if row.kind == AssignmentKind.SUBSTITUTE:
            current = substitutes.get(row.client_id)
            if current is None or row.valid_from > current.valid_from:
                substitutes[row.client_id] = row
        else:
            responsible[row.client_id] = row.coach_id
    return {
        client_id: Cover(
            client_id=client_id,
            substitute_id=row.coach_id,
            responsible_id=responsible.get(client_id),
            until=row.valid_until,
        )
        for client_id, row in substitutes.items()
    }


# -- covering an urgent flag ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FlagCover:
    """A backup who took an escalated flag over: they stand in for the client's coach until."""

    row_id: int  # the substitute row, which names it as a handover of one client
    client_id: int
    covered_id: int  # the coach they stand in for
    substitute_id: int
    valid_until: dt.datetime


async def _answering_coaching(session: AsyncSession, *, client_id: int) -> Coaching | None:
    """The coaching through which the client is answered: the newest open one, else the newest
    closed one (as routing decides)."""
    rows = (
        await session.exec(
            select(Coaching).where(Coaching.client_id == client_id, col(Coaching.status).in_(_LIVE))
        )
    ).all()
    if not rows:
        return None
    return min(
        rows,
        key=lambda c: (
            c.status == CoachingStatus.CLOSED,
            -c.created_at.timestamp(),
            -(c.id or 0),
        ),
    )


async def cover_for_flag(
    session: AsyncSession,
    *,
    client_id: int,
    covered_id: int,
    substitute_id: int,
    until: dt.datetime,
    flag_id: int,
    now: dt.datetime,
) -> FlagCover | None:
    """The backup (or an admin) who took an escalated flag stands in for the client's coach from
    now until `until`: the client's messages and flags go to them, and they see what a
    substitute sees. It is a handover of the covered coach's (who may end it sooner with
    /handover), and it ends by itself. None when there is nobody to cover or no coaching."""
    if substitute_id in (covered_id, client_id) or until <= now:
        return None
    coaching = await _answering_coaching(session, client_id=client_id)
    if coaching is None or coaching.id is None:
        return None
    row = CoachAssignment(
        coaching_id=coaching.id,
        client_id=client_id,
        coach_id=substitute_id,
        kind=AssignmentKind.SUBSTITUTE,
        valid_from=now,
        valid_until=until,
        created_by_id=covered_id,
        reason=f"flag {flag_id}",
        # The client's notices are queued now for these times (see bot/messages/flag_notices.py).
        announced_at=now,
        end_announced_at=until,
        created_at=now,
    )
    session.add(row)
    await session.flush()
    assert row.id is not None
    await copy_client_names(
        session, from_coach_id=covered_id, to_coach_id=substitute_id, client_id=client_id, now=now
    )
    await audit.record(
        session,
        event="flag.taken_over",
        now=now,
        actor_id=substitute_id,
        subject_id=client_id,
        organisation_id=coaching.organisation_id,
        object_type="coach_assignment",
        object_id=row.id,
        details={
            "flag_id": flag_id,
            "covered_id": covered_id,
            "valid_until": until.isoformat(),
        },
    )
    return FlagCover(
        row_id=row.id,
        client_id=client_id,
        covered_id=covered_id,
        substitute_id=substitute_id,
        valid_until=until,
    )


# -- transfers ------------------------------------------------------------------------------------


async def transfer(
    session: AsyncSession,
    *,
    from_coach_id: int,
    to_coach_id: int,
    client_ids: Sequence[int] | None,
    now: dt.datetime,
    actor_id: int | None,
) -> list[Transferred]:
    """Move clients of one coach (all of them when `client_ids` is None) to another coach of the
    same organisation for good: the old responsible row ends now and a new one begins.

    A handover of these clients that is running or planned ends with it: the new coach answers.
    The caller checks that the actor may do this (the coach themself, or an admin).
    """
    if from_coach_id == to_coach_id:
        raise access.AccessDenied("a transfer to the same coach")
    rows = await _responsible_rows(session, coach_id=from_coach_id, now=now)
    own = {a.client_id: (a, c) for a, c in rows}
    chosen = sorted(own) if client_ids is None else sorted(set(client_ids))
    if not chosen:
        raise HandoverError(
            "no clients to transfer", N_("There are no clients of your own to transfer.")
        )
    for client_id in chosen:
        if client_id not in own:
            raise access.AccessDenied(f"coach {from_coach_id} is not responsible for {client_id}")
        _assignment, coaching = own[client_id]
        if not await is_coach_in(
            session, person_id=to_coach_id, organisation_id=coaching.organisation_id, now=now
        ):
            raise access.AccessDenied(f"person {to_coach_id} is no coach of the organisation")
    moved: list[Transferred] = []
    for client_id in chosen:
        assignment, coaching = own[client_id]
        assert coaching.id is not None
        await _end_handovers_of(session, client_id=client_id, now=now)
        assignment.valid_until = now
        await session.flush()
        session.add(
            CoachAssignment(
                coaching_id=coaching.id,
                client_id=client_id,
                coach_id=to_coach_id,
                kind=AssignmentKind.RESPONSIBLE,
                valid_from=now,
                created_by_id=actor_id,
                announced_at=now,
                created_at=now,
            )
        )
        await copy_client_names(
            session,
            from_coach_id=from_coach_id,
            to_coach_id=to_coach_id,
            client_id=client_id,
            now=now,
        )
        await audit.record(
            session,
            event="client.transferred",
            now=now,
            actor_id=actor_id,
            subject_id=client_id,
            organisation_id=coaching.organisation_id,
            object_type="coaching",
            object_id=coaching.id,
            details={"from_coach_id": from_coach_id, "to_coach_id": to_coach_id},
        )
        moved.append(
            Transferred(client_id=client_id, from_coach_id=from_coach_id, to_coach_id=to_coach_id)
        )
    await session.flush()
    return moved


async def _end_handovers_of(session: AsyncSession, *, client_id: int, now: dt.datetime) -> None:
    """End the client's running or planned handovers and call off their notices."""
    rows = await session.exec(
        select(CoachAssignment).where(
            CoachAssignment.client_id == client_id,
            CoachAssignment.kind == AssignmentKind.SUBSTITUTE,
            col(CoachAssignment.valid_until) > now,
            col(CoachAssignment.valid_until) > col(CoachAssignment.valid_from),
        )
    )
    found = list(rows.all())
    if not found:
        return
    # A handover's notice to its coach is keyed by its first row: one of these rows.
    keys = [f"{key}:{row.id}" for row in found for key in (START_KEY, END_KEY, BACK_KEY)]
    await _stop_notices(session, keys=keys, now=now, hurry=False)
    await _end_rows(session, rows=found, now=now)


async def find_client_by_name(
    session: AsyncSession, *, coach_id: int, name: str, now: dt.datetime
) -> list[int]:
    """The coach's own clients known to them by this name (case does not matter)."""
    wanted = name.strip().casefold()
    found = []
    for client_id in await own_clients(session, coach_id=coach_id, now=now):
        known = await people.name_as_seen_by(session, viewer_id=coach_id, person_id=client_id)
        if known is not None and known.strip().casefold() == wanted:
            found.append(client_id)
    return found
