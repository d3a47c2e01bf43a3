"""Who may see what, as a matrix over the rules in bot/services/access.py, on a real database.

Työpaja (org 1) has coaches X and Y and an admin Z who coaches nobody; Verso (org 2) has coach W
and admin V. Clients: A (X's), B (Y's), C (X's, handed over to Y for now), D (X's, coaching
closed yesterday, follow-up running), E (X's, agreement declined), F (transferred from X to Y
yesterday), G (X's, a handover to Y next week), H (X's, closed long ago, follow-up over: the door
only), I (X's, closed with follow-up running, then joined W's coaching at Verso), J (X's, closed
ten days ago without a follow-up: the closing period), K (X's, closed with follow-up running and
handed over to Y for now). P is an employer contact. Besides the rules themselves, the places that
ask them (routing, the morning digest, the caseload, the handover) are checked against the matrix.
"""

from __future__ import annotations

import datetime as dt
from itertools import product

import pytest
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.models import (
    AssignmentKind,
    CoachAssignment,
    Coaching,
    CoachingStatus,
    Membership,
    Person,
    RelayDirection,
    RelayedMessage,
    Role,
)
from bot.runtime.clock import ManualClock
from bot.runtime.db import Database
from bot.services import access, caseload, handover, people, routing, summaries
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
    closed_at: dt.datetime | None = None,
    follow_up_until: dt.datetime | None = None,
) -> None:
    ids[key] = await _person(session, 100 + len(ids), key)
    await people.grant_role(
        session,
        person_id=ids[key],
        organisation_id=organisation_id,
        role=Role.CLIENT,
        now=now - 90 * DAY,
    )
    coaching = Coaching(
        client_id=ids[key],
        organisation_id=organisation_id,
        status=status,
        created_at=now - 60 * DAY,
        closed_at=closed_at,
        follow_up_until=follow_up_until,
    )
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
            closed_at=now - DAY,
            follow_up_until=now + 300 * DAY,
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
        await _client(
            session,
            ids,
            "H",
            org.id,
            now,
            [("X", responsible, since, None)],
            status=CoachingStatus.CLOSED,
            closed_at=now - 800 * DAY,
            follow_up_until=now - DAY,
        )
        await _client(
            session,
            ids,
            "I",
            org.id,
            now,
            [("X", responsible, since, None)],
            status=CoachingStatus.CLOSED,
            closed_at=now - 20 * DAY,
            follow_up_until=now + 300 * DAY,
        )
        verso = await people.ensure_organisation(
            session, name="Verso", now=now, timezone="Europe/Helsinki", locale="en"
        )
        moved = Coaching(
            client_id=ids["I"],
            organisation_id=verso.id or 0,
            status=CoachingStatus.ACTIVE,
            created_at=now - 2 * DAY,
        )
        session.add(moved)
        await session.flush()
        session.add(
            CoachAssignment(
                coaching_id=moved.id or 0,
                client_id=ids["I"],
                coach_id=ids["W"],
                kind=responsible,
                valid_from=now - 2 * DAY,
            )
        )
        await _client(
            session,
            ids,
            "J",
            org.id,
            now,
            [("X", responsible, since, None)],
            status=CoachingStatus.CLOSED,
            closed_at=now - 10 * DAY,
        )
        await _client(
            session,
            ids,
            "K",
            org.id,
            now,
            [("X", responsible, since, None), ("Y", substitute, now - DAY, now + DAY)],
            status=CoachingStatus.CLOSED,
            closed_at=now - 5 * DAY,
            follow_up_until=now + 300 * DAY,
        )
        ids["P"] = await _person(session, 999, "P")
    return ids


COACHES = ["X", "Y", "Z", "W", "V"]
CLIENTS = ["A", "B", "C", "D", "E", "F", "G", "H", "I", "J", "K"]
EVERYONE = COACHES + CLIENTS + ["P"]

# Who may read whom now (besides everyone reading themselves).
READS = {
    ("X", "A"),
    ("X", "C"),
    ("X", "D"),  # follow-up
    ("X", "G"),
    ("X", "J"),  # the closing period
    ("X", "K"),  # follow-up, during a handover
    ("Y", "B"),
    ("Y", "C"),
    ("Y", "F"),
    ("Y", "K"),
    ("W", "I"),  # the new organisation; X no longer
}
# Whose check-ins they read: not in follow-up.
CHECKINS = {pair for pair in READS if pair[1] not in ("D", "J", "K")}
# Who answers whom now (routing): the substitute during a handover, else the responsible coach;
# for a former client whose follow-up ended, their last coach still (the door).
ANSWERS = {
    ("X", "A"),
    ("Y", "C"),
    ("X", "D"),
    ("X", "G"),
    ("Y", "B"),
    ("Y", "F"),
    ("X", "H"),
    ("W", "I"),
    ("X", "J"),
    ("Y", "K"),
}
# Who acts for whom: answers and still sees (the door alone lets one answer, not act).
ACTS = ANSWERS - {("X", "H")}
# A declined coaching (E) makes nobody responsible.
RESPONSIBLE = {
    ("X", "A"),
    ("X", "C"),
    ("X", "D"),
    ("X", "G"),
    ("Y", "B"),
    ("Y", "F"),
    ("X", "H"),
    ("X", "I"),
    ("W", "I"),
    ("X", "J"),
    ("X", "K"),
}


