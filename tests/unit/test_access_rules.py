"""Who may see what, as a matrix over the rules in bot/services/access.py, on a real database.

Työpaja (org 1) has coaches X and Y and an admin Z who coaches nobody; Verso (org 2) has coach W
and admin V. Clients: A (X's), B (Y's), C (X's, handed over to Y for now), D (X's, coaching
closed), E (X's, agreement declined), F (transferred from X to Y yesterday), G (X's, a handover
to Y next week). P is an employer contact.
"""

from __future__ import annotations

import datetime as dt
from itertools import product

import pytest
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.clock import ManualClock
from bot.db import Database
from bot.models import (
    AssignmentKind,
    CoachAssignment,
    Coaching,
    CoachingStatus,
    Person,
    RelayDirection,
    RelayedMessage,
    Role,
)
from bot.services import access, people
from bot.services.access import NOT_AVAILABLE, AccessDenied

pytestmark = pytest.mark.asyncio

DAY = dt.timedelta(days=1)


async def _person(session: AsyncSession, tg_id: int, name: str) -> int:
    person = Person(telegram_user_id=tg_id, chat_id=tg_id, display_name=name)
    session.add(person)
    await session.flush()
    assert person.id is not None
    return person.id


async def _client(
    session: AsyncSession,
    ids: dict[str, int],
    key: str,
    organisation_id: int,
    now: dt.datetime,
    assignments: list[tuple[str, AssignmentKind, dt.datetime, dt.datetime | None]],
    status: CoachingStatus = CoachingStatus.ACTIVE,
) -> None:
    ids[key] = await _person(session, 100 + len(ids), key)
    await people.grant_role(
        session,
        person_id=ids[key],
        organisation_id=organisation_id,
        role=Role.CLIENT,
        now=now - 90 * DAY,
    )
    coaching = Coaching(client_id=ids[key], organisation_id=organisation_id, status=status)
    session.add(coaching)
    await session.flush()
    for coach, kind, start, end in assignments:
        session.add(
            CoachAssignment(
                coaching_id=coaching.id or 0,
                client_id=ids[key],
                coach_id=ids[coach],
                kind=kind,
                valid_from=start,
                valid_until=end,
            )
        )
    await session.flush()


async def _world(db: Database, now: dt.datetime) -> dict[str, int]:
    ids: dict[str, int] = {}
    responsible, substitute = AssignmentKind.RESPONSIBLE, AssignmentKind.SUBSTITUTE
    since = now - 30 * DAY
    async with db.session() as session:
        for key, organisation, admin in (
            ("X", "Työpaja", False),
            ("Y", "Työpaja", False),
            ("Z", "Työpaja", True),
            ("W", "Verso", False),
            ("V", "Verso", True),
        ):
            coach = await people.add_coach(
                session,
                telegram_user_id=len(ids) + 1,
                name=key,
                organisation_name=organisation,
                now=now - 90 * DAY,
                timezone="Europe/Helsinki",
                locale="en",
                admin=admin,
            )
            assert coach.id is not None
            ids[key] = coach.id
        org = await people.ensure_organisation(
            session, name="Työpaja", now=now, timezone="Europe/Helsinki", locale="en"
        )
        assert org.id is not None
        await _client(session, ids, "A", org.id, now, [("X", responsible, since, None)])
        await _client(session, ids, "B", org.id, now, [("Y", responsible, since, None)])
        await _client(
            session,
            ids,
            "C",
            org.id,
            now,
            [("X", responsible, since, None), ("Y", substitute, now - DAY, now + DAY)],
        )
        await _client(
            session,
            ids,
            "D",
            org.id,
            now,
            [("X", responsible, since, None)],
            status=CoachingStatus.CLOSED,
        )
        await _client(
            session,
            ids,
            "E",
            org.id,
            now,
            [("X", responsible, since, None)],
            status=CoachingStatus.DECLINED,
        )
        await _client(
            session,
            ids,
            "F",
            org.id,
            now,
            [("X", responsible, since, now - DAY), ("Y", responsible, now - DAY, None)],
        )
        await _client(
            session,
            ids,
            "G",
            org.id,
            now,
            [("X", responsible, since, None), ("Y", substitute, now + 7 * DAY, now + 9 * DAY)],
        )
        ids["P"] = await _person(session, 999, "P")
    return ids


