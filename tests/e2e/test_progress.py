"""Pictures of progress, end to end: /progress sends a client their own last four weeks (or their
days ahead before the first check-in) as a PNG titled in their language; a coach gets a client's
chart from the card and nobody else's; /caseload draws every client's last 14 days, 40 of them
too.
"""

from __future__ import annotations

import datetime as dt
import io

import pytest
from PIL import Image
from sqlmodel import select

from bot.devtools.harness import Harness
from bot.messages.charts import data, render
from bot.messages.charts.data import CellState
from bot.models.audit import AuditEvent
from bot.models.checkins import Checkin, CheckinPause, CheckinSchedule, CheckinStatus, GotUp
from bot.models.coaching import GoalArea
from bot.models.flags import Flag, FlagKind
from bot.models.goals import Goal, GoalEvent, GoalEventKind, GoalStatus
from bot.models.people import Person
from bot.runtime.clock import ManualClock
from bot.sandbox import SandboxMessage, SandboxUser
from bot.services.access import AccessDenied
from tests.support.desk_world import Desk, add_client, build, labels, press, say, texts

pytestmark = pytest.mark.asyncio

# The clock starts on Monday 2 March 2026 at 09:00 in Helsinki.
GOT_UP = [GotUp.YES, GotUp.YES, GotUp.LATER, GotUp.YES, GotUp.NO]


@pytest.fixture
async def desk(harness: Harness, clock: ManualClock) -> Desk:
    return await build(harness, clock.now())


async def seed_four_weeks(harness: Harness, client_id: int, now: dt.datetime) -> None:
    """28 days of check-ins at 08:00 Helsinki (every fifth missed, today's still open), goal
    steps, a reached goal and a flag."""
    async with harness.db.session() as session:
        for n in range(28):
            due = now - dt.timedelta(days=27 - n, hours=1)
            today = n == 27
            missed = n % 5 == 4
            answered = not missed and not today
            session.add(
                Checkin(
                    client_id=client_id,
                    due_at=due,
                    window_ends_at=due + dt.timedelta(hours=12),
                    status=(
                        CheckinStatus.SENT
                        if today
                        else CheckinStatus.MISSED
                        if missed
                        else CheckinStatus.ANSWERED
                    ),
                    sent_at=due,
                    answered_at=due + dt.timedelta(minutes=3) if answered else None,
                    mood=1 + n % 5 if answered else None,
                    got_up=GOT_UP[n % 5] if answered else None,
                )
            )
        goal = Goal(
            client_id=client_id,
            area=GoalArea.EVERYDAY_LIFE,
            title="Up at eight",
            status=GoalStatus.REACHED,
            reached_at=now - dt.timedelta(days=3),
        )
        session.add(goal)
        await session.flush()
        assert goal.id is not None
        for days_ago in (20, 13, 12, 6, 4):
            session.add(
                GoalEvent(
                    goal_id=goal.id,
                    kind=GoalEventKind.STEP_DONE,
                    created_at=now - dt.timedelta(days=days_ago),
                )
            )
        session.add(
            GoalEvent(
                goal_id=goal.id, kind=GoalEventKind.REACHED, created_at=now - dt.timedelta(days=3)
            )
        )
        session.add(
            Flag(client_id=client_id, kind=FlagKind.LOW_MOOD, raised_at=now - dt.timedelta(days=2))
        )


async def set_locale(harness: Harness, person_id: int, locale: str) -> None:
    async with harness.db.session() as session:
        person = await session.get(Person, person_id)
        assert person is not None
        person.locale = locale


def photo(harness: Harness, message: SandboxMessage | None) -> Image.Image:
    """The PNG a photo message carries, decoded."""
    assert message is not None and message.kind == "photo", message
    assert message.file_id is not None
    stored = harness.sandbox.state.files.get(message.file_id)
    assert stored is not None
    image = Image.open(io.BytesIO(stored.data))
    assert image.format == "PNG"
    return image


def photo_bytes(harness: Harness, message: SandboxMessage | None) -> bytes:
    assert message is not None and message.file_id is not None
    stored = harness.sandbox.state.files.get(message.file_id)
    assert stored is not None
    return stored.data


async def progress(harness: Harness, user: SandboxUser) -> SandboxMessage:
    before = len(user.bot_messages())
    await say(harness, user, "/progress")
    new = user.bot_messages()[before:]
    assert len(new) == 1, texts(new)
    return new[0]


@pytest.mark.parametrize(
    ("locale", "title"),
    [
        ("fi", "Sinun neljä viime viikkoasi: 3.2.2026 – 2.3.2026"),
        ("sv", "Dina fyra senaste veckor: 3.2.2026 – 2.3.2026"),
        ("en", "Your last four weeks: 3 Feb 2026 – 2 Mar 2026"),
    ],
)
async def test_progress_is_a_png_of_four_weeks_in_the_clients_language(
    harness: Harness, desk: Desk, clock: ManualClock, locale: str, title: str
) -> None:
    await seed_four_weeks(harness, desk.ids["pekka"], clock.now())
    await set_locale(harness, desk.ids["pekka"], locale)

    sent = await progress(harness, desk.pekka)
    image = photo(harness, sent)
    assert sent.caption == title
    assert image.info["Title"] == title
    assert image.width >= 800 and image.height > image.width / 2