async def test_the_access_matrix(db: Database, clock: ManualClock) -> None:
    now = clock.now()
    ids = await _world(db, now)
    name = {v: k for k, v in ids.items()}
    wrong: list[tuple[str, str, object, object]] = []
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
                got = await access.can_answer_client(
                    session, coach_id=ids[viewer], client_id=ids[subject], now=now
                )
                if got != ((viewer, subject) in ANSWERS):
                    wrong.append(("answers", viewer, subject, got))
                view = await access.view_of(
                    session, viewer_id=ids[viewer], client_id=ids[subject], now=now
                )
                got = view is not None and view.checkins
                if got != ((viewer, subject) in CHECKINS):
                    wrong.append(("checkins", viewer, subject, got))
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


async def test_the_call_sites_of_the_assignment_rules_agree_with_the_matrix(
    db: Database, clock: ManualClock
) -> None:
    """Routing, the morning digest, the caseload and the handover's choice of clients ask the
    rules of assignments (valid now, the substitute answering during a handover) in one place;
    each agrees with the matrix."""
    now = clock.now()
    ids = await _world(db, now)
    name = {v: k for k, v in ids.items()}
    wrong: list[tuple[str, str, object]] = []
    async with db.session() as session:
        for client in CLIENTS:
            answering = await routing.current_coach(session, client_id=ids[client], now=now)
            got = name[answering.id] if answering and answering.id is not None else None
            # Nobody answers for a client who declined the agreement (E).
            expected: list[str | None] = [c for c in COACHES if (c, client) in ANSWERS] or [None]
            if [got] != expected:
                wrong.append(("routing", client, got))
        for coach in COACHES:
            answered = await summaries.clients_answered_for(session, coach_id=ids[coach], now=now)
            expected_ids = sorted(
                ids[c] for c in CLIENTS if (coach, c) in ANSWERS and (coach, c) in READS
            )
            if answered != expected_ids:
                wrong.append(("digest", coach, [name[i] for i in answered]))
            entries = await caseload.caseload(session, coach_id=ids[coach], now=now)
            shown = sorted(entry.client_id for entry in entries)
            if shown != sorted(ids[c] for c in CLIENTS if (coach, c) in READS):
                wrong.append(("caseload", coach, [name[i] for i in shown]))
            own = await handover.own_clients(session, coach_id=ids[coach], now=now)
            expected_ids = sorted(
                ids[c] for c in CLIENTS if (coach, c) in RESPONSIBLE and (coach, c) in READS
            )
            if own != expected_ids:
                wrong.append(("handover", coach, [name[i] for i in own]))
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
    wrong: list[tuple[str, str, object, object]] = []
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


async def test_sight_ends_with_the_follow_up_or_the_closing_period(
    db: Database, clock: ManualClock
) -> None:
    """D's follow-up runs 300 days; J had none, so the closing period (30 days after closing)
    is all; H's ended. After them, only the door: answering, not reading or acting."""
    now = clock.now()
    ids = await _world(db, now)
    async with db.session() as session:
        for client, until in (("D", now + 300 * DAY), ("J", now + 20 * DAY)):
            view = await access.view_of(session, viewer_id=ids["X"], client_id=ids[client], now=now)
            assert view is not None and view.sight == access.Sight.FOLLOW_UP
            assert view.follow_up_until == until
            later = until + dt.timedelta(seconds=1)
            for check in (access.can_read_client, access.can_act_for_client):
                kwargs = (
                    {"viewer_id": ids["X"]}
                    if check is access.can_read_client
                    else {"coach_id": ids["X"]}
                )
                assert not await check(session, client_id=ids[client], now=later, **kwargs)
            assert await access.can_answer_client(
                session, coach_id=ids["X"], client_id=ids[client], now=later
            )


async def test_a_view_holds_only_the_stay_with_its_organisation(
    db: Database, clock: ManualClock
) -> None:
    """I moved from Työpaja (X) to Verso (W): W's view begins with the Verso coaching and holds
    only its coaches' notes and messages; the client's own view holds everything."""
    now = clock.now()
    ids = await _world(db, now)
    async with db.session() as session:
        view = await access.view_of(session, viewer_id=ids["W"], client_id=ids["I"], now=now)
        assert view is not None and view.since == now - 2 * DAY
        assert view.coach_ids == {ids["W"]}

        def message(sender: str, recipient: str, days_ago: int) -> RelayedMessage:
            return RelayedMessage(
                client_id=ids["I"],
                direction=RelayDirection.CLIENT_TO_COACH,
                sender_id=ids[sender],
                recipient_id=ids[recipient],
                source_chat_id=1,
                source_message_id=1,
                created_at=now - days_ago * DAY,
            )

        assert access.holds_message(view, message("I", "W", 1))
        assert not access.holds_message(view, message("I", "X", 30))
        assert not access.holds_message(view, message("I", "X", 1))
        own = access.own_view(ids["I"])
        assert access.holds_message(own, message("I", "X", 30))
        # X, of the first organisation, reads none of it, old or new.
        for sent in (message("I", "X", 30), message("I", "W", 1)):
            assert not await access.can_read_message(
                session, viewer_id=ids["X"], message=sent, now=now
            )


async def test_a_coach_who_left_the_organisation_reads_none_of_its_clients(
    db: Database, clock: ManualClock
) -> None:
    now = clock.now()
    ids = await _world(db, now)
    async with db.session() as session:
        for membership in (
            await session.exec(select(Membership).where(Membership.person_id == ids["X"]))
        ).all():
            membership.active_until = now - DAY
        await session.flush()
        assert await access.visible_client_ids(session, coach_id=ids["X"], now=now) == []
        for client in ("A", "D", "G"):
            assert not await access.can_read_client(
                session, viewer_id=ids["X"], client_id=ids[client], now=now
            )
        # Y, who still works there, is unaffected.
        assert ids["B"] in await access.visible_client_ids(session, coach_id=ids["Y"], now=now)