COACHES = ["X", "Y", "Z", "W", "V"]
CLIENTS = ["A", "B", "C", "D", "E", "F", "G"]
EVERYONE = COACHES + CLIENTS + ["P"]

# Who may read whom now (besides everyone reading themselves).
READS = {
    ("X", "A"),
    ("X", "C"),
    ("X", "D"),
    ("X", "G"),
    ("Y", "B"),
    ("Y", "C"),
    ("Y", "F"),
}
# Who acts for whom now: the substitute during a handover, else the responsible coach.
ACTS = {("X", "A"), ("Y", "C"), ("X", "D"), ("X", "G"), ("Y", "B"), ("Y", "F")}
# A declined coaching (E) makes nobody responsible.
RESPONSIBLE = {("X", "A"), ("X", "C"), ("X", "D"), ("X", "G"), ("Y", "B"), ("Y", "F")}


async def test_the_access_matrix(db: Database, clock: ManualClock) -> None:
    now = clock.now()
    ids = await _world(db, now)
    name = {v: k for k, v in ids.items()}
    wrong = []
    async with db.session() as session:
        for viewer, subject in product(EVERYONE, CLIENTS):
            may_read = viewer == subject or (viewer, subject) in READS
            got = await access.can_read_client(
                session, viewer_id=ids[viewer], client_id=ids[subject], now=now
            )
            if got != may_read:
                wrong.append(("read", viewer, subject, got))
            if viewer in COACHES:
                may_act = (viewer, subject) in ACTS
                got = await access.can_act_for_client(
                    session, coach_id=ids[viewer], client_id=ids[subject], now=now
                )
                if got != may_act:
                    wrong.append(("act", viewer, subject, got))
                got = await access.is_responsible(
                    session, coach_id=ids[viewer], client_id=ids[subject], now=now
                )
                if got != ((viewer, subject) in RESPONSIBLE):
                    wrong.append(("responsible", viewer, subject, got))
        for coach in COACHES:
            visible = await access.visible_client_ids(session, coach_id=ids[coach], now=now)
            expected = sorted(ids[c] for c in CLIENTS if (coach, c) in READS)
            if visible != expected:
                wrong.append(("visible", coach, [name[i] for i in visible], None))
        for client in CLIENTS:
            readers = await access.readers_of_client(session, client_id=ids[client], now=now)
            expected = sorted(ids[c] for c in COACHES if (c, client) in READS)
            if readers != expected:
                wrong.append(("readers", client, [name[i] for i in readers], None))
    assert wrong == []


async def test_require_refuses_with_the_translated_answer(db: Database, clock: ManualClock) -> None:
    now = clock.now()
    ids = await _world(db, now)
    async with db.session() as session:
        await access.require_read(session, viewer_id=ids["X"], client_id=ids["A"], now=now)
        await access.require_act(session, coach_id=ids["X"], client_id=ids["A"], now=now)
        for call in (
            access.require_read(session, viewer_id=ids["Z"], client_id=ids["A"], now=now),
            access.require_read(session, viewer_id=ids["B"], client_id=ids["A"], now=now),
            access.require_act(session, coach_id=ids["X"], client_id=ids["C"], now=now),
            access.require_act(session, coach_id=ids["Y"], client_id=ids["A"], now=now),
        ):
            with pytest.raises(AccessDenied) as refused:
                await call
            assert refused.value.user_message == NOT_AVAILABLE
    access.require_own(viewer_id=ids["A"], owner_id=ids["A"])
    with pytest.raises(AccessDenied):
        access.require_own(viewer_id=ids["B"], owner_id=ids["A"])