@pytest.mark.parametrize(
    ("locale", "title"),
    [
        ("en", "Your last four weeks: 3 Feb 2026 – 2 Mar 2026"),
        ("sv", "Dina fyra senaste veckor: 3.2.2026 – 2.3.2026"),
    ],
)
async def test_a_client_who_just_started_gets_the_days_ahead(
    harness: Harness, desk: Desk, clock: ManualClock, locale: str, title: str
) -> None:
    liisa = desk.ids["liisa"]
    await set_locale(harness, liisa, locale)
    async with harness.db.session() as session:
        session.add(CheckinSchedule(client_id=liisa, local_time=dt.time(10, 0), weekdays="135"))
        session.add(
            CheckinPause(
                client_id=liisa,
                starts_on=dt.date(2026, 3, 9),
                ends_on=dt.date(2026, 3, 9),
            )
        )

    sent = await progress(harness, desk.liisa)
    image = photo(harness, sent)
    assert (sent.caption, image.info["Title"]) == (title, title)
    assert image.width >= 800

    async with harness.db.session() as session:
        seen = await data.client_progress(
            session, viewer_id=liisa, client_id=liisa, now=clock.now()
        )
    assert not seen.started and seen.has_schedule
    # Monday, Wednesday and Friday for two weeks, but not the paused Monday.
    assert [d.isoformat() for d in seen.ahead] == [
        "2026-03-02",
        "2026-03-04",
        "2026-03-06",
        "2026-03-11",
        "2026-03-13",
    ]


async def test_progress_shows_the_clients_own_data_only(
    harness: Harness, desk: Desk, clock: ManualClock
) -> None:
    await seed_four_weeks(harness, desk.ids["pekka"], clock.now())
    liisa = desk.ids["liisa"]

    # Whatever follows the command, it is the client's own chart.
    await say(harness, desk.liisa, f"/progress {desk.ids['pekka']}")
    sent = desk.liisa.last_bot_message()
    assert sent is not None and sent.caption == "Your last four weeks: 3 Feb 2026 – 2 Mar 2026"
    async with harness.db.session() as session:
        own = await data.client_progress(session, viewer_id=liisa, client_id=liisa, now=clock.now())
        with pytest.raises(AccessDenied):
            await data.client_progress(
                session, viewer_id=liisa, client_id=desk.ids["pekka"], now=clock.now()
            )
    assert not own.started
    assert all(d.due == d.steps_done == d.goals_reached == 0 for d in own.days)
    assert photo_bytes(harness, sent) == render.progress_picture(own, "en").png

    # Pekka's own chart holds his four weeks.
    async with harness.db.session() as session:
        pekka = await data.client_progress(
            session, viewer_id=desk.ids["pekka"], client_id=desk.ids["pekka"], now=clock.now()
        )
    assert pekka.started and pekka.name is None
    assert sum(d.due for d in pekka.days) == 28
    assert sum(d.answered for d in pekka.days) == 22
    assert sum(d.steps_done for d in pekka.days) == 5
    assert sum(d.goals_reached for d in pekka.days) == 1
    assert pekka.days[0].mood == 1 and pekka.days[0].got_up == GotUp.YES
    assert pekka.days[4].mood is None  # missed

    # A coach is pointed to the card; a stranger learns how to get in.
    [hint] = await say(harness, desk.kaisa, "/progress")
    assert (hint.text or "").startswith("/progress is for clients.")


async def test_the_coach_gets_a_clients_chart_from_the_card(
    harness: Harness, desk: Desk, clock: ManualClock
) -> None:
    await seed_four_weeks(harness, desk.ids["pekka"], clock.now())
    await say(harness, desk.kaisa, "/clients")
    await press(harness, desk.kaisa, "👤 Pekka 🚩")
    card = desk.kaisa.bot_messages()[-1]
    assert "📈 Chart" in labels(card)

    await press(harness, desk.kaisa, "📈 Chart")
    sent = desk.kaisa.last_bot_message()
    image = photo(harness, sent)
    title = "Pekka, the last four weeks: 3 Feb 2026 – 2 Mar 2026"
    assert sent is not None and sent.caption == title
    assert image.info["Title"] == title and image.width >= 800
    assert desk.kaisa.callback_answers[-1].text is None
    async with harness.db.session() as session:
        events = (
            await session.exec(select(AuditEvent).where(AuditEvent.event == "client.progress_read"))
        ).all()
    assert [(e.actor_id, e.subject_id) for e in events] == [(desk.ids["kaisa"], desk.ids["pekka"])]


