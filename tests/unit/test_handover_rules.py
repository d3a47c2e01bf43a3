"""The rules of handovers and transfers, without Telegram: typed days, local days across DST, who
may hand over whom to whom, and where a client's messages go before, during and after.
"""

from __future__ import annotations

import datetime as dt

import pytest

from bot.runtime.db import Database
from bot.services import access, days, flags, handover, notes, people, routing
from bot.services.errors import DomainError
from tests.support.world import add_client, add_coach

NOW = dt.datetime(2026, 3, 2, 7, 0, tzinfo=dt.UTC)  # Monday 09:00 in Helsinki
TODAY = dt.date(2026, 3, 2)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("15.3.2026", dt.date(2026, 3, 15)),
        ("15.3.", dt.date(2026, 3, 15)),
        ("15.3", dt.date(2026, 3, 15)),
        (" 1.3. ", dt.date(2027, 3, 1)),  # without a year: the next such day
        ("2.3.", dt.date(2026, 3, 2)),
        ("15/3/26", dt.date(2026, 3, 15)),
        ("2026-03-15", dt.date(2026, 3, 15)),
        ("31.2.2026", None),
        ("tomorrow", None),
        ("", None),
    ],
)
def test_days_are_read_as_people_type_them(typed: str, expected: dt.date | None) -> None:
    assert handover.parse_date(typed, today=TODAY) == expected


def test_a_day_begins_at_local_midnight_across_dst() -> None:
    # Summer time begins in Finland on Sunday 29 March 2026: that day has 23 hours.
    assert days.start_of_day(dt.date(2026, 3, 29), "Europe/Helsinki") == dt.datetime(
        2026, 3, 28, 22, 0, tzinfo=dt.UTC
    )
    assert days.start_of_day(dt.date(2026, 3, 30), "Europe/Helsinki") == dt.datetime(
        2026, 3, 29, 21, 0, tzinfo=dt.UTC
    )
    until = days.start_of_day(dt.date(2026, 3, 30), "Europe/Helsinki")
    assert days.last_day_before(until, "Europe/Helsinki") == dt.date(2026, 3, 29)