async def test_handovers_begin_and_end_by_themselves(db: Database, clock: ManualClock) -> None:
    now = clock.now()
    ids = await _world(db, now)
    later = now + 2 * DAY  # C's handover is over; G's has not begun
    next_week = now + 8 * DAY  # G's handover runs
    async with db.session() as session:
        assert await access.can_act_for_client(
            session, coach_id=ids["X"], client_id=ids["C"], now=later
        )
        assert not await access.can_read_client(
            session, viewer_id=ids["Y"], client_id=ids["C"], now=later
        )
        assert await access.can_act_for_client(
            session, coach_id=ids["Y"], client_id=ids["G"], now=next_week
        )
        # The responsible coach keeps read access during a handover.
        assert await access.can_read_client(
            session, viewer_id=ids["X"], client_id=ids["G"], now=next_week
        )
        assert not await access.can_act_for_client(
            session, coach_id=ids["X"], client_id=ids["G"], now=next_week
        )


async def test_admins_manage_the_coaches_of_their_own_organisation(
    db: Database, clock: ManualClock
) -> None:
    now = clock.now()
    ids = await _world(db, now)
    async with db.session() as session:
        assert await access.admin_organisations(session, person_id=ids["Z"], now=now) != []
        assert await access.admin_organisations(session, person_id=ids["X"], now=now) == []
        manages = {
            (admin, coach)
            for admin, coach in product(EVERYONE, COACHES)
            if await access.can_manage_coach(
                session, admin_id=ids[admin], coach_id=ids[coach], now=now
            )
        }
    assert manages == {
        ("Z", "X"),
        ("Z", "Y"),
        ("Z", "Z"),
        ("V", "W"),
        ("V", "V"),
    }


async def test_who_reads_a_relayed_message(db: Database, clock: ManualClock) -> None:
    now = clock.now()
    ids = await _world(db, now)

    def line(client: str, direction: RelayDirection, sender: str, recipient: str) -> RelayedMessage:
        return RelayedMessage(
            client_id=ids[client],
            direction=direction,
            sender_id=ids[sender],
            recipient_id=ids[recipient],
            source_chat_id=1,
            source_message_id=1,
        )

    cases = {
        "A to X": (line("A", RelayDirection.CLIENT_TO_COACH, "A", "X"), {"A", "X"}),
        "X to A": (line("A", RelayDirection.COACH_TO_CLIENT, "X", "A"), {"A", "X"}),
        # Written to X before the transfer: now only the new coach (and F) may read it.
        "F to X, before": (line("F", RelayDirection.CLIENT_TO_COACH, "F", "X"), {"F", "Y"}),
        "P to X about A": (line("A", RelayDirection.EMPLOYER_TO_COACH, "P", "X"), {"P", "X"}),
    }
    async with db.session() as session:
        for label, (message, allowed) in cases.items():
            readers = {
                who
                for who in EVERYONE
                if await access.can_read_message(
                    session, viewer_id=ids[who], message=message, now=now
                )
            }
            assert readers == allowed, label


async def test_who_sees_and_changes_a_clients_goals(db: Database, clock: ManualClock) -> None:
    """A client's goals: the client, the coaches who read them (see) and the coach who acts for
    them now (propose, let go); never an admin who does not coach them, nor an employer."""
    now = clock.now()
    ids = await _world(db, now)
    wrong = []
    async with db.session() as session:
        for viewer, subject in product(EVERYONE, CLIENTS):
            for act, allowed in ((False, READS), (True, ACTS)):
                expected = viewer == subject or (viewer, subject) in allowed
                got = await access.can_touch_goal(
                    session, person_id=ids[viewer], client_id=ids[subject], now=now, act=act
                )
                if got != expected:
                    wrong.append((viewer, subject, act, got))
        with pytest.raises(AccessDenied):
            await access.require_goal(
                session, person_id=ids["P"], client_id=ids["A"], now=now, act=False
            )
    assert wrong == []