async def test_a_forged_chart_button_is_refused(
    harness: Harness, desk: Desk, clock: ManualClock
) -> None:
    await seed_four_weeks(harness, desk.ids["cilla"], clock.now())
    await say(harness, desk.kaisa, "/clients")
    for forged in (
        f"ch:c:{desk.ids['cilla']}",
        f"ch:c:{desk.ids['kaisa']}",
        "ch:c:999999",
    ):
        before = len(desk.kaisa.bot_messages())
        await press(harness, desk.kaisa, data=forged)
        new = desk.kaisa.bot_messages()[before:]
        assert texts(new) == "This is not available to you.", forged
        assert all(m.kind == "text" for m in new)
    # A client cannot use the coach's button either, not even for themself.
    for forged in (f"ch:c:{desk.ids['cilla']}", f"ch:c:{desk.ids['liisa']}"):
        await say(harness, desk.liisa, "/progress")
        before = len(desk.liisa.bot_messages())
        await press(harness, desk.liisa, data=forged, message=desk.liisa.last_bot_message())
        new = desk.liisa.bot_messages()[before:]
        assert texts(new) == "This is not available to you.", forged
    async with harness.db.session() as session:
        events = (
            await session.exec(select(AuditEvent).where(AuditEvent.event == "client.progress_read"))
        ).all()
    assert events == []
    await press(harness, desk.kaisa, data="ch:zz")
    assert desk.kaisa.callback_answers[-1].text == "This button no longer works."


async def test_the_caseload_picture_draws_forty_clients(
    harness: Harness, desk: Desk, clock: ManualClock
) -> None:
    now = clock.now()
    ids = []
    async with harness.db.session() as session:
        for n in range(40):
            ids.append(
                await add_client(
                    session,
                    coach_id=desk.ids["matti"],
                    telegram_user_id=8_900_000 + n,
                    own_name=f"Person {n}",
                    given_name=f"Client {n:02d}",
                    now=now - dt.timedelta(days=20),
                )
            )
        # Client 00 answered yesterday, missed the day before, was flagged three days ago and
        # paused four days ago; today's check-in waits for an answer.
        first = ids[0]
        for days_ago, status in [
            (0, CheckinStatus.SENT),
            (1, CheckinStatus.ANSWERED),
            (2, CheckinStatus.MISSED),
            (3, CheckinStatus.ANSWERED),
        ]:
            due = now - dt.timedelta(days=days_ago, hours=1)
            session.add(
                Checkin(
                    client_id=first,
                    due_at=due,
                    window_ends_at=due + dt.timedelta(hours=12),
                    status=status,
                    sent_at=due,
                )
            )
        session.add(
            Flag(client_id=first, kind=FlagKind.LOW_MOOD, raised_at=now - dt.timedelta(days=3))
        )
        four_days_ago = dt.date(2026, 2, 26)
        session.add(CheckinPause(client_id=first, starts_on=four_days_ago, ends_on=four_days_ago))
    for n, client_id in enumerate(ids[1:], start=1):
        if n % 4 == 0:
            await seed_four_weeks(harness, client_id, now)

    before = len(desk.matti.bot_messages())
    await say(harness, desk.matti, "/caseload")
    [sent] = desk.matti.bot_messages()[before:]
    image = photo(harness, sent)
    title = "Check-ins of your 40 clients: 17 Feb 2026 – 2 Mar 2026"
    assert (sent.caption, image.info["Title"]) == (title, title)
    assert image.width >= 800 and image.height > 40 * 30

    async with harness.db.session() as session:
        grid = await data.caseload_grid(
            session, coach_id=desk.ids["matti"], now=now, timezone="Europe/Helsinki"
        )
    assert [row.name for row in grid.rows] == [f"Client {n:02d}" for n in range(40)]
    assert grid.rows[0].cells[-5:] == (
        CellState.PAUSED,
        CellState.FLAGGED,
        CellState.MISSED,
        CellState.ANSWERED,
        CellState.WAITING,
    )
    assert set(grid.rows[1].cells) == {CellState.NOTHING_DUE}
    assert grid.rows[4].cells.count(CellState.ANSWERED) > 5

    # Another coach sees only their own client; a coach without clients is told so.
    async with harness.db.session() as session:
        olli = await data.caseload_grid(
            session, coach_id=desk.ids["olli"], now=now, timezone="Europe/Helsinki"
        )
    assert [row.name for row in olli.rows] == ["Cilla"]
    [refused] = await say(harness, desk.liisa, "/caseload")
    assert refused.text == "This is not available to you."


async def test_a_coach_without_clients_gets_words_not_a_picture(
    harness: Harness, desk: Desk
) -> None:
    [empty] = await say(harness, desk.matti, "/caseload")
    assert empty.text == "You have no clients yet. /invite makes an invite link."