async def test_who_may_hand_over_whom_and_where_messages_go(db: Database) -> None:
    async with db.session() as session:
        kaisa = await add_coach(session, telegram_user_id=1, name="Kaisa", now=NOW)
        matti = await add_coach(session, telegram_user_id=2, name="Matti", now=NOW)
        outsider = await people.add_coach(
            session,
            telegram_user_id=3,
            name="Outi",
            organisation_name="Elsewhere",
            now=NOW,
            timezone="Europe/Helsinki",
            locale="en",
        )
        assert outsider.id is not None
        liisa = await add_client(
            session, coach_id=kaisa, telegram_user_id=11, own_name="L", given_name="Liisa", now=NOW
        )
        cilla = await add_client(
            session, coach_id=matti, telegram_user_id=12, own_name="C", given_name="Cilla", now=NOW
        )
        assert [p.id for p in await handover.colleagues(session, coach_id=kaisa, now=NOW)] == [
            matti
        ]

        def make(**kw: object):  # type: ignore[no-untyped-def]
            values: dict[str, object] = {
                "coach_id": kaisa,
                "substitute_id": matti,
                "client_ids": [liisa],
                "first_day": TODAY,
                "last_day": TODAY + dt.timedelta(days=6),
                "now": NOW,
            }
            values.update(kw)
            return handover.create_handover(session, **values)  # type: ignore[arg-type]

        with pytest.raises(access.AccessDenied):
            await make(client_ids=[cilla])  # not her client
        with pytest.raises(access.AccessDenied):
            await make(substitute_id=outsider.id)  # not a coach of the organisation
        with pytest.raises(access.AccessDenied):
            await make(substitute_id=kaisa)
        with pytest.raises(DomainError):
            await make(first_day=TODAY - dt.timedelta(days=1))
        with pytest.raises(DomainError):
            await make(last_day=TODAY - dt.timedelta(days=1))
        with pytest.raises(DomainError):
            await make(last_day=TODAY + dt.timedelta(days=400))

        made = await make(
            first_day=TODAY + dt.timedelta(days=7), last_day=TODAY + dt.timedelta(days=9)
        )
        with pytest.raises(DomainError):
            await make(last_day=TODAY + dt.timedelta(days=7))  # overlaps its first day
        await make(last_day=TODAY + dt.timedelta(days=6))  # the week before is free

        during = days.start_of_day(TODAY + dt.timedelta(days=8), "Europe/Helsinki")
        after = days.start_of_day(TODAY + dt.timedelta(days=10), "Europe/Helsinki")
        first_hour = made.valid_from + dt.timedelta(hours=1)
        for when, coach in [(NOW, matti), (first_hour, matti), (during, matti), (after, kaisa)]:
            current = await routing.current_coach(session, client_id=liisa, now=when)
            assert current is not None and current.id == coach, when
            # The responsible coach keeps read access; only the one who answers may act.
            assert await access.can_read_client(session, viewer_id=kaisa, client_id=liisa, now=when)
            assert await access.can_act_for_client(
                session, coach_id=kaisa, client_id=liisa, now=when
            ) == (coach == kaisa)

        # Notes: by a coach with the client on their desk, read by the client; nobody else's.
        with pytest.raises(access.AccessDenied):
            await notes.add_note(session, coach_id=kaisa, client_id=cilla, text="x", now=NOW)
        with pytest.raises(access.AccessDenied):
            await notes.add_note(session, coach_id=liisa, client_id=liisa, text="x", now=NOW)
        with pytest.raises(notes.NoteTooLong):
            await notes.add_note(session, coach_id=kaisa, client_id=liisa, text="x" * 2001, now=NOW)
        await notes.add_note(
            session, coach_id=kaisa, client_id=liisa, text="  as written ", now=NOW
        )
        read = await notes.notes_for(session, viewer_id=liisa, client_id=liisa, now=NOW)
        assert [n.text for n in read] == ["  as written "]
        with pytest.raises(access.AccessDenied):
            await notes.notes_for(session, viewer_id=cilla, client_id=liisa, now=NOW)

        # A transfer ends the handovers and moves the client for good.
        moved = await handover.transfer(
            session, from_coach_id=kaisa, to_coach_id=matti, client_ids=None, now=NOW, actor_id=None
        )
        assert [m.client_id for m in moved] == [liisa]
        assert await handover.own_clients(session, coach_id=matti, now=NOW) == [liisa, cilla]
        assert not await access.can_read_client(session, viewer_id=kaisa, client_id=liisa, now=NOW)
        assert await handover.handovers_of(session, coach_id=kaisa, now=NOW) == []
        with pytest.raises(access.AccessDenied):
            await handover.transfer(
                session,
                from_coach_id=matti,
                to_coach_id=outsider.id,
                client_ids=None,
                now=NOW,
                actor_id=None,
            )


@pytest.mark.parametrize(
    ("taken", "until"),
    [
        # Monday 20:31 in Helsinki: until Tuesday 08:00, when the coach is back at work.
        (
            dt.datetime(2026, 3, 2, 18, 31, tzinfo=dt.UTC),
            dt.datetime(2026, 3, 3, 6, 0, tzinfo=dt.UTC),
        ),
        # Tuesday 10:00, in working hours (the coach did not answer): until Wednesday 08:00.
        (
            dt.datetime(2026, 3, 3, 8, 0, tzinfo=dt.UTC),
            dt.datetime(2026, 3, 4, 6, 0, tzinfo=dt.UTC),
        ),
        # Friday 22:00: over the weekend, until Monday 08:00.
        (
            dt.datetime(2026, 3, 6, 20, 0, tzinfo=dt.UTC),
            dt.datetime(2026, 3, 9, 6, 0, tzinfo=dt.UTC),
        ),
        # Saturday 23:50 before summer time begins: Monday 08:00 in summer time.
        (
            dt.datetime(2026, 3, 28, 21, 50, tzinfo=dt.UTC),
            dt.datetime(2026, 3, 30, 5, 0, tzinfo=dt.UTC),
        ),
    ],
)
async def test_a_flag_taken_over_is_covered_until_the_coach_is_back_at_work(
    db: Database, taken: dt.datetime, until: dt.datetime
) -> None:
    async with db.session() as session:
        kaisa = await add_coach(session, telegram_user_id=1, name="Kaisa", now=NOW)
        assert await flags.cover_until(session, coach_id=kaisa, now=taken) == until
